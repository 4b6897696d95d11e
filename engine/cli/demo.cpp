// Demo actors and items for `commsflow init --demo`, using the shipped example workflow.
#include <commsflow/accounts.h>
#include <fmt/format.h>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

void must(const Outcome<Item>& outcome, const char* what) {
  if (!outcome) {
    fail(ErrorKind::Script, "demo data: {} was refused: {}", what,
         fmt::join(outcome.refusal().reasons, "; "));
  }
}

}  // namespace

void add_demo_data(Engine& engine) {
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
  // Addresses at example.org (reserved for examples): a demo never emails a real person.
  for (const auto& p : people) {
    engine.add_actor(p.name, p.roles, "operator", p.display_name,
                     fmt::format("{}@example.org", p.name));
  }
  // Demo actors sign in to `commsflow serve` with kDemoPassword (demo only).
  for (const auto& p : people) {
    if (!Accounts(engine.store()).password_hash(p.name))
      set_password(engine, p.name, kDemoPassword);
  }
  if (!engine.items(ItemFilter{"", "", 1}).empty()) return;
  if (!engine.store().current_version("website_update")) return;

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

  if (!engine.store().current_version("media_signoff")) return;
  // A reactive statement waiting for the head of comms.
  auto statement =
      engine.submit("media_signoff", "olivia.officer",
                    Json{{"headline", "Statement on the Oakwood community hospital consultation"},
                         {"kind", "reactive_statement"},
                         {"journalist", "Jo Reporter"},
                         {"outlet", "Valley Gazette"},
                         {"clinical_content", true}});
  must(statement, "a demo statement");
  const std::string ref = statement.value().ref;
  must(engine.put_document(PutDocumentRequest{
           ref,
           "olivia.officer",
           "We are asking local people for their views on the future of Oakwood community "
           "hospital.\nNo decision has been made, and services continue as normal.\n",
           {},
           "",
           std::nullopt}),
       "the demo statement's text");
  act(ref, "send_for_review", "olivia.officer");

  if (!engine.store().current_version("comms_request") ||
      !engine.store().current_version("incident")) {
    return;
  }
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
  auto incident = engine.declare_incident("Storm Darragh", "major", "tom.triage");
  if (!incident) {
    fail(ErrorKind::Script, "demo data: the incident was refused: {}",
         fmt::join(incident.refusal().reasons, "; "));
  }
}

}  // namespace commsflow::cli
