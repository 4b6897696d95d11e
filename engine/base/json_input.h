// Reading JSON that people and scripts send (an API body, `--data`).
#pragma once

#include <commsflow/json.h>

#include <string_view>

namespace commsflow {

// `text` as a JSON object. Throws Error(BadInput) naming `what` ("the request body") and what is
// wrong: not JSON (with the line and column of the fault), another kind of value than an object,
// nesting deeper than the limit, or a key given twice in one object (which of the two to keep
// is not the reader's to guess). The text itself is not echoed back.
Json parse_input_object(std::string_view text, std::string_view what);

}  // namespace commsflow
