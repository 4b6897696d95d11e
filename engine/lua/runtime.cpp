#include "lua/runtime.h"

#include <commsflow/error.h>
#include <commsflow/uk_time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lua/free_names.h"
#include "lua/guarded.h"
#include "lua/pattern.h"
#include "lua/prelude.h"

namespace commsflow {

namespace {

// Registry keys (addresses are unique).
char kBaseKey;
char kModuleKey;
char kLoadedKey;
char kSourcesKey;  // module name -> the text it ran, for LuaRuntime::required_libraries

constexpr int kHookEvery = 1000;

// Globals a workflow may read, copied from the real base library.
constexpr const char* kAllowedGlobals[] = {
    "assert",   "error",    "getmetatable", "ipairs", "next",    "pairs",
    "pcall",    "rawequal", "rawget",       "rawlen", "select",  "setmetatable",
    "tonumber", "tostring", "type",         "xpcall", "_VERSION"};

constexpr const char* kAllowedLibraries[] = {"string", "table", "math", "utf8"};

// Every name a sandboxed chunk's _ENV has: the above and what build_sandbox adds.
bool is_sandbox_global(std::string_view name) {
  auto in = [&](const auto& names) {
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
  };
  static constexpr std::string_view kAdded[] = {"os", "require"};
  return in(kAllowedGlobals) || in(kAllowedLibraries) || in(kAdded);
}

bool valid_module_name(const char* name) {
  // Identifiers separated by dots: no slashes, no "..", nothing that leaves lib/.
  bool at_start = true;
  for (const char* p = name; *p; ++p) {
    char c = *p;
    if (c == '.') {
      if (at_start) return false;
      at_start = true;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
               (!at_start && std::isdigit(static_cast<unsigned char>(c)))) {
      at_start = false;
    } else {
      return false;
    }
  }
  return !at_start;
}

}  // namespace

LuaRuntime& LuaRuntime::of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<LuaRuntime*>(ud);
}

void* LuaRuntime::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
  auto& rt = *static_cast<LuaRuntime*>(ud);
  std::size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    rt.used_ -= old;
    return nullptr;
  }
  bool grows = nsize > old;
  if (grows && rt.used_ + (nsize - old) > rt.limit_) {
    if (rt.refused_) rt.memory_exceeded_ = true;  // the retry of a refusal failed too
    rt.refused_ = true;
    rt.refused_ptr_ = ptr;
    rt.refused_size_ = nsize;
    return nullptr;
  }
  if (grows && rt.refused_) {
    // Lua retries a refused allocation once, after an emergency collection. If the retry fits,
    // the refusal did no harm; any other allocation first means the refusal raised an error.
    if (ptr != rt.refused_ptr_ || nsize != rt.refused_size_) rt.memory_exceeded_ = true;
    rt.refused_ = false;
  }
  void* p = std::realloc(ptr, nsize);
  if (p) rt.used_ = rt.used_ - old + nsize;
  return p;
}

void LuaRuntime::count_hook(lua_State* L, lua_Debug* ar) {
  auto& rt = of(L);
  rt.remaining_ -= kHookEvery;
  if (rt.remaining_ > 0) return;
  rt.exceed_budget(L, ar);
}

void LuaRuntime::charge(lua_State* L, std::int64_t steps) {
  if (!in_call_) return;
  remaining_ -= steps;
  if (remaining_ > 0) return;
  lua_Debug caller;  // level 0 is the C function charging; level 1 the Lua code calling it
  exceed_budget(L, lua_getstack(L, 1, &caller) ? &caller : nullptr);
}

void LuaRuntime::exceed_budget(lua_State* L, lua_Debug* ar) {
  if (!budget_exceeded_) {
    budget_exceeded_ = true;
    if (ar && lua_getinfo(L, "Sl", ar)) {
      abort_line_ = ar->currentline;
      abort_source_ = ar->source ? ar->source : "";
    }
    // From now on fire on every instruction, so a pcall in the script cannot swallow the stop.
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
  }
  luaL_error(L, "instruction budget exceeded");
}

int LuaRuntime::note_error_place(lua_State* L) {
  auto& rt = of(L);
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); ++level) {
    if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0 || !ar.source || ar.source[0] != '@') {
      continue;
    }
    if (!rt.error_source_) {
      rt.error_source_ = ar.source + 1;
      rt.error_line_ = ar.currentline;
    }
    // Raised in a library: the workflow's own line that called into it, the one its author
    // looks for.
    if (rt.path_ == ar.source + 1) {
      if (rt.path_ != rt.error_source_) rt.caller_line_ = ar.currentline;
      break;
    }
  }
  return 1;
}

int LuaRuntime::forbid_global_write(lua_State* L) {
  const char* key = lua_tostring(L, 2);
  luaL_where(L, 1);  // the function that assigned (level 0 is this metamethod)
  lua_pushfstring(L,
                  "assigning the global '%s' is not allowed in a workflow; declare it with "
                  "'local %s = ...'",
                  key ? key : "?", key ? key : "name");
  lua_concat(L, 2);
  return lua_error(L);
}

// setmetatable that refuses __gc: finalizers run with debug hooks off, so the instruction budget
// could never stop one (in a call or when the state is closed). Otherwise as the base function.
int LuaRuntime::sandbox_setmetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) {
      return luaL_error(L, "setmetatable: __gc finalizers are not allowed in a workflow");
    }
    lua_pop(L, 1);
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
    return luaL_error(L, "cannot change a protected metatable");
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// xpcall(f, handler, ...) that calls the handler after the error has unwound. The base xpcall
// calls it where the error is raised: for the budget's error, inside the count hook, where hooks
// are off, so a handler that loops could never be stopped. Memory errors skip the handler, as
// in the base function.
int LuaRuntime::sandbox_xpcall(lua_State* L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  luaL_checkstack(L, n + 2, "too many arguments");
  lua_pushvalue(L, 1);
  for (int i = 3; i <= n; ++i) lua_pushvalue(L, i);
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 0);
  if (status == LUA_OK) {
    lua_pushboolean(L, 1);
    lua_insert(L, n + 1);
    return lua_gettop(L) - n;
  }
  lua_pushboolean(L, 0);  // [args..., error, false]
  lua_insert(L, -2);      // [args..., false, error]
  if (status != LUA_ERRMEM) {
    lua_pushvalue(L, 2);
    lua_insert(L, -2);  // [args..., false, handler, error]
    lua_call(L, 1, 1);  // [args..., false, result]
  }
  return 2;
}

int LuaRuntime::clock_now(lua_State* L) {
  auto& rt = of(L);
  lua_pushinteger(L, static_cast<lua_Integer>(rt.clock_.now().time_since_epoch().count()));
  return 1;
}

int LuaRuntime::uk_offset_of(lua_State* L) {
  const lua_Integer seconds = luaL_checkinteger(L, 1);
  lua_pushinteger(
      L, static_cast<lua_Integer>(uk_offset(TimePoint(std::chrono::seconds(seconds))).count()));
  return 1;
}

// require(name): "commsflow", or a module under lib/ loaded as text in its own sandbox _ENV, from
// the stored version's record when there is one, otherwise from the file.
//
// Three parts, so that no Lua error unwinds over a C++ object: checks that may raise but hold
// nothing; then, in one scope, the C++ work (the module's path, reading the file), whose results
// reach Lua only through protected pushes, which cannot raise; then, once that scope has ended,
// the Lua work that may raise (compiling and running the module).
int LuaRuntime::sandbox_require(lua_State* L) {
  auto& rt = of(L);
  const char* name = luaL_checkstring(L, 1);
  if (std::strcmp(name, "commsflow") == 0) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kModuleKey);
    return 1;
  }
  if (!valid_module_name(name)) {
    return luaL_error(L, "require '%s': module names are words separated by dots", name);
  }
  lua_settop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kLoadedKey);  // [name, loaded]
  if (lua_getfield(L, 2, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (rt.lib_dir_.empty()) {
    return luaL_error(L, "require '%s': only modules in the workflows' lib/ folder can be required",
                      name);
  }
  if (rt.libraries_sealed_) {
    return luaL_error(L,
                      "require '%s': modules must be required when the file loads (at the top of "
                      "the file), not inside a function",
                      name);
  }

  enum class Problem { None, NoMemory, NotRecorded, NoFile, Unreadable } problem = Problem::None;
  {
    std::string relative = name;
    std::replace(relative.begin(), relative.end(), '.', '/');
    const std::string path = (rt.lib_dir_ / (relative + ".lua")).string();
    std::string read;
    std::string_view text;
    if (!push_protected(L, path)) {  // [name, loaded, path]
      problem = Problem::NoMemory;
    } else if (rt.stored_libraries_) {
      auto it = rt.stored_libraries_->find(std::string_view(name));
      if (it == rt.stored_libraries_->end()) {
        problem = Problem::NotRecorded;
      } else {
        text = it->second;
      }
    } else {
      std::ifstream file(path, std::ios::binary);
      if (!file) {
        problem = Problem::NoFile;
      } else {
        std::ostringstream content;
        content << file.rdbuf();
        read = std::move(content).str();
        if (file.bad() || read.size() > (16u << 20)) problem = Problem::Unreadable;
        text = read;
      }
    }
    if (problem == Problem::None && !push_protected(L, text)) problem = Problem::NoMemory;
  }  // every C++ object is gone: from here on Lua may raise
  const char* file_path = lua_tostring(L, 3);
  switch (problem) {
    case Problem::None:
      break;
    case Problem::NoMemory:
      return luaL_error(L, "require '%s': no memory left under the memory cap", name);
    case Problem::NotRecorded:
      return luaL_error(L, "require '%s': this stored version was not recorded with module %s",
                        name, file_path);
    case Problem::NoFile:
      return luaL_error(L, "require '%s': no module %s", name, file_path);
    case Problem::Unreadable:
      return luaL_error(L, "require '%s': cannot read %s", name, file_path);
  }
  // [name, loaded, path, text]
  size_t size = 0;
  const char* text = lua_tolstring(L, 4, &size);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kSourcesKey);
  lua_pushvalue(L, 4);
  lua_setfield(L, -2, name);  // sources[name] = text
  lua_pop(L, 1);
  lua_pushfstring(L, "@%s", file_path);  // [name, loaded, path, text, chunkname]
  if (luaL_loadbufferx(L, text, size, lua_tostring(L, 5), "t") != LUA_OK) {
    // Name the module and the require's line: a binary chunk's message names neither.
    return luaL_error(L, "require '%s': %s", name, lua_tostring(L, -1));
  }
  rt.note_undefined_globals(file_path);
  rt.push_sandbox_env();
  lua_setupvalue(L, -2, 1);  // the chunk's _ENV
  lua_call(L, 0, 1);         // [name, loaded, path, text, chunkname, result]
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, 2, name);  // loaded[name] = result
  return 1;
}

LibrarySources LuaRuntime::required_libraries() const {
  LibrarySources out;
  lua_rawgetp(L_, LUA_REGISTRYINDEX, &kSourcesKey);
  lua_pushnil(L_);
  while (lua_next(L_, -2) != 0) {
    size_t name_size = 0, text_size = 0;
    const char* name = lua_tolstring(L_, -2, &name_size);
    const char* text = lua_tolstring(L_, -1, &text_size);
    out.emplace(std::string(name, name_size), std::string(text, text_size));
    lua_pop(L_, 1);
  }
  lua_pop(L_, 1);
  return out;
}

LuaRuntime::LuaRuntime(std::string path, std::filesystem::path lib_dir,
                       std::optional<LibrarySources> stored_libraries, ScriptLimits limits,
                       const Clock& clock)
    : path_(std::move(path)),
      lib_dir_(std::move(lib_dir)),
      stored_libraries_(std::move(stored_libraries)),
      limits_(limits),
      clock_(clock),
      limit_(limits.memory_bytes) {
  Headroom room(*this);  // the standard libraries themselves must fit
  L_ = lua_newstate(&LuaRuntime::allocate, this);
  if (!L_) fail(ErrorKind::Script, "{}: cannot create a Lua state", path_);
  build_sandbox();
}

LuaRuntime::~LuaRuntime() {
  if (L_) lua_close(L_);
}

// Opens the libraries into the privileged global table, then builds the read-only base that
// sandboxed chunks see through their _ENV. Runs unprotected at start-up, within Headroom.
void LuaRuntime::build_sandbox() {
  luaL_requiref(L_, "_G", luaopen_base, 1);
  lua_pop(L_, 1);
  static constexpr luaL_Reg kLibraries[] = {{"string", luaopen_string}, {"table", luaopen_table},
                                            {"math", luaopen_math},     {"utf8", luaopen_utf8},
                                            {"os", luaopen_os},         {"debug", luaopen_debug}};
  for (const auto& lib : kLibraries) {
    luaL_requiref(L_, lib.name, lib.func, 1);
    lua_pop(L_, 1);
  }
  // The string table is also strings' metatable __index ("a"):find(...): patterns are counted
  // against the budget wherever they are called from.
  lua_getglobal(L_, "string");
  install_counted_patterns(L_, -1);
  lua_pop(L_, 1);

  // Run the prelude with the privileged globals: [M, os]
  if (luaL_loadbufferx(L_, kCommsflowPrelude, std::strlen(kCommsflowPrelude), "=commsflow", "t") !=
      LUA_OK) {
    fail(ErrorKind::Script, "commsflow prelude: {}", lua_tostring(L_, -1));
  }
  lua_getglobal(L_, "debug");
  lua_getfield(L_, -1, "getinfo");
  lua_remove(L_, -2);
  lua_getglobal(L_, "os");
  lua_getfield(L_, -1, "time");
  lua_getfield(L_, -2, "date");
  lua_getfield(L_, -3, "difftime");
  lua_remove(L_, -4);
  lua_pushcfunction(L_, &guarded<&LuaRuntime::clock_now>);
  lua_pushcfunction(L_, &guarded<&LuaRuntime::uk_offset_of>);
  if (lua_pcall(L_, 6, 2, 0) != LUA_OK) {
    fail(ErrorKind::Script, "commsflow prelude: {}", lua_tostring(L_, -1));
  }
  // [M, sandbox_os]
  lua_newtable(L_);  // [M, os, base]
  for (const char* name : kAllowedGlobals) {
    lua_getglobal(L_, name);
    lua_setfield(L_, -2, name);
  }
  for (const char* name : kAllowedLibraries) {
    lua_getglobal(L_, name);
    lua_setfield(L_, -2, name);
  }
  lua_pushcfunction(L_, &guarded<&LuaRuntime::sandbox_setmetatable>);
  lua_setfield(L_, -2, "setmetatable");
  lua_pushcfunction(L_, &guarded<&LuaRuntime::sandbox_xpcall>);
  lua_setfield(L_, -2, "xpcall");
  lua_pushvalue(L_, -2);
  lua_setfield(L_, -2, "os");
  lua_pushcfunction(L_, &guarded<&LuaRuntime::sandbox_require>);
  lua_setfield(L_, -2, "require");
  lua_rawsetp(L_, LUA_REGISTRYINDEX, &kBaseKey);  // [M, os]
  lua_pop(L_, 1);
  lua_rawsetp(L_, LUA_REGISTRYINDEX, &kModuleKey);  // []
  lua_newtable(L_);
  lua_rawsetp(L_, LUA_REGISTRYINDEX, &kLoadedKey);
  lua_newtable(L_);
  lua_rawsetp(L_, LUA_REGISTRYINDEX, &kSourcesKey);
}

void LuaRuntime::note_undefined_globals(const std::string& file) {
  for (auto& use : global_uses(L_)) {
    if (is_sandbox_global(use.name)) continue;
    undefined_globals_.push_back(
        UndefinedGlobal{file, use.line, std::move(use.name), use.assigned});
  }
}

void LuaRuntime::push_sandbox_env() {
  lua_createtable(L_, 0, 0);  // env
  lua_createtable(L_, 0, 3);  // metatable
  lua_rawgetp(L_, LUA_REGISTRYINDEX, &kBaseKey);
  lua_setfield(L_, -2, "__index");
  lua_pushcfunction(L_, &guarded<&LuaRuntime::forbid_global_write>);
  lua_setfield(L_, -2, "__newindex");
  lua_pushboolean(L_, 0);
  lua_setfield(L_, -2, "__metatable");
  lua_setmetatable(L_, -2);
}

// Lua shortens chunk names longer than LUA_IDSIZE to "..." and their tail in messages; puts the
// workflow's path back whole, so messages read "path:line: ..." as for short paths.
std::string LuaRuntime::whole_paths(std::string message) const {
  std::string chunk_name = "@" + path_;
  if (chunk_name.size() <= LUA_IDSIZE) return message;
  std::string shortened = "..." + chunk_name.substr(chunk_name.size() - (LUA_IDSIZE - 4));
  for (size_t at = message.find(shortened); at != std::string::npos;
       at = message.find(shortened, at + path_.size())) {
    message.replace(at, shortened.size(), path_);
  }
  return message;
}

void LuaRuntime::load_chunk(std::string_view text, const std::string& chunk_path) {
  std::string chunk_name = "@" + chunk_path;
  if (luaL_loadbufferx(L_, text.data(), text.size(), chunk_name.c_str(), "t") != LUA_OK) {
    std::string message = whole_paths(lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "cannot load");
    lua_pop(L_, 1);
    // Lua's syntax errors read "path:line: message".
    std::string where;
    if (message.starts_with(chunk_path + ":")) {
      std::string_view rest = std::string_view(message).substr(chunk_path.size() + 1);
      size_t digits = rest.find_first_not_of("0123456789");
      if (digits != 0 && digits != std::string_view::npos && rest[digits] == ':') {
        where = chunk_path + ":" + std::string(rest.substr(0, digits));
      }
    }
    throw Error::script(std::move(message), std::move(where));
  }
  note_undefined_globals(chunk_path);
  // Creating the environment allocates; do it protected so a full state fails cleanly.
  lua_pushcfunction(L_, [](lua_State* L) -> int {
    of(L).push_sandbox_env();
    return 1;
  });
  if (lua_pcall(L_, 0, 1, 0) != LUA_OK) {
    lua_pop(L_, 2);
    fail(ErrorKind::Script, "{}: workflow stopped: no memory left for its environment", path_);
  }
  lua_setupvalue(L_, -2, 1);  // _ENV
}

void LuaRuntime::call(int nargs, int nresults, std::string_view what) {
  remaining_ = limits_.instructions;
  budget_exceeded_ = memory_exceeded_ = refused_ = false;
  lua_sethook(L_, &LuaRuntime::count_hook, LUA_MASKCOUNT, kHookEvery);
  error_source_ = nullptr;
  error_line_ = caller_line_ = 0;
  const int handler = lua_gettop(L_) - nargs;  // the handler goes below the function
  lua_pushcfunction(L_, &LuaRuntime::note_error_place);
  lua_insert(L_, handler);
  in_call_ = true;
  int rc = lua_pcall(L_, nargs, nresults, handler);
  in_call_ = false;
  lua_remove(L_, handler);
  std::string error_place;
  if (error_source_) error_place = fmt::format("{}:{}", error_source_, error_line_);
  lua_sethook(L_, nullptr, 0, 0);
  if (refused_) memory_exceeded_ = true;  // refused and never retried: it raised an error
  refused_ = false;
  if (rc == LUA_OK && !budget_exceeded_ && !memory_exceeded_) return;

  std::string message;
  if (rc != LUA_OK) {
    const char* m = lua_tostring(L_, -1);
    message = m ? m : fmt::format("error object is a {}", luaL_typename(L_, -1));
    lua_pop(L_, 1);
  } else {
    lua_pop(L_, nresults == LUA_MULTRET ? 0 : nresults);
  }
  if (budget_exceeded_) {
    std::string where = path_;
    if (abort_source_.size() > 1 && abort_source_[0] == '@') where = abort_source_.substr(1);
    if (abort_line_ > 0) where += fmt::format(":{}", abort_line_);
    throw Error::script(fmt::format("{}: workflow stopped in {}: it ran more than its budget of "
                                    "{} instructions (an endless loop?)",
                                    where, what, limits_.instructions),
                        abort_line_ > 0 ? where : std::string());
  }
  if (memory_exceeded_) {
    lua_gc(L_, LUA_GCCOLLECT);
    fail(ErrorKind::Script,
         "{}: workflow stopped in {}: it used more than its memory cap of {} MiB", path_, what,
         limits_.memory_bytes >> 20);
  }
  std::string called_from;
  if (caller_line_ > 0) called_from = fmt::format(", called from {}:{}", path_, caller_line_);
  throw Error::script(
      fmt::format("{} (in {}{})", whole_paths(std::move(message)), what, called_from),
      std::move(error_place));
}

}  // namespace commsflow
