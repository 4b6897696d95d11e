// Lua's pattern functions (string.find, string.match, string.gmatch, string.gsub) with every
// matching step counted against the running call's instruction budget.
//
// Lua's own matcher backtracks in C, where the count hook never fires: a pattern such as
// "a-a-a-a-b" over a few thousand characters runs for minutes inside one call. These versions
// behave as Lua 5.4's (the same results, captures, errors and limits) but charge each step of
// the matcher, and each repetition of a quantifier, through LuaRuntime::charge, which stops the
// call with the budget's error once the budget is spent.
#pragma once

#include <lua.hpp>

namespace commsflow {

// Replaces find, match, gmatch and gsub in the string library table at `index` of L's stack.
void install_counted_patterns(lua_State* L, int index);

}  // namespace commsflow
