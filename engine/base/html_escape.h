// Escaping text for HTML, for every page and report the engine renders.
#pragma once

#include <string>
#include <string_view>

namespace commsflow {

// `text` with & < > " ' replaced by entities: safe in element content and quoted attributes.
std::string escape_html(std::string_view text);

}  // namespace commsflow
