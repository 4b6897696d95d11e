// The value type shared by the store, the Lua boundary, the CLI and the API.
#pragma once

#include <nlohmann/json.hpp>

namespace commsflow {
using Json = nlohmann::json;
}

#include <string_view>

namespace commsflow {

// How deep JSON from a person or a program (API bodies, --data, list and record values typed
// as text) may nest. Deeper input is refused while it is parsed, before anything copies or
// walks it recursively.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`. Returns a discarded value (is_discarded()) when it is not JSON; throws
// Error(BadInput) naming the limit when it nests deeper than kMaxJsonDepth.
Json parse_input_json(std::string_view text);

}  // namespace commsflow
