// The C++/Lua boundary. Lua raises errors with longjmp, which skips C++ destructors; C++ throws
// exceptions, which must not unwind through Lua's C frames. Every C function exposed to Lua
// therefore enters through guarded<>, and keeps one rule: no C++ object with a destructor is
// live across a Lua call that can raise. Such calls are made through push_protected (or another
// lua_pcall), or after the scope holding the objects has ended.
#pragma once

#include <cstdio>
#include <exception>
#include <lua.hpp>
#include <string_view>

namespace commsflow {

// A C++ exception thrown by `Body` becomes a Lua error, raised here once the body's frame and
// the exception object are gone.
template <lua_CFunction Body>
int guarded(lua_State* L) {
  char message[512];
  try {
    return Body(L);
  } catch (const std::exception& e) {
    std::snprintf(message, sizeof message, "%s", e.what());
  } catch (...) {
    std::snprintf(message, sizeof message, "an unexpected error in the engine");
  }
  return luaL_error(L, "%s", message);
}

// Pushes `bytes` as a Lua string without raising: false, with nothing pushed, when Lua cannot
// allocate it (the memory cap). Safe while C++ objects are live.
inline bool push_protected(lua_State* L, std::string_view bytes) {
  if (!lua_checkstack(L, 3)) return false;
  lua_pushcfunction(L, [](lua_State* state) -> int {
    const auto* view = static_cast<const std::string_view*>(lua_touserdata(state, 1));
    lua_pushlstring(state, view->data(), view->size());
    return 1;
  });
  lua_pushlightuserdata(L, &bytes);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 1);
    return false;
  }
  return true;
}

}  // namespace commsflow
