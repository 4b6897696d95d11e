// Loading and checking workflow files: every problem names the file, the exact line and what is
// wrong, and the shipped workflows are clean.
#include <commsflow/registry.h>
#include <commsflow/workflow_loader.h>
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;

namespace {

const std::string kPath = "workflows/check.lua";

const Clock& test_clock() {
  static const FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  return clock;
}

// A clean workflow; tests change one thing in it.
const std::string kHead = R"lua(local wf = require "commsflow"

return wf.workflow {
  name = "check",
  title = "Check",
  prefix = "CHK",
  roles = { "reviewer" },
  fields = {
    title = wf.text { required = true },
    colour = wf.choice { "red", "green", default = "red" },
    tags = wf.list { of = wf.text {} },
    count = wf.integer { min = 0 },
  },
  submit = { roles = { "comms_officer" } },
  initial = "draft",
)lua";

const std::string kStates = R"lua(  states = {
    draft = {
      actions = {
        send = { to = "review", roles = { "comms_officer" }, sets = { "title", "tags" } },
      },
    },
    review = {
      actions = {
        approve = { to = "done", roles = { "reviewer" } },
        reject = {
          to = "draft",
          roles = { "head_of_comms" },
          fields = { reason = wf.text { required = true } },
        },
      },
    },
    done = { final = true },
  },
)lua";

const std::string kGood = kHead + kStates + "}\n";

// `text` with the only occurrence of `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  REQUIRE(text.find(from, pos + 1) == std::string::npos);
  return text.replace(pos, from.size(), to);
}

// The 1-based line of the only line of `text` containing `marker`.
int line_of(const std::string& text, const std::string& marker) {
  auto pos = text.find(marker);
  REQUIRE(pos != std::string::npos);
  REQUIRE(text.find(marker, pos + 1) == std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

LoadedWorkflow load(const std::string& text, const std::string& path = kPath) {
  return load_workflow(ScriptSource{path, text, {}}, "v1", ScriptLimits{}, test_clock());
}

std::string listing(const std::vector<Diagnostic>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.to_string() + "\n";
  return out;
}

// Loads `text` and requires a problem in kPath at exactly `line` whose message contains
// `fragment`. Returns all problems.
std::vector<Diagnostic> expect_problem(const std::string& text, int line,
                                       const std::string& fragment) {
  LoadedWorkflow loaded;
  REQUIRE_NOTHROW(loaded = load(text));
  INFO("problems:\n" << listing(loaded.problems));
  INFO("expected line " << line << ": " << fragment);
  CHECK_FALSE(loaded.ok());
  bool found =
      std::any_of(loaded.problems.begin(), loaded.problems.end(), [&](const Diagnostic& p) {
        return p.file == kPath && p.line == line && p.message.find(fragment) != std::string::npos;
      });
  CHECK(found);
  return loaded.problems;
}

}  // namespace

TEST_CASE("the base workflow of these tests is clean") {
  auto loaded = load(kGood);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  REQUIRE(loaded.script);
  CHECK(loaded.definition.name == "check");
  CHECK(loaded.definition.path == kPath);
  CHECK(loaded.definition.version == "v1");
}

TEST_CASE("Diagnostic::to_string gives file:line: message") {
  CHECK(Diagnostic{"a.lua", 3, "broken"}.to_string() == "a.lua:3: broken");
  CHECK(Diagnostic{"a.lua", 0, "broken"}.to_string() == "a.lua: broken");
}

TEST_CASE("a Lua syntax error names the file and line") {
  std::string text = with(kGood, "  prefix = \"CHK\",\n", "  prefix = \"CHK\"\n");
  auto problems =
      expect_problem(text, line_of(text, "roles = { \"reviewer\" },\n"), "'}' expected");
  CHECK(problems.size() == 1);
  CHECK_FALSE(load(text).script);
}

TEST_CASE("an error while the file runs names the file and line") {
  std::string text = with(kGood, "local wf = require \"commsflow\"\n",
                          "local wf = require \"commsflow\"\nlocal broken = nil .. \"x\"\n");
  auto problems =
      expect_problem(text, line_of(text, "local broken"), "attempt to concatenate a nil value");
  CHECK(problems.size() == 1);

  text = with(kGood, "  initial = \"draft\",\n", "  initial = wf.nonexistent_helper(\"draft\"),\n");
  expect_problem(text, line_of(text, "nonexistent_helper"), "attempt to call a nil value");
}

TEST_CASE("a file that does not return a workflow says so") {
  auto text = GENERATE(as<std::string>{}, "local wf = require \"commsflow\"\nlocal x = 1\n",
                       "return { name = \"check\", prefix = \"CHK\" }\n", "return \"check\"\n",
                       "return 42\n", "local wf = require \"commsflow\"\nreturn wf\n");
  INFO(text);
  auto problems = expect_problem(text, 0, "the file must return a workflow");
  CHECK(problems.size() == 1);
}

TEST_CASE("a plain table instead of commsflow.workflow is not a workflow") {
  std::string text = with(kGood, "return wf.workflow {", "return {");
  auto problems = expect_problem(text, 0, "commsflow.workflow");
  CHECK(problems.size() == 1);
}

TEST_CASE("missing required parts of a workflow are reported at the workflow's line") {
  auto [line_to_remove, fragment] = GENERATE(table<std::string, std::string>({
      {"  name = \"check\",\n", "missing `name = \"...\"`"},
      {"  prefix = \"CHK\",\n", "missing `prefix = \"...\"`"},
      {"  initial = \"draft\",\n", "missing `initial = \"...\"`"},
      {"  submit = { roles = { \"comms_officer\" } },\n", "needs `submit = { roles"},
  }));
  INFO(line_to_remove);
  std::string text = with(kGood, line_to_remove, "");
  expect_problem(text, line_of(text, "return wf.workflow {"), fragment);
}

TEST_CASE("a workflow without states is reported") {
  SECTION("no states key") {
    std::string text = kHead + "}\n";
    expect_problem(text, line_of(text, "return wf.workflow {"), "needs `states = {");
  }
  SECTION("an empty states table") {
    std::string text = kHead + "  states = {},\n}\n";
    expect_problem(text, line_of(text, "states = {}"), "needs `states = {");
  }
}

TEST_CASE("a bad name or prefix is reported on its line") {
  SECTION("lower-case prefix") {
    std::string text = with(kGood, "prefix = \"CHK\"", "prefix = \"chk\"");
    auto problems = expect_problem(text, line_of(text, "prefix ="), "prefix 'chk' must be 2 to 8");
    CHECK(problems.size() == 1);
  }
  SECTION("too long prefix") {
    std::string text = with(kGood, "prefix = \"CHK\"", "prefix = \"CHECKINGS\"");
    expect_problem(text, line_of(text, "prefix ="), "must be 2 to 8 capital letters");
  }
  SECTION("prefix that is not text") {
    std::string text = with(kGood, "prefix = \"CHK\"", "prefix = 7");
    expect_problem(text, line_of(text, "prefix ="), "prefix must be non-empty text");
  }
  SECTION("name with capitals") {
    std::string text = with(kGood, "name = \"check\"", "name = \"Check Me\"");
    expect_problem(text, line_of(text, "name ="), "name 'Check Me' must be lower-case");
  }
}

TEST_CASE("an unknown key is reported on its own line with the known keys") {
  SECTION("a typo in an action") {
    std::string text = with(kGood, "roles = { \"head_of_comms\" }", "rols = { \"head_of_comms\" }");
    auto problems =
        expect_problem(text, line_of(text, "rols ="), "unknown key 'rols' in action 'reject'");
    CHECK_THAT(listing(problems), Catch::Contains("known keys: to, roles"));
  }
  SECTION("a typo in the workflow") {
    std::string text = with(kGood, "title = \"Check\"", "titel = \"Check\"");
    expect_problem(text, line_of(text, "titel ="), "unknown key 'titel' in the workflow");
  }
  SECTION("a typo in a state") {
    std::string text = with(kGood, "done = { final = true }", "done = { finall = true }");
    expect_problem(text, line_of(text, "finall ="), "unknown key 'finall' in state 'done'");
  }
  SECTION("a typo in a field") {
    std::string text =
        with(kGood, "title = wf.text { required = true }", "title = wf.text { requird = true }");
    expect_problem(text, line_of(text, "requird ="), "unknown key 'requird' in field 'title'");
  }
}

TEST_CASE("an action going to a missing state is reported on the line of its `to`") {
  std::string text = with(kGood, "to = \"draft\",", "to = \"drat\",");
  auto problems = expect_problem(text, line_of(text, "to = \"drat\""),
                                 "action 'reject' in state 'review' goes to missing state 'drat'");
  CHECK(problems.size() == 1);
}

TEST_CASE("an unknown role is reported on the line of `roles =`") {
  SECTION("in an action") {
    std::string text = with(kGood, "roles = { \"head_of_comms\" }", "roles = { \"wizard\" }");
    auto problems = expect_problem(text, line_of(text, "\"wizard\""),
                                   "action 'reject' in state 'review' names unknown role 'wizard'");
    CHECK(problems.size() == 1);
  }
  SECTION("in submit") {
    std::string text = with(kGood, "submit = { roles = { \"comms_officer\" } }",
                            "submit = { roles = { \"clerk\" } }");
    expect_problem(text, line_of(text, "\"clerk\""), "submit names unknown role 'clerk'");
  }
  SECTION("a declared role is known") {
    std::string text =
        with(kGood, "roles = { \"head_of_comms\" }", "roles = { \"reviewer\", \"director\" }");
    auto loaded = load(text);
    INFO(listing(loaded.problems));
    CHECK(loaded.ok());
  }
}

TEST_CASE("an unreachable state is reported on its own line") {
  std::string text = with(kGood, "    done = { final = true },\n",
                          "    done = { final = true },\n    archived = { final = true },\n");
  auto problems =
      expect_problem(text, line_of(text, "archived ="),
                     "state 'archived' cannot be reached from the initial state 'draft'");
  CHECK(problems.size() == 1);
}

TEST_CASE("an initial state that is not a state is reported") {
  std::string text = with(kGood, "initial = \"draft\"", "initial = \"drafting\"");
  expect_problem(text, line_of(text, "return wf.workflow {"),
                 "initial state 'drafting' is not one of the states");
}

TEST_CASE("a state that is neither final nor has actions is reported on its line") {
  std::string text =
      with(kGood, "    done = { final = true },\n",
           "    done = { final = true },\n    waiting = {\n      label = \"Waiting\",\n    },\n");
  text = with(text, "sets = { \"title\", \"tags\" } },\n",
              "sets = { \"title\", \"tags\" } },\n        wait = { to = \"waiting\", roles = { "
              "\"comms_officer\" } },\n");
  auto problems = expect_problem(text, line_of(text, "waiting = {"),
                                 "state 'waiting' has no actions and is not final");
  CHECK(problems.size() == 1);
}

TEST_CASE("a final state with actions is reported on its line") {
  std::string text =
      with(kGood, "    done = { final = true },\n",
           "    done = {\n      final = true,\n      actions = {\n        reopen = { "
           "to = \"draft\", roles = { \"reviewer\" } },\n      },\n    },\n");
  auto problems = expect_problem(text, line_of(text, "done = {"),
                                 "state 'done' is final, so it cannot have actions");
  CHECK(problems.size() == 1);
}

TEST_CASE("a workflow with no final state is reported at the workflow's line") {
  std::string text =
      with(kGood, "    done = { final = true },\n",
           "    done = { actions = { reopen = { to = \"draft\", roles = { \"reviewer\" } } } },\n");
  auto problems = expect_problem(text, line_of(text, "return wf.workflow {"),
                                 "the workflow has no final state");
  CHECK(problems.size() == 1);
}

TEST_CASE("bad field types are reported on the field's line") {
  SECTION("a choice with no options") {
    std::string text =
        with(kGood, "wf.choice { \"red\", \"green\", default = \"red\" }", "wf.choice {}");
    auto problems = expect_problem(text, line_of(text, "colour ="),
                                   "choice 'colour' needs at least one option");
    CHECK(problems.size() == 1);
  }
  SECTION("a list without `of`") {
    std::string text = with(kGood, "wf.list { of = wf.text {} }", "wf.list {}");
    auto problems = expect_problem(text, line_of(text, "tags ="), "list 'tags' needs `of =");
    CHECK(problems.size() == 1);
  }
  SECTION("a default that does not fit an integer") {
    std::string text =
        with(kGood, "wf.integer { min = 0 }", "wf.integer { min = 0, default = \"many\" }");
    auto problems = expect_problem(text, line_of(text, "count ="), "default of 'count'");
    CHECK(problems.size() == 1);
  }
  SECTION("a default that is not one of the choices") {
    std::string text = with(kGood, "default = \"red\"", "default = \"blue\"");
    expect_problem(text, line_of(text, "colour ="), "default of 'colour'");
  }
  SECTION("a field that is not made with a type") {
    std::string text = with(kGood, "count = wf.integer { min = 0 }", "count = { min = 0 }");
    expect_problem(text, line_of(text, "count ="),
                   "field 'count' must be made with a type, like commsflow.text {}");
  }
  SECTION("a min above the max: no value could be kept") {
    std::string text = with(kGood, "wf.integer { min = 0 }", "wf.integer { min = 200, max = 120 }");
    expect_problem(text, line_of(text, "count ="), "field 'count': min 200 is more than max 120");
  }
  SECTION("an option listed twice") {
    std::string text = with(kGood, "wf.choice { \"red\", \"green\", default = \"red\" }",
                            "wf.choice { \"red\", \"green\", \"red\", default = \"red\" }");
    expect_problem(text, line_of(text, "colour ="), "field 'colour' lists the option 'red' twice");
  }
  SECTION("required that is not a boolean") {
    std::string text = with(kGood, "title = wf.text { required = true }",
                            "title = wf.text { required = \"yes\" }");
    expect_problem(text, line_of(text, "required = \"yes\""),
                   "required of 'title' must be true or false");
  }
}

TEST_CASE("`sets` naming something that is not a field is reported on the action's line") {
  std::string text =
      with(kGood, "sets = { \"title\", \"tags\" }", "sets = { \"title\", \"tagz\" }");
  auto problems =
      expect_problem(text, line_of(text, "send ="),
                     "action 'send' in state 'draft' sets 'tagz', which is not a field");
  CHECK(problems.size() == 1);
}

TEST_CASE("an action's `required` names fields among its `sets`") {
  std::string text = with(kGood, "sets = { \"title\", \"tags\" }",
                          "sets = { \"title\", \"tags\" }, required = { \"title\", \"due\" }");
  auto problems = expect_problem(text, line_of(text, "send ="),
                                 "action 'send' in state 'draft' requires 'due', which is not in "
                                 "its `sets`");
  CHECK(problems.size() == 1);
}

TEST_CASE("an action's `notify` names a person field or a role, with the email's heading") {
  std::string text = with(kGood, "sets = { \"title\", \"tags\" }",
                          "sets = { \"title\", \"tags\" }, notify = { colour = \"Yours\" }");
  auto problems = expect_problem(text, line_of(text, "send ="),
                                 "action 'send' in state 'draft' notifies 'colour', which is "
                                 "neither a person field (wf.actor) nor a role");
  CHECK(problems.size() == 1);
  text = with(kGood, "sets = { \"title\", \"tags\" }",
              "sets = { \"title\", \"tags\" }, notify = { \"reviewer\" }");
  expect_problem(text, line_of(text, "send ="),
                 "notify of action 'send' must name who is told and the email's heading, like "
                 "{ assignee = \"Assigned to you\" }");

  auto good = load(with(kGood, "sets = { \"title\", \"tags\" }",
                        "sets = { \"title\", \"tags\" }, notify = { reviewer = \"To review\" }"));
  INFO(listing(good.problems));
  REQUIRE(good.ok());
  const ActionSpec* send = good.definition.state("draft")->action("send");
  REQUIRE(send->notify.size() == 1);
  CHECK(send->notify[0] == std::pair<std::string, std::string>{"reviewer", "To review"});
}

TEST_CASE("submit's `sets` must name fields, and every required one without a default") {
  SECTION("a name that is not a field") {
    std::string text = with(kGood, "submit = { roles = { \"comms_officer\" } },",
                            "submit = { roles = { \"comms_officer\" }, sets = { \"title\", "
                            "\"titel\" } },");
    auto problems = expect_problem(text, line_of(text, "submit ="),
                                   "submit sets 'titel', which is not a field of the workflow");
    CHECK(problems.size() == 1);
  }
  SECTION("a required field left out: no item could be created") {
    std::string text = with(kGood, "submit = { roles = { \"comms_officer\" } },",
                            "submit = { roles = { \"comms_officer\" }, sets = { \"tags\" } },");
    auto problems = expect_problem(text, line_of(text, "submit ="),
                                   "submit sets leaves out 'title', which is required");
    // colour is required by nobody and has a default: leaving it out is fine.
    CHECK(problems.size() == 1);
  }
}

TEST_CASE("a payload field with the name of an item field is reported on its line") {
  std::string text =
      with(kGood, "fields = { reason = wf.text { required = true } },",
           "fields = {\n            reason = wf.text { required = true },\n            title = "
           "wf.text {},\n          },");
  auto problems = expect_problem(text, line_of(text, "title = wf.text {},"),
                                 "payload field 'title' of action 'reject' in state 'review' has "
                                 "the name of an item field");
  CHECK(problems.size() == 1);
}

TEST_CASE("guards and effects must be functions") {
  std::string text = with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } }",
                          "approve = { to = \"done\", roles = { \"reviewer\" }, guard = true }");
  expect_problem(text, line_of(text, "approve ="), "guard of action 'approve' must be a function");
}

TEST_CASE("tables imitating the constructors' internal keys are reported and not thrown") {
  // load_workflow never throws for a bad file, even one that writes the keys the commsflow
  // constructors use internally.
  auto [from, to, fragment] = GENERATE(table<std::string, std::string, std::string>({
      {"count = wf.integer { min = 0 }", "count = { __field = 1 }", "must be made with a type"},
      {"count = wf.integer { min = 0 }", "count = { __field = \"integer\", __line = \"x\" }", ""},
      {"approve = { to = \"done\", roles = { \"reviewer\" } }",
       "approve = { to = \"done\", roles = { \"reviewer\" }, guard = { [\"$fn\"] = \"x\" } }",
       "guard of action 'approve' must be a function"},
      {"approve = { to = \"done\", roles = { \"reviewer\" } }",
       "approve = { to = \"done\", roles = { \"reviewer\" }, __line = {} }", ""},
  }));
  std::string text = with(kGood, from, to);
  INFO(to);
  LoadedWorkflow loaded;
  REQUIRE_NOTHROW(loaded = load(text));
  INFO(listing(loaded.problems));
  for (const auto& p : loaded.problems) CHECK(p.file == kPath);
  if (!fragment.empty()) expect_problem(text, line_of(text, to.substr(0, 8)), fragment);
}

TEST_CASE("several problems are all reported each with its line") {
  std::string text = with(kGood, "prefix = \"CHK\"", "prefix = \"chk\"");
  text = with(text, "roles = { \"head_of_comms\" }", "rols = { \"head_of_comms\" }");
  text = with(text, "wf.list { of = wf.text {} }", "wf.list {}");
  LoadedWorkflow loaded = load(text);
  INFO(listing(loaded.problems));
  auto has = [&](int line, const std::string& fragment) {
    return std::any_of(loaded.problems.begin(), loaded.problems.end(), [&](const Diagnostic& p) {
      return p.line == line && p.message.find(fragment) != std::string::npos;
    });
  };
  CHECK(has(line_of(text, "prefix ="), "prefix 'chk'"));
  CHECK(has(line_of(text, "rols ="), "unknown key 'rols'"));
  CHECK(has(line_of(text, "tags ="), "list 'tags' needs `of"));
}

TEST_CASE("states and actions and fields come out in source order") {
  const std::string text = R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "ordered",
  prefix = "ORD",
  fields = {
    zebra = wf.text {},
    apple = wf.integer {},
    mango = wf.boolean {},
  },
  submit = { roles = { "requester" } },
  initial = "zulu",
  states = {
    zulu = {
      actions = {
        yankee = { to = "alpha", roles = { "triager" } },
        bravo = { to = "mike", roles = { "triager" } },
      },
    },
    alpha = { actions = { finish = { to = "done", roles = { "triager" } } } },
    mike = {
      label = "Mike",
      actions = { finish_too = { to = "done", roles = { "triager" } } },
    },
    done = { final = true },
  },
}
)lua";
  auto loaded = load(text);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  const Definition& d = loaded.definition;
  std::vector<std::string> states, fields, actions;
  for (const auto& s : d.states) states.push_back(s.name);
  for (const auto& f : d.fields) fields.push_back(f.name);
  for (const auto& a : d.states.at(0).actions) actions.push_back(a.name);
  CHECK(states == std::vector<std::string>{"zulu", "alpha", "mike", "done"});
  CHECK(fields == std::vector<std::string>{"zebra", "apple", "mango"});
  CHECK(actions == std::vector<std::string>{"yankee", "bravo"});
  CHECK(d.states[0].line == line_of(text, "zulu = {"));
  CHECK(d.states[2].line == line_of(text, "mike = {"));
  CHECK(d.states[2].label == "Mike");
  CHECK(d.states[0].actions[1].line == line_of(text, "bravo ="));
  CHECK(d.line == line_of(text, "return wf.workflow"));
}

TEST_CASE("the shipped workflows load with no problems") {
  auto dir = commsflow::test::shipped_workflows();
  auto files = workflow_files(dir);
  REQUIRE(files.size() >= 2);
  for (const auto& file : files) {
    INFO(file.string());
    ScriptSource source{file.string(), test::read_bytes(file), dir / "lib"};
    auto loaded = load_workflow(source, "v", ScriptLimits{}, test_clock());
    INFO(listing(loaded.problems));
    CHECK(loaded.ok());
    CHECK(loaded.script);
    CHECK_FALSE(loaded.definition.states.empty());
    // Source order, read from the file itself: each state is written `    NAME = ` (spaces may
    // align the `=`) inside the `  states = {` block, and the definition lists them in the order a
    // reader of the file meets them, each with the line it is on.
    const std::string text = test::read_bytes(file);
    const auto block = text.find("\n  states = {");
    REQUIRE(block != std::string::npos);
    auto written_at = [&](const std::string& name) {
      for (auto at = text.find("\n    " + name, block); at != std::string::npos;
           at = text.find("\n    " + name, at + 1)) {
        const auto rest = text.find_first_not_of(' ', at + 5 + name.size());
        if (rest != std::string::npos && text[rest] == '=') return at;
      }
      return std::string::npos;
    };
    std::vector<std::pair<std::size_t, std::string>> written;
    for (const auto& state : loaded.definition.states) {
      const auto at = written_at(state.name);
      INFO(state.name);
      REQUIRE(at != std::string::npos);
      written.emplace_back(at, state.name);
      // `at` is the newline before the state's line.
      CHECK(state.line == 1 + std::count(text.begin(), text.begin() + at + 1, '\n'));
    }
    std::sort(written.begin(), written.end());
    std::vector<std::string> in_file, in_definition;
    for (const auto& [at, name] : written) in_file.push_back(name);
    for (const auto& state : loaded.definition.states) in_definition.push_back(state.name);
    CHECK(in_definition == in_file);
  }
}

TEST_CASE("the website update workflow keeps its states in source order") {
  auto file = commsflow::test::shipped_workflows() / "website_update.lua";
  std::string text = test::read_bytes(file);
  auto loaded = load_workflow(ScriptSource{file.string(), text, file.parent_path() / "lib"}, "v",
                              ScriptLimits{}, test_clock());
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  std::vector<std::string> states;
  for (const auto& s : loaded.definition.states) states.push_back(s.name);
  CHECK(states == std::vector<std::string>{"requested", "in_progress", "in_review", "approved",
                                           "published", "declined"});
  CHECK(loaded.definition.states[0].line == line_of(text, "    requested = {"));
}

TEST_CASE("a state written as an empty table is checked, not thrown (found by fuzzing)") {
  std::string text = with(kGood, "    done = { final = true },\n",
                          "    done = { final = true },\n    waiting = {},\n");
  text = with(text, "sets = { \"title\", \"tags\" } },\n",
              "sets = { \"title\", \"tags\" } },\n        wait = { to = \"waiting\", roles = { "
              "\"comms_officer\" } },\n");
  auto problems = expect_problem(text, line_of(text, "waiting = {}"),
                                 "state 'waiting' has no actions and is not final");
  CHECK(problems.size() == 1);
}

TEST_CASE("read names known roles and fields, and a draft only where there is a document") {
  const std::string read_line =
      "  read = { roles = { \"wizard\" }, submitter = { \"colour\", \"size\" },"
      " fields = { shade = { roles = { \"admin\" } } },"
      " draft = { roles = { \"admin\" } } },\n";
  std::string text =
      with(kGood, "  initial = \"draft\",\n", "  initial = \"draft\",\n" + read_line);
  const int line = line_of(text, "read = {");
  expect_problem(text, line, "read names unknown role 'wizard'");
  expect_problem(text, line, "read.submitter names 'size', which is not a field");
  expect_problem(text, line, "read.fields names 'shade', which is not a field");
  expect_problem(text, line,
                 "read.draft restricts the document, but the workflow has no `document`");
}

TEST_CASE("migrate maps only states this version lacks, to states it has, and watches fields") {
  const std::string migrate = R"lua(  initial = "draft",
  migrate = {
    states = { review = "draft", sent = "nowhere", gone = "done" },
    watch = { "colour", "shade" },
    data = function(item) end,
  },
)lua";
  const std::string text = with(kGood, "  initial = \"draft\",\n", migrate);
  const int line = line_of(text, "migrate = {");
  expect_problem(text, line, "maps 'review', which is still a state");
  expect_problem(text, line, "migrate.states.sent goes to missing state 'nowhere'");
  auto problems = expect_problem(text, line, "migrate.watch names 'shade', which is not a field");
  CHECK(problems.size() == 3);  // `gone = "done"` and the colour field are fine

  expect_problem(
      with(kGood, "  initial = \"draft\",\n", "  initial = \"draft\",\n  migrate = 3,\n"), line,
      "migrate must look like");
  expect_problem(with(kGood, "  initial = \"draft\",\n",
                      "  initial = \"draft\",\n  migrate = { data = 1 },\n"),
                 line, "data");
}

TEST_CASE("parent_states needs the parent whose states they are") {
  const std::string text = with(kGood, "  initial = \"draft\",\n",
                                "  initial = \"draft\",\n  parent_states = { \"open\" },\n");
  expect_problem(text, line_of(text, "wf.workflow"), "parent_states needs parent");
  LoadedWorkflow child =
      load(with(text, "  parent_states", "  parent = \"case\",\n  parent_states"));
  INFO(listing(child.problems));
  CHECK(child.ok());
  CHECK(child.definition.parent_states == std::vector<std::string>{"open"});
}

TEST_CASE("confirm on an action is the question to ask, as text") {
  const std::string asked =
      with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } },",
           "approve = { to = \"done\", roles = { \"reviewer\" }, confirm = \"Approve it?\" },");
  LoadedWorkflow loaded = load(asked);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.definition.state("review")->action("approve")->confirm == "Approve it?");
  CHECK(loaded.definition.state("review")->action("reject")->confirm.empty());
  const std::string bad =
      with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } },",
           "approve = { to = \"done\", roles = { \"reviewer\" }, confirm = true },");
  expect_problem(bad, line_of(bad, "confirm = true"), "confirm must be non-empty text");
}

TEST_CASE("done on an action says what was done, naming fields in braces") {
  const std::string said =
      with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } },",
           "approve = { to = \"done\", roles = { \"reviewer\" }, done = \"counted {count}\" },");
  LoadedWorkflow loaded = load(said);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.definition.state("review")->action("approve")->done == "counted {count}");
  const std::string unknown =
      with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } },",
           "approve = { to = \"done\", roles = { \"reviewer\" }, done = \"sent to {whom}\" },");
  expect_problem(unknown, line_of(unknown, "done = \"sent"),
                 "names '{whom}', which is not a field");
}

TEST_CASE("a fault found twice at the same line is reported once") {
  // Two states on one line, their actions made by one function: one fault, one line.
  const std::string made = with(kHead, "local wf = require \"commsflow\"\n",
                                "local wf = require \"commsflow\"\n"
                                "local function actions() return { park = { to = \"done\", "
                                "roles = { \"reviewer\" }, colour = 1 } } end\n") +
                           R"lua(  states = {
    draft = { actions = actions() }, review = { actions = actions() },
    done = { final = true },
  },
}
)lua";
  LoadedWorkflow loaded = load(made);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.problems.size() == 1);
  CHECK_THAT(loaded.problems[0].message, Catch::Contains("unknown key 'colour'"));
}

TEST_CASE("past applies to dates and times only") {
  const std::string good =
      with(kGood, "    count = wf.integer { min = 0 },\n",
           "    count = wf.integer { min = 0 },\n    met_on = wf.date { past = true },\n");
  LoadedWorkflow loaded = load(good);
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.definition.field("met_on")->past);
  const std::string bad =
      with(kGood, "    count = wf.integer { min = 0 },", "    count = wf.integer { past = true },");
  expect_problem(bad, line_of(bad, "count = wf.integer"), "past of 'count' applies only to");
}

TEST_CASE("within_days bounds a date or time, by a whole number of days") {
  LoadedWorkflow loaded = load(
      with(kGood, "    count = wf.integer { min = 0 },\n",
           "    count = wf.integer { min = 0 },\n    due = wf.datetime { within_days = 90 },\n"));
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.definition.field("due")->within_days == 90);
  for (const char* wrong :
       {"wf.integer { within_days = 30 }", "wf.date { within_days = 0 }",
        "wf.date { within_days = 1.5 }", "wf.date { within_days = \"year\" }"}) {
    INFO(wrong);
    const std::string bad = with(kGood, "wf.integer { min = 0 }", wrong);
    expect_problem(bad, line_of(bad, "count = wf."),
                   "within_days of 'count' applies only to commsflow.date and commsflow.datetime "
                   "and must be a whole number of days from 1 to 36500");
  }
}

TEST_CASE("unit makes an integer a length of time, in seconds or minutes only") {
  LoadedWorkflow loaded = load(
      with(kGood, "count = wf.integer { min = 0 }", "count = wf.integer { unit = \"minutes\" }"));
  INFO(listing(loaded.problems));
  REQUIRE(loaded.ok());
  CHECK(loaded.definition.field("count")->unit == "minutes");

  for (const char* wrong : {"wf.integer { unit = \"hours\" }", "wf.text { unit = \"seconds\" }"}) {
    const std::string bad = with(kGood, "wf.integer { min = 0 }", wrong);
    expect_problem(bad, line_of(bad, "count = wf."),
                   "unit of 'count' applies only to commsflow.integer and must be \"seconds\" or "
                   "\"minutes\"");
  }
}

TEST_CASE("check: an action that releases the document needs a workflow with one") {
  const std::string releasing =
      with(kGood, R"(approve = { to = "done", roles = { "reviewer" } },)",
           R"(approve = { to = "done", roles = { "reviewer" }, releases = true },)");
  expect_problem(releasing, line_of(kGood, "approve = {"),
                 "action 'approve' in state 'review' releases the document, so the workflow "
                 "needs `document = { roles = { ... } }`");
  expect_problem(with(kGood, R"(approve = { to = "done", roles = { "reviewer" } },)",
                      R"(approve = { to = "done", roles = { "reviewer" }, releases = "yes" },)"),
                 line_of(kGood, "approve = {"),
                 "releases of action 'approve' must be true or false");
}

TEST_CASE("check: a queue or incident hooks naming what the workflow lacks are named") {
  // Each declaration on the line after `initial`, so the problem is on that line.
  auto declared = [](const std::string& declaration) {
    return with(kGood, "  initial = \"draft\",\n",
                "  initial = \"draft\",\n  " + declaration + "\n");
  };
  const int line = line_of(kGood, "initial = \"draft\"") + 1;
  expect_problem(declared(R"(queue = { tier = "urgency" },)"), line,
                 "queue.tier names 'urgency', which is not a field");
  expect_problem(declared(R"(queue = { tier = "colour", tiers = { { value = "blue" } } },)"), line,
                 "queue.tiers: 'blue' is not one of the choices of field 'colour'");
  expect_problem(
      declared(R"(queue = { tier = "colour", tiers = { { value = "red", colour = "mauve" } } },)"),
      line, "colour 'mauve' of 'red' is not an NHS tag colour");
  expect_problem(
      declared(R"(queue = { tier = "colour", tiers = { { value = "red" }, { value = "red" } } },)"),
      line, "queue.tiers lists 'red' twice");
  expect_problem(declared(R"(queue = { hold = { "on_ice" } },)"), line,
                 "queue.hold names 'on_ice', which is not a state");
  expect_problem(declared(R"(queue = { sort = { "tier" } },)"), line,
                 "queue.sort names \"tier\", but the queue has no `tier` field");
  expect_problem(declared(R"(queue = { sort = { "cuont" } },)"), line,
                 "queue.sort names 'cuont', which is neither");
  expect_problem(declared(R"(queue = { order = { "count" } },)"), line,
                 "unknown key 'order' in queue");
  expect_problem(declared(R"(queue = { due = "title", remind_before = 3600 },)"), line,
                 "queue.remind_before and queue.remind_notify go together");
  expect_problem(
      declared(R"(queue = { due = "title", remind_before = -1, remind_notify = { "reviewer" } },)"),
      line, "remind_before of queue must be a positive number of seconds");
  expect_problem(declared(R"(queue = { remind_before = 60, remind_notify = { "reviewer" } },)"),
                 line, "queue.remind_notify needs `due = \"field\"`");
  expect_problem(declared(R"(queue = { due = "title", overdue_notify = { "colour" } },)"), line,
                 "queue.overdue_notify names 'colour', which is neither a person field");
  expect_problem(
      declared(R"(incidents = { pause = "send", resume = "approve", held_by = "title" },)"), line,
      "incidents needs `holds = function(item, incident, ctx) ... end`");
  const std::string hooks =
      R"(incidents = { holds = function() return true end, pause = "hold", resume = "approve", held_by = "colour" },)";
  auto problems = expect_problem(declared(hooks), line,
                                 "incidents.pause names 'hold', which no state has as an action");
  CHECK_THAT(
      listing(problems),
      Catch::Contains("incidents.resume: action 'approve' must take the field incident_name"));
  CHECK_THAT(listing(problems), Catch::Contains("incidents.held_by: field 'colour' must be text"));

  auto good = load(declared(
      R"(queue = { tier = "colour", tiers = { { value = "green", label = "Go", colour = "green" } }, hold = { "review" }, sort = { "hold", "tier", "count" } },)"));
  INFO(listing(good.problems));
  REQUIRE(good.ok());
  const QueueSpec& q = good.definition.queue;
  CHECK(q.tier("green")->label == "Go");
  CHECK(q.holds("review"));
  CHECK_FALSE(q.holds("draft"));
  CHECK(q.sort == std::vector<std::string>{"hold", "tier", "count"});
}

TEST_CASE("check: reading or assigning a global the sandbox lacks is named at its line") {
  // A typo in a guard that has never run, an assignment inside an effect, and a library name the
  // sandbox leaves out: each found when the file loads, not when the line first runs.
  std::string text = with(kGood, R"(send = { to = "review", roles = { "comms_officer" },)",
                          R"(send = { to = "review", roles = { "comms_officer" },
          guard = function(item) return calender.is_working_day(item.title) end,
          effect = function(item) last_sent = item.title; item.count = io and 1 or 0 end,)");
  const int guard_line = line_of(text, "calender.is_working_day");
  const int effect_line = line_of(text, "last_sent = item.title");
  LoadedWorkflow loaded = load(text);
  const std::string problems = listing(loaded.problems);
  INFO(problems);
  CHECK_FALSE(loaded.ok());
  CHECK_THAT(problems,
             Catch::Contains(fmt::format("{}:{}: 'calender' is not defined (a typo, or a missing "
                                         "`local`?)",
                                         kPath, guard_line)));
  CHECK_THAT(problems, Catch::Contains(fmt::format(
                           "{}:{}: assigns the global 'last_sent': declare it with `local "
                           "last_sent`",
                           kPath, effect_line)));
  CHECK_THAT(problems,
             Catch::Contains(fmt::format("{}:{}: 'io' is not defined", kPath, effect_line)));
  // What the sandbox has, and locals, fields and upvalues, are not globals.
  CHECK_THAT(problems, !Catch::Contains("'string'") && !Catch::Contains("'item'") &&
                           !Catch::Contains("'is_working_day'") && !Catch::Contains("'wf'"));
  CHECK(std::count(problems.begin(), problems.end(), '\n') == 3);
}

TEST_CASE("check: a module's undefined globals are named in the module's file") {
  test::TempDir dir;
  const auto lib = dir.write("lib/helpers.lua",
                             "local M = {}\n\nfunction M.twice(x)\n"
                             "  return x * tw0\nend\n\nreturn M\n");
  const std::string text = with(kGood, "local wf = require \"commsflow\"\n",
                                "local wf = require \"commsflow\"\nlocal helpers = require "
                                "\"helpers\"\n");
  auto loaded =
      load_workflow(ScriptSource{kPath, text, dir / "lib"}, "v1", ScriptLimits{}, test_clock());
  INFO(listing(loaded.problems));
  REQUIRE(loaded.problems.size() == 1);
  CHECK(loaded.problems[0].file == lib.string());
  CHECK(loaded.problems[0].line == 4);
  CHECK(loaded.problems[0].message == "'tw0' is not defined (a typo, or a missing `local`?)");
}

TEST_CASE("one check names an undefined name and the structure problems it would have hidden") {
  // A guard misspelt, a state misspelt, and a required_if naming no field: all in one run.
  std::string text =
      with(kGood, "approve = { to = \"done\", roles = { \"reviewer\" } },",
           "approve = { to = \"dnoe\", roles = { \"reviewer\" }, guard = is_redy },");
  text = with(text, "count = wf.integer { min = 0 },",
              "count = wf.integer { min = 0, required_if = { colur = { \"red\" } } },");
  auto loaded = load(text);
  INFO(listing(loaded.problems));
  const int approve = line_of(text, "approve =");
  auto has = [&](int line, const std::string& fragment) {
    return std::any_of(loaded.problems.begin(), loaded.problems.end(), [&](const Diagnostic& p) {
      return p.line == line && p.message.find(fragment) != std::string::npos;
    });
  };
  CHECK(has(approve, "'is_redy' is not defined"));
  CHECK(has(approve, "goes to missing state 'dnoe'"));
  CHECK(
      has(line_of(text, "count ="), "required_if of 'count' names 'colur', which is not a field"));
}

TEST_CASE("an action's input required by another's answer names a field of the action or item") {
  const std::string fields = "fields = { reason = wf.text { required = true } },";
  SECTION("an input or an item field: clean") {
    for (const char* required_if :
         {"required_if = { severity = { \"high\" } }", "required_if = { colour = { \"red\" } }"}) {
      std::string text =
          with(kGood, fields,
               fmt::format("fields = {{ severity = wf.choice {{ \"low\", \"high\" }}, reason = "
                           "wf.text {{ {} }} }},",
                           required_if));
      auto loaded = load(text);
      INFO(listing(loaded.problems));
      CHECK(loaded.ok());
    }
  }
  SECTION("neither: named on the input's line") {
    std::string text =
        with(kGood, fields,
             "fields = { reason = wf.text { required_if = { sevrity = { \"high\" } } } },");
    expect_problem(text, line_of(text, "reason = wf.text"),
                   "required_if of 'reason' names 'sevrity', which is not a field");
  }
  SECTION("a yes/no field's answer: true or false, nothing else") {
    auto with_required_if = [&](const char* required_if) {
      return with(kGood, fields,
                  fmt::format("fields = {{ urgent = wf.boolean {{}}, reason = wf.text {{ {} }} }},",
                              required_if));
    };
    auto clean = load(with_required_if("required_if = { urgent = { true } }"));
    INFO(listing(clean.problems));
    CHECK(clean.ok());
    std::string text = with_required_if("required_if = { urgent = { \"yes\" } }");
    expect_problem(text, line_of(text, "reason = wf.text"),
                   "required_if of 'reason': 'urgent' is yes or no, so it takes true or false, "
                   "not 'yes'");
    text = with_required_if("required_if = { urgent = { 1 } }");
    expect_problem(text, line_of(text, "reason = wf.text"),
                   "values of 'urgent' must be text, or true or false for a yes/no field");
    // Said on forms in words made from the rule, or the workflow's own.
    auto said = load(with_required_if("required_if = { urgent = { true } }"));
    REQUIRE(said.ok());
    const FieldSpec* reason = nullptr;
    for (const auto& state : said.definition.states) {
      for (const auto& action : state.actions) {
        if (!reason) reason = action.field("reason");
      }
    }
    REQUIRE(reason);
    CHECK(reason->needed_when == "Needed when Urgent is Yes");
    text = with_required_if("needed_when = 7");
    expect_problem(text, line_of(text, "reason = wf.text"),
                   "needed_when of 'reason' must be text, saying when it is needed");
  }
}
