// The C++/Lua boundary: pattern matching counted against the instruction budget (and giving
// the same answers as Lua's own), and every C function the sandbox exposes failing cleanly under
// the memory cap (AddressSanitizer reports any leak or skipped destructor).
#include <commsflow/error.h>
#include <commsflow/script.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <lua.hpp>
#include <sstream>

#include "support.h"

using namespace commsflow;
using Catch::Matchers::Contains;
using commsflow::test::script_error;

namespace {

const std::string kPath = "workflows/patterns.lua";

struct Loaded {
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<WorkflowScript> script;
  Loaded(const std::string& text, ScriptLimits limits, std::filesystem::path lib = {}) {
    script = WorkflowScript::load(ScriptSource{kPath, text, std::move(lib)}, limits, clock);
  }
  Json run() {
    auto fn = script->returned().at("run").at("$fn").get<ScriptFunction>();
    return script->call(fn, Json::object(), Json::object(), "run").result;
  }
};

// Runs `body` (the body of a function returning text) in a plain Lua state with Lua's own string
// library: the reference the counted matcher must agree with.
std::string run_in_plain_lua(const std::string& body) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  std::string chunk = "return (function()\n" + body + "\nend)()";
  std::string out;
  if (luaL_dostring(L, chunk.c_str()) != LUA_OK) {
    out = std::string("error: ") + lua_tostring(L, -1);
  } else {
    out = lua_tostring(L, -1);
  }
  lua_close(L);
  return out;
}

// Every function call's results as text, errors included (with the "file:line:" part cut, as
// the two chunks have different names).
const char* const kCases = R"lua(
  local out = {}
  local function record(...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do parts[#parts + 1] = tostring((select(i, ...))) end
    out[#out + 1] = table.concat(parts, ",")
  end
  local function try(f, ...)
    local result = table.pack(pcall(f, ...))
    if result[1] then
      record(table.unpack(result, 2, result.n))
    else
      record("error", (tostring(result[2]):gsub("^[^:]*:%d+: ", "")))
    end
  end
  local subjects = { "2026-03-02T09:15:30Z", "hello world from Lua", "  padded  ",
                     "key=val, k2=v2", "THE (quick) [fox] 100%", "aaab", "", "x]y$z",
                     "f(a(b)c)d", "THE END" }
  local patterns = { "^(%d%d%d%d)-(%d%d)-(%d%d)", "T(%d%d):(%d%d):(%d%d)", "^https://", "_",
                     "%a+", "(%w+)=(%w+)", "%b()", "%f[%a]%a+", "()aa()", "[^%s]+",
                     "[a-c%d]+", "(h)(e)(l)(l)(o)", "%s*$", "^%s*(.-)%s*$", "a?b", "x*", "",
                     ".-b", "(a)%1", "[%]]", "%$", "$", "%u+", "[%a_][%w_]*", "(%(.-%))",
                     "%d+%%", "[^]]", "(", "%", "[a", "%b", "%f", "(()", "%1", "a)", "%g+",
                     "%x%x", "[%d-]+", "^(.-)$", ".?.?.?$", "%p" }
  for _, s in ipairs(subjects) do
    for _, p in ipairs(patterns) do
      try(string.find, s, p)
      try(string.find, s, p, 3)
      try(string.find, s, p, -4, true)
      try(string.match, s, p)
      try(string.match, s, p, 2)
      try(function()
        local found = {}
        for a, b in string.gmatch(s, p) do found[#found + 1] = tostring(a) .. "/" .. tostring(b) end
        return table.concat(found, ";")
      end)
      try(string.gsub, s, p, "<%0>")
      try(string.gsub, s, p, "[%1]", 2)
      try(string.gsub, s, p, function(a) return a and #tostring(a) end)
      try(string.gsub, s, p, { hello = "HI", aa = false })
      try(string.gsub, s, p, "%")
      try(string.gsub, s, p, "%9")
    end
  end
  return table.concat(out, "\n")
)lua";

}  // namespace

TEST_CASE("patterns give the answers Lua's own string library gives") {
  std::string expected = run_in_plain_lua(kCases);
  REQUIRE(expected.rfind("error: ", 0) != 0);
  Loaded loaded(std::string("return { run = function()\n") + kCases + "\nend }\n",
                ScriptLimits{200'000'000, 64u << 20});
  std::string got = loaded.run().get<std::string>();
  // Compare line by line, so a difference names its case.
  std::istringstream want_lines(expected), got_lines(got);
  std::string want_line, got_line;
  int line = 0;
  while (std::getline(want_lines, want_line)) {
    ++line;
    REQUIRE(std::getline(got_lines, got_line));
    INFO("result " << line);
    CHECK(got_line == want_line);
  }
  CHECK_FALSE(std::getline(got_lines, got_line));
  CHECK(line > 4000);
}

TEST_CASE("the worst patterns are stopped by the instruction budget, naming the line") {
  const ScriptLimits limits{1'000'000, 64u << 20};
  const char* const worst[] = {
      R"lua(string.find(("a"):rep(3000), "a-a-a-a-b"))lua",
      R"lua(("a"):rep(3000):match("(.-)(.-)(.-)(.-)x"))lua",
      R"lua(("a"):rep(5000):gsub("a*a*a*a*b", ""))lua",
      R"lua(for _ in ("a"):rep(3000):gmatch("a-a-a-b") do end)lua",
      R"lua(string.find(("("):rep(20000), "%b()"))lua",
      R"lua(("x"):rep(4000):find(".-.-.-y"))lua",
  };
  for (const char* call : worst) {
    INFO(call);
    const std::string text =
        std::string("return { run = function()\n  local ok = pcall(function()\n    ") + call +
        "\n  end)\n  return ok\nend }\n";
    Loaded loaded(text, limits);
    const auto started = std::chrono::steady_clock::now();
    std::string message = script_error([&] { loaded.run(); });
    CHECK_THAT(message, Contains("budget of 1000000 instructions"));
    CHECK_THAT(message, Contains(kPath + ":3:"));
    // Not a timing assertion on speed: a stop that never came would hang here for minutes.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
    // The script works again for the next call, with a fresh budget.
    std::string again = script_error([&] { loaded.run(); });
    CHECK_THAT(again, Contains("budget"));
  }
  // Ordinary matching costs little of the budget.
  Loaded fine(
      "return { run = function()\n  local n = 0\n  for i = 1, 200 do\n"
      "    if (\"2026-03-02T09:15:30Z\"):match(\"^(%d%d%d%d)-(%d%d)-(%d%d)\") then n = n + 1 end\n"
      "  end\n  return n\nend }\n",
      ScriptLimits{100'000, 8u << 20});
  CHECK(fine.run() == 200);
}

TEST_CASE("every C function of the sandbox fails cleanly under the memory cap") {
  test::TempDir dir;
  dir.write("lib/util.lua", "return { n = 1 }\n");
  dir.write("lib/big.lua", "return '" + std::string(6u << 20, 'x') + "'\n");
  const ScriptLimits limits{50'000'000, 8u << 20};
  // Fills memory while calling the function over and over: one of the calls runs out.
  auto exhaust = [&](const std::string& call) {
    INFO(call);
    const std::string text =
        "local keep = {}\nreturn { run = function()\n  while true do\n"
        "    keep[#keep + 1] = string.rep('x', 4096) .. #keep\n    " +
        call + "\n  end\nend }\n";
    Loaded loaded(text, limits, dir / "lib");
    CHECK_THAT(script_error([&] { loaded.run(); }), Contains("memory cap of 8 MiB"));
  };
  exhaust("pcall(require, 'missing.module')");
  exhaust("pcall(require, 'util')");
  exhaust("setmetatable({}, { __index = keep })");
  exhaust("xpcall(function() return string.rep('y', 1000) end, function(e) return e end)");
  exhaust("local t = os.time(); local d = os.date('!%Y-%m-%dT%H:%M:%SZ', t)");
  exhaust("local a, b = string.find(keep[#keep], '(x+)(%d*)')");
  exhaust("local s = string.gsub(keep[#keep], 'x', 'yy')");
  exhaust("for w in string.gmatch(keep[#keep], '%d') do end");
  exhaust("local m = string.match(keep[#keep], '()x()')");

  // A module too big for the cap fails the load with the cap's message, and leaks nothing.
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::string message = script_error([&] {
    WorkflowScript::load(ScriptSource{kPath, "local big = require 'big'\nreturn {}\n", dir / "lib"},
                         limits, clock);
  });
  CHECK_THAT(message, Contains("memory cap"));
}
