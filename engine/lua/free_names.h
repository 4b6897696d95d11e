// The global names a compiled chunk reads or assigns, found in its bytecode: every access to a
// name that is not a local or an upvalue compiles to GETTABUP/SETTABUP on the upvalue `_ENV`.
// Used by `commsflow check` to report a typo such as `calender.date(...)` when the file loads,
// not when (or if) the line first runs.
#pragma once

#include <lua.hpp>
#include <string>
#include <vector>

namespace commsflow {

struct GlobalUse {
  std::string name;
  int line = 0;  // in the chunk's source
  bool assigned = false;
};

// The global uses of the Lua function on top of the stack (a chunk just loaded, with its debug
// information), nested functions included, in the order they occur in the bytecode. Leaves the
// stack as it was. Throws Error(Script) if the bytecode is not in the Lua 5.4 format this reads.
std::vector<GlobalUse> global_uses(lua_State* L);

}  // namespace commsflow
