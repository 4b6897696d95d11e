// Conversion between Lua values and JSON.
//
// Lua -> JSON: nil -> null; booleans, integers, finite floats and UTF-8 strings as themselves;
// a table whose keys are exactly 1..n -> array (an empty table -> empty array); a table with
// only string keys -> object. Functions become {"$fn": registry reference} when allowed.
// Anything else (mixed tables, cycles, userdata, invalid UTF-8, NaN) throws Error(Script)
// describing where in the value the problem is.
#pragma once

#include <commsflow/json.h>

#include <lua.hpp>
#include <string>

namespace commsflow {

class LuaRuntime;

// Reads the value at `index` without raising Lua errors. With `allow_functions`, functions are
// referenced in the registry (in protected mode). The result may take no more than about the
// state's memory cap, however often the value reuses the same tables.
Json lua_to_json(lua_State* L, int index, bool allow_functions, const std::string& what);

// Pushes `value` onto the stack in protected mode. Throws Error(Script) if the state is out of
// memory. Stack: [] -> [value]
void push_json(LuaRuntime& rt, const Json& value);

}  // namespace commsflow
