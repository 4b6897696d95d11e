// A workflow version covers the lib modules it requires: a changed module is a new version, and a
// stored version keeps running the modules it was recorded with, whatever lib/ holds later.
#include <commsflow/sha256.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;
using Catch::Contains;

namespace {

const char* const kStampWorkflow = R"lua(local wf = require "commsflow"
local stamp = require "stamp"

return wf.workflow {
  name = "stamped",
  prefix = "STM",
  fields = { title = wf.text { required = true }, label = wf.text {} },
  submit = { roles = { "comms_officer" }, effect = function(item) item.label = stamp.label end },
  initial = "open",
  states = {
    open = {
      actions = {
        restamp = { to = "open", roles = { "comms_officer" },
                    effect = function(item) item.label = stamp.label end },
        close = { to = "closed", roles = { "comms_officer" } },
      },
    },
    closed = { final = true },
  },
}
)lua";

std::string stamp_module(const std::string& label) {
  return "return { label = \"" + label + "\" }\n";
}

// A database and workflows folder holding the stamped workflow and its lib/stamp.lua.
struct Project {
  test::TempDir dir;
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;

  Project() {
    dir.write("workflows/stamped.lua", kStampWorkflow);
    dir.write("workflows/lib/stamp.lua", stamp_module("one"));
    Store::Options options;
    options.create = true;
    store = Store::open(dir / "test.db", options);
    REQUIRE(open().empty());
    engine->add_actor("olivia", {"comms_officer"});
  }

  // Opens the database as a new process would; returns the sync's problems.
  std::vector<Diagnostic> open() {
    engine.reset();
    registry.reset();
    if (!store) store = Store::open(dir / "test.db", Store::Options{});
    registry = std::make_unique<WorkflowRegistry>(*store, clock, dir / "workflows");
    auto problems = registry->sync();
    engine = std::make_unique<Engine>(*store, *registry, clock);
    return problems;
  }
  std::vector<Diagnostic> reopen() {
    engine.reset();
    registry.reset();
    store.reset();
    return open();
  }

  Item submit() {
    auto outcome = engine->submit("stamped", "olivia", Json{{"title", "Clinic times"}});
    REQUIRE(outcome.ok());
    return outcome.value();
  }
  Item restamp(const Item& item) {
    auto outcome = engine->act(ActRequest{item.ref, "restamp", "olivia", Json::object(), "", {}});
    REQUIRE(outcome.ok());
    return outcome.value();
  }
  std::string query(const std::string& sql) { return test::query_text(dir / "test.db", sql); }
};

}  // namespace

TEST_CASE("workflow libraries: the version names the file and every module it requires") {
  Project p;
  const std::string source = kStampWorkflow;
  Item item = p.submit();
  CHECK(item.data["label"] == "one");
  CHECK(item.version == version_id(source, {{"stamp", stamp_module("one")}}));
  CHECK(item.version != to_hex(sha256(source)));
  CHECK(p.query("SELECT group_concat(module) FROM definition_libraries") == "stamp");

  SECTION("reopening with nothing changed keeps the version") {
    REQUIRE(p.reopen().empty());
    CHECK(p.submit().version == item.version);
    CHECK(p.query("SELECT count(*) FROM definitions") == "1");
  }

  SECTION("a changed module is a new version; items started earlier keep running the old one") {
    p.dir.write("workflows/lib/stamp.lua", stamp_module("two"));
    REQUIRE(p.reopen().empty());
    Item newer = p.submit();
    CHECK(newer.data["label"] == "two");
    CHECK(newer.version == version_id(source, {{"stamp", stamp_module("two")}}));
    CHECK(p.query("SELECT count(*) FROM definitions") == "2");

    Item older = p.restamp(p.engine->item(item.ref));
    CHECK(older.version == item.version);
    CHECK(older.data["label"] == "one");  // its recorded module, not today's lib/
    CHECK(p.restamp(newer).data["label"] == "two");

    SECTION("and putting the module back returns to the first version") {
      p.dir.write("workflows/lib/stamp.lua", stamp_module("one"));
      REQUIRE(p.reopen().empty());
      CHECK(p.submit().version == item.version);
      CHECK(p.query("SELECT count(*) FROM definitions") == "2");
    }
  }

  SECTION("a stored version still runs after its module is deleted from lib/") {
    std::filesystem::remove(p.dir / "workflows/lib/stamp.lua");
    auto problems = p.reopen();
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0].to_string(), Contains("stamped.lua") && Contains("stamp"));
    CHECK(p.restamp(p.engine->item(item.ref)).data["label"] == "one");
  }

  SECTION("recorded modules cannot be rewritten in the database") {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open((p.dir / "test.db").c_str(), &h) == SQLITE_OK);
    char* message = nullptr;
    CHECK(sqlite3_exec(h, "UPDATE definition_libraries SET source = ''", nullptr, nullptr,
                       &message) != SQLITE_OK);
    CHECK_THAT(std::string(message ? message : ""), Contains("append-only"));
    sqlite3_free(message);
    CHECK(sqlite3_exec(h, "DELETE FROM definition_libraries", nullptr, nullptr, nullptr) !=
          SQLITE_OK);
    sqlite3_close(h);
    CHECK(p.query("SELECT count(*) FROM definition_libraries") == "1");
  }
}

TEST_CASE("workflow libraries: a module required inside a function is refused") {
  test::TempDir dir;
  dir.write("lib/late.lua", "return { x = 1 }\n");
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  auto script = WorkflowScript::load(
      ScriptSource{"late.lua", "return { f = function() return require('late').x end }\n",
                   dir.path(), std::nullopt},
      ScriptLimits{}, clock);
  CHECK(script->libraries().empty());
  auto fn = script->returned().at("f").at("$fn").get<ScriptFunction>();
  CHECK_THROWS_WITH(script->call(fn, Json::object(), Json::object(), "f"),
                    Contains("must be required when the file loads"));
}

TEST_CASE("workflow libraries: a version stored before modules were recorded is kept") {
  // A workflow that requires nothing keeps the hash of its file as its version, so databases
  // made before modules were recorded keep their versions; the record is filled in on load.
  test::Fixture f;
  const std::string version = f.submit().version;
  CHECK(version == to_hex(sha256(test::kReviewWorkflow)));
  test::raw_sql(f.db, "UPDATE definitions SET libraries = NULL");
  f.reopen();
  CHECK(f.submit().version == version);
  CHECK(test::query_text(f.db, "SELECT libraries FROM definitions") == "0");
  CHECK(test::query_text(f.db, "SELECT count(*) FROM definitions") == "1");
}
