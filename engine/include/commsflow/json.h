// The value type shared by the store, the Lua boundary, the CLI and the API.
#pragma once

#include <nlohmann/json.hpp>

namespace commsflow {
using Json = nlohmann::json;
}
