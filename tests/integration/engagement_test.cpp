// The engagement cycle for a service change, driven through the real `commsflow` binary: stage
// checklists and gates, feedback as child items, the decision rule, and the reports.
#include <commsflow/json.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

namespace {

using Args = std::vector<std::string>;

const char* const kMarch = "2026-03-02T09:00:00Z";  // before the pre-election period
const char* const kApril = "2026-04-10T09:00:00Z";  // inside it (26 March to 7 May 2026)
const char* const kAfter = "2026-06-20T09:00:00Z";  // after a 12-week consultation from 9 March

// The groups the shipped EIA must cover, in the workflow's order.
const std::vector<std::string> kEiaGroups = {"age",
                                             "disability",
                                             "gender_reassignment",
                                             "marriage_and_civil_partnership",
                                             "pregnancy_and_maternity",
                                             "race",
                                             "religion_or_belief",
                                             "sex",
                                             "sexual_orientation",
                                             "homelessness",
                                             "geographical_isolation",
                                             "communication_impairments",
                                             "carers",
                                             "deprivation"};

Json full_eia() {
  Json rows = Json::array();
  for (const auto& g : kEiaGroups) {
    rows.push_back(Json{{"group", g}, {"impact", false}, {"description", "No different impact"}});
  }
  rows[1] = Json{{"group", "disability"},
                 {"impact", true},
                 {"description", "Longer journeys"},
                 {"action", "Patient transport offer"},
                 {"owner", "Transport lead"},
                 {"due", "2026-06-01"}};
  return Json{{"eia", rows}};
}

// A folder with the shipped workflows, a database, one engagement lead, eve, and one comms
// officer. Scenarios are set up in this process (submit_change, advance_to, feedback, state);
// what a test is about goes through the real binary (run, json, act, show).
class Engagement {
 public:
  Engagement() {
    fs::copy(test::shipped_workflows(), dir_ / "workflows", fs::copy_options::recursive);
    here_ = std::make_unique<test::LocalEngine>(dir_.path(), /*create=*/true);
    here_->engine->add_actor("eve", {"engagement_lead"});
    here_->engine->add_actor("olivia", {"comms_officer"});
  }

  fs::path path(const std::string& name) const { return dir_ / name; }

  RunResult run(int expected_exit, const Args& args, const std::string& now = kMarch) const {
    RunResult r = test::run_cli(dir_.path(), args, now);
    INFO(fmt::format("$ commsflow {}\nexit {}\n--- stdout ---\n{}--- stderr ---\n{}",
                     fmt::join(args, " "), r.exit_code, r.out, r.err));
    REQUIRE(r.exit_code == expected_exit);
    return r;
  }

  Json json(int expected_exit, Args args, const std::string& now = kMarch) const {
    args.insert(args.begin(), "--json");
    RunResult r = run(expected_exit, args, now);
    Json j = Json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  }

  // act REF ACTION --as eve with --set for each "field=value".
  RunResult act(int expected_exit, const std::string& ref, const std::string& action,
                const std::vector<std::string>& sets = {}, const std::string& now = kMarch,
                Args extra = {}) const {
    Args args{"act", ref, action, "--as", "eve"};
    for (const auto& s : sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run(expected_exit, args, now);
  }

  RunResult record_data(int expected_exit, const std::string& ref, const Json& data) const {
    dir_.write("data.json", data.dump());
    return act(expected_exit, ref, "record", {}, kMarch, {"--data", "@data.json"});
  }

  std::string state(const std::string& ref) const { return here_->item(ref).state; }

  Json show(const std::string& ref) const { return json(0, {"show", ref}); }

  std::string submit_change(bool substantial) const {
    const std::string ref =
        here_
            ->submit("service_change", "eve",
                     Json{{"title", "Community nursing locality restructure"}}, kMarch)
            .ref;
    setup(ref, "record",
          Json{{"substantial", substantial ? "yes" : "no"},
               {"affects_services", "yes"},
               {"assessment_rationale", "Moves two clinics into one hub"}});
    return ref;
  }

  // Records the evidence of each stage and closes it, until the item reaches `target`.
  void advance_to(const std::string& ref, const std::string& target) const {
    for (std::string s = state(ref); s != target; s = state(ref)) {
      if (s == "assessment") {
        setup(ref, "complete");
      } else if (s == "stakeholder_analysis") {
        setup(
            ref, "record",
            Json{{"stakeholders",
                  {{{"group", "Northtown patients"}, {"interest", "high"}, {"influence", "medium"}},
                   {{"group", "Gypsy and Traveller community"},
                    {"interest", "high"},
                    {"influence", "low"},
                    {"seldom_heard", true}}}}});
        setup(ref, "complete");
      } else if (s == "insight") {
        setup(ref, "record",
              test::inputs_of(
                  {"insight=Patients value evening access", "insight_sources=Survey 2025, PALS"}));
        setup(ref, "complete");
      } else if (s == "engagement_plan") {
        setup(ref, "record",
              test::inputs_of({"engagement_plan=Drop-ins, survey, outreach",
                               "accessible_formats=Easy Read, Large print, BSL video"}));
        setup(ref, "complete");
      } else if (s == "case_for_change") {
        setup(ref, "record", test::inputs_of({"case_for_change=Staffing two sites is not safe"}));
        setup(ref, "complete");
      } else if (s == "equality_impact") {
        setup(ref, "record", full_eia());
        setup(ref, "complete");
      } else if (s == "health_scrutiny") {
        setup(ref, "record",
              test::inputs_of({"scrutiny_committee=Northshire HOSC",
                               "scrutiny_consulted_on=2026-02-20", "scrutiny_response=Supportive",
                               "secretary_of_state_notified_on=2026-02-25"}));
        setup(ref, "complete");
      } else if (s == "consultation") {
        setup(ref, "record",
              test::inputs_of({"consultation_start=2026-03-09", "consultation_end=2026-06-01",
                               "gunning_formative=yes", "gunning_information=yes",
                               "gunning_time=yes", "gunning_consideration=yes"}));
        setup(ref, "open");
      } else {
        FAIL("advance_to does not know how to leave " << s);
      }
    }
  }

  // Logs feedback on `parent`; returns its ref.
  std::string feedback(const std::string& parent, const std::string& text,
                       const std::string& suggestion = "",
                       const std::string& channel = "online_survey") const {
    Json fields{{"text", text}, {"channel", channel}};
    if (!suggestion.empty()) {
      fields["has_suggestion"] = "yes";
      fields["suggestion"] = suggestion;
    }
    return here_->submit("feedback", "eve", fields, kMarch, parent).ref;
  }

 private:
  // An action by eve in this process, as part of setting a scenario up; REQUIREs success.
  void setup(const std::string& ref, const std::string& action, const Json& inputs = {}) const {
    here_->act(ref, action, "eve", inputs.is_null() ? Json::object() : inputs, kMarch);
  }

  test::TempDir dir_;
  std::unique_ptr<test::LocalEngine> here_;
};

std::vector<std::string> unmet_labels(const Json& shown) {
  std::vector<std::string> out;
  for (const auto& line : shown["checklist"]) {
    if (!line["ok"].get<bool>()) out.push_back(line["label"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("A stage gate is refused with every unmet line, changes nothing, and opens when met",
          "[engagement]") {
  Engagement e;
  Json j = e.json(0, {"submit", "service_change", "--as", "eve", "--set", "title=Clinic merger"});
  std::string ref = j["ref"].get<std::string>();
  CHECK(ref == "SC-2026-0001");

  Json shown = e.show(ref);
  REQUIRE(shown["checklist"].size() == 3);
  CHECK(unmet_labels(shown).size() == 3);

  RunResult refused = e.act(1, ref, "complete");
  CHECK_THAT(refused.err, Contains("changes how or which services are delivered") &&
                              Contains("substantial development or variation") &&
                              Contains("Rationale for the assessment"));
  CHECK(e.show(ref)["revision"] == 1);

  // The human `show` prints met and unmet lines as a checklist.
  e.act(0, ref, "record", {"affects_services=yes", "substantial=no"});
  RunResult human = e.run(0, {"show", ref});
  CHECK_THAT(human.out, Contains("Checklist for 'Assessment' (2 of 3 met)") &&
                            Contains("[x] Whether it changes how or which services are "
                                     "delivered\n") &&
                            Contains("[ ] Rationale for the assessment - not written yet"));
  refused = e.act(1, ref, "complete");
  CHECK_THAT(refused.err, Contains("Rationale for the assessment"));
  CHECK_THAT(refused.err, !Contains("substantial development"));

  e.act(0, ref, "record", {"assessment_rationale=Two clinics become one"});
  e.act(0, ref, "complete");
  CHECK(e.state(ref) == "stakeholder_analysis");

  SECTION("stakeholders must include seldom-heard groups or say how they were considered") {
    e.record_data(0, ref,
                  Json{{"stakeholders",
                        {{{"group", "Patients"}, {"interest", "high"}, {"influence", "low"}}}}});
    CHECK_THAT(e.act(1, ref, "complete").err, Contains("Seldom-heard groups considered"));
    e.act(0, ref, "record", {"seldom_heard_considered=Outreach via the traveller liaison nurse"});
    e.act(0, ref, "complete");
    CHECK(e.state(ref) == "insight");
  }
  SECTION("a bad stakeholder record is named by its path and changes nothing") {
    RunResult bad = e.record_data(
        2, ref, Json{{"stakeholders", {{{"group", "Patients"}, {"interest", "huge"}}}}});
    CHECK_THAT(bad.err, Contains("stakeholders[1].interest"));
    CHECK(e.show(ref)["revision"] == 4);
  }
}

TEST_CASE("The EIA needs a row for every group, and an action with owner and date for an impact",
          "[engagement]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  e.advance_to(ref, "equality_impact");

  RunResult refused = e.act(1, ref, "complete");
  // The groups by name, as the assessment form shows them.
  CHECK_THAT(refused.err, Contains("missing: Age, Disability") && Contains("Sexual orientation") &&
                              Contains("People who are homeless") &&
                              Contains("Geographically isolated people") &&
                              Contains("People with communication impairments") &&
                              !Contains("sexual_orientation"));

  Json eia = full_eia();
  eia["eia"][1].erase("owner");
  e.record_data(0, ref, eia);
  refused = e.act(1, ref, "complete");
  CHECK_THAT(refused.err, Contains("no complete action for: Disability"));
  CHECK_THAT(refused.err, !Contains("missing:"));

  SECTION("a row without its impact answer is bad input naming eia[3].impact") {
    Json bad = full_eia();
    bad["eia"][2].erase("impact");
    RunResult r = e.record_data(2, ref, bad);
    CHECK_THAT(r.err, Contains("eia[3].impact: is required"));
  }
  SECTION("a second row for a group does not hide the first one's impact") {
    Json doubled = full_eia();
    doubled["eia"][1].erase("owner");
    doubled["eia"].push_back(
        Json{{"group", "disability"}, {"impact", false}, {"description", "None"}});
    e.record_data(0, ref, doubled);
    RunResult r = e.act(1, ref, "complete");
    CHECK_THAT(r.err, Contains("more than one row for: Disability") &&
                          Contains("no complete action for: Disability"));
    CHECK(e.state(ref) == "equality_impact");
  }
  SECTION("a complete EIA opens the gate") {
    e.record_data(0, ref, full_eia());
    e.act(0, ref, "complete");
    CHECK(e.state(ref) == "health_scrutiny");
  }
}

TEST_CASE("Health scrutiny is required for a substantial variation and says why not otherwise",
          "[engagement]") {
  Engagement e;
  SECTION("substantial: committee, response and Secretary of State notification") {
    std::string ref = e.submit_change(true);
    e.advance_to(ref, "health_scrutiny");
    CHECK(unmet_labels(e.show(ref)).size() == 4);
    e.act(0, ref, "record",
          {"scrutiny_committee=Northshire HOSC", "scrutiny_consulted_on=2026-02-20",
           "scrutiny_response=Supportive"});
    RunResult refused = e.act(1, ref, "complete");
    CHECK_THAT(refused.err, Contains("Secretary of State notified"));
    // A notification that has happened cannot be dated tomorrow (it is 2 March 2026).
    CHECK_THAT(e.act(2, ref, "record", {"secretary_of_state_notified_on=2026-03-03"}).err,
               Contains("secretary_of_state_notified_on: cannot be in the future (today is "
                        "Mon 2 Mar 2026)"));
    CHECK(unmet_labels(e.show(ref)).size() == 1);  // nothing was recorded
    e.act(0, ref, "record", {"secretary_of_state_notified_on=2026-03-02"});
    e.act(0, ref, "complete");
    CHECK(e.state(ref) == "consultation");
  }
  SECTION("today is the UK's date: at 00:30 BST it is already tomorrow") {
    std::string ref = e.submit_change(true);
    e.advance_to(ref, "health_scrutiny");
    e.act(0, ref, "record", {"scrutiny_consulted_on=2026-06-16"}, "2026-06-15T23:30:00Z");
    CHECK(e.show(ref)["data"]["scrutiny_consulted_on"] == "2026-06-16");
    CHECK_THAT(
        e.act(2, ref, "record", {"scrutiny_consulted_on=2026-06-17"}, "2026-06-15T23:30:00Z").err,
        Contains("cannot be in the future (today is Tue 16 Jun 2026)"));
  }
  SECTION("not substantial: one met line that says why, and the gate is open") {
    std::string ref = e.submit_change(false);
    e.advance_to(ref, "health_scrutiny");
    Json shown = e.show(ref);
    REQUIRE(shown["checklist"].size() == 1);
    CHECK(shown["checklist"][0]["ok"] == true);
    CHECK_THAT(shown["checklist"][0]["why"].get<std::string>(),
               Contains("not required") && Contains("not a substantial"));
    e.act(0, ref, "complete");
    CHECK(e.state(ref) == "consultation");
  }
}

TEST_CASE(
    "A consultation shorter than 12 weeks needs a rationale and none opens before an election",
    "[engagement]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  e.advance_to(ref, "consultation");
  e.act(0, ref, "record",
        {"consultation_start=2026-03-09", "consultation_end=2026-04-20", "gunning_formative=yes",
         "gunning_information=yes", "gunning_time=yes"});
  RunResult refused = e.act(1, ref, "open");
  CHECK_THAT(refused.err, Contains("Length (6.0 weeks; the norm is 12)") &&
                              Contains("rationale for a short consultation") &&
                              Contains("responses will be conscientiously considered"));

  e.act(0, ref, "record",
        {"gunning_consideration=yes",
         "short_consultation_rationale=Decision needed before winter planning"});

  SECTION("in the pre-election period it is refused, naming the period") {
    refused = e.act(1, ref, "open", {}, kApril);
    CHECK_THAT(refused.err, Contains("pre-election period for local elections on 7 May 2026"));
    CHECK(e.state(ref) == "consultation");
  }
  SECTION("a start date inside the period is refused too") {
    e.act(0, ref, "record", {"consultation_start=2026-04-01", "consultation_end=2026-07-01"});
    CHECK_THAT(e.act(1, ref, "open").err, Contains("pre-election period"));
  }
  SECTION("before the period, with the rationale, it opens") {
    e.act(0, ref, "open");
    Json shown = e.show(ref);
    CHECK(shown["state"] == "consultation_open");
    CHECK(shown["data"]["consultation_opened_on"] == "2026-03-02");
  }
  SECTION("a planned start already past counts from the day it opens") {
    // Planned for 13 weeks from 5 January; opened on 2 March it would run 5 weeks.
    e.act(0, ref, "record",
          {"consultation_start=2026-01-05", "consultation_end=2026-04-06",
           "short_consultation_rationale="});
    CHECK_THAT(e.act(1, ref, "open").err,
               Contains("Length (5.0 weeks if it opens today; the norm is 12)") &&
                   Contains("rationale for a short consultation"));
    e.act(0, ref, "record", {"consultation_end=2026-02-23"});
    CHECK_THAT(e.act(1, ref, "open").err,
               Contains("its planned end, 23 February 2026, has passed: set new dates"));
    CHECK(e.state(ref) == "consultation");
  }
  SECTION("dates years away are refused, naming each") {
    RunResult r =
        e.act(2, ref, "record", {"consultation_start=2020-01-01", "consultation_end=2150-02-01"});
    CHECK_THAT(r.err, Contains("consultation_start: Wed 1 Jan 2020 is more than 730 days before "
                               "today (Mon 2 Mar 2026): check the year") &&
                          Contains("consultation_end: Sun 1 Feb 2150 is more than 730 days "
                                   "after today"));
    CHECK(e.show(ref)["data"]["consultation_start"] != "2020-01-01");
  }
  SECTION("12 weeks needs no rationale") {
    e.act(0, ref, "record", {"consultation_end=2026-06-01", "short_consultation_rationale="});
    e.act(0, ref, "open");
    CHECK(e.state(ref) == "consultation_open");
  }
}

TEST_CASE("Feedback belongs to a service change that is consulting", "[engagement][sqlite]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  Args base{"submit", "feedback",          "--as",  "eve",
            "--set",  "text=Keep it open", "--set", "channel=email"};

  Args without = base;
  CHECK_THAT(e.run(2, without).err, Contains("--parent"));
  Args unknown = base;
  unknown.insert(unknown.end(), {"--parent", "SC-2026-0042"});
  CHECK_THAT(e.run(2, unknown).err, Contains("no item SC-2026-0042"));
  Args early = base;
  early.insert(early.end(), {"--parent", ref});
  CHECK_THAT(e.run(1, early).err,
             Contains(ref + " is at \"Assessment\": consultation feedback items are added only at "
                            "\"Consultation: open\""));

  e.run(0, {"actor", "add", "eve", "--role", "requester"});
  Json website =
      e.json(0, {"submit", "website_update", "--as", "eve", "--set", "title=Clinic page"}, kMarch);
  Args wrong = base;
  wrong.insert(wrong.end(), {"--parent", website["ref"].get<std::string>()});
  CHECK_THAT(e.run(2, wrong).err,
             Contains("is a website update request, which takes no consultation feedback items"));
  CHECK(e.json(0, {"list", "--workflow", "feedback"}).empty());

  e.advance_to(ref, "consultation_open");
  std::string fb = e.feedback(ref, "Evening clinics please", "Publish evening clinic times");
  Json child = e.show(fb);
  CHECK(child["parent"] == ref);
  Json children = e.json(0, {"list", "--parent", ref});
  REQUIRE(children.size() == 1);
  CHECK(children[0]["ref"] == fb);
  CHECK_THAT(e.run(2, {"list", "--parent", "SC-2026-0042"}).err, Contains("no item SC-2026-0042"));
  CHECK(e.show(ref)["children"][0]["ref"] == fb);
  CHECK_THAT(e.run(0, {"show", ref}).out,
             Contains("Linked items (1):") &&
                 Contains(fb + "  Consultation feedback, Received: Evening clinics please"));

  Args no_text = base;
  no_text.insert(no_text.end(), {"--parent", ref, "--set", "has_suggestion=yes"});
  // Said as a missing answer, naming the field (bad input), with nothing stored.
  CHECK_THAT(e.run(2, no_text).err,
             Contains("suggestion: is required when Contains a specific suggestion is Yes"));
  CHECK(e.json(0, {"list", "--parent", ref}).size() == 1);
  // A suggestion given while the feedback is said to hold none would never be answered.
  Args unflagged = base;
  unflagged.insert(unflagged.end(), {"--parent", ref, "--set", "has_suggestion=no", "--set",
                                     "suggestion=Run a shuttle bus"});
  CHECK_THAT(e.run(1, unflagged).err, Contains("a suggestion is given, but"));
  CHECK(e.json(0, {"list", "--parent", ref}).size() == 1);

  // The parent link is part of the record: verify replays it.
  e.run(0, {"verify"});
  test::raw_sql(e.path("commsflow.db"), "UPDATE items SET parent = NULL WHERE ref = '" + fb + "'");
  CHECK_THAT(e.run(1, {"verify"}).err,
             Contains("stored parent is (none) but its events give " + ref));
}

TEST_CASE("The decision is refused while any suggestion is unanswered, naming them",
          "[engagement]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  e.advance_to(ref, "consultation_open");
  std::string a = e.feedback(ref, "Evening access", "Publish evening clinic times", "email");
  std::string b = e.feedback(ref, "Keep it", "Keep Northtown clinic open", "public_meeting");
  std::string c = e.feedback(ref, "Sounds sensible");

  CHECK_THAT(e.act(1, ref, "close").err,
             Contains("runs until 1 June 2026") && Contains("closing it early needs the reason"));
  // Spaces are no reason: refused the same, and the consultation stays open.
  CHECK_THAT(e.act(1, ref, "close", {"reason=   "}).err,
             Contains("closing it early needs the reason"));
  CHECK(e.show(ref)["state"] == "consultation_open");
  SECTION("closed early, saying why") {
    e.act(0, ref, "close", {"reason=The service moved sooner than planned"});
    CHECK(e.show(ref)["data"]["early_close_reason"] == "The service moved sooner than planned");
    // The public report says when it really closed, and why early.
    RunResult md = e.run(0, {"report", ref, "you_said_we_did"});
    CHECK_THAT(md.out, Contains("Ran from 2 March 2026 to 2 March 2026"));
    CHECK_THAT(md.out, Contains("Closed before its planned end (1 June 2026) because: The service "
                                "moved sooner than planned"));
    return;
  }
  e.act(0, ref, "close", {}, kAfter);
  e.act(0, ref, "record", {"feedback_summary=Broad support; travel worries"}, kAfter);
  RunResult refused = e.act(1, ref, "complete", {}, kAfter);
  CHECK_THAT(refused.err, Contains("2 unanswered") && Contains(a) && Contains(b) &&
                              Contains("Publish evening clinic times"));
  CHECK_THAT(refused.err, !Contains(c));

  SECTION("not taken forward needs a reason; every answer needs a response") {
    RunResult r = e.act(2, b, "answer", {"outcome=not_taken_forward"}, kAfter);
    CHECK_THAT(r.err, Contains("reason: is required when What we will do is Not taken forward") &&
                          Contains("response: is required"));
    CHECK_THAT(e.act(2, b, "answer", {}, kAfter).err, Contains("outcome: is required") &&
                                                          Contains("response: is required") &&
                                                          !Contains("reason"));
    // With the response given, the reason is still asked for, as a missing answer, blank or not.
    for (const char* reason : {"response=Thanks", "reason=   "}) {
      CHECK_THAT(
          e.act(2, b, "answer", {"outcome=not_taken_forward", "response=Thanks", reason}, kAfter)
              .err,
          Contains("reason: is required when What we will do is Not taken forward"));
    }
    CHECK(e.show(b)["state"] == "received");
    // The outcome may be typed as the app shows it.
    e.act(0, b, "answer",
          {"outcome=Not taken forward", "reason=Too costly", "response=Thanks for this"}, kAfter);
    CHECK(e.show(b)["data"]["outcome"] == "not_taken_forward");
    CHECK_THAT(e.act(1, c, "answer", {"outcome=will_now_do", "response=x"}, kAfter).err,
               Contains("no suggestion to answer"));
    CHECK_THAT(e.act(1, a, "note", {}, kAfter).err, Contains("answer it"));
    CHECK_THAT(e.act(2, a, "answer", {"outcome=maybe"}, kAfter).err, Contains("outcome"));
  }
  SECTION("one answer left: only that one is named") {
    e.act(0, a, "answer", {"outcome=will_now_do", "response=We will publish them in June"}, kAfter);
    refused = e.act(1, ref, "complete", {}, kAfter);
    CHECK_THAT(refused.err, Contains("1 unanswered") && Contains(b));
    CHECK_THAT(refused.err, !Contains(a + " "));
  }
}

TEST_CASE("A whole cycle from assessment to the published 'you said, we did' report",
          "[engagement]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  e.advance_to(ref, "consultation_open");
  std::string a =
      e.feedback(ref, "Evening access", "Publish evening clinic times on the website", "email");
  std::string b = e.feedback(ref, "Keep it", "Keep Northtown clinic open", "public_meeting");
  std::string c = e.feedback(ref, "Bus route", "Ask the council to extend the 42 bus");
  std::string d = e.feedback(ref, "Sounds sensible");

  e.act(0, ref, "close", {}, kAfter);
  e.act(0, ref, "record", {"feedback_summary=Broad support; travel worries"}, kAfter);
  e.act(0, a, "answer", {"outcome=will_now_do", "response=We will publish them from July"}, kAfter);
  e.act(0, b, "answer",
        {"outcome=not_taken_forward",
         "reason=There are not enough nurses for two sites\n- nor the money for them",
         "response=We understand; transport support is offered"},
        kAfter);
  e.act(0, c, "answer",
        {"outcome=already_done_or_planned",
         "response=Already agreed with the council <b>in writing</b> & *soon*"},
        kAfter);
  e.act(0, d, "note", {}, kAfter);
  e.act(0, ref, "complete", {}, kAfter);
  CHECK_THAT(e.act(1, ref, "decide", {}, kAfter).err, Contains("Decision recorded"));
  e.act(0, ref, "record",
        {"decision=Merge both clinics into the Southtown hub",
         "responses_changed_decision=Evening clinics and a transport offer were added"},
        kAfter);
  e.act(0, ref, "decide", {}, kAfter);

  RunResult md = e.run(0, {"report", ref, "you_said_we_did"}, kAfter);
  CHECK_THAT(md.out, Contains("# You said, we did: Community nursing locality restructure"));
  // As it happened: opened on 2 March, closed on 20 June (the plan was 9 March to 1 June).
  CHECK_THAT(md.out, Contains("Ran from 2 March 2026 to 20 June 2026 (15.7 weeks)"));
  CHECK_THAT(md.out, Contains("Decision made 20 June 2026."));
  CHECK_THAT(md.out,
             Contains("Responses received: 4 (email 1, online survey 2, public meeting 1)"));
  CHECK_THAT(md.out, Contains("Specific suggestions: 3"));
  CHECK_THAT(md.out, Contains("### Not planned, but we will now do it (1)") &&
                         Contains("### Already done or planned (1)") &&
                         Contains("### Not taken forward (1)"));
  CHECK_THAT(md.out, Contains("Publish evening clinic times on the website") &&
                         Contains("We will publish them from July"));
  CHECK_THAT(md.out, Contains("Keep Northtown clinic open") &&
                         Contains("**Why:** There are not enough nurses for two sites"));
  CHECK_THAT(md.out, Contains("Ask the council to extend the 42 bus") &&
                         Contains("Already agreed with the council"));
  CHECK_THAT(md.out, Contains("Evening clinics and a transport offer were added"));
  CHECK_THAT(md.out, !Contains("Still to be answered"));

  CHECK_THAT(e.act(1, ref, "publish", {}, kAfter).err,
             Contains("Where the report is published: no link yet"));
  e.act(0, ref, "record", {"outcome_report_url=https://example.nhs.uk/you-said-we-did"}, kAfter);
  e.act(0, ref, "publish", {}, kAfter);
  CHECK(e.show(ref)["data"]["published_on"] == "2026-06-20");
  e.act(0, ref, "record", {"monitoring_notes=Travel complaints down at 3 months"}, kAfter);
  e.act(0, ref, "complete", {}, kAfter);
  CHECK(e.state(ref) == "closed");

  RunResult html = e.run(
      0, {"report", ref, "you_said_we_did", "--format", "html", "--out", "ysdw.html"}, kAfter);
  std::string page = test::read_bytes(e.path("ysdw.html"));
  CHECK_THAT(page,
             Contains("<!DOCTYPE html>") && Contains("@media print") &&
                 Contains("<h1>You said, we did: Community nursing locality restructure</h1>") &&
                 Contains("<strong>Why:</strong> There are not enough nurses"));
  CHECK_THAT(page, !Contains("<script") && !Contains("<link") && !Contains("src=\"http"));
  // People's words read as they wrote them: no tag taken out, no emphasis made, and a line
  // starting "- " in a reason is a line of it, not a new list.
  CHECK_THAT(page, Contains("Already agreed with the council &lt;b&gt;in writing&lt;/b&gt; &amp; "
                            "*soon*") &&
                       !Contains("raw HTML omitted") && !Contains("<em>soon</em>"));
  CHECK_THAT(page, Contains("There are not enough nurses for two sites<br />\n- nor the money"));

  RunResult timeline = e.run(0, {"report", ref, "timeline"}, kAfter);
  CHECK_THAT(timeline.out,
             Contains("- **Assessment**: opened Mon 2 Mar 2026, 09:00 by eve; closed "
                      "Mon 2 Mar 2026, 09:00 by eve") &&
                 Contains("- **Consultation: open**: opened Mon 2 Mar 2026, 09:00 by eve; closed "
                          "Sat 20 Jun 2026, 10:00 by eve") &&
                 Contains("- **Closed**: opened Sat 20 Jun 2026, 10:00 by eve (final)"));
  e.run(0, {"verify"});
}

TEST_CASE("Reports name unknown reports and items, and keep raw HTML out of the page",
          "[engagement]") {
  Engagement e;
  std::string ref = e.submit_change(true);
  CHECK_THAT(e.run(2, {"report", ref, "nope"}).err,
             Contains("no report 'nope'") && Contains("timeline, you_said_we_did"));
  CHECK_THAT(e.run(2, {"report", "SC-2026-0099", "timeline"}).err, Contains("SC-2026-0099"));
  CHECK_THAT(e.run(2, {"report", ref, "timeline", "--format", "pdf"}).err, Contains("pdf"));
  e.run(0, {"submit", "service_change", "--as", "eve", "--set",
            "title=<script>alert(1)</script> clinic"});
  RunResult html = e.run(0, {"report", "SC-2026-0002", "timeline", "--format", "html"});
  CHECK_THAT(html.out, !Contains("<script>alert"));
  CHECK_THAT(html.out, Contains("<title>Timeline of SC-2026-0002</title>"));
  // An image in text someone typed is shown as its words and address: the page fetches nothing.
  e.run(0, {"submit", "service_change", "--as", "eve", "--set",
            "title=Buses ![the map](https://tracker.example/s.gif) clinic"});
  RunResult imaged = e.run(0, {"report", "SC-2026-0003", "timeline", "--format", "html"});
  CHECK_THAT(imaged.out, !Contains("<img") && !Contains("src="));
  CHECK_THAT(imaged.out, Contains("Buses the map (image: https://tracker.example/s.gif) clinic"));
  e.run(0, {"submit", "service_change", "--as", "eve", "--set",
            "title=Trains ![](https://tracker.example/t.gif) clinic"});
  CHECK_THAT(e.run(0, {"report", "SC-2026-0004", "timeline", "--format", "html"}).out,
             Contains("Trains (image: https://tracker.example/t.gif) clinic"));
}

TEST_CASE("check names a gate without a checklist and a report called timeline", "[engagement]") {
  test::TempDir dir;
  dir.write("workflows/bad.lua", R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "bad", prefix = "BAD",
  submit = { roles = { "engagement_lead" } },
  initial = "one",
  states = {
    one = { actions = { go = { to = "two", roles = { "engagement_lead" }, gate = true } } },
    two = { final = true },
  },
}
)lua");
  dir.write("workflows/bad_report.lua", R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "bad_report", prefix = "BADR",
  submit = { roles = { "engagement_lead" } },
  initial = "one",
  states = { one = { final = true } },
  reports = { timeline = function() return "" end },
}
)lua");
  RunResult r = test::run_cli(dir.path(), {"check"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err + r.out, Contains("bad.lua:7:") && Contains("is a gate") &&
                                Contains("checklist = function(item, ctx)"));
  CHECK_THAT(r.err + r.out, Contains("bad_report.lua:7:") && Contains("not 'timeline'"));
}

TEST_CASE("A checklist that returns something other than check lines is a script failure",
          "[engagement]") {
  test::TempDir dir;
  dir.write("workflows/odd.lua", R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "odd", prefix = "ODD",
  submit = { roles = { "engagement_lead" } },
  initial = "one",
  states = {
    one = {
      checklist = function(item) return { "EIA complete" } end,
      actions = { go = { to = "two", roles = { "engagement_lead" }, gate = true } },
    },
    two = { final = true },
  },
}
)lua");
  auto run = [&](int expected, const Args& args) {
    RunResult r = test::run_cli(dir.path(), args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == expected);
    return r;
  };
  run(0, {"init"});
  run(0, {"actor", "add", "eve", "--role", "engagement_lead"});
  run(0, {"submit", "odd", "--as", "eve"});
  RunResult r = run(3, {"act", "ODD-2026-0001", "go", "--as", "eve"});
  CHECK_THAT(r.err, Contains("workflows/odd.lua") && Contains("checklist of state 'one'") &&
                        Contains("commsflow.check(label, ok, why)"));
  Json items = Json::parse(run(0, {"--json", "list"}).out);
  REQUIRE(items.size() == 1);
  CHECK(items[0]["state"] == "one");
  CHECK(items[0]["revision"] == 1);
}
