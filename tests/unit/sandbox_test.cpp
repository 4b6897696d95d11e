// The Lua sandbox: instruction budget, memory cap, what a workflow file may and may not reach,
// globals, require, the injected clock, and what the engine does when a script misbehaves.
#include <commsflow/script.h>
#include <commsflow/workflow_loader.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;
using commsflow::test::script_error;
using commsflow::test::TempDir;

namespace {

const std::string kPath = "workflows/sandbox.lua";

ScriptLimits small_limits() {
  return ScriptLimits{100'000, 8u << 20};
}

TimePoint start_time() {
  return *parse_datetime("2026-03-02T09:00:00Z");
}

// The 1-based line of the first line of `text` containing `marker`.
int line_of(const std::string& text, const std::string& marker) {
  auto pos = text.find(marker);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

struct Script {
  explicit Script(const std::string& text, ScriptLimits limits = small_limits(),
                  std::filesystem::path lib_dir = {})
      : script(WorkflowScript::load(ScriptSource{kPath, text, std::move(lib_dir)}, limits, clock)) {
  }
  FixedClock clock{start_time()};
  std::unique_ptr<WorkflowScript> script;

  ScriptFunction fn(const std::string& name) const {
    return script->returned().at(name).at("$fn").get<ScriptFunction>();
  }
  ScriptCallResult call(const std::string& name, const Json& item = Json::object()) {
    return script->call(fn(name), item, Json{{"now", "2026-03-02T09:00:00Z"}},
                        "the function '" + name + "'");
  }
};

// The message of loading `text`, which must fail with Error(Script).
std::string load_error(const std::string& text, ScriptLimits limits = small_limits(),
                       std::filesystem::path lib_dir = {}) {
  FixedClock clock{start_time()};
  return script_error([&] {
    WorkflowScript::load(ScriptSource{kPath, text, std::move(lib_dir)}, limits, clock);
  });
}

}  // namespace

TEST_CASE("a file that loops forever while loading is stopped by the instruction budget") {
  std::string text = "local n = 0\nwhile true do\n  n = n + 1\nend\nreturn {}\n";
  std::string m = load_error(text);
  CHECK_THAT(m, Catch::Contains("budget of 100000 instructions"));
  CHECK_THAT(m, Catch::Contains("loading the file"));
  CHECK_THAT(m, Catch::StartsWith(kPath + ":"));
  int line = std::stoi(m.substr(kPath.size() + 1));
  CHECK(line >= 2);
  CHECK(line <= 4);

  // load_workflow reports the same as a problem with the file and line.
  FixedClock clock{start_time()};
  auto loaded = load_workflow(ScriptSource{kPath, text, {}}, "v", small_limits(), clock);
  REQUIRE(loaded.problems.size() == 1);
  CHECK(loaded.problems[0].file == kPath);
  CHECK(loaded.problems[0].line == line);
  CHECK_THAT(loaded.problems[0].message, Catch::Contains("budget"));
  CHECK_FALSE(loaded.script);
}

TEST_CASE("pcall inside a workflow cannot swallow the end of its budget") {
  SECTION("a loop of pcalls") {
    CHECK_THAT(load_error("while true do pcall(function() while true do end end) end\n"),
               Catch::Contains("budget"));
  }
  SECTION("one pcall, then carrying on as if nothing happened") {
    CHECK_THAT(
        load_error("local ok = pcall(function() while true do end end)\nreturn { ok = ok }\n"),
        Catch::Contains("budget"));
  }
  SECTION("xpcall with a handler that loops too") {
    CHECK_THAT(load_error("local ok = xpcall(function() while true do end end,\n"
                          "  function(e) while true do end end)\nreturn { ok = ok }\n"),
               Catch::Contains("budget"));
  }
  SECTION("error() from a pcall'd loop caught in a loop") {
    CHECK_THAT(load_error("for i = 1, 1e9 do\n  pcall(error, 'x')\nend\n"),
               Catch::Contains("budget"));
  }
}

TEST_CASE("unbounded allocation is stopped by the memory cap") {
  SECTION("a growing table") {
    std::string m =
        load_error("local t = {}\nwhile true do t[#t + 1] = string.rep('x', 4096) .. #t end\n");
    CHECK_THAT(m, Catch::Contains("memory cap of 8 MiB"));
    CHECK_THAT(m, Catch::StartsWith(kPath));
  }
  SECTION("one huge string") {
    CHECK_THAT(load_error("local s = string.rep('x', 1 << 30)\n"),
               Catch::Contains("memory cap of 8 MiB"));
  }
  SECTION("a pcall that catches running out of memory does not hide it") {
    CHECK_THAT(load_error("local ok = pcall(function()\n  local t = {}\n"
                          "  while true do t[#t + 1] = string.rep('x', 65536) .. #t end\n"
                          "end)\nreturn { ok = ok }\n"),
               Catch::Contains("memory cap"));
  }
}

TEST_CASE("a script that hit a limit keeps working for the next call") {
  const std::string text = R"lua(
return {
  hog = function(item)
    local t = {}
    while true do t[#t + 1] = string.rep("x", 4096) .. #t end
  end,
  spin = function(item)
    while true do end
  end,
  -- Needs 3 MiB twice over (string.rep copies its buffer) and some instructions: fails if the
  -- hog's garbage was kept or the budget was not reset.
  normal = function(item)
    local big = string.rep("y", 3 << 20)
    local sum = 0
    for i = 1, 1000 do sum = sum + i end
    item.size = #big
    item.sum = sum
    return "done"
  end,
}
)lua";
  Script s(text);
  for (int round = 0; round < 3; ++round) {
    CHECK_THAT(script_error([&] { s.call("hog"); }), Catch::Contains("memory cap of 8 MiB"));
    auto r = s.call("normal");
    CHECK(r.result == "done");
    CHECK(r.item == Json{{"size", 3 << 20}, {"sum", 500500}});
    std::string spin = script_error([&] { s.call("spin"); });
    CHECK_THAT(spin, Catch::Contains("budget"));
    CHECK_THAT(spin, Catch::Contains("the function 'spin'"));
    CHECK_THAT(spin,
               Catch::Contains(fmt::format("{}:{}:", kPath, line_of(text, "while true do end"))));
    CHECK(s.call("normal").result == "done");
  }
}

TEST_CASE("garbage does not count against the memory cap") {
  // 3 MiB strings in an 8 MiB cap: only possible if what earlier code dropped is collected.
  Script s(R"lua(
return {
  in_one_call = function(item)
    local n = 0
    for i = 1, 6 do n = n + #string.rep("y", 3 << 20) + i end
    return n
  end,
  once = function(item) return #string.rep("y", 3 << 20) end,
}
)lua");
  CHECK(s.call("in_one_call").result == 6 * (3 << 20) + 21);
  for (int i = 0; i < 6; ++i) CHECK(s.call("once").result == 3 << 20);
}

TEST_CASE("xpcall works and its handler is stopped by the budget too") {
  Script s(R"lua(
return {
  f = function(item)
    item.caught = { xpcall(error, function(e) return "handled: " .. e end, "boom", 0) }
    item.fine = { xpcall(function(a, b) return a + b, "x" end, error, 1, 2) }
  end,
  spin_handler = function(item)
    return xpcall(function() while true do end end, function(e) while true do end end)
  end,
}
)lua");
  CHECK(s.call("f").item == Json{{"caught", Json::array({false, "handled: boom"})},
                                 {"fine", Json::array({true, 3, "x"})}});
  CHECK_THAT(script_error([&] { s.call("spin_handler"); }), Catch::Contains("budget"));
  CHECK(s.call("f").item["fine"] == Json::array({true, 3, "x"}));
}

TEST_CASE("functions that reach outside the sandbox are not there") {
  // Each line runs at the top of a file; it must fail with a plain Lua error naming the file
  // and line, never crash or succeed.
  auto [code, fragment] = GENERATE(table<std::string, std::string>({
      {"os.execute('true')", "field 'execute'"},
      {"os.exit(1)", "field 'exit'"},
      {"os.getenv('HOME')", "field 'getenv'"},
      {"os.remove('/tmp/x')", "field 'remove'"},
      {"io.open('/etc/passwd')", "global 'io'"},
      {"io.write('x')", "global 'io'"},
      {"dofile('/etc/passwd')", "global 'dofile'"},
      {"loadfile('/etc/passwd')", "global 'loadfile'"},
      {"load('return 1')", "global 'load'"},
      {"load(string.dump(function() return 1 end))", "global 'load'"},
      {"loadstring('return 1')", "global 'loadstring'"},
      {"debug.getinfo(1)", "global 'debug'"},
      {"collectgarbage()", "global 'collectgarbage'"},
      {"print('hello')", "global 'print'"},
      {"rawset(_G, 'x', 1)", "global 'rawset'"},
      {"_G.x = 1", "global '_G'"},
      {"package.loaded.os = nil", "global 'package'"},
      {"coroutine.wrap(function() end)()", "global 'coroutine'"},
      {"setmetatable(_ENV, nil)", "protected metatable"},
      {"require 'os'", "only modules in the workflows' lib/ folder"},
      {"require 'io'", "only modules in the workflows' lib/ folder"},
      {"require '../x'", "module names are words separated by dots"},
      {"require '/etc/passwd'", "module names are words separated by dots"},
      {"require 'a..b'", "module names are words separated by dots"},
  }));
  INFO(code);
  std::string m = load_error("local wf = require 'commsflow'\n" + code + "\nreturn {}\n");
  CHECK_THAT(m, Catch::StartsWith(kPath + ":2:"));
  CHECK_THAT(m, Catch::Contains(fragment));
}

TEST_CASE("the safe parts of the standard library are there") {
  Script s(R"lua(
local wf = require "commsflow"
return {
  f = function(item)
    item.fmt = string.format("%s-%03d", "x", 7)
    item.upper = ("abc"):upper()
    item.joined = table.concat({ "a", "b" }, ",")
    item.floor = math.floor(2.7)
    item.char = utf8.char(233)
    item.mins = wf.minutes(2)
    item.type = type(getmetatable(_ENV))
    local ok, err = pcall(error, "caught")
    item.caught = not ok and err == "caught"
    item.selected = select("#", 1, 2, 3)
  end,
}
)lua");
  auto r = s.call("f");
  CHECK(r.item == Json{{"fmt", "x-007"},
                       {"upper", "ABC"},
                       {"joined", "a,b"},
                       {"floor", 2},
                       {"char", "\xc3\xa9"},
                       {"mins", 120},
                       {"type", "boolean"},
                       {"caught", true},
                       {"selected", 3}});
}

TEST_CASE("bytecode is never loaded") {
  SECTION("as the workflow file") {
    CHECK_THAT(load_error(std::string("\x1bLua\x54\x00 not really bytecode", 26)),
               Catch::Contains("binary chunk"));
  }
  SECTION("as a lib module") {
    TempDir dir;
    dir.write("lib/compiled.lua", std::string("\x1bLua\x54\x00 not really bytecode", 26));
    std::string m =
        load_error("local c = require 'compiled'\nreturn {}\n", small_limits(), dir / "lib");
    CHECK_THAT(m, Catch::Contains("binary chunk"));
    CHECK_THAT(m, Catch::StartsWith(kPath + ":1: require 'compiled': "));
  }
}

TEST_CASE("a finalizer cannot run code outside the instruction budget") {
  // Finalizers run with debug hooks off, so the budget could never stop one: they are refused.
  std::string m = load_error(
      "local wf = require 'commsflow'\n"
      "setmetatable({}, { __gc = function() while true do end end })\nreturn {}\n");
  CHECK_THAT(m, Catch::StartsWith(kPath + ":2:"));
  CHECK_THAT(m, Catch::Contains("__gc"));

  // A metatable given __gc after setmetatable does not make the table finalizable, so that is
  // harmless; the file loads and the script is destroyed without hanging.
  Script s(
      "local mt = {}\nlocal t = setmetatable({}, mt)\n"
      "mt.__gc = function() while true do end end\nt = nil\n"
      "return { f = function(item) local x = {} for i = 1, 100 do x[i] = {} end end }\n");
  s.call("f");
  s.script.reset();
}

TEST_CASE("assigning a global is refused with the file and line") {
  SECTION("at the top of the file") {
    std::string m = load_error("local a = 1\nx = 1\nreturn {}\n");
    CHECK_THAT(m, Catch::Contains("assigning the global 'x'"));
    CHECK_THAT(m, Catch::StartsWith(kPath + ":2:"));
    CHECK_THAT(m, Catch::Contains("local x = ..."));
  }
  SECTION("a global function") {
    std::string m = load_error("local a = 1\n\nfunction helper() end\nreturn {}\n");
    CHECK_THAT(m, Catch::Contains("assigning the global 'helper'"));
    CHECK_THAT(m, Catch::StartsWith(kPath + ":3:"));
  }
  SECTION("inside a guard") {
    Script s(
        "return {\n  guard = function(item)\n    local y = 2\n    x = y\n"
        "    return true\n  end,\n}\n");
    std::string m = script_error([&] { s.call("guard"); });
    CHECK_THAT(m, Catch::Contains("assigning the global 'x'"));
    CHECK_THAT(m, Catch::StartsWith(kPath + ":4:"));
    CHECK_THAT(m, Catch::Contains("the function 'guard'"));
  }
  SECTION("through load_workflow, as a problem with a line") {
    FixedClock clock{start_time()};
    auto loaded = load_workflow(ScriptSource{kPath, "local wf = require 'commsflow'\nx = 1\n", {}},
                                "v", small_limits(), clock);
    REQUIRE(loaded.problems.size() == 1);
    CHECK(loaded.problems[0].file == kPath);
    CHECK(loaded.problems[0].line == 2);
    CHECK_THAT(loaded.problems[0].message, Catch::StartsWith("assigning the global 'x'"));
  }
  SECTION("reading an unknown global is just nil") {
    Script s("return { f = function(item) item.missing = undefined_name == nil end }\n");
    CHECK(s.call("f").item == Json{{"missing", true}});
  }
}

namespace {

// The Error(Script) that `f` throws; fails the test when it throws nothing or something else.
Error script_failure(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Script);
    return e;
  }
  FAIL("expected Error(Script)");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a script error says where it arose as file:line, apart from its message") {
  SECTION("a runtime error in a guard") {
    const std::string text =
        "return {\n  guard = function(item)\n    local n = nil\n    return n + 1 -- here\n"
        "  end,\n}\n";
    Script s(text);
    Error e = script_failure([&] { s.call("guard"); });
    CHECK(e.where() == fmt::format("{}:{}", kPath, line_of(text, "-- here")));
  }
  SECTION("error() called from a helper names the helper's line") {
    const std::string text =
        "local function check(v)\n  if not v then error('no value') end -- raise\nend\n"
        "return { guard = function(item) check(item.v) return true end }\n";
    Script s(text);
    Error e = script_failure([&] { s.call("guard"); });
    CHECK(e.where() == fmt::format("{}:{}", kPath, line_of(text, "-- raise")));
  }
  SECTION("a syntax error") {
    FixedClock clock{start_time()};
    Error e = script_failure([&] {
      WorkflowScript::load(ScriptSource{kPath, "return {\n  a = 1,\n  b = = 2\n}\n", {}},
                           small_limits(), clock);
    });
    CHECK(e.where() == kPath + ":3");
  }
  SECTION("the instruction budget, where it ran out") {
    const std::string text = "return { spin = function(item)\n  while true do end -- spin\nend }\n";
    Script s(text);
    Error e = script_failure([&] { s.call("spin"); });
    CHECK(e.where() == fmt::format("{}:{}", kPath, line_of(text, "-- spin")));
  }
  SECTION("an error in a library is placed there, and names the workflow's line that called it") {
    TempDir dir;
    const auto lib = dir.write("lib/util.lua",
                               "local M = {}\nfunction M.half(n)\n  return n / 2\nend\nreturn M\n");
    const std::string text =
        "local util = require 'util'\nreturn { guard = function(item)\n"
        "  return util.half(item.missing) > 1 -- calls\nend }\n";
    Script s(text, small_limits(), dir / "lib");
    Error e = script_failure([&] { s.call("guard"); });
    CHECK(e.where() == fmt::format("{}:3", lib.string()));
    CHECK_THAT(e.what(), Catch::Contains("arithmetic on a nil value") &&
                             Catch::EndsWith(fmt::format("(in the function 'guard', called from "
                                                         "{}:{})",
                                                         kPath, line_of(text, "-- calls"))));
  }
  SECTION("the memory cap has no place") {
    Script s(
        "return { grow = function(item)\n  local t = {}\n  for i = 1, 1e9 do t[i] = i end\n"
        "end }\n",
        ScriptLimits{100'000'000, 8u << 20});
    Error e = script_failure([&] { s.call("grow"); });
    CHECK_THAT(e.what(), Catch::Contains("memory cap"));
    CHECK(e.where().empty());
  }
}

TEST_CASE("a long workflow path is kept whole in messages") {
  // Lua shortens chunk names longer than 60 characters to "...tail"; messages must still name
  // the file as given so that `commsflow check` can report file:line.
  std::string path =
      "/srv/commsflow/deployments/communications-team/production/workflows/"
      "media_signoff_with_a_long_name.lua";
  FixedClock clock{start_time()};
  auto error_of = [&](const std::string& text) {
    return script_error([&] {
      WorkflowScript::load(ScriptSource{path, text, {}}, small_limits(), clock);
    });
  };
  CHECK_THAT(error_of("local a = 1\nerror('stop here')\n"), Catch::StartsWith(path + ":2: stop"));
  CHECK_THAT(error_of("local a = 1\n\nx = 1\n"), Catch::StartsWith(path + ":3: assigning"));
  CHECK_THAT(error_of("local a = \n"), Catch::StartsWith(path + ":2:"));
  CHECK_THAT(error_of("local a = 1\nwhile true do end\n"), Catch::StartsWith(path + ":2:"));

  auto loaded = load_workflow(ScriptSource{path, "local a = 1\nlocal b = nil + 1\n", {}}, "v",
                              small_limits(), clock);
  REQUIRE(loaded.problems.size() == 1);
  CHECK(loaded.problems[0].file == path);
  CHECK(loaded.problems[0].line == 2);
  CHECK_THAT(loaded.problems[0].message, Catch::Contains("arithmetic on a nil value"));
}

TEST_CASE("require loads modules from the lib folder as text in the sandbox") {
  TempDir dir;
  dir.write("lib/util.lua",
            "local M = {}\nfunction M.double(n) return n * 2 end\nM.loads = 0\nreturn M\n");
  dir.write("lib/text/case.lua", "return { shout = function(s) return s:upper() .. '!' end }\n");
  dir.write("lib/nothing.lua", "local x = 1\n");
  dir.write("lib/leaky.lua", "local M = {}\n\nleaked = true\nreturn M\n");
  dir.write("lib/shell.lua", "return { run = function() return os.execute('true') end }\n");
  dir.write("outside.lua", "return { secret = 42 }\n");
  auto lib = dir / "lib";

  SECTION("modules load, nest with dots and are loaded once") {
    Script s(R"lua(
local util = require "util"
local case = require "text.case"
local nothing = require "nothing"
util.loads = util.loads + 1
return {
  f = function(item)
    item.doubled = util.double(21)
    item.shout = case.shout("hi")
    item.same = require("util") == util
    item.loads = require("util").loads
    item.nothing = nothing
  end,
}
)lua",
             small_limits(), lib);
    CHECK(s.call("f").item ==
          Json{{"doubled", 42}, {"shout", "HI!"}, {"same", true}, {"loads", 1}, {"nothing", true}});
  }
  SECTION("a missing module is a clear error") {
    std::string m = load_error("local wf = require 'commsflow'\nlocal m = require 'missing'\n",
                               small_limits(), lib);
    CHECK_THAT(m, Catch::StartsWith(kPath + ":2:"));
    CHECK_THAT(m, Catch::Contains("require 'missing': no module"));
    CHECK_THAT(m, Catch::Contains("missing.lua"));
  }
  SECTION("a module cannot be reached outside lib/") {
    CHECK_THAT(load_error("return require '..outside'\n", small_limits(), lib),
               Catch::Contains("module names are words separated by dots"));
    CHECK_THAT(load_error("return require 'text/case'\n", small_limits(), lib),
               Catch::Contains("module names are words separated by dots"));
  }
  SECTION("modules live in the same sandbox: no globals, no os.execute") {
    std::string m = load_error("local l = require 'leaky'\nreturn {}\n", small_limits(), lib);
    CHECK_THAT(m, Catch::Contains("assigning the global 'leaked'"));
    CHECK_THAT(m, Catch::Contains((lib / "leaky.lua").string() + ":3:"));

    Script s("local shell = require 'shell'\nreturn { f = function() return shell.run() end }\n",
             small_limits(), lib);
    CHECK_THAT(script_error([&] { s.call("f"); }), Catch::Contains("field 'execute'"));
  }
  SECTION("a module with a syntax error names the require and the module's line") {
    dir.write("lib/broken.lua", "local M = {}\n\nM.x = = 1\nreturn M\n");
    std::string m = load_error("local wf = require 'commsflow'\nlocal b = require 'broken'\n",
                               small_limits(), lib);
    CHECK_THAT(m, Catch::StartsWith(kPath + ":2: require 'broken': "));
    CHECK_THAT(m, Catch::Contains((lib / "broken.lua").string() + ":3:"));
  }
  SECTION("a module that loops forever is stopped, naming the module") {
    dir.write("lib/spin.lua", "local M = {}\nwhile true do end\nreturn M\n");
    std::string m = load_error("local s = require 'spin'\nreturn {}\n", small_limits(), lib);
    CHECK_THAT(m, Catch::Contains("budget"));
    CHECK_THAT(m, Catch::StartsWith((lib / "spin.lua").string() + ":2:"));
  }
}

TEST_CASE("os.time and os.date and commsflow.now follow the engine's clock") {
  Script s(R"lua(
local wf = require "commsflow"
local loaded_at = os.time()
return {
  f = function(item)
    item.loaded_at = loaded_at
    item.time = os.time()
    item.now = wf.now()
    item.date = os.date("!%Y-%m-%d %H:%M:%S")
    item.explicit = os.date("!%Y-%m-%d", 0)
    item.table_year = os.date("!*t").year
    item.diff = os.difftime(os.time(), loaded_at)
  end,
}
)lua");
  std::int64_t t0 = start_time().time_since_epoch().count();
  CHECK(s.call("f").item == Json{{"loaded_at", t0},
                                 {"time", t0},
                                 {"now", "2026-03-02T09:00:00Z"},
                                 {"date", "2026-03-02 09:00:00"},
                                 {"explicit", "1970-01-01"},
                                 {"table_year", 2026},
                                 {"diff", 0.0}});
  s.clock.advance(std::chrono::hours(24 * 365));
  auto later = s.call("f").item;
  CHECK(later["time"] == t0 + 365 * 86400);
  CHECK(later["now"] == "2027-03-02T09:00:00Z");
  CHECK(later["date"] == "2027-03-02 09:00:00");
  CHECK(later["diff"] == 365.0 * 86400);
  CHECK(later["loaded_at"] == t0);
}

TEST_CASE("values a function returns or leaves must be plain data") {
  const std::string text = R"lua(
return {
  returns_function = function(item) return function() end end,
  mixed = function(item) return { 1, 2, x = 3 } end,
  nan = function(item) item.n = 0 / 0 end,
  nested_nan = function(item) item.steps = { { due = 1 }, { due = 0 / 0 } } end,
  cycle = function(item) item.self = item end,
  bad_text = function(item) item.t = "\xff" end,
  bad_key = function(item) item["caf\xe9"] = 1 end,
  throws_table = function(item) error({ code = 1 }) end,
  throws = function(item)
    error("the rule failed on purpose")
  end,
}
)lua";
  Script s(text);
  CHECK_THAT(script_error([&] { s.call("returns_function"); }),
             Catch::Contains("functions cannot be stored"));
  CHECK_THAT(script_error([&] { s.call("mixed"); }),
             Catch::Contains("either a list or have only named keys"));
  CHECK_THAT(script_error([&] { s.call("nan"); }), Catch::Contains("n: numbers must be finite"));
  // The problem is placed by its path in the value, as people read it.
  CHECK_THAT(script_error([&] { s.call("nested_nan"); }),
             Catch::Contains(": steps[2].due: numbers must be finite"));
  CHECK_THAT(script_error([&] { s.call("cycle"); }), Catch::Contains("nest too deeply"));
  CHECK_THAT(script_error([&] { s.call("bad_text"); }), Catch::Contains("t: text is not valid"));
  CHECK_THAT(script_error([&] { s.call("bad_key"); }), Catch::Contains("a key is not valid UTF-8"));
  CHECK_THAT(script_error([&] { s.call("throws_table"); }),
             Catch::Contains("error object is a table"));
  std::string m = script_error([&] { s.call("throws"); });
  CHECK_THAT(m, Catch::StartsWith(fmt::format("{}:{}: the rule failed on purpose", kPath,
                                              line_of(text, "error(\"the rule"))));
  CHECK_THAT(m, Catch::Contains("the function 'throws'"));
}

TEST_CASE("a value that reuses the same tables over and over cannot blow up outside the cap") {
  // 2^40 leaves from 40 small tables: converting it naively would never finish.
  Script s(
      "return { f = function(item)\n  local t = {}\n  for i = 1, 40 do t = { t, t } end\n"
      "  item.x = t\nend }\n",
      ScriptLimits{100'000, 2u << 20});
  CHECK_THAT(script_error([&] { s.call("f"); }), Catch::Contains("too large to store"));
  // Sharing within reason is fine.
  Script ok(
      "return { f = function(item)\n  local t = { 'a', 'b' }\n  item.x = { t, t, t }\nend }\n");
  CHECK(ok.call("f").item["x"] ==
        Json::array({Json::array({"a", "b"}), Json::array({"a", "b"}), Json::array({"a", "b"})}));
}

TEST_CASE("a file returning very many functions fails cleanly near the memory cap") {
  // Keeping each function needs registry space; running out of it must be an error, not a
  // Lua panic that aborts the process.
  FixedClock clock{start_time()};
  for (std::size_t mib : {22, 24}) {
    INFO(mib << " MiB");
    try {
      auto script = WorkflowScript::load(
          ScriptSource{kPath,
                       "local t = {}\nfor i = 1, 400000 do t[i] = function() end end\nreturn t\n",
                       {}},
          ScriptLimits{100'000'000, mib << 20}, clock);
      CHECK(script->returned().size() == 400000);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Script);
      CHECK_THAT(e.what(), Catch::Contains("memory cap"));
    }
  }
}

TEST_CASE("text must be valid UTF-8 including overlong forms and surrogates") {
  auto bad =
      GENERATE(as<std::string>{}, "\\xff", "\\xc3", "\\xc0\\xaf", "\\xe0\\x80\\xaf",
               "\\xed\\xa0\\x80", "\\xf4\\x90\\x80\\x80", "\\xf8\\x88\\x80\\x80\\x80", "ok\\x80");
  INFO(bad);
  Script s("return { f = function(item) item.t = \"" + bad + "\" end }\n");
  CHECK_THAT(script_error([&] { s.call("f"); }), Catch::Contains("text is not valid UTF-8"));
}

TEST_CASE("valid UTF-8 of every length is accepted") {
  Script s(
      "return { f = function(item) item.t = \"a\\u{e9}\\u{20ac}\\u{1f600}\\u{10ffff}\\0z\" end "
      "}\n");
  CHECK(s.call("f").item["t"] == std::string("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"
                                             "\0z",
                                             16));
}

namespace {

const char* const kHostileWorkflow = R"lua(local wf = require "commsflow"

return wf.workflow {
  name = "sandboxed",
  prefix = "SBX",
  fields = {
    title = wf.text { required = true },
    body = wf.text {},
    count = wf.integer {},
  },
  submit = {
    roles = { "comms_officer" },
    effect = function(item)
      if item.title == "loop" then while true do end end -- submit loop
    end,
  },
  initial = "open",
  states = {
    open = {
      actions = {
        -- A normal action that needs Lua to work: instructions and 6 of the 8 MiB cap.
        edit = {
          to = "open",
          roles = { "comms_officer" },
          sets = { "body" },
          guard = function(item) return true end,
          effect = function(item)
            local big = string.rep("z", 3 << 20)
            item.count = (item.count or 0) + #big // (3 << 20)
          end,
        },
        spin = {
          to = "open",
          roles = { "comms_officer" },
          guard = function(item)
            while true do end -- spin here
          end,
        },
        spin_pcall = {
          to = "open",
          roles = { "comms_officer" },
          guard = function(item)
            while true do pcall(function() while true do end end) end -- spin_pcall here
          end,
        },
        hog = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item)
            local t = {}
            while true do t[#t + 1] = string.rep("x", 4096) .. #t end
          end,
        },
        global_write = {
          to = "open",
          roles = { "comms_officer" },
          guard = function(item)
            local name = "x"; _ENV[name] = 1 -- global_write here (too dynamic for `check`)
            return true
          end,
        },
        shell = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item)
            os.execute("touch /tmp/commsflow-sandbox-escaped") -- shell here
          end,
        },
        number_guard = { to = "open", roles = { "comms_officer" }, guard = function() return 42 end },
        nil_guard = { to = "open", roles = { "comms_officer" }, guard = function() end },
        wrong_type = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item) item.count = "many" end,
        },
        unknown_field = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item) item.colour = "red" end,
        },
        bad_utf8 = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item) item.body = "caf\xe9" end,
        },
        overlong_utf8 = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item) item.body = "\xc0\xaf" end,
        },
        surrogate_utf8 = {
          to = "open",
          roles = { "comms_officer" },
          effect = function(item) item.body = "\xed\xa0\x80" end,
        },
        finish = { to = "done", roles = { "comms_officer" } },
      },
    },
    done = { final = true },
  },
}
)lua";

// An engine over the hostile workflow with small limits.
struct Hostile {
  Hostile() {
    auto problems = registry.sync();
    REQUIRE(problems.empty());
    auto submitted = engine.submit("sandboxed", "olivia", Json{{"title", "t"}});
    REQUIRE(submitted.ok());
    item = submitted.value();
  }

  Fixture f{kHostileWorkflow, "sandboxed.lua"};
  WorkflowRegistry registry{*f.store, f.clock, f.workflows, small_limits()};
  Engine engine{*f.store, registry, f.clock};
  std::string path = (f.workflows / "sandboxed.lua").string();
  Item item;

  // Takes `action`, which must fail with Error(Script) and write nothing; then checks a normal
  // action still works on the same engine. Returns the message.
  std::string fails(const std::string& action) {
    auto last = f.store->last_event();
    REQUIRE(last);
    auto history = engine.history(item.ref).size();
    std::string message = script_error([&] {
      engine.act(ActRequest{item.ref, action, "olivia", Json::object(), "", std::nullopt});
    });
    Item now = engine.item(item.ref);
    CHECK(now.revision == item.revision);
    CHECK(now.state == item.state);
    CHECK(now.data == item.data);
    CHECK(now.updated_at == item.updated_at);
    CHECK(f.store->last_event()->seq == last->seq);
    CHECK(f.store->last_event()->hash == last->hash);
    CHECK(engine.history(item.ref).size() == history);

    auto edited = engine.act(ActRequest{item.ref, "edit", "olivia",
                                        Json{{"body", "after " + action}}, "", std::nullopt});
    REQUIRE(edited.ok());
    CHECK(edited.value().revision == item.revision + 1);
    CHECK(edited.value().data["body"] == "after " + action);
    CHECK(edited.value().data["count"] == item.data.value("count", 0) + 1);
    item = edited.value();
    return message;
  }
};

}  // namespace

TEST_CASE("engine: a guard that loops forever fails the action and writes nothing") {
  Hostile h;
  for (const char* action : {"spin", "spin_pcall"}) {
    INFO(action);
    std::string m = h.fails(action);
    CHECK_THAT(m, Catch::Contains("budget of 100000 instructions"));
    CHECK_THAT(m, Catch::Contains(fmt::format("the guard of action '{}'", action)));
    CHECK_THAT(m, Catch::StartsWith(fmt::format(
                      "{}:{}:", h.path, line_of(kHostileWorkflow, std::string(action) + " here"))));
  }
}

TEST_CASE("engine: an effect that allocates without end fails and writes nothing") {
  Hostile h;
  for (int round = 0; round < 2; ++round) {
    std::string m = h.fails("hog");
    CHECK_THAT(m, Catch::Contains("memory cap of 8 MiB"));
    CHECK_THAT(m, Catch::Contains("the effect of action 'hog'"));
    CHECK_THAT(m, Catch::Contains(h.path));
  }
}

TEST_CASE("engine: a submit effect that loops forever creates nothing") {
  Hostile h;
  auto last = h.f.store->last_event();
  std::string m = script_error([&] {
    h.engine.submit("sandboxed", "olivia", Json{{"title", "loop"}});
  });
  CHECK_THAT(m, Catch::Contains("budget"));
  CHECK_THAT(m, Catch::StartsWith(
                    fmt::format("{}:{}:", h.path, line_of(kHostileWorkflow, "-- submit loop"))));
  CHECK(h.engine.items({}).size() == 1);
  CHECK(h.f.store->last_event()->seq == last->seq);
  auto next = h.engine.submit("sandboxed", "olivia", Json{{"title", "fine"}});
  REQUIRE(next.ok());
  CHECK(next.value().ref == "SBX-2026-0002");  // the failed submit used no number
}

TEST_CASE("engine: globals and os.execute are refused with file and line") {
  Hostile h;
  std::string global = h.fails("global_write");
  CHECK_THAT(global, Catch::Contains("assigning the global 'x'"));
  CHECK_THAT(global, Catch::StartsWith(fmt::format(
                         "{}:{}:", h.path, line_of(kHostileWorkflow, "global_write here"))));

  std::string shell = h.fails("shell");
  CHECK_THAT(shell, Catch::Contains("field 'execute'"));
  CHECK_THAT(shell, Catch::StartsWith(
                        fmt::format("{}:{}:", h.path, line_of(kHostileWorkflow, "shell here"))));
  CHECK_FALSE(std::filesystem::exists("/tmp/commsflow-sandbox-escaped"));
}

TEST_CASE("engine: a guard must return true or a list of reasons") {
  Hostile h;
  std::string number = h.fails("number_guard");
  CHECK_THAT(number, Catch::Contains("the guard of action 'number_guard'"));
  CHECK_THAT(number, Catch::Contains("must return true or a list of reasons"));
  CHECK_THAT(number, Catch::Contains("42"));
  CHECK_THAT(number, Catch::Contains(h.path));

  std::string nothing = h.fails("nil_guard");
  CHECK_THAT(nothing, Catch::Contains("the guard of action 'nil_guard'"));
  CHECK_THAT(nothing, Catch::Contains("got nothing"));
}

TEST_CASE("engine: an effect that leaves bad data writes nothing") {
  Hostile h;
  std::string wrong = h.fails("wrong_type");
  CHECK_THAT(wrong, Catch::Contains("the effect of action 'wrong_type'"));
  CHECK_THAT(wrong, Catch::Contains("does not fit the fields"));
  CHECK_THAT(wrong, Catch::Contains("count:"));

  std::string unknown = h.fails("unknown_field");
  CHECK_THAT(unknown, Catch::Contains("the effect of action 'unknown_field'"));
  CHECK_THAT(unknown, Catch::Contains("colour"));
}

TEST_CASE("engine: invalid UTF-8 from an effect is refused") {
  Hostile h;
  for (const char* action : {"bad_utf8", "overlong_utf8", "surrogate_utf8"}) {
    INFO(action);
    std::string m = h.fails(action);
    CHECK_THAT(m, Catch::Contains(fmt::format("the effect of action '{}'", action)));
    CHECK_THAT(m, Catch::Contains("body: text is not valid UTF-8"));
  }
}

TEST_CASE("engine: every failure leaves an engine that still works") {
  Hostile h;
  for (const char* action : {"spin", "hog", "global_write", "shell", "number_guard", "nil_guard",
                             "wrong_type", "unknown_field", "bad_utf8", "spin_pcall", "hog"}) {
    INFO(action);
    h.fails(action);
  }
  auto finished =
      h.engine.act(ActRequest{h.item.ref, "finish", "olivia", Json::object(), "", std::nullopt});
  REQUIRE(finished.ok());
  CHECK(finished.value().state == "done");
  CHECK(h.engine.history(h.item.ref).size() == 13);  // submit, 11 edits, finish
}
