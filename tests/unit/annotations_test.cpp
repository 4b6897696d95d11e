// The editor annotations (workflows/types/commsflow.lua) describe exactly what the engine takes:
// every key of every table the builder accepts, under the class spec_keys names, and every
// function of the `commsflow` module as the sandbox gives it.
#include <commsflow/workflow_loader.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support.h"
#include "workflow/spec_keys.h"

using namespace commsflow;

namespace {

const Clock& test_clock() {
  static FixedClock c(*parse_datetime("2026-03-02T09:00:00Z"));
  return c;
}

std::filesystem::path annotations() {
  return test::shipped_workflows() / "types" / "commsflow.lua";
}

// Each `---@class NAME` with the names of its `---@field`s, and every `function commsflow.NAME(`.
struct Annotated {
  std::map<std::string, std::set<std::string>> classes;
  std::set<std::string> functions;
};

Annotated read_annotations() {
  Annotated out;
  std::istringstream lines(test::read_bytes(annotations()));
  static const std::regex class_re(R"(^---@class ([\w.]+))");
  static const std::regex field_re(R"(^---@field ([\w]+)\??\s)");
  static const std::regex function_re(R"(^function commsflow\.(\w+)\()");
  std::string line, current;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, m, class_re)) {
      current = m[1];
      out.classes[current];
    } else if (std::regex_search(line, m, field_re)) {
      REQUIRE_FALSE(current.empty());
      out.classes[current].insert(m[1]);
    } else if (std::regex_search(line, m, function_re)) {
      out.functions.insert(m[1]);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the annotations name every key each workflow table takes, and no other") {
  const Annotated annotated = read_annotations();
  for (const auto& table : spec_keys::kTables) {
    const std::string name(table.annotation_class);
    INFO(name);
    auto it = annotated.classes.find(name);
    REQUIRE(it != annotated.classes.end());
    std::set<std::string> accepted(table.keys.begin(), table.keys.end());
    CHECK(it->second == accepted);
  }
}

TEST_CASE("the annotations name every function of the commsflow module, and no other") {
  // The module as a workflow sees it, listed by a workflow through its title.
  const std::string text = R"lua(local wf = require "commsflow"
local names = {}
for name in pairs(wf) do names[#names + 1] = name end
table.sort(names)
return wf.workflow {
  name = "listing", prefix = "LST", title = table.concat(names, " "),
  submit = { roles = { "comms_officer" } }, initial = "open",
  states = { open = { final = true } },
}
)lua";
  auto loaded =
      load_workflow(ScriptSource{"listing.lua", text, {}}, "v", ScriptLimits{}, test_clock());
  REQUIRE(loaded.ok());
  std::set<std::string> module_functions;
  std::istringstream names(loaded.definition.title);
  for (std::string name; names >> name;) module_functions.insert(name);
  CHECK(module_functions.count("workflow") == 1);
  CHECK(read_annotations().functions == module_functions);
}

TEST_CASE("the editor settings point at the annotations and the lib folder") {
  const auto dir = test::shipped_workflows();
  const Json settings = Json::parse(test::read_bytes(dir / ".luarc.json"));
  CHECK(settings["runtime.version"] == "Lua 5.4");
  REQUIRE(settings["workspace.library"].is_array());
  for (const auto& library : settings["workspace.library"]) {
    CHECK(std::filesystem::is_directory(dir / library.get<std::string>()));
  }
  CHECK(settings["workspace.library"][0] == "types");
  CHECK(settings["runtime.path"][0] == "lib/?.lua");
  CHECK(std::filesystem::is_directory(dir / "lib"));
  // The engine never loads the annotations as a workflow: they are not beside the workflows.
  CHECK_FALSE(std::filesystem::exists(dir / "commsflow.lua"));
}
