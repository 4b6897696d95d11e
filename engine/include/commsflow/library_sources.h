// The lib modules a workflow version runs, by name.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace commsflow {

// Module name as required ("calendar", "text.case") -> the source text it ran.
using LibrarySources = std::map<std::string, std::string, std::less<>>;

}  // namespace commsflow
