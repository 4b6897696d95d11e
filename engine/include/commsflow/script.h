// A workflow file compiled in its own sandboxed Lua state.
//
// The sandbox allows only base functions that cannot reach outside (no load, dofile, rawset,
// collectgarbage, print), string, table, math, utf8, an `os` with only time/date/difftime driven
// by the engine's clock, and `require` for "commsflow" and modules under the workflows' lib/
// folder. Text chunks only, never bytecode. Each file gets its own _ENV; assigning a global is an
// error. Every call into Lua runs under an instruction budget and the state under a memory cap;
// exceeding either aborts the call with Error(Script) naming the workflow file.
//
// Not thread-safe: one WorkflowScript is used by one thread at a time.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/json.h>
#include <commsflow/library_sources.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

struct ScriptLimits {
  std::int64_t instructions = 20'000'000;  // per call, in Lua VM instructions
  std::size_t memory_bytes = 64u << 20;    // per Lua state
};

struct ScriptSource {
  std::string path;  // used in messages, e.g. "workflows/media_signoff.lua"
  std::string text;
  std::filesystem::path lib_dir;  // where require() looks; empty: only "commsflow"
  // When set, require() takes modules from here instead of reading lib_dir: a stored workflow
  // version runs the modules recorded with it, whatever lib/ holds today. lib_dir still names
  // them in messages.
  std::optional<LibrarySources> libraries = std::nullopt;
};

// A global name a workflow file, or a module it required, reads or assigns that the sandbox does
// not have: a typo (`calender.date`) or a missing `local`. Found when the file loads.
struct UndefinedGlobal {
  std::string file;
  int line = 0;
  std::string name;
  bool assigned = false;
};

struct ScriptCallResult {
  Json result;  // the first value returned (null for none)
  Json item;    // the first argument after the call, with any changes the function made
};

class LuaRuntime;

class WorkflowScript {
 public:
  // Runs the file and returns its result. Throws Error(Script) with "path:line: message" when it
  // does not compile, fails while running, or exceeds a limit.
  static std::unique_ptr<WorkflowScript> load(const ScriptSource& source,
                                              const ScriptLimits& limits, const Clock& clock);
  ~WorkflowScript();

  // The value the file returned, as JSON: functions appear as {"$fn": id} and tables made by
  // the commsflow constructors carry "__field"/"__line" or "__workflow"/"__line" keys.
  const Json& returned() const { return returned_; }
  const std::string& path() const;
  // Every lib module the file required while it loaded, with the text it ran. Modules can be
  // required only while the file loads, so this is everything the workflow can run.
  const LibrarySources& libraries() const { return libraries_; }
  // The undefined globals the file and its modules use (see UndefinedGlobal).
  const std::vector<UndefinedGlobal>& undefined_globals() const { return undefined_globals_; }

  // Calls fn(item, ctx). `what` names the call in messages ("guard of action 'approve'").
  // Throws Error(Script) if the function fails, exceeds a limit, or returns something that is
  // not plain data.
  ScriptCallResult call(ScriptFunction fn, const Json& item, const Json& ctx,
                        std::string_view what) {
    return call_with(fn, item, std::span<const Json>(&ctx, 1), what);
  }
  // Calls fn(item, args...).
  ScriptCallResult call(ScriptFunction fn, const Json& item, const std::vector<Json>& args,
                        std::string_view what) {
    return call_with(fn, item, args, what);
  }
  // Calls fn(item, ctx) for its answer only (a guard's or a route's): whatever it does to
  // `item` is discarded without being read back, so result.item is null.
  ScriptCallResult ask(ScriptFunction fn, const Json& item, const Json& ctx,
                       std::string_view what) {
    return call_with(fn, item, std::span<const Json>(&ctx, 1), what, /*read_item=*/false);
  }

 private:
  explicit WorkflowScript(std::unique_ptr<LuaRuntime> runtime);
  // Both calls end here; the arguments are read in place, never copied (copying the context
  // for every guard and effect was a tenth of an action's work).
  ScriptCallResult call_with(ScriptFunction fn, const Json& item, std::span<const Json> args,
                             std::string_view what, bool read_item = true);
  std::unique_ptr<LuaRuntime> runtime_;
  Json returned_;
  LibrarySources libraries_;
  std::vector<UndefinedGlobal> undefined_globals_;
};

}  // namespace commsflow
