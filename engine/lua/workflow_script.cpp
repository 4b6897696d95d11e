#include <commsflow/error.h>
#include <commsflow/script.h>

#include "lua/convert.h"
#include "lua/runtime.h"

namespace commsflow {

WorkflowScript::WorkflowScript(std::unique_ptr<LuaRuntime> runtime)
    : runtime_(std::move(runtime)) {}

WorkflowScript::~WorkflowScript() = default;

const std::string& WorkflowScript::path() const {
  return runtime_->path();
}

std::unique_ptr<WorkflowScript> WorkflowScript::load(const ScriptSource& source,
                                                     const ScriptLimits& limits,
                                                     const Clock& clock) {
  auto runtime =
      std::make_unique<LuaRuntime>(source.path, source.lib_dir, source.libraries, limits, clock);
  lua_State* L = runtime->state();
  runtime->load_chunk(source.text, source.path);  // [chunk]
  runtime->call(0, 1, "loading the file");        // [result]
  runtime->seal_libraries();
  std::unique_ptr<WorkflowScript> script(new WorkflowScript(std::move(runtime)));
  {
    LuaRuntime::Headroom room(*script->runtime_);
    script->returned_ = lua_to_json(L, -1, true, source.path);
  }
  lua_pop(L, 1);
  script->libraries_ = script->runtime_->required_libraries();
  script->undefined_globals_ = script->runtime_->undefined_globals();
  return script;
}

ScriptCallResult WorkflowScript::call_with(ScriptFunction fn, const Json& item,
                                           std::span<const Json> args, std::string_view what,
                                           bool read_item) {
  lua_State* L = runtime_->state();
  int top = lua_gettop(L);
  try {
    push_json(*runtime_, item);             // [item]
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn);  // [item, fn]
    if (!lua_isfunction(L, -1)) {
      fail(ErrorKind::Script, "{}: {} is not a function", runtime_->path(), what);
    }
    lua_pushvalue(L, -2);                                        // [item, fn, item]
    for (const Json& arg : args) push_json(*runtime_, arg);      // [item, fn, item, args...]
    runtime_->call(static_cast<int>(args.size()) + 1, 1, what);  // [item, result]
    std::string label = fmt::format("{}: {}", runtime_->path(), what);
    ScriptCallResult out;
    out.result = lua_to_json(L, -1, false, label + " returned a value that cannot be used");
    if (read_item) {
      out.item = lua_to_json(L, -2, false, label + " left item data that cannot be stored");
    }
    lua_settop(L, top);
    return out;
  } catch (...) {
    lua_settop(L, top);
    throw;
  }
}

}  // namespace commsflow
