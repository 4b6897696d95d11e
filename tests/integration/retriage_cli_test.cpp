// After the team edits its triage rules: `commsflow retriage --dry-run` lists the open requests
// whose rating, due time or late flag would change, with the reasons, and changes nothing;
// `retriage` moves them to the new rules as audited events; overrides are kept and listed.
#include <commsflow/people.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

namespace {

const char* const kMonday = "2026-03-02T09:00:00Z";

void replace_in_file(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = test::read_bytes(file);
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(file, std::ios::trunc | std::ios::binary) << text;
}

RunResult run(const fs::path& dir, int expected_exit, const std::vector<std::string>& args,
              const std::string& now = "2026-03-03T09:00:00Z") {
  RunResult r = test::run_cli(dir, args, now);
  INFO(fmt::format("$ commsflow {}\nexit {}\n{}{}", fmt::join(args, " "), r.exit_code, r.out,
                   r.err));
  REQUIRE(r.exit_code == expected_exit);
  return r;
}

}  // namespace

TEST_CASE("cli: retriage lists what new triage rules change, then applies them as events") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  std::string amber, green, overridden, done;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("tom", {"triager"});
    here.engine->add_actor("olivia", {"comms_officer"});
    amber = here.submit("comms_request", "tom", test::comms_request_fields("Rota change", "medium"),
                        kMonday)
                .ref;
    green = here.submit("comms_request", "tom", test::comms_request_fields("Newsletter", "low"),
                        kMonday)
                .ref;
    overridden = here.submit("comms_request", "tom",
                             test::comms_request_fields("Car park", "low", "medium"), kMonday)
                     .ref;
    here.act(overridden, "override", "tom",
             Json{{"new_rating", "green"}, {"reason", "Estates are handling it"}}, kMonday);
    done = here.submit("comms_request", "tom", test::comms_request_fields("Posters", "medium"),
                       kMonday)
               .ref;
    here.act(done, "accept", "tom", Json{{"assignee", "olivia"}}, kMonday);
    here.act(done, "start", "tom", Json::object(), kMonday);
    here.act(done, "complete", "tom", Json::object(), kMonday);
  }
  // The team decides medium impact is now red, and green work is due in 8 working days, not 10.
  const fs::path rules = dir / "workflows" / "comms_request.lua";
  replace_in_file(rules, R"(value = "high",    reason = "high impact" },)",
                  R"(value = "high",    reason = "high impact" },
  { field = "impact", value = "medium", reason = "medium impact" },)");
  replace_in_file(rules, "green = 10 }", "green = 8 }");
  // The list of workflows says the open requests are still on the rules they came under.
  CHECK_THAT(run(dir.path(), 0, {"workflows"}).out,
             Contains("comms_request: 3 of its open items are on an earlier version; `commsflow "
                      "migrate --workflow comms_request --dry-run` shows what moving them"));
  CHECK(Json::parse(
            run(dir.path(), 0, {"--json", "workflows"}).out)[0]["open_on_earlier_versions"] == 3);

  const std::string bytes_before = test::read_bytes(dir / "commsflow.db");
  RunResult dry = run(dir.path(), 0, {"retriage", "--dry-run"});
  CHECK(test::read_bytes(dir / "commsflow.db") == bytes_before);
  CHECK_FALSE(fs::exists(dir / "commsflow.db-wal"));  // nothing left waiting to be written either

  // Old -> new, in the team's words and UK time, with the reasons.
  CHECK_THAT(dry.out,
             Contains(amber) && Contains("Rating: Amber -> Red") && Contains("red: medium impact"));
  CHECK_THAT(dry.out, Contains(green) && Contains("Due at: Mon 16 Mar 2026, 09:00 -> Thu 12 Mar "
                                                  "2026, 09:00"));
  CHECK_THAT(dry.out, Contains("green requests are due 8 working day(s) after they arrive"));
  CHECK_THAT(dry.out, Contains(overridden) &&
                          Contains("rating overridden to green (\"Estates are handling it\"): "
                                   "left alone (the rules give amber)"));
  CHECK_THAT(dry.out, !Contains(done));
  CHECK_THAT(dry.out, Contains("dry run: nothing was changed"));

  Json planned = Json::parse(run(dir.path(), 0, {"--json", "retriage", "--dry-run"}).out);
  CHECK(planned["dry_run"] == true);
  CHECK(planned["migrated"] == 0);
  REQUIRE(planned["items"].size() == 3);
  CHECK(test::read_bytes(dir / "commsflow.db") == bytes_before);

  // Who moves them must be someone: a name nobody has is refused, and nothing moves.
  CHECK_THAT(run(dir.path(), 2, {"retriage", "--as", "ghost"}).err,
             Contains("unknown actor 'ghost'"));
  CHECK(test::read_bytes(dir / "commsflow.db") == bytes_before);
  RunResult applied = run(dir.path(), 0, {"retriage", "--as", "Tom"});
  CHECK_THAT(applied.out, Contains("Rating: Amber -> Red") && !Contains("dry run"));
  Json shown = Json::parse(run(dir.path(), 0, {"--json", "show", amber}).out);
  CHECK(shown["data"]["rating"] == "red");
  Json kept = Json::parse(run(dir.path(), 0, {"--json", "show", overridden}).out);
  CHECK(kept["data"]["rating"] == "green");
  CHECK(kept["data"]["computed_rating"] == "amber");
  Json history = Json::parse(run(dir.path(), 0, {"--json", "history", amber}).out);
  CHECK(history.back()["action"] == "migrate");
  CHECK(history.back()["actor"] == "tom");
  CHECK_FALSE(history.back()["payload"].contains("login"));
  Json closed = Json::parse(run(dir.path(), 0, {"--json", "show", done}).out);
  CHECK(closed["version"] != shown["version"]);  // closed work keeps the rules it was done under
  run(dir.path(), 0, {"verify"});

  CHECK_THAT(run(dir.path(), 0, {"retriage"}).out, Contains("Nothing to re-triage"));
  CHECK_THAT(run(dir.path(), 0, {"workflows"}).out, !Contains("on an earlier version"));
}

TEST_CASE("cli: retriage refuses an item whose stored row was changed by hand, moving nothing") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  std::string forged, honest;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("tom", {"triager"});
    forged =
        here.submit("comms_request", "tom", test::comms_request_fields("Rota", "high"), kMonday)
            .ref;
    honest =
        here.submit("comms_request", "tom", test::comms_request_fields("Posters", "low"), kMonday)
            .ref;
  }
  // Rated red for high impact; someone lowers the impact in the file, by hand.
  test::raw_sql(
      (dir / "commsflow.db").string(),
      "UPDATE items SET data = json_set(data, '$.impact', 'low') WHERE ref = '" + forged + "'");
  replace_in_file(dir / "workflows" / "comms_request.lua", "green = 10 }", "green = 8 }");
  const std::string bytes_before = test::read_bytes(dir / "commsflow.db");
  for (bool dry : {true, false}) {
    INFO(dry);
    std::vector<std::string> args{"retriage"};
    if (dry) args.push_back("--dry-run");
    RunResult refused = run(dir.path(), 1, args);
    CHECK_THAT(refused.err, Contains("nothing was migrated") &&
                                Contains(forged + "'s history does not verify") &&
                                Contains("changed outside commsflow") && !Contains(honest));
    CHECK(test::read_bytes(dir / "commsflow.db") == bytes_before);
  }
}

TEST_CASE("cli: retriage during an incident resumes work the new rules make red, and says so") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  std::string amber, still_green;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("tom", {"triager"});
    amber = here.submit("comms_request", "tom", test::comms_request_fields("Ward move", "medium"),
                        kMonday)
                .ref;
    still_green = here.submit("comms_request", "tom",
                              test::comms_request_fields("Newsletter", "low"), kMonday)
                      .ref;
  }
  // Medium impact is amber under the shipped rules, due in more than two working days, so a
  // major incident pauses it.
  run(dir.path(), 0, {"incident", "declare", "Storm Bert", "--level", "major", "--as", "tom"});
  Json before = Json::parse(run(dir.path(), 0, {"--json", "show", amber}).out);
  REQUIRE(before["state"] == "paused");
  REQUIRE(before["data"]["rating"] == "amber");
  // The team now rates medium impact red, which no incident pauses.
  replace_in_file(dir / "workflows" / "comms_request.lua",
                  R"(value = "high",    reason = "high impact" },)",
                  R"(value = "high",    reason = "high impact" },
  { field = "impact", value = "medium", reason = "medium impact" },)");

  // A day and a half into the incident: the request resumes with that time added to its due time.
  const std::string later = "2026-03-04T21:00:00Z";
  RunResult dry = run(dir.path(), 0, {"retriage", "--dry-run"}, later);
  CHECK_THAT(dry.out, Contains(amber) && Contains("Rating: Amber -> Red") &&
                          Contains("resumed, as Storm Bert no longer holds it"));
  CHECK_THAT(dry.out, !Contains(still_green));
  RunResult applied = run(dir.path(), 0, {"retriage"}, later);
  Json after = Json::parse(run(dir.path(), 0, {"--json", "show", amber}).out);
  CHECK(after["state"] == "triaged");
  CHECK(after["data"]["rating"] == "red");
  // The due time the dry run gave is the one the request has: the time paused counted.
  const std::string due = uk_datetime(after["data"]["due_at"].get<std::string>());
  CHECK(after["data"]["due_at"] != before["data"]["due_at"]);
  CHECK_THAT(dry.out, Contains("-> " + due + "\n"));
  CHECK_THAT(applied.out, Contains("-> " + due + "\n"));
  CHECK(Json::parse(run(dir.path(), 0, {"--json", "show", still_green}).out)["state"] == "paused");
  Json history = Json::parse(run(dir.path(), 0, {"--json", "history", amber}).out);
  CHECK(history[history.size() - 2]["action"] == "migrate");
  CHECK(history.back()["action"] == "resume");
  run(dir.path(), 0, {"verify"});
}

TEST_CASE("cli: migrate takes one item or --workflow, and names what it cannot move") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  std::string ref;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("asha", {"requester"});
    ref = here.submit("website_update", "asha", Json{{"title", "Clinic times"}}, kMonday).ref;
  }
  CHECK_THAT(run(dir.path(), 2, {"migrate"}).err, Contains("REF") && Contains("--workflow"));
  CHECK_THAT(run(dir.path(), 2, {"migrate", ref, "--workflow", "website_update"}).err,
             Contains("not both"));
  CHECK_THAT(run(dir.path(), 2, {"migrate", "WEB-2026-0099"}).err, Contains("WEB-2026-0099"));

  // The new version renames `requested` and says nothing about it.
  const fs::path file = dir / "workflows" / "website_update.lua";
  replace_in_file(file, "    requested = {", "    asked = {");
  replace_in_file(file, "initial = \"requested\"", "initial = \"asked\"");
  const std::string bytes_before = test::read_bytes(dir / "commsflow.db");
  RunResult refused = run(dir.path(), 1, {"migrate", "--workflow", "website_update"});
  CHECK_THAT(refused.err, Contains(ref) && Contains("state 'requested'") &&
                              Contains("migrate = { states = { requested = \"...\" } }"));
  CHECK(test::read_bytes(dir / "commsflow.db") == bytes_before);

  replace_in_file(file, "  initial = \"asked\",",
                  "  initial = \"asked\",\n  migrate = { states = { requested = \"asked\" } },");
  const std::string before_dry_run = test::read_bytes(dir / "commsflow.db");
  RunResult dry = run(dir.path(), 0, {"migrate", ref, "--dry-run"});
  CHECK_THAT(dry.out, Contains(ref) && Contains("State: Requested -> Asked"));
  CHECK(test::read_bytes(dir / "commsflow.db") == before_dry_run);  // changes nothing
  CHECK_FALSE(fs::exists(dir / "commsflow.db-wal"));
  run(dir.path(), 0, {"migrate", ref});
  CHECK(Json::parse(run(dir.path(), 0, {"--json", "show", ref}).out)["state"] == "asked");
  // Moved by the operator, named by their login, as account changes are.
  const Json moved = Json::parse(run(dir.path(), 0, {"--json", "history", ref}).out).back();
  CHECK(moved["actor"] == "operator");
  CHECK(moved["payload"]["login"] == operator_login());
  // People read the login as it is, in the history and the audit: it is no label.
  CHECK_THAT(run(dir.path(), 0, {"history", ref}).out,
             Contains("Login: " + operator_login() + "\n"));
  CHECK_THAT(run(dir.path(), 0, {"audit", ref}).out, Contains("Login: " + operator_login()));
  run(dir.path(), 0, {"verify"});
}

TEST_CASE("cli: the queue reads in the team's words: tiers, states, UK time and names") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  std::string amber, green, paused;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("tom", {"triager"}, "operator", "Tom Triage");
    here.engine->add_actor("olivia", {"comms_officer"}, "operator", "Olivia Officer");
    green = here.submit("comms_request", "tom", test::comms_request_fields("Newsletter", "low"),
                        kMonday)
                .ref;
    amber = here.submit("comms_request", "tom", test::comms_request_fields("Rota change", "medium"),
                        kMonday)
                .ref;
    here.act(amber, "accept", "tom", Json{{"assignee", "olivia"}}, kMonday);
    paused = here.submit("comms_request", "tom",
                         test::comms_request_fields("Summer fete", "medium"), kMonday)
                 .ref;
    here.act(paused, "pause", "tom", Json{{"reason", "waiting for the venue"}}, kMonday);
  }
  RunResult queue = run(dir.path(), 0, {"queue"});
  // Amber before green; paused work last, whatever its rating.
  const auto at_amber = queue.out.find(amber), at_green = queue.out.find(green),
             at_paused = queue.out.find(paused);
  REQUIRE(at_paused != std::string::npos);
  CHECK(at_amber < at_green);
  CHECK(at_green < at_paused);
  CHECK_THAT(queue.out, Contains("Rating") && Contains("Amber") && Contains("Green") &&
                            Contains("Accepted") && Contains("Paused") &&
                            Contains("Olivia Officer"));
  // Due times in UK time: amber work is due 5 working days after Monday 2 March, 09:00 GMT.
  CHECK_THAT(queue.out, Contains("Mon 9 Mar 2026, 09:00"));
  CHECK_THAT(queue.out, !Contains("T09:00:00Z") && !Contains("comms_officer"));
  // JSON keeps identifiers and UTC.
  RunResult json = run(dir.path(), 0, {"queue", "--json"});
  const Json items = Json::parse(json.out);
  REQUIRE(items.size() == 3);
  CHECK(items[0]["data"]["rating"] == "amber");
  CHECK(items[0]["data"]["due_at"] == "2026-03-09T09:00:00Z");
  CHECK(items[2]["state"] == "paused");

  RunResult unknown = run(dir.path(), 2, {"queue", "--workflow", "nosuch"});
  CHECK_THAT(unknown.err, Contains("unknown workflow 'nosuch' (known: comms_request, "));
}

TEST_CASE("cli: a guard that fails at run time leaves its item readable, naming the fault",
          "[cli][workflows]") {
  test::TempDir dir;
  fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
  const fs::path rules = dir / "workflows" / "comms_request.lua";
  const std::string shipped = test::read_bytes(rules);
  std::string ref;
  {
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("tom", {"triager", "comms_officer"});
    ref = here.submit("comms_request", "tom", test::comms_request_fields("Rota change", "medium"),
                      kMonday)
              .ref;
  }
  // An edit that passes `check` but fails on every unassigned request.
  replace_in_file(rules, R"(done = "assigned to {assignee}",)",
                  R"(done = "assigned to {assignee}",
                     guard = function(item) return #item.assignee > 0 end,)");
  run(dir.path(), 0, {"check"});
  run(dir.path(), 0, {"migrate", "--workflow", "comms_request"});

  RunResult shown = run(dir.path(), 0, {"show", ref});
  CHECK_THAT(shown.out, Contains("Assign [assign]") && Contains("Not possible yet:") &&
                            Contains("the workflow could not check this: comms_request.lua:") &&
                            Contains("attempt to get length of a nil value") &&
                            Contains("tell whoever looks after the workflow files"));
  CHECK_THAT(shown.out, !Contains((dir / "workflows").string()));

  // Put right, the item still runs the faulty version until it is moved on, and is told so.
  std::ofstream(rules, std::ios::trunc | std::ios::binary) << shipped;
  RunResult stale = run(dir.path(), 0, {"show", ref});
  CHECK_THAT(stale.out, Contains(ref +
                                 " runs a version of comms_request other than the current "
                                 "one: `commsflow migrate " +
                                 ref + "` moves it to the current one"));
  // Its other actions still work.
  run(dir.path(), 0, {"act", ref, "accept", "--as", "tom", "--set", "assignee=tom"});
}
