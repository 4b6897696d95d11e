#include "lua/convert.h"

#include <commsflow/error.h>

#include <cmath>

#include "lua/runtime.h"

namespace commsflow {

namespace {

constexpr int kMaxDepth = 64;

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t continuation = 0;
    if (c >= 0x80) {
      if ((c >> 5) == 0x6) {
        continuation = 1;
      } else if ((c >> 4) == 0xe) {
        continuation = 2;
      } else if ((c >> 3) == 0x1e) {
        continuation = 3;
      } else {
        return false;
      }
    }
    if (i + continuation >= s.size() && continuation > 0) return false;
    for (size_t k = 1; k <= continuation; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += continuation + 1;
  }
  return true;
}

struct Reader {
  lua_State* L;
  bool allow_functions;
  const std::string& what;

  [[noreturn]] void bad(const std::string& at, const std::string& problem) const {
    fail(ErrorKind::Script, "{}: {}{}", what, at.empty() ? "" : at + ": ", problem);
  }

  Json read(int index, const std::string& at, int depth) {
    index = lua_absindex(L, index);
    switch (lua_type(L, index)) {
      case LUA_TNIL:
        return nullptr;
      case LUA_TBOOLEAN:
        return static_cast<bool>(lua_toboolean(L, index));
      case LUA_TNUMBER: {
        if (lua_isinteger(L, index)) return static_cast<std::int64_t>(lua_tointeger(L, index));
        double d = lua_tonumber(L, index);
        if (!std::isfinite(d)) bad(at, "numbers must be finite");
        return d;
      }
      case LUA_TSTRING: {
        size_t len = 0;
        const char* s = lua_tolstring(L, index, &len);
        std::string_view view(s, len);
        if (!valid_utf8(view)) bad(at, "text is not valid UTF-8");
        return std::string(view);
      }
      case LUA_TTABLE:
        return read_table(index, at, depth);
      case LUA_TFUNCTION:
        if (allow_functions) {
          lua_pushvalue(L, index);
          return Json{{"$fn", luaL_ref(L, LUA_REGISTRYINDEX)}};
        }
        bad(at, "functions cannot be stored");
      default:
        bad(at, fmt::format("a {} cannot be stored", luaL_typename(L, index)));
    }
  }

  Json read_table(int index, const std::string& at, int depth) {
    if (depth > kMaxDepth) bad(at, "tables nest too deeply (a table that contains itself?)");
    if (!lua_checkstack(L, 4)) bad(at, "tables nest too deeply");
    lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, index));
    lua_Integer count = 0;
    bool all_strings = true;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      ++count;
      if (lua_type(L, -2) != LUA_TSTRING) all_strings = false;
      lua_pop(L, 1);
    }
    if (count == n) {  // a sequence, possibly empty
      Json array = Json::array();
      for (lua_Integer i = 1; i <= n; ++i) {
        lua_rawgeti(L, index, i);
        array.push_back(read(-1, fmt::format("{}[{}]", at, i), depth + 1));
        lua_pop(L, 1);
      }
      return array;
    }
    if (!all_strings) bad(at, "a table must be either a list or have only named keys");
    Json object = Json::object();
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      // Keys are strings (checked above); lua_tolstring does not convert them in place.
      size_t len = 0;
      const char* k = lua_tolstring(L, -2, &len);
      std::string key(k, len);
      std::string child_at = at.empty() ? key : at + "." + key;
      object[key] = read(-1, child_at, depth + 1);  // on a throw, lua_to_json restores the top
      lua_pop(L, 1);
    }
    return object;
  }
};

// Pushes without C++ objects that need destructors on the frames, because an out-of-memory
// error here unwinds with longjmp.
void push_value(lua_State* L, const Json& v) {
  luaL_checkstack(L, 3, "value nests too deeply");
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      lua_pushnil(L);
      break;
    case Json::value_t::boolean:
      lua_pushboolean(L, v.get<bool>());
      break;
    case Json::value_t::number_integer:
      lua_pushinteger(L, v.get<std::int64_t>());
      break;
    case Json::value_t::number_unsigned:
      lua_pushinteger(L, static_cast<lua_Integer>(v.get<std::uint64_t>()));
      break;
    case Json::value_t::number_float:
      lua_pushnumber(L, v.get<double>());
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      break;
    }
    case Json::value_t::binary:
      lua_pushnil(L);
      break;
    case Json::value_t::array: {
      lua_createtable(L, static_cast<int>(v.size()), 0);
      for (size_t i = 0; i < v.size(); ++i) {
        push_value(L, v[i]);
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
      }
      break;
    }
    case Json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(v.size()));
      for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string& key = it.key();
        lua_pushlstring(L, key.data(), key.size());
        push_value(L, it.value());
        lua_rawset(L, -3);
      }
      break;
    }
  }
}

int push_trampoline(lua_State* L) {
  const auto* value = static_cast<const Json*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  push_value(L, *value);
  return 1;
}

}  // namespace

Json lua_to_json(lua_State* L, int index, bool allow_functions, const std::string& what) {
  int top = lua_gettop(L);
  try {
    Json out = Reader{L, allow_functions, what}.read(index, "", 0);
    lua_settop(L, top);
    return out;
  } catch (...) {
    lua_settop(L, top);
    throw;
  }
}

void push_json(LuaRuntime& rt, const Json& value) {
  lua_State* L = rt.state();
  lua_pushcfunction(L, push_trampoline);
  lua_pushlightuserdata(L, const_cast<Json*>(&value));
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 1);
    fail(ErrorKind::Script, "{}: workflow stopped: no memory left to pass it its data", rt.path());
  }
}

}  // namespace commsflow
