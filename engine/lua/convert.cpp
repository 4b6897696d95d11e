#include "lua/convert.h"

#include <commsflow/error.h>

#include <cmath>

#include "lua/runtime.h"

namespace commsflow {

namespace {

constexpr int kMaxDepth = 64;

// Well-formed UTF-8 as nlohmann::json requires when it writes data: no overlong forms, no
// surrogates, nothing above U+10FFFF (RFC 3629).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t continuation = 0;
    unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
    if (c < 0x80) {
      continuation = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
      continuation = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      continuation = 2;
      if (c == 0xe0) low = 0xa0;   // overlong
      if (c == 0xed) high = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      continuation = 3;
      if (c == 0xf0) low = 0x90;   // overlong
      if (c == 0xf4) high = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (s.size() - i <= continuation) return false;
    for (size_t k = 1; k <= continuation; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < low || b > high) : (b >> 6) != 0x2) return false;
    }
    i += continuation + 1;
  }
  return true;
}

// Keeps the function at index 1 in the registry; run protected, as the registry may grow.
int ref_trampoline(lua_State* L) {
  lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
  return 1;
}

// Where in a value a problem lies, as people read it ("rating_reasons[2]", "steps.due"): the
// keys and list positions leading there, written out only when there is a problem to report.
struct Where {
  const Where* parent = nullptr;  // null at the top of the value
  std::string_view key;           // a named key, unless this is a list position
  lua_Integer position = 0;       // a list position, counted from 1; 0 for a named key

  std::string text() const {
    if (!parent) return "";
    std::string before = parent->text();
    if (position > 0) return fmt::format("{}[{}]", before, position);
    return before.empty() ? std::string(key) : fmt::format("{}.{}", before, key);
  }
};

struct Reader {
  lua_State* L;
  bool allow_functions;
  const std::string& what;
  // What the JSON may take, roughly in bytes: tables shared many times over would otherwise
  // expand without limit, outside the Lua state's memory cap.
  std::size_t budget;

  void spend(const Where& at, std::size_t bytes) {
    if (bytes > budget) {
      bad(at, "the value is too large to store (the same tables used many times over?)");
    }
    budget -= bytes;
  }

  [[noreturn]] void bad(const Where& where, const std::string& problem) const {
    const std::string at = where.text();
    fail(ErrorKind::Script, "{}: {}{}", what, at.empty() ? "" : at + ": ", problem);
  }

  Json read(int index, const Where& at, int depth) {
    index = lua_absindex(L, index);
    spend(at, sizeof(Json));
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
        spend(at, len);
        return std::string(view);
      }
      case LUA_TTABLE:
        return read_table(index, at, depth);
      case LUA_TFUNCTION:
        if (allow_functions) {
          if (!lua_checkstack(L, 2)) bad(at, "tables nest too deeply");
          lua_pushcfunction(L, ref_trampoline);
          lua_pushvalue(L, index);
          if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            lua_pop(L, 1);
            bad(at, "no memory left under the memory cap to keep its functions");
          }
          auto ref = lua_tointeger(L, -1);
          lua_pop(L, 1);
          return Json{{"$fn", ref}};
        }
        bad(at, "functions cannot be stored");
      default:
        bad(at, fmt::format("a {} cannot be stored", luaL_typename(L, index)));
    }
  }

  Json read_table(int index, const Where& at, int depth) {
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
        array.push_back(read(-1, Where{&at, {}, i}, depth + 1));
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
      if (!valid_utf8(key)) bad(at, "a key is not valid UTF-8");
      spend(at, len);
      // On a throw, lua_to_json restores the top.
      object[key] = read(-1, Where{&at, key, 0}, depth + 1);
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
    Json out = Reader{L, allow_functions, what, LuaRuntime::of(L).limits().memory_bytes}.read(
        index, Where{}, 0);
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
