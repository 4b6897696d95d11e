// Demo actors and items for `commsflow init --demo`, using the shipped example workflow.
#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <commsflow/incidents.h>
#include <commsflow/people.h>
#include <commsflow/signoff.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <tuple>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

void must(const Outcome<Item>& outcome, const char* what) {
  if (!outcome) {
    fail(ErrorKind::Script, "demo data: {} was refused: {}", what,
         fmt::join(outcome.refusal().reasons, "; "));
  }
}

// A media statement by `author` with its first version of `text`, sent for review.
std::string statement_in_review(Engine& engine, const char* author, const Json& fields,
                                const char* text) {
  auto statement = engine.submit("media_signoff", author, fields);
  must(statement, "a demo statement");
  const std::string ref = statement.value().ref;
  must(Signoff(engine).put_document(PutDocumentRequest{ref, author, text, {}, "", std::nullopt}),
       "a demo statement's text");
  must(engine.act(ActRequest{ref, "send_for_review", author, Json::object(), "", std::nullopt}),
       "sending a demo statement for review");
  return ref;
}

// A statement by sam.officer taken through its whole chain by whoever each step waits for.
std::string approved_statement(Engine& engine, const std::vector<std::string>& people,
                               const char* headline, const char* text) {
  const std::string ref = statement_in_review(
      engine, "sam.officer",
      Json{{"headline", headline}, {"kind", "press_release"}, {"clinical_content", false}}, text);
  // Each round, everyone the current step waits for approves; a chain has a handful of steps.
  for (int round = 0; round < 10 && engine.item(ref).state != "approved"; ++round) {
    for (const auto& name : people) {
      for (const auto& pending : Signoff(engine).inbox(name)) {
        if (pending.item.ref != ref) continue;
        must(Signoff(engine).decide(DecideRequest{ref, "approved", name, "", "", std::nullopt, {}}),
             "a demo approval");
      }
    }
  }
  return ref;
}

// Two approved statements: one issued, one waiting to be issued.
void add_approved_statements(Engine& engine, const std::vector<std::string>& people) {
  const std::string issued = approved_statement(
      engine, people, "Winter vaccination clinics open at the General",
      "Flu and COVID-19 vaccination clinics open at the General Hospital from Monday.\n"
      "Book online or call the booking line; walk-ins are welcome on Saturdays.\n");
  must(engine.act(ActRequest{issued, "issue", "sam.officer",
                             Json{{"channel", "press_release_list"}}, "", std::nullopt}),
       "issuing the demo statement");
  approved_statement(engine, people, "New car park opens at Oakwood",
                     "The new car park at Oakwood community hospital opens next month, with "
                     "40 spaces and free parking for blue badge holders.\n");
}

// A service change taken through its stage gates to an open consultation, with feedback; the
// dates are around today.
void add_consultation(Engine& engine) {
  const TimePoint now = engine.clock().now();
  auto day = [&](int offset) { return format_date(now + std::chrono::days(offset)); };
  auto change = engine.submit("service_change", "eve.engagement",
                              Json{{"title", "Oakwood community hospital: future of the beds"}});
  must(change, "the demo service change");
  const std::string ref = change.value().ref;
  auto stage = [&](const char* action, Json inputs) {
    must(engine.act(ActRequest{ref, action, "eve.engagement", std::move(inputs), "", std::nullopt}),
         action);
  };
  stage("record", Json{{"affects_services", "yes"},
                       {"substantial", "yes"},
                       {"assessment_rationale", "Moves 16 community beds to the General"}});
  stage("complete", Json::object());
  stage("record", Json{{"stakeholders",
                        {{{"group", "Oakwood patients and carers"},
                          {"interest", "high"},
                          {"influence", "medium"}},
                         {{"group", "Gypsy and Traveller community"},
                          {"interest", "high"},
                          {"influence", "low"},
                          {"seldom_heard", true}}}},
                       {"seldom_heard_considered", "Outreach through the liaison nurse"}});
  stage("complete", Json::object());
  stage("record", Json{{"insight", "People value care close to home and evening visiting"},
                       {"insight_sources", {"Patient survey 2025", "PALS contacts"}}});
  stage("complete", Json::object());
  stage("record", Json{{"engagement_plan", "Drop-in sessions, an online survey and outreach"},
                       {"accessible_formats", {"Easy Read", "Large print", "BSL video"}}});
  stage("complete", Json::object());
  stage("record", Json{{"case_for_change", "Two small wards cannot be staffed safely"}});
  stage("complete", Json::object());
  Json eia = Json::array();
  for (const char* group :
       {"age", "disability", "gender_reassignment", "marriage_and_civil_partnership",
        "pregnancy_and_maternity", "race", "religion_or_belief", "sex", "sexual_orientation",
        "homelessness", "geographical_isolation", "communication_impairments", "carers",
        "deprivation"}) {
    eia.push_back(
        Json{{"group", group}, {"impact", false}, {"description", "No different impact"}});
  }
  eia[1] = Json{{"group", "disability"},
                {"impact", true},
                {"description", "Longer journeys"},
                {"action", "Patient transport offer"},
                {"owner", "Transport lead"},
                {"due", day(60)}};
  stage("record", Json{{"eia", eia}});
  stage("complete", Json::object());
  stage("record", Json{{"scrutiny_committee", "Northshire health scrutiny committee"},
                       {"scrutiny_consulted_on", day(-21)},
                       {"scrutiny_response", "Supportive, asks for transport support"},
                       {"secretary_of_state_notified_on", day(-14)}});
  stage("complete", Json::object());
  stage("record", Json{{"consultation_start", day(0)},
                       {"consultation_end", day(84)},
                       {"gunning_formative", "yes"},
                       {"gunning_information", "yes"},
                       {"gunning_time", "yes"},
                       {"gunning_consideration", "yes"}});
  // No consultation opens in a pre-election period: on such a day the demo leaves it planned,
  // its checklist saying why, rather than failing.
  auto opened =
      engine.act(ActRequest{ref, "open", "eve.engagement", Json::object(), "", std::nullopt});
  if (!opened) return;
  for (auto [text, channel, suggestion] :
       {std::tuple{"Please keep evening visiting", "public_meeting", "Keep visiting until 8pm"},
        {"The bus to the General takes an hour", "online_survey", "Run a shuttle from Oakwood"},
        {"Staff were helpful at the drop-in", "email", ""}}) {
    Json fields{{"text", text}, {"channel", channel}};
    if (*suggestion) {
      fields["has_suggestion"] = "yes";
      fields["suggestion"] = suggestion;
    }
    must(engine.submit("feedback", "eve.engagement", fields, ref), "demo feedback");
  }
}

// The workflows the demo's items are made in.
constexpr const char* kDemoWorkflows[] = {"website_update", "media_signoff", "service_change",
                                          "feedback",       "comms_request", "incident"};

void write_demo_data(Engine& engine) {
  struct Person {
    const char* name;
    const char* display_name;
    std::vector<std::string> roles;
  };
  const std::vector<Person> people = {
      {"asha.requester", "Asha Requester", {"requester"}},
      {"tom.triage", "Tom Triage", {"triager"}},
      {"olivia.officer", "Olivia Officer", {"comms_officer"}},
      {"hannah.head", "Hannah Head", {"head_of_comms"}},
      {"dev.director", "Dev Director", {"director"}},
      {"grace.governance", "Grace Governance", {"governance"}},
      {"sam.officer", "Sam Officer", {"comms_officer"}},
      {"cara.clinical", "Cara Clinical", {"clinical_lead"}},
      {"eddie.exec", "Eddie Exec", {"executive"}},
      {"pat.partner", "Pat Partner", {"partner_comms"}},
      {"rhea.regional", "Rhea Regional", {"regional_comms_lead"}},
      {"eve.engagement", "Eve Engagement", {"engagement_lead"}},
      {"lee.legal", "Lee Legal", {"legal"}},
      {"admin", "Administrator", {"admin"}},
  };
  // The demo's people sign in with a published password, so demo data goes only into a new
  // database (no people, no items). One that has it already is left as it is.
  const std::vector<Actor> existing = engine.store().actors();
  const bool has_demo = std::all_of(people.begin(), people.end(), [&](const Person& p) {
    return std::any_of(existing.begin(), existing.end(),
                       [&](const Actor& a) { return a.name == p.name; });
  });
  if (has_demo) return;
  if (!existing.empty() || !engine.items(ItemFilter{"", "", 1}).empty()) {
    fail(ErrorKind::BadInput,
         "demo data goes only into a new database: this one already has people or items, and "
         "the demo's people sign in with a published password (give a new file with --db)");
  }
  for (const char* name : kDemoWorkflows) {
    if (!engine.store().current_version(name)) {
      fail(ErrorKind::Script,
           "it needs the shipped workflow '{}', which is not loaded (see the warnings above; "
           "`commsflow check` names the problem)",
           name);
    }
  }
  // Addresses at example.org (reserved for examples): a demo never emails a real person.
  for (const auto& p : people) {
    engine.add_actor(p.name, p.roles, "operator", p.display_name,
                     fmt::format("{}@example.org", p.name));
  }
  // Demo actors sign in to `commsflow serve` with kDemoPassword (demo only). The password is the
  // same and published, so one hash serves them all: each costs 64 MB and a tenth of a second.
  const std::string demo_hash = hash_password(kDemoPassword);
  People people_store(engine.store(), engine.registry(), engine.clock());
  for (const auto& p : people) people_store.set_password_hash(p.name, demo_hash, kOperator);
  auto submit = [&](const char* title, const char* url, const char* urgency) {
    auto outcome = engine.submit("website_update", "asha.requester",
                                 Json{{"title", title}, {"page_url", url}, {"urgency", urgency}});
    must(outcome, "a demo request");
    return outcome.value().ref;
  };
  auto act = [&](const std::string& ref, const char* action, const char* actor,
                 Json inputs = Json::object()) {
    must(engine.act(ActRequest{ref, action, actor, std::move(inputs), "", std::nullopt}), action);
  };

  submit("Update flu vaccination clinic times", "https://example.nhs.uk/flu", "this_week");
  std::string accepted = submit("Add Easy Read version of the consultation summary",
                                "https://example.nhs.uk/consult", "routine");
  act(accepted, "accept", "olivia.officer");
  std::string reviewed = submit("Correct the minor injuries unit opening hours",
                                "https://example.nhs.uk/miu", "today");
  act(reviewed, "accept", "olivia.officer");
  act(reviewed, "send_for_review", "olivia.officer");
  std::string published =
      submit("Publish winter campaign landing page", "https://example.nhs.uk/winter", "routine");
  act(published, "accept", "olivia.officer");
  act(published, "send_for_review", "olivia.officer");
  act(published, "approve", "hannah.head");
  act(published, "publish", "olivia.officer");

  // A reactive statement waiting for the head of comms.
  statement_in_review(
      engine, "olivia.officer",
      Json{{"headline", "Statement on the Oakwood community hospital consultation"},
           {"kind", "reactive_statement"},
           {"journalist", "Jo Reporter"},
           {"outlet", "Valley Gazette"},
           {"clinical_content", true}},
      "We are asking local people for their views on the future of Oakwood community "
      "hospital.\nNo decision has been made, and services continue as normal.\n");
  {
    std::vector<std::string> names;
    for (const auto& p : people) names.push_back(p.name);
    add_approved_statements(engine, names);
  }
  add_consultation(engine);

  // Comms requests rated by the shipped triage rules, one accepted for Olivia; then a major
  // incident pauses the green ones, so the queue shows its banner and paused work.
  auto request = [&](const char* title, const char* kind, const Json& answers) {
    Json fields{{"title", title},
                {"kind", kind},
                {"requester_team", "Estates"},
                {"strategic_priority", "none"},
                {"incident", "none"},
                {"statutory", "no"},
                {"reputational_risk", "low"},
                {"impact", "low"},
                {"resource", "low"},
                {"time_sensitive", "no"},
                {"responsibility", "own"}};
    for (const auto& [key, value] : answers.items()) fields[key] = value;
    auto outcome = engine.submit("comms_request", "asha.requester", fields);
    must(outcome, "a demo comms request");
    return outcome.value().ref;
  };
  request("Car park closure at the General during resurfacing", "internal",
          Json{{"impact", "high"}});
  const std::string amber =
      request("New phlebotomy booking line", "website", Json{{"time_sensitive", "yes"}});
  act(amber, "accept", "tom.triage", Json{{"assignee", "olivia.officer"}});
  request("Staff newsletter: long service awards", "internal", Json::object());
  request("Summer fete stall for the hospital charity", "event", Json::object());
  auto incident = declare_incident(engine, "Storm Darragh", "major", "tom.triage");
  if (!incident) {
    fail(ErrorKind::Script, "demo data: the incident was refused: {}",
         fmt::join(incident.refusal().reasons, "; "));
  }
}

}  // namespace

void add_demo_data(Engine& engine) {
  // All of it or none: a demo that stopped half way could not be added again.
  auto tx = engine.store().begin_write();
  try {
    write_demo_data(engine);
  } catch (const Error& e) {
    fail(e.kind(), "demo data was not added (none of it was kept): {}", e.what());
  }
  tx->commit();
}

}  // namespace commsflow::cli
