// The CLI in people's words: its human output reads like the web app (the workflow's labels,
// display names, UK time), while --json keeps identifiers and UTC; and a time typed without a zone
// is taken as UK time, and the CLI says so.

#include <catch2/catch.hpp>
#include <regex>

#include "support.h"

using namespace commsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;

namespace {

struct Demo {
  test::TempDir dir;
  Demo() {
    std::filesystem::copy(test::shipped_workflows(), dir / "workflows",
                          std::filesystem::copy_options::recursive);
    REQUIRE(run({"init", "--demo"}).exit_code == 0);
  }
  test::RunResult run(const std::vector<std::string>& args,
                      const std::string& now = "2026-03-02T09:00:00Z") const {
    return test::run_cli(dir.path(), args, now);
  }
  Json json(std::vector<std::string> args, const std::string& now = "2026-03-02T09:00:00Z") const {
    args.insert(args.begin(), "--json");
    test::RunResult r = run(args, now);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return Json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("cli: human output shows labels, names and UK time, never ISO times or identifiers",
          "[cli][words]") {
  Demo demo;
  std::vector<std::vector<std::string>> commands = {
      {"list"},        {"queue", "--workflow", "comms_request"}, {"inbox", "--as", "hannah.head"},
      {"delegations"}, {"doc", "list", "MED-2026-0001"},         {"doc", "show", "MED-2026-0001"},
      {"outbox"},      {"inbox", "--as", "asha.requester"},
  };
  for (const auto& item : demo.json({"list"})) {
    const std::string ref = item.at("ref");
    commands.push_back({"show", ref});
    commands.push_back({"history", ref});
  }
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})");
  static const std::regex snake(R"(\b[a-z][a-z0-9]*_[a-z0-9_]+\b)");
  // What a person types is given in brackets after its label ("Issue [issue_statement]").
  static const std::regex typed(R"(\[[a-z0-9_]+\])");
  std::vector<std::string> found;
  for (const auto& args : commands) {
    test::RunResult r = demo.run(args);
    REQUIRE(r.exit_code == 0);
    const std::string text = std::regex_replace(r.out, typed, "[]");
    for (const auto* pattern : {&iso, &snake}) {
      for (std::sregex_iterator it(text.begin(), text.end(), *pattern), end; it != end; ++it) {
        const auto at = static_cast<size_t>(it->position());
        found.push_back(fmt::format("{}: '{}' in \"…{}…\"", fmt::join(args, " "), it->str(),
                                    text.substr(at < 40 ? 0 : at - 40, 100)));
      }
    }
  }
  INFO(fmt::format("{}", fmt::join(found, "\n")));
  CHECK(found.empty());
  // Lists with times say which time they are in.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"inbox", "--as", "hannah.head"}, {"outbox"}}) {
    CHECK_THAT(demo.run(args).out, EndsWith("(times are UK time)\n"));
  }

  // The labels a reader looks for.
  test::RunResult shown = demo.run({"show", "MED-2026-0002"});
  CHECK_THAT(shown.out, Contains("Media statement sign-off, Issued"));
  CHECK_THAT(shown.out, Contains("Drafted by: Sam Officer"));
  CHECK_THAT(shown.out, Contains("Issued through: Press release list"));
  CHECK_THAT(shown.out, Contains("Approved: Dev Director"));
  // Identifiers and UTC stay in JSON.
  Json item = demo.json({"show", "MED-2026-0002"});
  CHECK(item["state"] == "issued");
  CHECK(item["data"]["drafted_by"] == "sam.officer");
  CHECK(std::regex_search(item["data"]["issued_at"].get<std::string>(),
                          std::regex(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)")));
}

TEST_CASE(
    "cli: audit reports name people, steps, states and actions as people read them, while CSV "
    "and JSON keep the names stored") {
  Demo demo;
  const std::string history = demo.run({"audit", "MED-2026-0002"}).out;
  CHECK_THAT(history, Contains("Hannah Head") && Contains("Dev Director") &&
                          Contains("Workflow: Media statement sign-off") &&
                          Contains("Decision: Approved") && Contains("Comms review"));
  CHECK_THAT(history, !Contains("  hannah.head  ") && !Contains("comms_review  "));
  // The values changed, too, by the fields' labels.
  CHECK_THAT(history,
             Contains("Changes: Clinical content: No; ") && Contains("Drafted by: Sam Officer"));
  // And the engine's own records, member by member.
  CHECK_THAT(history, Contains("Document: (At: ") && Contains("Author: Sam Officer") &&
                          Contains("(Actor: Hannah Head; As: Head of comms; At: ") &&
                          Contains("Step: Comms review"));
  // A list of records row by row, not counted.
  CHECK_THAT(
      demo.run({"audit", "SC-2026-0001"}).out,
      Contains("Stakeholder groups: (Group: Oakwood patients and carers; Interest: High; ") &&
          !Contains(" rows;"));
  // An account's events are the person's, by name.
  demo.run({"delegate", "cara.clinical", "sam.officer", "--role", "clinical_lead", "--until",
            "31/12/2026", "--as", "cara.clinical"});
  CHECK_THAT(demo.run({"audit", "--actor", "cara.clinical", "--action", "delegation_created"}).out,
             Contains("Account of Cara Clinical") && Contains("Delegation created") &&
                 Contains("Role: Clinical lead; To: Sam Officer; Until: Thu 31 Dec 2026"));
  // A workflow by its title and an action as the report shows it.
  const Json decided =
      demo.json({"audit", "--workflow", "Media statement sign-off", "--action", "Decide"})["rows"];
  REQUIRE_FALSE(decided.empty());
  for (const auto& row : decided) {
    CHECK(row["workflow"] == "media_signoff");
    CHECK(row["action"] == "decide");
  }
  CHECK_FALSE(demo.json({"audit", "--action", "Send for review"})["rows"].empty());
  // A person may be named as people know them.
  const Json hers = demo.json({"audit", "--actor", "Hannah Head"})["rows"];
  REQUIRE_FALSE(hers.empty());
  for (const auto& row : hers) CHECK(row["actor"] == "hannah.head");
  CHECK_THAT(demo.run({"audit", "--actor", "Hannah Hed"}).err,
             Contains("no person is named 'hannah hed'"));
  const std::string register_text = demo.run({"audit", "signoffs"}).out;
  CHECK_THAT(register_text, Contains("Approvers: Comms review: Hannah Head approved at ") &&
                                Contains("Executive sign-off: Dev Director approved at "));
  CHECK_THAT(register_text, !Contains("hannah.head") && !Contains("comms_review"));
  const std::string html = demo.run({"audit", "signoffs", "--format", "html"}).out;
  CHECK_THAT(html, Contains("Comms review: Hannah Head approved at "));

  // The machine formats keep what is stored.
  const Json rows = demo.json({"audit", "MED-2026-0002"})["rows"];
  REQUIRE_FALSE(rows.empty());
  CHECK(rows[0]["workflow"] == "media_signoff");
  CHECK(rows[0]["to_state"] == "drafting");
  const std::string csv = demo.run({"audit", "signoffs", "--format", "csv"}).out;
  CHECK_THAT(csv, Contains("comms_review: hannah.head approved at 20"));
  const std::string history_csv = demo.run({"audit", "MED-2026-0002", "--format", "csv"}).out;
  CHECK_THAT(history_csv, Contains("\"\"drafted_by\"\":\"\"sam.officer\"\""));
}

TEST_CASE("cli: a choice, a decision and an incident level may be typed as the app shows them") {
  Demo demo;
  const Json made = demo.json({"submit", "media_signoff", "--as", "olivia.officer", "--set",
                               "headline=Clinic hours", "--set", "kind=Reactive statement"});
  CHECK(made["data"]["kind"] == "reactive_statement");
  // A label that is no option is refused, naming the options.
  CHECK_THAT(
      demo.run({"submit", "media_signoff", "--as", "olivia.officer", "--set",
                "headline=Clinic hours", "--set", "kind=Reactive"})
          .err,
      Contains("'Reactive' is not one of: Reactive statement, Press release or Social post"));
  const Json declared =
      demo.json({"incident", "declare", "Flood", "--level", "Minor", "--as", "tom.triage"});
  CHECK(declared["data"]["level"] == "minor");
  // The levels are the incident workflow's: one it has not is refused, naming those it has.
  test::RunResult huge =
      demo.run({"incident", "declare", "Tidal surge", "--level", "Huge", "--as", "tom.triage"});
  CHECK(huge.exit_code == 2);
  CHECK_THAT(huge.err, Contains("level: 'Huge' is not one of: Major or Minor"));
  CHECK_THAT(demo.run({"incident", "list"}).out, !Contains("Tidal surge"));
  CHECK_THAT(
      demo.run({"decide", "MED-2026-0001", "Fine", "--version", "1", "--as", "hannah.head"}).err,
      Contains("decision 'Fine' is not one of: Approved, Approved with changes, Changes required "
               "or Not relevant"));
}

TEST_CASE("cli: workflows, states, actions, people and incidents typed as the app shows them",
          "[cli][words]") {
  Demo demo;
  const Json paused = demo.json({"list", "--workflow", "Comms request", "--state", "Paused"});
  REQUIRE_FALSE(paused.empty());
  CHECK(paused == demo.json({"list", "--workflow", "comms_request", "--state", "paused"}));
  CHECK(demo.json({"list", "--state", "in progress"}) ==
        demo.json({"list", "--state", "in_progress"}));
  CHECK_THAT(demo.run({"list", "--state", "Snoozed"}).err, Contains("no workflow has a state"));
  CHECK_THAT(demo.run({"queue", "--workflow", "comms request"}).out, Contains("REQ-2026-0001"));
  // An action by its label or its name in any case; a person by the name they are shown by.
  const Json accepted = demo.json(
      {"act", "REQ-2026-0001", "Accept", "--as", "tom.triage", "--set", "assignee=Olivia Officer"});
  CHECK(accepted["state"] == "accepted");
  CHECK(accepted["data"]["assignee"] == "olivia.officer");
  CHECK(demo.json({"act", "REQ-2026-0001", "assign", "--as", "tom.triage", "--set",
                   "assignee=Sam.Officer"})["data"]["assignee"] == "sam.officer");
  CHECK_THAT(
      demo.run({"act", "REQ-2026-0001", "assign", "--as", "tom.triage", "--set", "assignee=Sam"})
          .err,
      Contains("there is no actor 'Sam'"));
  // A workflow's name in any case comes before any title.
  CHECK(demo.json({"list", "--workflow", "FEEDBACK"}) ==
        demo.json({"list", "--workflow", "feedback"}));
  // An incident closed by the reference `incident list` shows first.
  const std::string ref = demo.json({"incident", "list"})[0]["ref"];
  CHECK_THAT(demo.run({"incident", "close", ref, "--as", "tom.triage"}).out,
             Contains("Storm Darragh (Major)") && Contains("resumed"));
  CHECK_THAT(demo.run({"incident", "close", ref, "--as", "tom.triage"}).err,
             Contains("no active incident named"));
}

TEST_CASE("cli: an incident closed by its action typed as labelled resumes its work",
          "[cli][incidents]") {
  Demo demo;
  const Json open = demo.json({"incident", "list"});
  REQUIRE(open.size() == 1);
  REQUIRE(open[0]["holds"].get<int>() > 0);
  REQUIRE(demo.run({"act", open[0]["ref"].get<std::string>(), "Close", "--as", "tom.triage"},
                   "2026-03-02T12:15:00Z")
              .exit_code == 0);
  CHECK(demo.json({"list", "--workflow", "comms_request", "--state", "paused"}).empty());
  CHECK(demo.json({"incident", "list"}).empty());
}

TEST_CASE("cli: a person given by the name they are shown by is told the name to give",
          "[cli][words]") {
  Demo demo;
  CHECK_THAT(demo.run({"act", "REQ-2026-0001", "accept", "--as", "Tom Triage"}).err,
             Contains("unknown actor 'tom triage': give the name they sign in with, tom.triage"));
  // No `actor add` is offered for a name no one could sign in with.
  const std::string nobody = demo.run({"act", "REQ-2026-0001", "accept", "--as", "Jo Bloggs"}).err;
  CHECK_THAT(nobody, Contains("give the name a person signs in with (`commsflow actor list`)") &&
                         !Contains("actor add"));
  CHECK_THAT(demo.run({"act", "REQ-2026-0001", "accept", "--as", "jo.bloggs"}).err,
             Contains("add one with `commsflow actor add jo.bloggs --role ROLE`"));
}

TEST_CASE("cli: a request declined while paused is held by no incident, and is not counted",
          "[cli][incidents]") {
  Demo demo;
  std::vector<std::string> paused;
  for (const auto& item : demo.json({"list", "--workflow", "comms_request", "--state", "paused"})) {
    paused.push_back(item.at("ref"));
  }
  REQUIRE(paused.size() >= 2);
  const int held = demo.json({"incident", "list"})[0]["holds"];
  demo.run({"act", paused[0], "decline", "--as", "tom.triage", "--set", "reason=Not ours"},
           "2026-03-02T10:00:00Z");
  const Json declined = demo.json({"show", paused[0]});
  CHECK(declined["state"] == "declined");
  for (const char* field : {"paused_by_incident", "paused_at", "paused_from", "pause_reason"}) {
    CHECK_FALSE(declined["data"].contains(field));
  }
  CHECK(declined["data"]["paused_seconds"].get<int>() > 0);  // the pause's working time is kept
  CHECK(demo.json({"incident", "list"})[0]["holds"] == held - 1);
  // Closing the incident resumes the rest, and says how many.
  CHECK_THAT(
      demo.run({"incident", "close", "Storm Darragh", "--as", "tom.triage"}, "2026-03-02T12:15:00Z")
          .out,
      Contains(fmt::format("(Major): {} item(s) resumed", held - 1)));
  demo.run({"verify"});
}

TEST_CASE("cli: time paused is shown in hours and minutes, and kept in seconds in JSON",
          "[cli][words]") {
  Demo demo;
  std::string paused;
  for (const auto& item : demo.json({"list", "--workflow", "comms_request"})) {
    if (item.at("state") == "paused") paused = item.at("ref");
  }
  REQUIRE_FALSE(paused.empty());
  // The incidents open, in words, with the work each holds.
  const Json open = demo.json({"incident", "list"});
  REQUIRE(open.size() == 1);
  CHECK(open[0]["name"] == "Storm Darragh");
  CHECK(open[0]["holds"].get<int>() >= 1);
  CHECK_THAT(demo.run({"incident", "list"}).out,
             Contains("Storm Darragh (Major), declared ") &&
                 Contains(fmt::format("holds {} item(s) paused", open[0]["holds"].get<int>())));
  // The demo's incident closes three working hours and a quarter after it paused the work.
  test::RunResult closed = demo.run({"incident", "close", "Storm Darragh", "--as", "tom.triage"},
                                    "2026-03-02T12:15:00Z");
  INFO(closed.err);
  REQUIRE(closed.exit_code == 0);
  CHECK_THAT(demo.run({"incident", "list"}, "2026-03-02T12:15:00Z").out,
             Contains("No incident is open."));
  const Json resumed = demo.json({"show", paused}, "2026-03-02T12:15:00Z");
  REQUIRE(resumed["data"]["paused_seconds"].is_number_integer());
  const long long seconds = resumed["data"]["paused_seconds"];
  const long long hours = seconds / 3600, minutes = seconds % 3600 / 60;
  REQUIRE(hours > 0);
  const std::string words = minutes == 0
                                ? fmt::format("{} hour{}", hours, hours == 1 ? "" : "s")
                                : fmt::format("{} hour{} {} minute{}", hours, hours == 1 ? "" : "s",
                                              minutes, minutes == 1 ? "" : "s");
  test::RunResult shown = demo.run({"show", paused}, "2026-03-02T12:15:00Z");
  CHECK_THAT(shown.out, Contains("Working time paused: " + words));
  CHECK_THAT(shown.out, !Contains(std::to_string(seconds)));
}

TEST_CASE("cli: submit and act show the item only as far as the person acting may read it",
          "[cli][access]") {
  Demo demo;
  const std::vector<std::string> request = {
      "submit", "comms_request",          "--as",  "asha.requester",
      "--set",  "title=Clinic poster",    "--set", "kind=internal",
      "--set",  "requester_team=Estates", "--set", "strategic_priority=none",
      "--set",  "incident=none",          "--set", "statutory=no",
      "--set",  "reputational_risk=low",  "--set", "impact=low",
      "--set",  "resource=low",           "--set", "time_sensitive=no",
      "--set",  "responsibility=own"};
  test::RunResult made = demo.run(request);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  // Green work is paused by the demo's incident; the requester sees her rating and due time,
  // not the team's workings.
  CHECK_THAT(made.out, Contains("Rating: Green"));
  for (const char* team_only :
       {"Computed rating", "Rating reasons", "Paused by incident", "Pause reason"}) {
    CHECK_THAT(made.out, !Contains(team_only));
  }
  const Json item = demo.json(request);
  CHECK(item["data"].contains("rating"));
  CHECK_FALSE(item["data"].contains("computed_rating"));
  CHECK_FALSE(item["data"].contains("paused_by_incident"));
  // The operator, reading without --as, sees it all.
  CHECK(demo.json({"show", item["ref"]})["data"].contains("computed_rating"));
  // Her queue does not call the request assigned to Olivia unassigned: it does not say.
  CHECK_THAT(demo.run({"queue"}).out, Contains("Olivia Officer"));
  const std::string hers = demo.run({"queue", "--as", "asha.requester"}).out;
  CHECK_THAT(hers, Contains("not shown") && !Contains("Olivia Officer"));
  // Statements are named by their headlines, as everywhere else.
  CHECK_THAT(demo.run({"queue", "--workflow", "media_signoff"}).out,
             Contains("Statement on the Oakwood community hospital consultation"));
}

TEST_CASE("cli: a time typed without a zone is UK time, and the CLI says which", "[cli][words]") {
  Demo demo;
  const std::vector<std::string> statement = {
      "submit", "media_signoff",           "--as",  "olivia.officer", "--set", "headline=Test",
      "--set",  "kind=reactive_statement", "--set", "journalist=A",   "--set", "outlet=B"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = statement;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  // In summer the clocks are an hour ahead of UTC; in winter they agree.
  test::RunResult summer = demo.run(with({"--json", "--set", "journalist_deadline=2026-07-01 14:30",
                                          "--set", "embargo_until=2026-12-05T09:00"}));
  INFO(summer.err);
  REQUIRE(summer.exit_code == 0);
  Json made = Json::parse(summer.out);
  CHECK(made["data"]["journalist_deadline"] == "2026-07-01T13:30:00Z");
  CHECK(made["data"]["embargo_until"] == "2026-12-05T09:00:00Z");
  CHECK_THAT(summer.err, Contains("journalist_deadline: 2026-07-01 14:30 taken as UK time (BST)"));
  CHECK_THAT(summer.err, Contains("embargo_until: 2026-12-05T09:00 taken as UK time (GMT)"));

  // A date written as people write it, with a time: UK time too, and said so.
  test::RunResult written =
      demo.run(with({"--json", "--set", "journalist_deadline=01/07/2026 14:30"}));
  REQUIRE(written.exit_code == 0);
  CHECK(Json::parse(written.out)["data"]["journalist_deadline"] == "2026-07-01T13:30:00Z");
  CHECK_THAT(written.err, Contains("journalist_deadline: 01/07/2026 14:30 taken as UK time (BST)"));

  // A time that names its zone is kept as given, without a word.
  test::RunResult zoned =
      demo.run(with({"--json", "--set", "journalist_deadline=2026-07-01T14:30:00+01:00"}));
  REQUIRE(zoned.exit_code == 0);
  CHECK(Json::parse(zoned.out)["data"]["journalist_deadline"] == "2026-07-01T13:30:00Z");
  CHECK_THAT(zoned.err, !Contains("taken as UK time"));

  // An hour the clocks skip in spring, or no time at all, is refused naming the field.
  for (const char* bad : {"journalist_deadline=2026-03-29 01:30", "journalist_deadline=soon"}) {
    const std::string before = demo.run({"--json", "list"}).out;
    test::RunResult refused = demo.run(with({"--set", bad}));
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Contains("journalist_deadline"));
    CHECK(demo.run({"--json", "list"}).out == before);
  }

  // Audit ranges: a date is a UK day, and the CLI says so.
  test::RunResult audit = demo.run({"audit", "--from", "2026-06-01", "--to", "2026-12-31 23:00"});
  REQUIRE(audit.exit_code == 0);
  CHECK_THAT(audit.err, Contains("--from 2026-06-01 taken as UK time (BST)"));
  CHECK_THAT(audit.err, Contains("--to 2026-12-31 23:00 taken as UK time (GMT)"));
  // A time the clocks skip is said to be one, not "not a date".
  CHECK_THAT(demo.run({"audit", "--from", "2026-03-29 01:30"}).err,
             Contains("the clocks go forward at 01:00 on Sun 29 Mar 2026, so there is no 01:30"));
}

TEST_CASE("cli: who overrode a rating is shown by name", "[cli][words]") {
  Demo demo;
  REQUIRE(demo.run({"act", "REQ-2026-0001", "override", "--as", "tom.triage", "--set",
                    "new_rating=red", "--set", "reason=Minister visiting"})
              .exit_code == 0);
  CHECK_THAT(demo.run({"show", "REQ-2026-0001"}).out, Catch::Contains("Overridden by: Tom Triage"));
  CHECK(demo.json({"show", "REQ-2026-0001"})["data"]["overridden_by"] == "tom.triage");
}

TEST_CASE("cli: work past its due time says it is overdue, in the queue and on show",
          "[cli][words]") {
  Demo demo;
  // The demo's red request is due two working days after Monday 2 March, 09:00.
  const Json queue = demo.json({"queue", "--workflow", "comms_request"});
  REQUIRE_FALSE(queue.empty());
  const std::string red = queue[0]["ref"];
  REQUIRE(queue[0]["data"]["rating"] == "red");
  CHECK_THAT(demo.run({"queue", "--workflow", "comms_request"}).out, !Contains("(overdue)"));
  CHECK_THAT(demo.run({"show", red}).out, Contains("  Due in "));

  const std::string week_later = "2026-03-09T09:00:00Z";
  const std::string late_queue = demo.run({"queue", "--workflow", "comms_request"}, week_later).out;
  CHECK_THAT(late_queue, Contains("(overdue)"));
  CHECK_THAT(demo.run({"show", red}, week_later).out, Contains("  Overdue by "));
}

TEST_CASE("cli: disabling a leaver lists what waited for them and who else may decide it",
          "[cli][words]") {
  Demo demo;
  const Json waiting = demo.json({"inbox", "--as", "hannah.head"});
  REQUIRE(waiting.size() == 1);
  const std::string ref = waiting[0]["ref"];
  // The only head of comms: nobody else may decide, and whoever disables her is told so.
  const test::RunResult alone = demo.run({"actor", "disable", "hannah.head"});
  REQUIRE(alone.exit_code == 0);
  CHECK_THAT(alone.out,
             Contains("Waiting for Hannah Head when disabled:") &&
                 Contains(ref + " Comms review, due ") &&
                 Contains("nobody else may decide it in their place now; give someone the role "
                          "(`commsflow "
                          "actor add NAME --role head_of_comms`)"));
  REQUIRE(demo.run({"actor", "enable", "hannah.head"}).exit_code == 0);
  REQUIRE(demo.run({"actor", "add", "ravi.head", "--role", "head_of_comms", "--display-name",
                    "Ravi Head"})
              .exit_code == 0);
  const Json shared = demo.json({"actor", "disable", "hannah.head"});
  REQUIRE(shared["waiting_on_them"].size() == 1);
  CHECK(shared["waiting_on_them"][0]["ref"] == ref);
  CHECK(shared["waiting_on_them"][0]["others"] == Json::array({"ravi.head"}));
  REQUIRE(demo.run({"actor", "enable", "hannah.head"}).exit_code == 0);
  CHECK_THAT(demo.run({"actor", "disable", "hannah.head"}).out,
             Contains("Ravi Head may decide it in their place"));
  // Disabled already: said so, as before (not that she may not act).
  CHECK_THAT(demo.run({"actor", "disable", "hannah.head"}).err, Contains("already disabled"));
  // Taking the role away says the same of the steps it leaves; a role kept lists nothing.
  REQUIRE(demo.run({"actor", "enable", "hannah.head"}).exit_code == 0);
  REQUIRE(demo.run({"actor", "disable", "ravi.head"}).exit_code == 0);
  REQUIRE(demo.run({"actor", "add", "hannah.head", "--role", "requester"}).exit_code == 0);
  CHECK_THAT(demo.run({"actor", "role", "remove", "hannah.head", "requester"}).out,
             !Contains("Waiting for"));
  REQUIRE(demo.run({"actor", "add", "hannah.head", "--role", "requester"}).exit_code == 0);
  const test::RunResult removed =
      demo.run({"actor", "role", "remove", "hannah.head", "head_of_comms"});
  CHECK_THAT(removed.out, Contains("Waiting for Hannah Head as Head of comms:") &&
                              Contains(ref + " Comms review") &&
                              Contains("nobody else may decide it in their place now"));
  // Someone nothing waits for is disabled with no list.
  CHECK_THAT(demo.run({"actor", "disable", "asha.requester"}).out, !Contains("Waiting for"));
}
