// The `commsflow` command as a user runs it: the real binary in a fresh folder holding a copy of
// the shipped workflows, with the clock fixed. Each test checks what a user would: the exit code,
// the key words of the messages, the JSON, and that a failed command changed nothing.
#include <commsflow/json.h>
#include <commsflow/sha256.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

namespace {

using Args = std::vector<std::string>;

const char* const kNow = "2026-03-02T09:00:00Z";

std::string describe(const Args& args, const RunResult& r) {
  return fmt::format("$ commsflow {}\nexit code {}\n--- stdout ---\n{}--- stderr ---\n{}",
                     fmt::join(args, " "), r.exit_code, r.out, r.err);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// A fingerprint of a file's bytes (comparing the bytes themselves would print them on failure).
std::string fingerprint(const fs::path& file) {
  return to_hex(sha256(test::read_bytes(file)));
}

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// A project folder: ./workflows holds a copy of the shipped workflows; ./commsflow.db is the
// database once `init` has run.
class Project {
 public:
  Project() {
    fs::copy(test::shipped_workflows(), dir_ / "workflows", fs::copy_options::recursive);
  }

  const fs::path& path() const { return dir_.path(); }
  fs::path db() const { return dir_ / "commsflow.db"; }
  fs::path file(const std::string& name) const { return dir_ / name; }
  fs::path write(const std::string& name, const std::string& text) const {
    return dir_.write(name, text);
  }
  void append(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::app) << text;
  }
  std::string read(const std::string& name) const { return test::read_bytes(dir_ / name); }

  // Runs the command and REQUIREs the exit code (printing the run if it differs).
  RunResult run(int expected_exit, const Args& args) const {
    RunResult r = test::run_cli(dir_.path(), args, kNow);
    INFO(describe(args, r));
    REQUIRE(r.exit_code == expected_exit);
    return r;
  }

  // Runs the command with --json and returns stdout parsed as JSON.
  Json json(int expected_exit, Args args) const {
    args.insert(args.begin(), "--json");
    RunResult r = run(expected_exit, args);
    INFO(describe(args, r));
    Json j = Json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  }

  // A database (as init makes it) and a small team: asha (requester), olivia (comms_officer),
  // hannah (head_of_comms); made in this process, as `init` and `actor add` have tests of their
  // own.
  void set_up_team() const {
    test::LocalEngine here(dir_.path(), /*create=*/true);
    here.engine->add_actor("asha", {"requester"});
    here.engine->add_actor("olivia", {"comms_officer"});
    here.engine->add_actor("hannah", {"head_of_comms"});
  }

  // Submits a website update as asha; returns the new item.
  Json submit(const std::string& title, const std::string& url = "https://example.nhs.uk/a") const {
    return json(0, {"submit", "website_update", "--as", "asha", "--set", "title=" + title, "--set",
                    "page_url=" + url});
  }

  Json act(const std::string& ref, const std::string& action, const std::string& actor,
           Args extra = {}) const {
    Args args = {"act", ref, action, "--as", actor};
    args.insert(args.end(), extra.begin(), extra.end());
    return json(0, args);
  }

  // Everything a user could look at: items, actors, the event log and the reference counters.
  std::string snapshot() const {
    std::string items = run(0, {"--json", "list"}).out;
    std::string actors = run(0, {"--json", "actor", "list"}).out;
    std::string events = test::query_text(
        db(),
        "SELECT count(*) || ' ' || coalesce(max(seq), 0) || ' ' || "
        "coalesce((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), '') FROM events");
    std::string counters = test::query_text(
        db(),
        "SELECT coalesce(group_concat(prefix || '-' || year || ':' || last), '') FROM "
        "ref_counters");
    std::string definitions = test::query_text(db(), "SELECT count(*) FROM definitions");
    return items + "\n" + actors + "\nevents " + events + "\ncounters " + counters +
           "\ndefinitions " + definitions;
  }

  // The history of an item as JSON.
  Json history(const std::string& ref) const { return json(0, {"history", ref}); }

 private:
  test::TempDir dir_;
};

std::vector<std::string> names_of(const Json& list, const char* key = "name") {
  std::vector<std::string> names;
  for (const auto& entry : list) names.push_back(entry.at(key).get<std::string>());
  return names;
}

Json workflow_entry(const Json& workflows, const std::string& name) {
  for (const auto& w : workflows) {
    if (w.at("name") == name) return w;
  }
  FAIL("workflow " << name << " is not listed in " << workflows.dump());
  throw std::logic_error("unreachable");
}

// The line of text output whose first word is `first`.
std::vector<std::string> row_starting(const std::string& out, const std::string& first) {
  for (const auto& line : lines_of(out)) {
    auto words = words_of(line);
    if (!words.empty() && words[0] == first) return words;
  }
  FAIL("no line starts with " << first << " in:\n" << out);
  return {};
}

size_t shipped_workflow_count() {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(test::shipped_workflows())) {
    if (entry.is_regular_file() && entry.path().extension() == ".lua") ++n;
  }
  return n;
}

void check_error_json(const Json& j, const std::string& code) {
  INFO(j.dump(2));
  REQUIRE(j.is_object());
  REQUIRE(j.size() == 1);
  REQUIRE(j.contains("error"));
  const Json& error = j.at("error");
  REQUIRE(error.is_object());
  CHECK(error.value("code", "") == code);
  if (code == "refused") {
    REQUIRE(error.contains("reasons"));
    REQUIRE(error.at("reasons").is_array());
    CHECK_FALSE(error.at("reasons").empty());
    for (const auto& reason : error.at("reasons")) CHECK(reason.is_string());
  } else {
    REQUIRE(error.contains("message"));
    REQUIRE(error.at("message").is_string());
    CHECK_FALSE(error.at("message").get<std::string>().empty());
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: --help at the top and on every command exits 0 and names its options") {
  Project p;
  for (const char* flag : {"--help", "-h"}) {
    RunResult top = p.run(0, {flag});
    for (const char* word : {"--db", "--workflows", "--json", "init", "check", "workflows", "actor",
                             "submit", "act", "show", "list", "history", "verify", "Exit codes"}) {
      CHECK_THAT(top.out, Contains(word));
    }
  }

  struct Help {
    Args command;
    std::vector<std::string> mentions;
  };
  const std::vector<Help> helps = {
      {{"init"}, {"--demo"}},
      {{"check"}, {"files"}},
      {{"workflows"}, {"version"}},
      {{"actor"}, {"add", "list"}},
      {{"actor", "add"}, {"name", "--role"}},
      {{"actor", "list"}, {"roles"}},
      {{"submit"}, {"workflow", "--as", "--set", "--data"}},
      {{"act"}, {"ref", "action", "--as", "--set", "--data", "--note", "--revision"}},
      {{"show"}, {"ref"}},
      {{"list"}, {"--workflow", "--state", "--limit"}},
      {{"history"}, {"ref"}},
      {{"verify"}, {"hash"}},
      {{"queue"}, {"--workflow"}},
      {{"incident"}, {"declare", "close"}},
      {{"incident", "declare"}, {"name", "--level", "--as"}},
      {{"incident", "close"}, {"name", "--as"}},
      {{"import"}, {"file", "--workflow", "--as"}},
  };
  // A default people read, not the engine's stand-in for "all".
  CHECK_THAT(p.run(0, {"list", "--help"}).out, Contains("(default: all)") && !Contains("=-1"));
  for (const auto& h : helps) {
    Args args = h.command;
    args.push_back("--help");
    RunResult r = p.run(0, args);
    INFO(describe(args, r));
    CHECK_THAT(r.out, Contains("commsflow " + fmt::format("{}", fmt::join(h.command, " "))));
    CHECK_THAT(r.out, Contains("--help"));
    for (const auto& word : h.mentions) CHECK_THAT(r.out, Contains(word));
  }
  // Asking for help needs no database and creates none.
  CHECK_FALSE(fs::exists(p.db()));
}

TEST_CASE("cli: an unknown command, option or a missing argument is a usage error (exit 2)") {
  Project p;
  struct Bad {
    Args args;
    std::vector<std::string> named;  // what the message must mention
  };
  const std::vector<Bad> bad = {
      {{}, {"needs a command", "init", "submit"}},
      {{"frobnicate"}, {"unknown command", "frobnicate", "submit"}},
      {{"list", "--colour", "red"}, {"--colour"}},
      {{"submit"}, {"workflow", "required"}},
      {{"submit", "website_update"}, {"--as", "required"}},
      {{"act", "WEB-2026-0001"}, {"action", "required"}},
      {{"act", "WEB-2026-0001", "accept"}, {"--as", "required"}},
      {{"act", "WEB-2026-0001", "accept", "--as", "olivia", "--revision", "three"},
       {"--revision", "three"}},
      {{"actor"}, {"needs a command", "add", "list"}},
      {{"actor", "frobnicate"}, {"unknown command", "frobnicate", "add"}},
      {{"actor", "add", "bob"}, {"--role", "required"}},
      {{"actor", "add", "--role", "requester"}, {"name", "required"}},
      {{"show"}, {"ref", "required"}},
      {{"history"}, {"ref", "required"}},
      // Beyond loopback only behind a proxy named by its address: a name is not one.
      {{"serve", "--bind", "0.0.0.0", "--trusted-proxy", "hello world"},
       {"--trusted-proxy", "'hello world' is not an IP address"}},
      {{"serve", "--bind", "nonsense"}, {"--bind", "'nonsense' is not an IP address"}},
  };
  for (const auto& b : bad) {
    RunResult r = p.run(2, b.args);
    INFO(describe(b.args, r));
    for (const auto& word : b.named) CHECK_THAT(r.err, Contains(word));
    CHECK_THAT(r.err, Contains("--help"));
    CHECK(r.out.empty());
  }
  CHECK_FALSE(fs::exists(p.db()));
  // The version, on its own, is no usage error.
  RunResult version = p.run(0, {"--version"});
  CHECK_THAT(version.out, Contains("commsflow "));
  CHECK(version.err.empty());
  CHECK(p.run(0, {"--db", "other.db", "--version"}).out == version.out);  // among the options
}

// ---------------------------------------------------------------------------------------------
// init and a missing database
// ---------------------------------------------------------------------------------------------

TEST_CASE(
    "cli: init creates ./commsflow.db and loads the workflows and a second init only opens it") {
  Project p;
  REQUIRE_FALSE(fs::exists(p.db()));
  RunResult created = p.run(0, {"init"});
  CHECK(fs::exists(p.db()));
  CHECK_THAT(created.out, Contains("Created") && Contains("commsflow.db"));
  CHECK_THAT(created.out, Contains(fmt::format("{} workflow(s) loaded", shipped_workflow_count())));

  RunResult again = p.run(0, {"init"});
  CHECK_THAT(again.out, Contains("Opened") && Contains("commsflow.db"));

  Json j = p.json(0, {"init"});
  CHECK(j["created"] == false);
  CHECK(j["db"] == "commsflow.db");
  CHECK(j["workflows"] == shipped_workflow_count());
  CHECK(j["schema_version"].get<int>() >= 1);

  CHECK(p.json(0, {"list"}) == Json::array());
  CHECK(p.json(0, {"actor", "list"}) == Json::array());
  p.run(0, {"verify"});

  SECTION("--db names another file, created where asked") {
    Json other = p.json(0, {"--db", "elsewhere.db", "init"});
    CHECK(other["created"] == true);
    CHECK(fs::exists(p.file("elsewhere.db")));
  }
}

TEST_CASE("cli: init --demo adds demo actors and items once") {
  Project p;
  RunResult first = p.run(0, {"init", "--demo"});
  CHECK_THAT(first.out, Contains("demo"));
  Json items = p.json(0, {"list"});
  Json actors = p.json(0, {"actor", "list"});
  REQUIRE(items.size() == 16);
  std::vector<std::string> states = names_of(items, "state");
  std::sort(states.begin(), states.end());
  // Website updates, statements in review, approved and issued, comms requests (three paused
  // by the demo's active incident), the incident itself, and a service change consulting now
  // with three pieces of feedback.
  CHECK(states == std::vector<std::string>{
                      "active", "approved", "comms_review", "consultation_open", "in_progress",
                      "in_review", "issued", "paused", "paused", "paused", "published", "received",
                      "received", "received", "requested", "triaged"});
  std::vector<std::string> people = names_of(actors);
  for (const char* who : {"asha.requester", "olivia.officer", "hannah.head"}) {
    CHECK(std::find(people.begin(), people.end(), who) != people.end());
  }
  std::string events = test::query_text(p.db(), "SELECT count(*) FROM events");

  p.run(0, {"init", "--demo"});
  CHECK(p.json(0, {"list"}) == items);
  CHECK(p.json(0, {"actor", "list"}) == actors);
  CHECK(test::query_text(p.db(), "SELECT count(*) FROM events") == events);
  RunResult verified = p.run(0, {"verify"});
  CHECK_THAT(verified.out, Contains("ok"));
}

TEST_CASE("cli: an account change at the database file records who ran it, behind sudo or not") {
  Project p;
  p.run(0, {"init"});
  setenv("SUDO_USER", "alice.admin", 1);
  p.run(0, {"actor", "add", "sam", "--role", "head_of_comms"});
  p.run(0, {"actor", "add", "kim", "--role", "comms_officer"});
  p.run(0, {"delegate", "sam", "kim", "--role", "head_of_comms", "--until", "2026-03-31"});
  unsetenv("SUDO_USER");
  p.run(0, {"actor", "add", "lee", "--role", "triager"});
  const Json rows = p.json(0, {"audit", "--actor", "operator"})["rows"];
  INFO(rows.dump(2));
  REQUIRE(rows.size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(rows[i]["payload"]["login"] == "alice.admin");
  CHECK(rows[2]["action"] == "delegation_created");
  // Without sudo, the user running the command.
  CHECK(rows[3]["ref"] == "actor:lee");
  CHECK_FALSE(rows[3]["payload"]["login"].get<std::string>().empty());
  CHECK(rows[3]["payload"]["login"] != "alice.admin");
  p.run(0, {"verify"});
}

TEST_CASE("cli: init --demo works on a day no consultation may open (a pre-election period)") {
  Project p;
  RunResult r = test::run_cli(p.path(), {"init", "--demo"}, "2026-03-31T09:00:00Z");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  RunResult listed =
      test::run_cli(p.path(), {"list", "--workflow", "service_change"}, "2026-03-31T09:00:00Z");
  CHECK_THAT(listed.out, Contains("Consultation: planned"));
}

TEST_CASE("cli: list names a mistyped workflow or state rather than listing nothing") {
  Project p;
  p.run(0, {"init"});
  CHECK_THAT(p.run(2, {"list", "--workflow", "website_updat"}).err,
             Contains("unknown workflow 'website_updat'"));
  CHECK_THAT(p.run(2, {"list", "--workflow", "website_update", "--state", "donee"}).err,
             Contains("state: website_update has no state 'donee' (its states: "));
  CHECK_THAT(p.run(0, {"list", "--workflow", "website_update", "--state", "requested"}).out,
             Contains("no items"));
}

TEST_CASE("cli: init --demo never puts its published password into a database in use") {
  Project p;
  p.run(0, {"init"});
  p.run(0, {"actor", "add", "rita", "--role", "requester"});
  const std::string events = test::query_text(p.db(), "SELECT count(*) FROM events");
  RunResult r = p.run(2, {"init", "--demo"});
  CHECK_THAT(r.err, Contains("demo data goes only into a new database"));
  CHECK(names_of(p.json(0, {"actor", "list"})) == std::vector<std::string>{"rita"});
  CHECK(test::query_text(p.db(), "SELECT count(*) FROM passwords") == "0");
  CHECK(test::query_text(p.db(), "SELECT count(*) FROM events") == events);
}

TEST_CASE("cli: --json errors name each field at fault, as the API does") {
  Project p;
  p.set_up_team();
  Json j = p.json(2, {"submit", "website_update", "--as", "asha", "--set", "title=Clinic times",
                      "--set", "urgency=whenever"});
  check_error_json(j, "bad_input");
  REQUIRE(j["error"].contains("fields"));
  CHECK(j["error"]["fields"].size() == 1);
  CHECK_THAT(j["error"]["fields"]["urgency"].get<std::string>(), Contains("whenever"));
  // A field given twice keeps neither value: which one was meant is not for the engine to guess.
  CHECK_THAT(p.run(2, {"submit", "website_update", "--as", "asha", "--set", "title=One", "--set",
                       "title=Two"})
                 .err,
             Contains("--set gives title twice"));
  CHECK(p.json(0, {"list"}).empty());
}

TEST_CASE("cli: init --demo adds all of the demo or none of it") {
  Project p;
  auto nothing_kept = [&] {
    CHECK(test::query_text(p.db(), "SELECT count(*) FROM actors") == "0");
    CHECK(test::query_text(p.db(), "SELECT count(*) FROM items") == "0");
    CHECK(test::query_text(p.db(), "SELECT count(*) FROM passwords") == "0");
  };
  SECTION("a shipped workflow it uses does not load") {
    p.write("workflows/website_update.lua", "return {");
    RunResult r = p.run(3, {"init", "--demo"});
    CHECK_THAT(r.err, Contains("demo data was not added (none of it was kept)") &&
                          Contains("needs the shipped workflow 'website_update'"));
    nothing_kept();
  }
  SECTION("a workflow refuses the demo's data part way") {
    const fs::path file = p.file("workflows/comms_request.lua");
    std::string text = test::read_bytes(file);
    const std::string fields = "  fields = {\n";
    REQUIRE(text.find(fields) != std::string::npos);
    text.replace(text.find(fields), fields.size(),
                 fields + "    budget_code = wf.text { required = true },\n");
    const std::string sets = "sets = { \"title\", \"description\",";
    REQUIRE(text.find(sets) != std::string::npos);
    text.replace(text.find(sets), sets.size(),
                 "sets = { \"budget_code\", \"title\", \"description\",");
    const std::string shown = "submitter = { \"title\",";  // the requester sees what she gave
    REQUIRE(text.find(shown) != std::string::npos);
    text.replace(text.find(shown), shown.size(), "submitter = { \"budget_code\", \"title\",");
    p.write("workflows/comms_request.lua", text);
    RunResult r = p.run(2, {"init", "--demo"});
    CHECK_THAT(r.err, Contains("demo data was not added") && Contains("budget_code"));
    nothing_kept();
  }
  // Put right, the demo goes in whole.
  fs::remove_all(p.file("workflows"));
  fs::copy(test::shipped_workflows(), p.file("workflows"), fs::copy_options::recursive);
  p.run(0, {"init", "--demo"});
  CHECK(p.json(0, {"list"}).size() == 16);
}

TEST_CASE("cli: commands other than init on a missing database exit 2 and suggest init") {
  Project p;
  const std::vector<Args> commands = {
      {"workflows"},
      {"actor", "list"},
      {"actor", "add", "bob", "--role", "requester"},
      {"submit", "website_update", "--as", "bob", "--set", "title=x"},
      {"act", "WEB-2026-0001", "accept", "--as", "bob"},
      {"show", "WEB-2026-0001"},
      {"list"},
      {"history", "WEB-2026-0001"},
      {"verify"},
  };
  for (const auto& args : commands) {
    RunResult r = p.run(2, args);
    INFO(describe(args, r));
    CHECK_THAT(r.err, Contains("commsflow.db") && Contains("commsflow init"));
    CHECK_FALSE(fs::exists(p.db()));
    CHECK_FALSE(fs::exists(p.file("commsflow.db-wal")));
  }

  RunResult other = p.run(2, {"--db", "data/team.db", "list"});
  CHECK_THAT(other.err, Contains("data/team.db") && Contains("commsflow init"));
  CHECK_FALSE(fs::exists(p.file("data/team.db")));

  Json j = p.json(2, {"list"});
  check_error_json(j, "not_found");
  CHECK_THAT(j["error"]["message"].get<std::string>(),
             Contains("commsflow.db") && Contains("commsflow init"));
  CHECK_FALSE(fs::exists(p.db()));
}

TEST_CASE("cli: init with a missing workflows folder exits 2 naming it and creates nothing") {
  Project p;
  RunResult r = p.run(2, {"--workflows", "no_such_folder", "init"});
  CHECK_THAT(r.err, Contains("no_such_folder"));
  CHECK_FALSE(fs::exists(p.db()));
}

TEST_CASE("cli: a database made before is read and acted on from a folder with no workflows") {
  Project p;
  p.run(0, {"init"});
  p.run(0, {"actor", "add", "olivia", "--role", "comms_officer"});
  fs::remove_all(p.path() / "workflows");
  // The versions stored in the file serve, and the person is told why the files are not read.
  RunResult people = p.run(0, {"actor", "list"});
  CHECK_THAT(people.out, Contains("olivia"));
  CHECK_THAT(people.err, Contains("there is no workflows folder workflows here") &&
                             Contains("--workflows DIR"));
  const Json made =
      p.json(0, {"submit", "website_update", "--as", "olivia", "--set", "title=Clinic times"});
  CHECK(made["state"] == "requested");
  CHECK_THAT(p.run(0, {"list"}).out, Contains("Clinic times"));
  p.run(0, {"verify"});
}

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: check warns of a field the submitter gives and would never see again") {
  Project p;
  std::string text = test::read_bytes(p.file("workflows/website_update.lua"));
  const std::string fields = "  fields = {\n";
  REQUIRE(text.find(fields) != std::string::npos);
  text.replace(text.find(fields), fields.size(),
               fields + "    audience = wf.choice { \"public\", \"staff\" },\n");
  const std::string sets = "sets = { \"title\",";
  REQUIRE(text.find(sets) != std::string::npos);
  text.replace(text.find(sets), sets.size(), "sets = { \"title\", \"audience\",");
  p.write("workflows/website_update.lua", text);
  // A warning, not a problem: a version in service that does this keeps loading.
  RunResult warned = p.run(0, {"check"});
  CHECK_THAT(warned.err, Contains("warning: workflows/website_update.lua:") &&
                             Contains("read.submitter leaves out 'audience', which submit.sets "
                                      "has the submitter give: they will not see what they gave"));
  CHECK_THAT(warned.out, Contains("no problems (1 warning(s) above)"));
  Json j = p.json(0, {"check"});
  CHECK(j["problems"].empty());
  CHECK(j["warnings"].size() == 1);
  p.run(0, {"init"});  // and it loads
}

TEST_CASE("cli: check passes the shipped workflows, reports file:line and creates no database") {
  Project p;
  RunResult clean = p.run(0, {"check"});
  CHECK_THAT(clean.out, Contains("ok") && Contains("no problems"));
  CHECK_THAT(clean.out, Contains(fmt::format("{} workflow file(s)", shipped_workflow_count())));
  p.run(0, {"check", "workflows/website_update.lua", "workflows/incident.lua"});
  Json clean_json = p.json(0, {"check"});
  CHECK(clean_json["files"] == shipped_workflow_count());
  CHECK(clean_json["problems"] == Json::array());
  CHECK(clean_json["warnings"] == Json::array());

  SECTION("a syntax error") {
    p.write("broken.lua",
            "local wf = require \"commsflow\"\n"
            "\n"
            "return wf.workflow {\n"
            "  name = \"broken\"\n"
            "  prefix = \"BRK\",\n"
            "}\n");
    RunResult r = p.run(2, {"check", "broken.lua"});
    CHECK_THAT(r.err, Contains("broken.lua:5:"));
    Json j = p.json(2, {"check", "broken.lua"});
    REQUIRE(j["problems"].size() == 1);
    CHECK(j["problems"][0]["file"] == "broken.lua");
    CHECK(j["problems"][0]["line"] == 5);
  }
  SECTION("a prefix taken twice, and a parent that names no workflow") {
    std::string web = test::read_bytes(p.file("workflows/website_update.lua"));
    web.replace(web.find("prefix = \"WEB\""), 14, "prefix = \"MED\"");
    p.write("workflows/website_update.lua", web);
    std::string feedback = test::read_bytes(p.file("workflows/feedback.lua"));
    feedback.replace(feedback.find("parent = \"service_change\""), 25,
                     "parent = \"service_chnge\"");
    p.write("workflows/feedback.lua", feedback);
    RunResult r = p.run(2, {"check"});
    CHECK_THAT(r.err, Contains("prefix 'MED' is also that of workflow"));
    CHECK_THAT(r.err, Contains(fmt::format("2 problem(s) in 2 of {} file(s) checked",
                                           shipped_workflow_count())));
    CHECK_THAT(r.err,
               Contains("feedback.lua:") &&
                   Contains("parent names 'service_chnge', which is no workflow in this folder"));
  }
  SECTION("an action that goes to a state that does not exist") {
    p.write("workflows/nowhere.lua",
            "local wf = require \"commsflow\"\n"
            "return wf.workflow {\n"
            "  name = \"nowhere\",\n"
            "  prefix = \"NOW\",\n"
            "  fields = { title = wf.text { required = true } },\n"
            "  submit = { roles = { \"requester\" } },\n"
            "  initial = \"open\",\n"
            "  states = {\n"
            "    open = { actions = {\n"
            "      close = { to = \"closd\", roles = { \"requester\" } },\n"
            "    } },\n"
            "    closed = { final = true },\n"
            "  },\n"
            "}\n");
    // Checking the whole folder finds it among the clean shipped files.
    RunResult r = p.run(2, {"check"});
    CHECK_THAT(r.err, Contains("nowhere.lua:10:") && Contains("closd"));
    CHECK_THAT(r.err, !Contains("website_update.lua:"));
  }
  SECTION("a file that does not exist") {
    RunResult r = p.run(2, {"check", "no_such_workflow.lua"});
    CHECK_THAT(r.err, Contains("no_such_workflow.lua"));
  }
  CHECK_FALSE(fs::exists(p.db()));
}

// ---------------------------------------------------------------------------------------------
// workflows and versions
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: workflows lists versions and open items and an edited file serves new items only") {
  Project p;
  p.set_up_team();
  const std::string file = "workflows/website_update.lua";
  const std::string v1 = to_hex(sha256(p.read(file)));

  Json listed = p.json(0, {"workflows"});
  CHECK(names_of(listed).size() == shipped_workflow_count());
  CHECK(workflow_entry(listed, "website_update").at("version") == v1);
  CHECK(workflow_entry(listed, "website_update").at("open_items") == 0);

  Json first = p.submit("Clinic times");
  Json second = p.submit("Duplicate of clinic times");
  const std::string first_ref = first["ref"];
  p.act(second["ref"].get<std::string>(), "decline", "olivia", {"--set", "reason=duplicate"});
  CHECK(first["version"] == v1);

  RunResult text = p.run(0, {"workflows"});
  auto row = row_starting(text.out, "website_update");
  REQUIRE(row.size() >= 5);
  CHECK(row[1] == v1.substr(0, 12));
  CHECK(row[row.size() - 2] == "1");  // open items: the declined one is closed
  CHECK_THAT(text.out, Contains("Mon 2 Mar 2026, 09:00"));  // loaded, in UK time
  CHECK(workflow_entry(p.json(0, {"workflows"}), "website_update").at("open_items") == 1);

  SECTION("a clean edit is a new version for new items; existing items keep theirs") {
    p.append(file, "-- Edited: a comment changes the text, so the version.\n");
    const std::string v2 = to_hex(sha256(p.read(file)));
    REQUIRE(v2 != v1);
    RunResult any = p.run(0, {"list"});
    CHECK(any.err.empty());

    Json after = p.json(0, {"workflows"});
    CHECK(workflow_entry(after, "website_update").at("version") == v2);
    CHECK(workflow_entry(after, "website_update").at("open_items") == 1);
    auto new_row = row_starting(p.run(0, {"workflows"}).out, "website_update");
    CHECK(new_row.at(1) == v2.substr(0, 12));

    CHECK(p.json(0, {"show", first_ref})["version"] == v1);
    Json third = p.submit("New page");
    CHECK(third["version"] == v2);
    // The old item still moves under its own version.
    Json accepted = p.act(first_ref, "accept", "olivia");
    CHECK(accepted["version"] == v1);
    CHECK(p.history(first_ref).back()["version"] == v1);
    CHECK(p.json(0, {"show", third["ref"].get<std::string>()})["version"] == v2);
    p.run(0, {"verify"});
  }

  SECTION("a broken edit leaves the previous version in service with a warning naming file:line") {
    const int bad_line = count_lines(p.read(file)) + 1;
    p.append(file, "this is not lua\n");
    RunResult r = p.run(0, {"submit", "website_update", "--as", "asha", "--set", "title=Still"});
    CHECK_THAT(r.err,
               Contains("warning") && Contains(fmt::format("website_update.lua:{}:", bad_line)));
    CHECK_THAT(r.out, Contains("WEB-2026-0003"));

    Json after = p.json(0, {"workflows"});
    CHECK(workflow_entry(after, "website_update").at("version") == v1);
    // The table says the file fails to load, beside the version still in service.
    CHECK_THAT(workflow_entry(after, "website_update").at("file_not_loaded").get<std::string>(),
               Contains(fmt::format("website_update.lua:{}:", bad_line)));
    CHECK_FALSE(workflow_entry(after, "comms_request").contains("file_not_loaded"));
    CHECK_THAT(p.run(0, {"workflows"}).out,
               Contains("website_update.lua  (the file has changed and fails to load: this "
                        "version stays in service"));
    Json item = p.json(0, {"show", "WEB-2026-0003"});
    CHECK(item["version"] == v1);
    CHECK(item["state"] == "requested");

    // --json output stays parseable: warnings go to stderr.
    RunResult js = test::run_cli(p.path(), {"--json", "show", "WEB-2026-0003"}, kNow);
    CHECK(js.exit_code == 0);
    CHECK_THAT(js.err, Contains("warning"));
    CHECK_FALSE(Json::parse(js.out, nullptr, false).is_discarded());

    RunResult checked = p.run(2, {"check"});
    CHECK_THAT(checked.err, Contains(fmt::format("website_update.lua:{}:", bad_line)));
    p.run(0, {"verify"});
  }
}

// ---------------------------------------------------------------------------------------------
// actors
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: actor add grants roles, actor list shows them, an unknown role exits 2") {
  Project p;
  p.run(0, {"init"});
  RunResult added = p.run(0, {"actor", "add", "bob", "--role", "requester"});
  CHECK_THAT(added.out, Contains("bob") && Contains("requester"));
  Json more = p.json(0, {"actor", "add", "bob", "--role", "comms_officer"});
  CHECK(more["name"] == "bob");
  auto roles = more["roles"].get<std::vector<std::string>>();
  std::sort(roles.begin(), roles.end());
  CHECK(roles == std::vector<std::string>{"comms_officer", "requester"});

  Json listed = p.json(0, {"actor", "list"});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["name"] == "bob");
  CHECK(listed[0]["roles"].size() == 2);
  RunResult text = p.run(0, {"actor", "list"});
  CHECK_THAT(text.out, Contains("bob") && Contains("requester") && Contains("comms_officer"));

  std::string before = p.snapshot();
  RunResult unknown = p.run(2, {"actor", "add", "carol", "--role", "wizard"});
  CHECK_THAT(unknown.err, Contains("wizard") && Contains("unknown role"));
  RunResult mixed = p.run(2, {"actor", "add", "bob", "--role", "director", "--role", "wizard"});
  CHECK_THAT(mixed.err, Contains("wizard"));
  RunResult bad_name = p.run(2, {"actor", "add", "Carol Smith", "--role", "requester"});
  CHECK_THAT(bad_name.err, Contains("Carol Smith"));
  check_error_json(p.json(2, {"actor", "add", "carol", "--role", "wizard"}), "bad_input");
  CHECK(p.snapshot() == before);

  // Display names: given when added, changed later, shown in the list.
  RunResult named =
      p.run(0, {"actor", "add", "carol", "--role", "requester", "--display-name", "Carol Smith"});
  CHECK_THAT(named.out, Contains("carol (Carol Smith): requester"));
  // Nobody has a password yet: the list says they cannot sign in.
  CHECK_THAT(p.run(0, {"actor", "list"}).out, Contains("(no password yet: cannot sign in)"));
  CHECK(p.json(0, {"actor", "list"})[0]["has_password"] == false);
  p.run(0, {"actor", "set", "bob", "--display-name", "Bob Jones"});
  CHECK_THAT(p.run(0, {"actor", "list"}).out, Contains("Bob Jones") && Contains("Carol Smith"));
  CHECK(p.json(0, {"actor", "list"})[0]["display_name"] == "Bob Jones");
  const std::string named_before = p.snapshot();
  CHECK_THAT(p.run(2, {"actor", "set", "bob", "--display-name", "Bob\tJones"}).err,
             Contains("--display-name") && Contains("control character"));
  CHECK_THAT(p.run(2, {"actor", "set", "nobody", "--display-name", "No One"}).err,
             Contains("nobody"));
  CHECK_THAT(p.run(2, {"actor", "set", "bob"}).err, Contains("--display-name"));
  CHECK(p.snapshot() == named_before);
  p.run(0, {"verify"});
}

// ---------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: submit, act, show, list and history take an item through its workflow") {
  Project p;
  p.set_up_team();
  const std::string version = to_hex(sha256(p.read("workflows/website_update.lua")));

  Json item = p.json(
      0, {"submit", "website_update", "--as", "asha", "--set", "title=Correct the clinic times",
          "--set", "page_url=https://example.nhs.uk/clinic", "--set", "urgency=today"});
  std::vector<std::string> keys;
  for (const auto& [key, _] : item.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"created_at", "data", "ref", "revision", "state",
                                         "updated_at", "version", "workflow"});
  const std::string ref = item["ref"];
  CHECK(ref == "WEB-2026-0001");
  CHECK(item["workflow"] == "website_update");
  CHECK(item["version"] == version);
  CHECK(item["state"] == "requested");
  CHECK(item["revision"] == 1);
  CHECK(item["created_at"] == kNow);
  CHECK(item["updated_at"] == kNow);
  CHECK(item["data"]["title"] == "Correct the clinic times");
  CHECK(item["data"]["urgency"] == "today");
  CHECK(item["data"]["requested_by"] == "asha");

  Json shown = p.json(0, {"show", ref});
  REQUIRE(shown.contains("actions"));
  CHECK(names_of(shown["actions"]) == std::vector<std::string>{"accept", "decline"});
  Json without_actions = shown;
  without_actions.erase("actions");
  CHECK(without_actions == item);

  item = p.act(ref, "accept", "olivia", {"--set", "needed_by=2026-03-20"});
  CHECK(item["state"] == "in_progress");
  CHECK(item["revision"] == 2);
  CHECK(item["data"]["needed_by"] == "2026-03-20");
  CHECK_FALSE(item.contains("actions"));

  item = p.act(ref, "send_for_review", "olivia", {"--note", "ready for a look", "--revision", "2"});
  CHECK(item["state"] == "in_review");

  // --json may also come after the command.
  RunResult trailing = p.run(0, {"show", ref, "--json"});
  Json in_review = Json::parse(trailing.out);
  CHECK(in_review["state"] == "in_review");
  auto actions = names_of(in_review["actions"]);
  CHECK(actions == std::vector<std::string>{"approve", "return_for_changes"});
  CHECK(in_review["actions"][0]["roles"] == Json::array({"head_of_comms"}));

  item = p.act(ref, "return_for_changes", "hannah", {"--set", "comment=Add the Sunday hours"});
  CHECK(item["state"] == "in_progress");
  CHECK(item["data"]["reviewer_notes"] == Json::array({"Add the Sunday hours"}));
  item = p.act(ref, "send_for_review", "olivia");
  item = p.act(ref, "approve", "hannah");
  CHECK(item["state"] == "approved");
  item = p.act(ref, "publish", "olivia");
  CHECK(item["state"] == "published");
  CHECK(item["revision"] == 7);
  CHECK(item["data"]["published_at"] == kNow);

  RunResult text = p.run(0, {"show", ref});
  CHECK_THAT(text.out, Contains(ref) && Contains("Published") && Contains("Closed"));
  CHECK_THAT(text.out, Contains("Correct the clinic times"));

  Json history = p.history(ref);
  REQUIRE(history.size() == 7);
  std::vector<std::string> steps = names_of(history, "action");
  CHECK(steps == std::vector<std::string>{"submit", "accept", "send_for_review",
                                          "return_for_changes", "send_for_review", "approve",
                                          "publish"});
  CHECK(names_of(history, "actor") == std::vector<std::string>{"asha", "olivia", "olivia", "hannah",
                                                               "olivia", "hannah", "olivia"});
  CHECK(history[2]["note"] == "ready for a look");
  CHECK(history[3]["payload"]["comment"] == "Add the Sunday hours");
  CHECK(history[6]["to"] == "published");
  RunResult history_text = p.run(0, {"history", ref});
  CHECK_THAT(history_text.out, Contains("Submit") && Contains("Publish") &&
                                   Contains("ready for a look") && Contains("hannah"));

  Json second = p.submit("Another page");
  CHECK(second["ref"] == "WEB-2026-0002");
  Json all = p.json(0, {"list"});
  CHECK(names_of(all, "ref") == std::vector<std::string>{"WEB-2026-0001", "WEB-2026-0002"});
  CHECK(all[0] == item);
  CHECK(names_of(p.json(0, {"list", "--state", "published"}), "ref") ==
        std::vector<std::string>{"WEB-2026-0001"});
  CHECK(names_of(p.json(0, {"list", "--state", "requested"}), "ref") ==
        std::vector<std::string>{"WEB-2026-0002"});
  CHECK(p.json(0, {"list", "--workflow", "comms_request"}) == Json::array());
  CHECK(p.json(0, {"list", "--workflow", "website_update"}).size() == 2);
  RunResult list_text = p.run(0, {"list"});
  CHECK_THAT(list_text.out, Contains("WEB-2026-0001") && Contains("WEB-2026-0002"));
  CHECK_THAT(p.run(0, {"list", "--state", "declined"}).out, Contains("no items"));

  RunResult verified = p.run(0, {"verify"});
  // Three actors added, then eight item events.
  CHECK_THAT(verified.out, Contains("ok") && Contains("11 events") && Contains("2 items"));
  std::string head = test::query_text(p.db(), "SELECT hash FROM events WHERE seq = 11");
  REQUIRE(head.size() == 64);
  CHECK_THAT(verified.out, Contains("11:" + head));
  Json report = p.json(0, {"verify"});
  CHECK(report["ok"] == true);
  CHECK(report["head"]["seq"] == 11);
  CHECK(report["head"]["hash"] == head);
  CHECK(report["problems"] == Json::array());
}

TEST_CASE("cli: a reference in lower case, or a name with capitals, finds the item or person") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Correct the clinic times")["ref"];
  REQUIRE(ref == "WEB-2026-0001");
  CHECK(p.json(0, {"show", "web-2026-0001"})["ref"] == ref);
  CHECK(p.history("Web-2026-0001").size() == 1);
  CHECK(p.act("web-2026-0001", "accept", " Olivia")["state"] == "in_progress");
  CHECK(p.history(ref).back()["actor"] == "olivia");
  // A blank name is refused, not read as no name (the operator, who sees everything).
  CHECK_THAT(p.run(2, {"show", ref, "--as", " "}).err, Contains("--as: is blank"));
  CHECK(p.json(0, {"audit", "web-2026-0001"})["rows"].size() == 2);
  // Still an exact match: a reference of no item is not found, whatever its case.
  CHECK_THAT(p.run(2, {"show", "web-2026-0009"}).err, Contains("WEB-2026-0009"));
}

TEST_CASE("cli: a role refusal exits 1 with the reason and writes nothing") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Clinic times")["ref"];
  const std::string before = p.snapshot();

  RunResult r = p.run(1, {"act", ref, "accept", "--as", "asha"});
  CHECK_THAT(r.err, Contains("refused") && Contains("asha") && Contains("Comms officer"));
  RunResult submit = p.run(1, {"submit", "website_update", "--as", "hannah", "--set", "title=x"});
  CHECK_THAT(submit.err, Contains("hannah") && Contains("Requester"));

  Json j = p.json(1, {"act", ref, "accept", "--as", "asha"});
  check_error_json(j, "refused");
  CHECK_THAT(j["error"]["reasons"][0].get<std::string>(), Contains("Comms officer"));

  CHECK(p.snapshot() == before);
  p.run(0, {"verify"});
  // No reference number was used up by the refused submit.
  CHECK(p.submit("Next")["ref"] == "WEB-2026-0002");
}

TEST_CASE("cli: a guard refusal exits 1 with the guard's reason and writes nothing") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Old page", "http://example.nhs.uk/old")["ref"];
  p.act(ref, "accept", "olivia");
  const std::string before = p.snapshot();

  RunResult r = p.run(1, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK_THAT(r.err, Contains("refused") && Contains("the page address must start with https://"));
  Json j = p.json(1, {"act", ref, "send_for_review", "--as", "olivia"});
  check_error_json(j, "refused");
  CHECK(j["error"]["reasons"] == Json::array({"the page address must start with https://"}));

  // show lists the blocked action with the same reason.
  Json shown = p.json(0, {"show", ref});
  bool found = false;
  for (const auto& a : shown["actions"]) {
    if (a.at("name") != "send_for_review") continue;
    found = true;
    CHECK(a.at("blocked_by") == Json::array({"the page address must start with https://"}));
  }
  CHECK(found);
  CHECK_THAT(p.run(0, {"show", ref}).out,
             Contains("Not possible yet") && Contains("the page address must start with https://"));

  CHECK(p.snapshot() == before);
  p.run(0, {"verify"});

  // Fixing the address lets it through.
  p.act(ref, "edit", "olivia", {"--set", "page_url=https://example.nhs.uk/old"});
  CHECK(p.act(ref, "send_for_review", "olivia")["state"] == "in_review");
}

TEST_CASE("cli: bad --set or --data exits 2 naming the field and writes nothing") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Clinic times")["ref"];
  const std::string before = p.snapshot();

  struct Bad {
    Args args;
    std::vector<std::string> named;
  };
  const Args submit = {"submit", "website_update", "--as", "asha", "--set", "title=Fine"};
  auto with = [](Args args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const Args act = {"act", ref, "accept", "--as", "olivia"};
  const std::vector<Bad> bad = {
      {with(submit, {"--set", "urgency"}), {"urgency", "field=value"}},
      {with(submit, {"--set", "=today"}), {"=today"}},
      {with(submit, {"--set", "colour=blue"}), {"colour", "not a field"}},
      {with(submit, {"--set", "urgency=yesterday"}), {"urgency", "yesterday", "Routine"}},
      {with(submit, {"--set", "needed_by=31.03.2026"}), {"needed_by", "31.03.2026", "date"}},
      {with(submit, {"--set", "needed_by=31/02/2026"}), {"needed_by", "31/02/2026", "date"}},
      {with(submit, {"--set", "needed_by=2026-02-30"}), {"needed_by", "2026-02-30"}},
      {{"submit", "website_update", "--as", "asha"}, {"title", "required"}},
      {with(submit, {"--data", "{not json"}), {"--data is not JSON: line 1, column 3"}},
      {with(submit, {"--data", "[1, 2]"}), {"--data must be a JSON object", "not a list"}},
      {with(submit, {"--data", "@missing.json"}), {"missing.json"}},
      {with(submit, {"--set", "details=Clinic \x1b[2Jtimes"}), {"details", "U+001B"}},
      {with(submit, {"--set", "details=Bell\a"}), {"details", "U+0007"}},
      {with(submit, {"--set", "details=Over\rwritten"}), {"details", "U+000D"}},
      {with(act, {"--note", "back\bspace"}), {"--note", "U+0008"}},
      {with(submit, {"--data", "{\"reviewer_notes\": " + std::string(50000, '[') +
                                   std::string(50000, ']') + "}"}),
       {"deeper than 64 levels"}},
      {with(submit, {"--set", "reviewer_notes=" + std::string(70, '[') + std::string(70, ']')}),
       {"deeper than 64 levels"}},
      {{"submit", "no_such_workflow", "--as", "asha", "--set", "title=x"},
       {"no_such_workflow", "website_update"}},
      {{"submit", "website_update", "--as", "nobody", "--set", "title=x"}, {"nobody"}},
      {with(act, {"--set", "needed_by=next week"}), {"needed_by", "next week"}},
      {with(act, {"--set", "details=not this time"}), {"details", "accept"}},
      {with(act, {"--set", "colour"}), {"colour", "field=value"}},
      {{"act", ref, "decline", "--as", "olivia"}, {"reason", "required"}},
      {{"act", ref, "decline", "--as", "olivia", "--set", "reason=   "}, {"reason", "required"}},
      {{"submit", "website_update", "--as", "asha", "--set", "title=  "}, {"title", "required"}},
      {{"act", ref, "fly", "--as", "olivia"}, {"fly"}},
      {{"act", "WEB-2026-0099", "accept", "--as", "olivia"}, {"WEB-2026-0099"}},
      {{"show", "WEB-2026-0099"}, {"WEB-2026-0099"}},
      {{"history", "WEB-2026-0099"}, {"WEB-2026-0099"}},
  };
  for (const auto& b : bad) {
    RunResult r = p.run(2, b.args);
    INFO(describe(b.args, r));
    for (const auto& word : b.named) CHECK_THAT(r.err, Contains(word));
  }

  Json j = p.json(2, with(submit, {"--set", "urgency=yesterday"}));
  check_error_json(j, "bad_input");
  CHECK_THAT(j["error"]["message"].get<std::string>(), Contains("urgency"));
  check_error_json(p.json(2, {"show", "WEB-2026-0099"}), "not_found");

  CHECK(p.snapshot() == before);
  p.run(0, {"verify"});
  CHECK(p.submit("Next")["ref"] == "WEB-2026-0002");

  // The same inputs done right are accepted, --data included.
  p.write("fields.json", R"({"title": "From a file", "needed_by": "2026-03-31"})");
  Json from_file = p.json(0, {"submit", "website_update", "--as", "asha", "--data", "@fields.json",
                              "--set", "urgency=this_week"});
  CHECK(from_file["data"]["title"] == "From a file");
  CHECK(from_file["data"]["needed_by"] == "2026-03-31");
  CHECK(from_file["data"]["urgency"] == "this_week");
}

TEST_CASE("cli: a stale --revision exits 1 saying the item changed, and writes nothing") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Clinic times")["ref"];
  // Olivia reads the item at revision 1; meanwhile it is accepted.
  CHECK(p.json(0, {"show", ref})["revision"] == 1);
  p.act(ref, "accept", "olivia");
  const std::string before = p.snapshot();

  RunResult r = p.run(
      1, {"act", ref, "edit", "--as", "olivia", "--set", "details=More text", "--revision", "1"});
  CHECK_THAT(r.err, Contains(ref) && Contains("changed") && Contains("revision 2"));
  Json j = p.json(1, {"act", ref, "edit", "--as", "olivia", "--revision", "1"});
  check_error_json(j, "conflict");
  CHECK_THAT(j["error"]["message"].get<std::string>(), Contains("changed"));

  CHECK(p.snapshot() == before);
  p.run(0, {"verify"});
  CHECK(p.act(ref, "edit", "olivia",
              {"--set", "details=More text", "--revision", "2"})["revision"] == 3);
}

// ---------------------------------------------------------------------------------------------
// verify
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: verify finds tampering and names the event or item") {
  Project p;
  p.set_up_team();
  // Three actors: events 1-3. WEB-2026-0001: events 4, 5, 9.  WEB-2026-0002: events 6, 7, 8.
  std::string a, b;
  {
    test::LocalEngine here(p.path());
    auto update = [](const std::string& title) {
      return Json{{"title", title}, {"page_url", "https://example.nhs.uk/a"}};
    };
    a = here.submit("website_update", "asha", update("Clinic times"), kNow).ref;
    here.act(a, "accept", "olivia", Json::object(), kNow);
    b = here.submit("website_update", "asha", update("Winter campaign"), kNow).ref;
    here.act(b, "accept", "olivia", Json::object(), kNow);
    here.act(b, "send_for_review", "olivia", Json::object(), kNow);
    here.act(a, "edit", "olivia", Json{{"details", "Sunday too"}}, kNow);
  }
  REQUIRE(test::query_text(p.db(), "SELECT ref FROM events WHERE seq = 7") == b);
  REQUIRE(test::query_text(p.db(), "SELECT action FROM events WHERE seq = 7") == "accept");
  RunResult intact = p.run(0, {"verify"});
  CHECK_THAT(intact.out, Contains("ok") && Contains("9 events") && Contains("chain head 9:"));

  SECTION("an event body edited in place") {
    p.run(0, {"verify"});
    test::raw_sql(p.db(),
                  "DROP TRIGGER events_no_update; "
                  "UPDATE events SET body = replace(body, 'olivia', 'mallory'), "
                  "actor = replace(actor, 'olivia', 'mallory') WHERE seq = 7");
    REQUIRE_THAT(test::query_text(p.db(), "SELECT body FROM events WHERE seq = 7"),
                 Contains("mallory"));
    RunResult r = p.run(1, {"verify"});
    CHECK_THAT(r.err, Contains("TAMPERED") && Contains("event 7") && Contains(b));
    CHECK_THAT(r.err, !Contains("event 8"));
    Json j = p.json(1, {"verify"});
    CHECK(j["ok"] == false);
    REQUIRE(j["problems"].size() == 1);
    CHECK(j["problems"][0]["seq"] == 7);
    CHECK(j["problems"][0]["ref"] == b);
  }
  SECTION("an event deleted") {
    test::raw_sql(p.db(), "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 7");
    RunResult r = p.run(1, {"verify"});
    CHECK_THAT(r.err, Contains("TAMPERED") && Contains("event 7 is missing"));
    CHECK_THAT(r.err, Contains("item " + b));
    Json j = p.json(1, {"verify"});
    CHECK(j["ok"] == false);
    bool gap = false, item_named = false;
    for (const auto& problem : j["problems"]) {
      const std::string message = problem.at("message");
      if (message.find("missing") != std::string::npos) {
        gap = true;
        CHECK(problem.at("seq") == 8);
        CHECK(problem.at("ref") == b);
      }
      if (problem.at("seq") == 0 && problem.at("ref") == b) item_named = true;
    }
    CHECK(gap);
    CHECK(item_named);
  }
  SECTION("an item's state edited directly") {
    test::raw_sql(p.db(), "UPDATE items SET state = 'published' WHERE ref = '" + a + "'");
    RunResult r = p.run(1, {"verify"});
    CHECK_THAT(r.err, Contains("TAMPERED") && Contains(a) && Contains("state") &&
                          Contains("published") && Contains("in_progress"));
    CHECK_THAT(r.err, !Contains(b));
    Json j = p.json(1, {"verify"});
    REQUIRE(j["problems"].size() == 1);
    CHECK(j["problems"][0]["seq"] == 0);
    CHECK(j["problems"][0]["ref"] == a);
    CHECK_THAT(j["problems"][0]["message"].get<std::string>(), Contains("state"));
  }
  SECTION("an item's data edited directly") {
    test::raw_sql(
        p.db(),
        "UPDATE items SET data = json_set(data, '$.title', 'Forged') WHERE ref = '" + b + "'");
    RunResult r = p.run(1, {"verify"});
    CHECK_THAT(r.err, Contains(b) && Contains("data.title") && Contains("Forged") &&
                          Contains("Winter campaign"));
  }
}

// ---------------------------------------------------------------------------------------------
// Databases that are not ours to change
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: a database from a newer version exits 3 and is left unchanged") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Clinic times")["ref"];
  test::raw_sql(p.db(),
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', "
                "'2030-01-01T00:00:00Z')");
  const std::string bytes = fingerprint(p.db());
  // A workflow edit that would otherwise be loaded into the database on the next command.
  p.append("workflows/website_update.lua", "-- edited\n");

  const std::vector<Args> commands = {
      {"init"},
      {"init", "--demo"},
      {"workflows"},
      {"list"},
      {"show", ref},
      {"verify"},
      {"actor", "add", "bob", "--role", "requester"},
      {"submit", "website_update", "--as", "asha", "--set", "title=x"},
      {"act", ref, "accept", "--as", "olivia"},
  };
  for (const auto& args : commands) {
    RunResult r = p.run(3, args);
    INFO(describe(args, r));
    CHECK_THAT(r.err, Contains("commsflow.db") && Contains("newer version"));
    CHECK(fingerprint(p.db()) == bytes);
  }
  Json j = p.json(3, {"list"});
  check_error_json(j, "storage");
  CHECK_THAT(j["error"]["message"].get<std::string>(), Contains("newer version"));
  CHECK(fingerprint(p.db()) == bytes);
  CHECK(test::query_text(p.db(), "SELECT max(version) FROM schema_migrations") == "999");
  CHECK(test::query_text(p.db(), "SELECT count(*) FROM definitions") ==
        std::to_string(shipped_workflow_count()));
}

TEST_CASE("cli: a file that is not a database exits 3 naming it and is left unchanged") {
  Project p;
  std::mt19937 random(20260302);
  std::string junk;
  for (int i = 0; i < 8192; ++i) junk += static_cast<char>('a' + random() % 26);
  p.write("commsflow.db", junk);

  for (const Args& args : {Args{"list"}, Args{"init"}, Args{"verify"}}) {
    RunResult r = p.run(3, args);
    INFO(describe(args, r));
    CHECK_THAT(r.err, Contains("commsflow.db") && Contains("not an SQLite database"));
    CHECK(fingerprint(p.db()) == to_hex(sha256(junk)));
  }
  check_error_json(p.json(3, {"list"}), "storage");
  CHECK(fingerprint(p.db()) == to_hex(sha256(junk)));
}

TEST_CASE("cli: another application's SQLite database is refused and left unchanged") {
  Project p;
  test::raw_sql(p.db(), "CREATE TABLE foo(x INTEGER); INSERT INTO foo VALUES (42);");
  const std::string bytes = fingerprint(p.db());

  for (const Args& args : {Args{"list"}, Args{"init"}, Args{"init", "--demo"}, Args{"verify"}}) {
    RunResult r = p.run(3, args);
    INFO(describe(args, r));
    CHECK_THAT(r.err, Contains("commsflow.db") && Contains("not a commsflow"));
  }
  check_error_json(p.json(3, {"init"}), "storage");
  CHECK(test::query_text(p.db(), "SELECT group_concat(name) FROM sqlite_schema") == "foo");
  CHECK(test::query_text(p.db(), "SELECT group_concat(x) FROM foo") == "42");
}

// The store must find out the file is not a commsflow database before it switches on WAL, or the
// refused file's header changes although the message says "refusing to change it".
TEST_CASE("cli: refusing another application's SQLite database leaves its bytes unchanged") {
  Project p;
  test::raw_sql(p.db(), "CREATE TABLE foo(x INTEGER); INSERT INTO foo VALUES (42);");
  REQUIRE(test::query_text(p.db(), "PRAGMA journal_mode") == "delete");
  const std::string bytes = fingerprint(p.db());
  RunResult r = test::run_cli(p.path(), {"list"}, kNow);
  INFO(describe({"list"}, r));
  CHECK(test::query_text(p.db(), "PRAGMA journal_mode") == "delete");
  CHECK(fingerprint(p.db()) == bytes);
}

// ---------------------------------------------------------------------------------------------
// JSON errors
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: output that cannot be written fails the command, saying so") {
  Project p;
  p.run(0, {"init"});
  // A chain head sent to a full disk is lost: exit 3, not 0, and stderr says why.
  const std::string command = fmt::format("cd '{}' && '{}' verify --head > /dev/full 2> err.txt",
                                          p.path().string(), COMMSFLOW_BIN);
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK_THAT(p.read("err.txt"), Contains("the command ran to its end (any change it made is "
                                         "saved), but its output could not be written"));
  // A command that failed keeps its exit code: a missing item is still exit 2.
  const int missing =
      std::system(fmt::format("cd '{}' && '{}' show NOPE-2026-0001 > /dev/full 2> err.txt",
                              p.path().string(), COMMSFLOW_BIN)
                      .c_str());
  REQUIRE(WIFEXITED(missing));
  CHECK(WEXITSTATUS(missing) == 2);
}

TEST_CASE("cli: with --json every error is a JSON object on stdout") {
  Project p;
  SECTION("usage errors") {
    Json missing = p.json(2, {"submit"});
    check_error_json(missing, "bad_input");
    CHECK_THAT(missing["error"]["message"].get<std::string>(), Contains("workflow"));
    Json unknown = p.json(2, {"frobnicate"});
    check_error_json(unknown, "bad_input");
    CHECK_THAT(unknown["error"]["message"].get<std::string>(), Contains("frobnicate"));
    // --json after the command counts too.
    RunResult trailing = p.run(2, {"actor", "add", "bob", "--json"});
    Json j = Json::parse(trailing.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    check_error_json(j, "bad_input");
  }
  SECTION("errors from the engine") {
    p.set_up_team();
    const std::string ref = p.submit("Clinic times")["ref"];
    check_error_json(p.json(2, {"show", "WEB-2026-0404"}), "not_found");
    check_error_json(p.json(2, {"act", ref, "accept", "--as", "olivia", "--set", "x=1"}),
                     "bad_input");
    check_error_json(p.json(1, {"act", ref, "accept", "--as", "asha"}), "refused");
    check_error_json(p.json(1, {"act", ref, "accept", "--as", "olivia", "--revision", "7"}),
                     "conflict");
    check_error_json(p.json(2, {"submit", "website_update", "--as", "asha", "--data", "[1, 2]"}),
                     "bad_input");
  }
}

TEST_CASE("cli: human output never prints a control character raw") {
  Project p;
  p.set_up_team();
  const std::string ref = p.submit("Clinic times")["ref"];
  // Written around the engine, as an older version may have let it in.
  test::raw_sql(p.db(),
                "UPDATE items SET data = json_set(data, '$.title', 'Clinic ' || char(27) "
                "|| '[2J' || char(7) || 'times') WHERE ref = '" +
                    ref + "'");
  // Written around the engine, the item no longer matches its history, and `show` says so.
  RunResult shown = p.run(1, {"show", ref});
  CHECK_THAT(shown.err, Contains("history does not verify"));
  CHECK(shown.out.find('\x1b') == std::string::npos);
  CHECK(shown.out.find('\a') == std::string::npos);
  CHECK_THAT(shown.out, Contains(": Clinic \\x1b[2J\\x07times"));
  // JSON keeps the value exactly.
  CHECK(p.json(1, {"show", ref})["data"]["title"] == "Clinic \x1b[2J\atimes");
}

TEST_CASE("cli: readers take --as and refuse, as not found, what that person may not see") {
  Project p;
  p.set_up_team();
  std::string ref = p.submit("Fix the clinic page")["ref"];
  p.run(0, {"actor", "add", "rhea", "--role", "requester"});
  // The operator (no --as) and the submitter see it; another requester does not.
  p.run(0, {"show", ref});
  CHECK(p.json(0, {"show", ref, "--as", "asha"})["ref"] == ref);
  RunResult hidden = p.run(2, {"show", ref, "--as", "rhea"});
  CHECK_THAT(hidden.err, Contains("no item " + ref));
  p.run(2, {"history", ref, "--as", "rhea"});
  CHECK(p.json(0, {"list", "--as", "rhea"}).empty());
  CHECK(p.json(0, {"list", "--as", "asha"}).size() == 1);
  // The audit log is closed to her by role, not hidden: a role check's exit code.
  CHECK_THAT(p.run(1, {"audit", "--as", "asha"}).err, Contains("audit log is for governance"));
  CHECK_THAT(p.run(2, {"show", ref, "--as", "nobody"}).err, Contains("unknown actor 'nobody'"));
}

TEST_CASE("cli: a leaver is disabled, tokens listed and revoked, and each change is audited") {
  Project p;
  p.set_up_team();
  Json token = p.json(0, {"token", "create", "--as", "olivia", "--name", "export"});
  CHECK(token["expires_at"] == "2026-05-31T09:00:00Z");
  Json listed = p.json(0, {"token", "list"});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["name"] == "export");
  CHECK_FALSE(listed[0].contains("token"));
  CHECK_THAT(p.run(2, {"token", "list", "--as", "olvia"}).err, Contains("unknown actor 'olvia'"));
  // People read UK time: 09:00 UTC on 31 May is 10:00 BST.
  CHECK_THAT(p.run(0, {"token", "list"}).out,
             Contains("created Mon 2 Mar 2026, 09:00  expires Sun 31 May 2026, 10:00"));
  CHECK_THAT(p.run(0, {"token", "revoke", std::to_string(token["id"].get<int>())}).out,
             Contains("revoked Mon 2 Mar 2026, 09:00"));
  CHECK(p.json(0, {"token", "list"})[0]["active"] == false);

  p.json(0, {"token", "create", "--as", "olivia", "--name", "dashboard"});
  CHECK(p.json(0, {"actor", "disable", "olivia"})["disabled"] == true);
  CHECK_THAT(p.run(1, {"submit", "website_update", "--as", "olivia", "--set", "title=x"}).err,
             Contains("olivia is disabled"));
  // A leaver's tokens are revoked, and stay so when they come back.
  p.run(0, {"actor", "enable", "olivia"});
  for (const Json& t : p.json(0, {"token", "list"})) CHECK(t["active"] == false);
  // Added again, she is said to be there already (lest a namesake be given her account).
  CHECK_THAT(p.run(0, {"actor", "add", "olivia", "--role", "head_of_comms"}).out,
             Contains("olivia was already here: given head_of_comms as well"));
  CHECK_THAT(p.run(2, {"actor", "add", "olivia", "--role", "head_of_comms", "--display-name",
                       "Olivia Other"})
                 .err,
             Contains("olivia is already here, with another display name: to change it use "
                      "`commsflow actor set olivia`"));
  CHECK(p.json(0, {"actor", "add", "olivia", "--role", "head_of_comms"})["existed"] == true);
  p.run(0, {"actor", "role", "remove", "olivia", "head_of_comms"});
  CHECK_THAT(p.run(2, {"actor", "role", "remove", "olivia", "director"}).err,
             Contains("does not hold the role director"));

  Json audit = p.json(0, {"audit", "actor:olivia"});
  std::vector<std::string> actions;
  for (const auto& row : audit["rows"]) actions.push_back(row["action"]);
  CHECK(actions == std::vector<std::string>{"actor_added", "token_created", "token_revoked",
                                            "token_created", "actor_disabled", "token_revoked",
                                            "actor_enabled", "role_granted", "role_removed"});
  p.run(0, {"verify"});
}
