// One sandboxed Lua state with an instruction budget and a memory cap.
//
// Owns the lua_State. The registry holds the sandbox base table (read through by every file's
// _ENV), the commsflow module and the cache of required lib modules. Not thread-safe.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/script.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <lua.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace commsflow {

class LuaRuntime {
 public:
  // `stored_libraries`, when set, is where require() finds modules instead of lib_dir.
  LuaRuntime(std::string path, std::filesystem::path lib_dir,
             std::optional<LibrarySources> stored_libraries, ScriptLimits limits,
             const Clock& clock);
  ~LuaRuntime();
  LuaRuntime(const LuaRuntime&) = delete;
  LuaRuntime& operator=(const LuaRuntime&) = delete;

  lua_State* state() const { return L_; }
  const ScriptLimits& limits() const { return limits_; }
  // The runtime that owns `L` (its allocator's user data).
  static LuaRuntime& of(lua_State* L);
  const std::string& path() const { return path_; }

  // The lib modules required so far, with the text each ran.
  LibrarySources required_libraries() const;
  // What note_undefined_globals found in the file and the modules it required.
  const std::vector<UndefinedGlobal>& undefined_globals() const { return undefined_globals_; }
  // From now on require() returns only modules already required: a module first required
  // inside a guard or effect would run code the version was not recorded with.
  void seal_libraries() { libraries_sealed_ = true; }

  // Compiles `text` as a text chunk named after `chunk_path` with a fresh sandbox _ENV and
  // pushes the resulting function. Throws Error(Script) with "path:line: message" (and that
  // place as where()) on a syntax error. Stack: [] -> [fn]
  void load_chunk(std::string_view text, const std::string& chunk_path);

  // lua_pcall under the instruction budget and memory cap. On failure pops the error and throws
  // Error(Script) saying what failed (`what`) and why, with the script's file:line as where()
  // when it is known. Stack: [fn, args...] -> [results...]
  void call(int nargs, int nresults, std::string_view what);

  // Takes `steps` from the running call's instruction budget, for work done in C (pattern
  // matching). Once the budget is spent, stops the call as the count hook does: raises the
  // budget's error, and from then on the hook fires on every instruction, so a pcall in the
  // script cannot swallow the stop. Outside call() nothing is counted.
  void charge(lua_State* L, std::int64_t steps);

  // Gives conversions head-room above the cap, so that bookkeeping allocations made outside
  // protected mode (registry references) cannot fail. Restored on destruction.
  class Headroom {
   public:
    explicit Headroom(LuaRuntime& rt) : rt_(rt) { rt_.limit_ += kReserve; }
    ~Headroom() { rt_.limit_ -= kReserve; }

   private:
    static constexpr std::size_t kReserve = 4u << 20;
    LuaRuntime& rt_;
  };

 private:
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize);
  static void count_hook(lua_State* L, lua_Debug* ar);
  // Records where the budget ran out (from `ar`, when it can be read) and raises its error.
  void exceed_budget(lua_State* L, lua_Debug* ar);
  // pcall's message handler: records where the error arose (the innermost Lua function's file
  // and line) and returns the error object unchanged. Not called for memory errors.
  static int note_error_place(lua_State* L);
  static int forbid_global_write(lua_State* L);
  static int sandbox_setmetatable(lua_State* L);
  static int sandbox_xpcall(lua_State* L);
  static int sandbox_require(lua_State* L);
  static int clock_now(lua_State* L);
  static int uk_offset_of(lua_State* L);
  void build_sandbox();
  void push_sandbox_env();
  // Records the globals the chunk on top of the stack (loaded from `file`) uses that the sandbox
  // lacks. Does not touch the Lua stack or raise Lua errors; throws Error on unreadable bytecode.
  void note_undefined_globals(const std::string& file);
  std::string whole_paths(std::string message) const;

  std::string path_;
  std::filesystem::path lib_dir_;
  std::optional<LibrarySources> stored_libraries_;
  bool libraries_sealed_ = false;
  ScriptLimits limits_;
  const Clock& clock_;
  lua_State* L_ = nullptr;
  std::size_t used_ = 0;
  std::size_t limit_ = 0;
  std::int64_t remaining_ = 0;
  bool in_call_ = false;
  bool budget_exceeded_ = false;
  bool memory_exceeded_ = false;  // an allocation was refused for good during this call
  bool refused_ = false;          // the last refused allocation has not been retried yet
  void* refused_ptr_ = nullptr;
  std::size_t refused_size_ = 0;
  int abort_line_ = 0;
  std::string abort_source_;
  int error_line_ = 0;
  const char* error_source_ = nullptr;  // interned by Lua: valid while the function's proto is
  int caller_line_ = 0;  // the workflow's line that called the library where the error was raised
  std::vector<UndefinedGlobal> undefined_globals_;
};

}  // namespace commsflow
