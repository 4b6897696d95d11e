// The shipped comms_request workflow: RAG rating, late flags, due times, override, incidents,
// queue and import.
#include <commsflow/delivery.h>
#include <commsflow/import.h>
#include <commsflow/import_rows.h>
#include <commsflow/incidents.h>
#include <commsflow/people.h>
#include <commsflow/queue.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "base/csv.h"
#include "support.h"
#include "workflow/import_duplicates.h"

using namespace commsflow;
using commsflow::test::TempDir;

namespace {

struct Triage {
  TempDir dir;
  test::TestDatabase database{dir / "t.db"};
  FixedClock clock{*parse_datetime("2026-11-23T09:00:00Z")};  // a Monday
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;

  Triage() {
    std::filesystem::copy(test::shipped_workflows(), dir / "workflows",
                          std::filesystem::copy_options::recursive);
    store = Store::open(database.location(), Store::Options{true});
    registry = std::make_unique<WorkflowRegistry>(*store, clock, dir / "workflows");
    REQUIRE(registry->sync().empty());
    engine = std::make_unique<Engine>(*store, *registry, clock);
    engine->add_actor("rita", {"requester"});
    engine->add_actor("tom", {"triager"});
    engine->add_actor("olivia", {"comms_officer"});
  }

  static Json all_low() {
    return Json{{"title", "Staff newsletter item"},
                {"kind", "internal"},
                {"requester_team", "Workforce"},
                {"strategic_priority", "none"},
                {"incident", "none"},
                {"statutory", "no"},
                {"reputational_risk", "low"},
                {"impact", "low"},
                {"resource", "low"},
                {"time_sensitive", "no"},
                {"responsibility", "own"}};
  }

  Item submit(Json changes = Json::object()) {
    Json fields = all_low();
    for (auto& [k, v] : changes.items()) fields[k] = v;
    auto outcome = engine->submit("comms_request", "rita", fields);
    REQUIRE(outcome.ok());
    return outcome.value();
  }

  Item act(const std::string& ref, const std::string& action, Json inputs = Json::object()) {
    auto outcome = engine->act(ActRequest{ref, action, "tom", inputs, "", std::nullopt});
    if (!outcome) INFO(outcome.refusal().reasons.front());
    REQUIRE(outcome.ok());
    return outcome.value();
  }
};

}  // namespace

TEST_CASE("ratings: highest tier wins, time-sensitive alone is amber, all low is green") {
  Triage t;
  Item green = t.submit();
  CHECK(green.data["rating"] == "green");
  CHECK(green.state == "triaged");

  Item amber = t.submit(Json{{"time_sensitive", "yes"}});
  CHECK(amber.data["rating"] == "amber");
  CHECK(amber.data["rating_reasons"] == Json::array({"amber: time-sensitive"}));

  Item red =
      t.submit(Json{{"statutory", "yes"}, {"reputational_risk", "high"}, {"impact", "medium"}});
  CHECK(red.data["rating"] == "red");
  CHECK(red.data["rating_reasons"] ==
        Json::array({"red: statutory obligation", "red: high reputational risk"}));
}

TEST_CASE("a submission missing criteria or with bad values is refused naming every field") {
  Triage t;
  Json fields = Triage::all_low();
  fields.erase("impact");
  fields.erase("statutory");
  fields["resource"] = "huge";
  try {
    t.engine->submit("comms_request", "rita", fields);
    FAIL("expected bad input");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("impact: is required"));
    CHECK_THAT(e.what(), Catch::Contains("statutory: is required"));
    CHECK_THAT(e.what(), Catch::Contains("resource: 'huge' is not one of"));
  }
  CHECK(t.engine->items({}).empty());
}

TEST_CASE("a requester cannot give the fields the rules and triagers set") {
  Triage t;
  Json fields = Triage::all_low();
  fields["rating_override"] = "red";
  fields["overridden_by"] = "tom";
  fields["paused_seconds"] = 999999;
  try {
    t.engine->submit("comms_request", "rita", fields);
    FAIL("expected bad input");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("rating_override: is set by the workflow, not when an "
                                         "item is created (submit takes: title, description,"));
    CHECK_THAT(e.what(), Catch::Contains("overridden_by: is set by the workflow"));
    CHECK_THAT(e.what(), Catch::Contains("paused_seconds: is set by the workflow"));
  }
  // Nor through an import, which submits each row the same way.
  std::vector<ImportRow> rows = {{2, Triage::all_low()}, {3, fields}};
  try {
    import_items(*t.engine, "comms_request", "rita", rows);
    FAIL("expected the import to be refused");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("line 3: rating_override: is set by the workflow"));
  }
  CHECK(t.engine->items({}).empty());
  // The override is a triager's action, and says who took it.
  Item item = t.submit();
  CHECK(item.data["rating"] == "green");
}

TEST_CASE("work goes only to people who are here, and a leaver's work can still be finished") {
  Triage t;
  t.engine->add_actor("sam", {"comms_officer"});
  People people(*t.store, *t.registry, t.clock);
  Item first = t.submit();
  Item second = t.submit();
  t.act(first.ref, "accept", Json{{"assignee", "sam"}});
  people.disable("sam", kOperator);
  try {
    t.engine->act(ActRequest{second.ref, "accept", "tom", Json{{"assignee", "sam"}}, "", {}});
    FAIL("expected bad input");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("assignee: sam is disabled and cannot be given work"));
  }
  CHECK(t.engine->item(second.ref).state == "triaged");
  // The request sam was given moves on without him.
  CHECK(t.act(first.ref, "start").state == "in_progress");
  CHECK(t.act(first.ref, "complete").state == "done");
}

TEST_CASE("work is assigned and accepted only with someone to do it") {
  Triage t;
  Item item = t.submit();
  for (const char* action : {"assign", "accept"}) {
    for (const Json& inputs : {Json::object(), Json{{"assignee", nullptr}}}) {
      INFO(action << " " << inputs.dump());
      try {
        t.engine->act(ActRequest{item.ref, action, "tom", inputs, "", {}});
        FAIL("expected bad input");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK_THAT(e.what(), Catch::Contains("assignee: is required"));
      }
    }
  }
  CHECK(t.engine->item(item.ref).revision == 1);
  CHECK(t.act(item.ref, "assign", Json{{"assignee", "olivia"}}).data["assignee"] == "olivia");
  // Once someone is assigned, accepting keeps them.
  Item accepted = t.act(item.ref, "accept");
  CHECK(accepted.state == "accepted");
  CHECK(accepted.data["assignee"] == "olivia");
}

TEST_CASE("influence requests are redirected to the owner and not queued") {
  Triage t;
  CHECK_THROWS_WITH(t.engine->submit("comms_request", "rita",
                                     [] {
                                       Json f = Triage::all_low();
                                       f["responsibility"] = "influence";
                                       return f;
                                     }()),
                    Catch::Contains("owner_org: is required when Our responsibility is Influence"));
  Item item =
      t.submit(Json{{"responsibility", "influence"}, {"owner_org", "Acute trust press office"}});
  CHECK(item.state == "redirected");
  CHECK(item.data["redirected_to"] == "Acute trust press office");
  CHECK(queue_page(*t.engine, QueueQuery("comms_request")).total == 0);
}

TEST_CASE("a request needed tomorrow for work with a 10-day lead time is late") {
  Triage t;
  // A red campaign needs 10 working days' notice.
  Item item = t.submit(
      Json{{"kind", "campaign"}, {"strategic_priority", "primary"}, {"needed_by", "2026-11-24"}});
  CHECK(item.data["late"] == true);
  CHECK_THAT(item.data["late_reason"].get<std::string>(),
             Catch::Contains("leaves 1 working day(s); campaign requests rated red need 10"));
  // Kinds are said as people say them.
  Item change = t.submit(Json{
      {"kind", "service_change"}, {"strategic_priority", "primary"}, {"needed_by", "2026-11-24"}});
  CHECK_THAT(change.data["late_reason"].get<std::string>(),
             Catch::Contains("; service change requests rated red need"));
  Item early = t.submit(
      Json{{"kind", "campaign"}, {"strategic_priority", "primary"}, {"needed_by", "2027-01-29"}});
  CHECK(early.data["late"] == false);
  // A date already past says so, not "0 working days".
  Item past = t.submit(Json{{"needed_by", "2026-11-02"}});
  CHECK(past.data["late_reason"] ==
        "needed by 2 November 2026, which had passed when it was asked for");
  // A year mistyped is refused, naming the field, before the working-day calendar is asked.
  Json far = Triage::all_low();
  far["needed_by"] = "2101-01-01";
  CHECK_THROWS_WITH(t.engine->submit("comms_request", "rita", far),
                    Catch::Contains("needed_by: Sat 1 Jan 2101 is more than 730 days after today "
                                    "(Mon 23 Nov 2026): check the year"));
  CHECK(t.engine->items(ItemFilter{"comms_request", "", -1}).size() == 4);
}

TEST_CASE("due times count working days and skip bank holidays") {
  Triage t;
  CHECK(t.submit().data["due_at"] == "2026-12-07T09:00:00Z");  // green: 10 working days
  t.clock.set(*parse_datetime("2026-12-24T10:00:00Z"));        // Thursday before Christmas
  Item red = t.submit(Json{{"impact", "high"}});
  CHECK(red.data["due_at"] == "2026-12-29T10:00:00Z");  // skips 25th, weekend, 28th
}

TEST_CASE("an override needs a reason and survives re-triage") {
  Triage t;
  Item item = t.submit();
  CHECK_THROWS_WITH(t.engine->act(ActRequest{item.ref, "override", "tom",
                                             Json{{"new_rating", "red"}}, "", std::nullopt}),
                    Catch::Contains("reason: is required"));
  auto by_requester =
      t.engine->act(ActRequest{item.ref, "override", "rita",
                               Json{{"new_rating", "red"}, {"reason", "x"}}, "", std::nullopt});
  CHECK_FALSE(by_requester.ok());

  item = t.act(item.ref, "override", Json{{"new_rating", "red"}, {"reason", "Minister visiting"}});
  CHECK(item.data["rating"] == "red");
  CHECK(item.data["computed_rating"] == "green");
  CHECK(item.data["overridden_by"] == "tom");
  CHECK(item.data["override_reason"] == "Minister visiting");

  item = t.act(item.ref, "retriage", Json{{"impact", "medium"}});
  CHECK(item.data["computed_rating"] == "amber");
  CHECK(item.data["rating"] == "red");
  CHECK(item.state == "triaged");
}

TEST_CASE("a major incident pauses less critical work and closing it resumes exactly that") {
  Triage t;
  Item red = t.submit(Json{{"impact", "high"}});
  Item amber_soon = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(amber_soon.ref, "override", Json{{"new_rating", "amber"}, {"reason", "due soon"}});
  Item green = t.submit();
  Item manual = t.submit(Json{{"title", "Paused by hand"}});
  t.act(manual.ref, "pause", Json{{"reason", "waiting for the requester"}});

  auto declared = declare_incident(*t.engine, "Storm Bert", "major", "tom");
  REQUIRE(declared.ok());
  // Amber work is due in 5 working days, more than 2, so it pauses too; red never pauses.
  CHECK(declared.value().affected == std::vector<std::string>{amber_soon.ref, green.ref});
  CHECK(t.engine->item(red.ref).state == "triaged");
  CHECK(t.engine->item(green.ref).state == "paused");
  CHECK(t.engine->item(green.ref).data["paused_by_incident"] == "Storm Bert");
  CHECK(t.engine->history(green.ref).back().payload["incident_name"] == "Storm Bert");
  // A second declaration of an active incident is refused (a rule), and changes nothing.
  const auto refusal = [&](const char* name) {
    auto again = declare_incident(*t.engine, name, "major", "tom");
    REQUIRE_FALSE(again.ok());
    return again.refusal().reasons.front();
  };
  CHECK_THAT(refusal("Storm Bert"), Catch::Contains("already active"));
  // A name in another case is the same incident, not a second one beside it.
  CHECK_THAT(refusal("STORM bert"), Catch::Contains("incident 'Storm Bert' is already active"));
  CHECK_THAT(refusal(" Storm Bert "), Catch::Contains("incident 'Storm Bert' is already active"));
  REQUIRE(declare_incident(*t.engine, "Storm Éowyn", "minor", "tom").ok());
  CHECK_THAT(refusal("STORM éOWYN"), Catch::Contains("incident 'Storm Éowyn' is already active"));
  REQUIRE(close_incident(*t.engine, "storm ÉOWYN", "tom").ok());

  t.clock.advance(std::chrono::hours(48));
  auto closed = close_incident(*t.engine, "storm bert", "tom");
  REQUIRE(closed.ok());
  CHECK(closed.value().affected == std::vector<std::string>{amber_soon.ref, green.ref});
  Item resumed = t.engine->item(green.ref);
  CHECK(resumed.state == "triaged");
  CHECK(resumed.data["due_at"] == "2026-12-09T09:00:00Z");  // two days later than 12-07
  CHECK(t.engine->item(manual.ref).state == "paused");      // paused for another reason
  CHECK_THROWS_WITH(close_incident(*t.engine, "Storm Bert", "tom"), Catch::Contains("no active"));
  CHECK(verify(*t.store).ok());
}

TEST_CASE("a pause by hand may name only an incident that is open") {
  Triage t;
  Item request = t.submit();
  auto refused = [&](const std::string& name) {
    try {
      t.engine->act(ActRequest{request.ref, "pause", "tom",
                               Json{{"reason", "waiting"}, {"incident_name", name}}, "",
                               std::nullopt});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("taken");
  };
  CHECK_THAT(refused("Storm Bret"),
             Catch::Contains("incident_name: no incident named 'Storm Bret' is open (none is)"));
  CHECK(t.engine->item(request.ref).state == "triaged");
  REQUIRE(declare_incident(*t.engine, "Outage", "minor", "tom").ok());  // pauses green work
  CHECK(t.engine->item(request.ref).state == "paused");
  REQUIRE(close_incident(*t.engine, "Outage", "tom").ok());
  CHECK_THAT(refused("Outage"), Catch::Contains("no incident named 'Outage' is open"));
  // A pause for a reason of the triager's own names no incident (or leaves the name empty).
  Item red = t.submit(Json{{"impact", "high"}});  // red work carries on through the outage
  REQUIRE(declare_incident(*t.engine, "Outage 2", "minor", "tom").ok());
  request = red;
  CHECK_THAT(refused("Outage"), Catch::Contains("(open now: Outage 2)"));
  // Named in another case, the pause is recorded under the incident's own name, which closing
  // it resumes.
  Item other = t.submit(Json{{"impact", "high"}, {"title", "Paused for the outage"}});
  CHECK(t.act(other.ref, "pause", Json{{"reason", "outage"}, {"incident_name", "outage 2"}})
            .data["paused_by_incident"] == "Outage 2");
  REQUIRE(close_incident(*t.engine, "Outage 2", "tom").ok());
  CHECK(t.engine->item(other.ref).state == "triaged");
  REQUIRE(declare_incident(*t.engine, "Outage 2", "minor", "tom").ok());
  Item paused = t.act(red.ref, "pause", Json{{"reason", "waiting"}, {"incident_name", "  "}});
  CHECK(paused.state == "paused");
  CHECK_FALSE(paused.data.contains("paused_by_incident"));
  CHECK(paused.data["pause_reason"] == "waiting");
  // With neither a reason nor an incident, no reason is recorded (not "incident nil").
  Item unexplained = t.submit(Json{{"impact", "high"}, {"title", "No reason given"}});
  Item quiet = t.act(unexplained.ref, "pause", Json::object());
  CHECK(quiet.state == "paused");
  CHECK_FALSE(quiet.data.contains("pause_reason"));
}

TEST_CASE("during an incident, a rating lowered by hand brings work under its policy") {
  Triage t;
  Item red = t.submit(Json{{"impact", "high"}});
  Item kept_running = t.submit(Json{{"title", "Resumed by hand"}});
  REQUIRE(declare_incident(*t.engine, "Storm Bert", "major", "tom").ok());
  CHECK(t.engine->item(red.ref).state == "triaged");  // red never pauses
  // A triager resumes one green request on purpose: later actions leave it running.
  REQUIRE(t.engine->item(kept_running.ref).state == "paused");
  t.act(kept_running.ref, "resume", Json{{"incident_name", "Storm Bert"}});
  CHECK(t.act(kept_running.ref, "assign", Json{{"assignee", "olivia"}}).state == "triaged");

  // Overridden to green, the red request is held as green work arriving now would be.
  Item lowered = t.act(red.ref, "override", Json{{"new_rating", "green"}, {"reason", "Not news"}});
  CHECK(lowered.state == "paused");
  CHECK(lowered.data["paused_by_incident"] == "Storm Bert");
  auto history = t.engine->history(red.ref);
  CHECK(history[history.size() - 2].action == "override");
  CHECK(history.back().action == "pause");
  CHECK(history.back().actor == kSystemActor);

  // Closing the incident resumes it with the rest.
  REQUIRE(close_incident(*t.engine, "Storm Bert", "tom").ok());
  CHECK(t.engine->item(red.ref).state == "triaged");
  CHECK(verify(*t.store).ok());
}

TEST_CASE("an incident submitted or closed as a plain item still pauses and resumes its work") {
  Triage t;
  Item green = t.submit();
  // What `commsflow submit incident` and the incident's own Close button do.
  auto declared = t.engine->submit("incident", "tom", Json{{"name", "Floods"}, {"level", "major"}});
  REQUIRE(declared.ok());
  CHECK(t.engine->item(green.ref).state == "paused");
  CHECK(t.engine->item(green.ref).data["paused_by_incident"] == "Floods");
  // Fields the workflow sets are still refused, naming them.
  CHECK_THROWS_WITH(
      t.engine->submit("incident", "tom",
                       Json{{"name", "Gales"}, {"level", "major"}, {"closed_at", "x"}}),
      Catch::Contains("closed_at: is set by the workflow"));

  // A stale revision is a conflict, as for any action; the note is kept.
  CHECK_THROWS(t.engine->act(ActRequest{declared.value().ref, "close", "tom", {}, "", 7}));
  CHECK(t.engine->item(green.ref).state == "paused");
  auto closed =
      t.engine->act(ActRequest{declared.value().ref, "close", "tom", {}, "stood down", 1});
  REQUIRE(closed.ok());
  CHECK(closed.value().state == "closed");
  CHECK(t.engine->history(declared.value().ref).back().note == "stood down");
  // A name that is not text is a field error, not a crash.
  CHECK_THROWS_WITH(
      t.engine->submit("incident", "tom", Json{{"name", nullptr}, {"level", "major"}}),
      Catch::Contains("name"));
  CHECK(t.engine->item(green.ref).state == "triaged");
  // A closed incident stays closed; a new one of the same name is not closed through it.
  REQUIRE(declare_incident(*t.engine, "Floods", "major", "tom").ok());
  CHECK_FALSE(t.engine->act(ActRequest{declared.value().ref, "close", "tom", {}, "", {}}).ok());
  CHECK(t.engine->item(green.ref).state == "paused");
  // An import would make incidents that pause nothing; it is refused, adding nothing.
  std::vector<ImportRow> rows = {{2, Json{{"name", "Snow"}, {"level", "major"}}}};
  CHECK_THROWS_WITH(import_items(*t.engine, "incident", "tom", rows),
                    Catch::Contains("incident declare"));
  CHECK(t.engine->items(ItemFilter{"incident", "", -1}).size() == 2);
  CHECK(verify(*t.store).ok());
}

TEST_CASE("a minor incident pauses only green work, and only triagers may declare") {
  Triage t;
  Item amber = t.submit(Json{{"time_sensitive", "yes"}});
  Item green = t.submit();
  auto refused = declare_incident(*t.engine, "Outage", "minor", "olivia");
  REQUIRE_FALSE(refused.ok());
  CHECK(t.engine->items(ItemFilter{"incident", "", -1}).empty());
  auto declared = declare_incident(*t.engine, "Outage", "minor", "tom");
  REQUIRE(declared.ok());
  CHECK(declared.value().affected == std::vector<std::string>{green.ref});
  CHECK(t.engine->item(amber.ref).state == "triaged");
}

TEST_CASE("the queue orders red, amber, green, then due time, with paused work last") {
  Triage t;
  Item green = t.submit();
  Item amber = t.submit(Json{{"time_sensitive", "yes"}});
  Item red_later = t.submit(Json{{"impact", "high"}});
  t.clock.set(*parse_datetime("2026-11-20T09:00:00Z"));
  Item red_sooner = t.submit(Json{{"resource", "high"}});
  Item paused_red = t.submit(Json{{"statutory", "yes"}});
  t.act(paused_red.ref, "pause", Json{{"reason", "on hold"}});
  std::vector<std::string> order;
  for_each_in_queue(*t.engine, QueueQuery("comms_request"),
                    [&](const Item& item) { order.push_back(item.ref); });
  CHECK(order == std::vector<std::string>{red_sooner.ref, red_later.ref, amber.ref, green.ref,
                                          paused_red.ref});
}

TEST_CASE("import takes every row or none, reporting each bad row by line") {
  Triage t;
  std::vector<ImportRow> rows = {
      {2, Triage::all_low()}, {3, Triage::all_low()}, {4, Triage::all_low()}};
  rows[1].fields["kind"] = "podcast";
  rows[2].fields.erase("impact");
  try {
    import_items(*t.engine, "comms_request", "rita", rows);
    FAIL("expected the import to be refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("line 3: kind: 'podcast' is not one of"));
    CHECK_THAT(e.what(), Catch::Contains("line 4: impact: is required"));
  }
  CHECK(t.engine->items({}).empty());
  CHECK(t.store->chain_head()->seq == 3);  // the three actors, nothing since
}

TEST_CASE("the shipped sample of requests imports cleanly") {
  Triage t;
  auto path = std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "samples" / "comms_requests.csv";
  std::ifstream in(path, std::ios::binary);
  CsvImportSource rows(in, path.string(), std::filesystem::file_size(path));
  std::vector<std::pair<size_t, double>> progress;
  auto refs = import_items(*t.engine, "comms_request", "rita", rows,
                           [&](size_t done, double f) { progress.emplace_back(done, f); });
  REQUIRE(refs.size() > 60);
  REQUIRE(progress.size() == refs.size());
  CHECK(progress.back() == std::make_pair(refs.size(), 1.0));
  std::map<std::string, int> ratings;
  for (const auto& item : t.engine->items(ItemFilter{"comms_request", "", -1})) {
    ratings[item.data["rating"].get<std::string>()]++;
  }
  CHECK(ratings["red"] > 0);
  CHECK(ratings["amber"] > 0);
  CHECK(ratings["green"] > 0);
}

TEST_CASE("importing the sample triages each row exactly as submitting it alone would") {
  auto path = std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "samples" / "comms_requests.csv";
  Triage imported, submitted;
  imported.clock.set(*parse_datetime("2026-11-20T16:30:00Z"));  // a Friday afternoon
  submitted.clock.set(*parse_datetime("2026-11-20T16:30:00Z"));
  std::string text = test::read_bytes(path);
  CsvImportSource rows(text, path.string());
  auto refs = import_items(*imported.engine, "comms_request", "rita", rows);
  auto one_by_one = import_rows_from_csv(text, path.string());
  REQUIRE(refs.size() == one_by_one.size());
  for (size_t i = 0; i < one_by_one.size(); ++i) {
    auto outcome = submitted.engine->submit("comms_request", "rita", one_by_one[i].fields);
    REQUIRE(outcome.ok());
    CHECK(outcome.value().ref == refs[i]);
  }
  auto a = imported.engine->items(ItemFilter{"comms_request", "", -1});
  auto b = submitted.engine->items(ItemFilter{"comms_request", "", -1});
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].ref);
    CHECK(a[i].to_json() == b[i].to_json());
    CHECK(imported.store->events_for(a[i].ref).at(0).body ==
          submitted.store->events_for(b[i].ref).at(0).body);
  }
  CHECK(imported.store->last_event()->hash == submitted.store->last_event()->hash);
}

TEST_CASE("CSV reading keeps record lines and rejects broken quoting") {
  auto records = parse_csv("a,b\r\n\"x, \"\"y\"\"\",\"multi\nline\"\r\nlast,1\n", "f.csv");
  REQUIRE(records.size() == 3);
  CHECK(records[1].fields == std::vector<std::string>{"x, \"y\"", "multi\nline"});
  CHECK(records[2].line == 4);
  CHECK_THROWS_WITH(parse_csv("a\n\"open", "f.csv"), Catch::Contains("f.csv: line 2"));
  CHECK_THROWS_WITH(parse_csv("a\nb\"c\n", "f.csv"), Catch::Contains("quote inside"));
  CHECK(csv_escape("plain") == "plain");
  CHECK(spreadsheet_safe("=HYPERLINK(\"http://evil.example\")") ==
        "'=HYPERLINK(\"http://evil.example\")");
  for (const char* formula : {"+1", "-1+2", "@SUM(A1)", "\tx", "\rx"}) {
    CHECK(spreadsheet_safe(formula) == std::string("'") + formula);
  }
  CHECK(spreadsheet_safe("2026-03-02") == "2026-03-02");
  CHECK(spreadsheet_safe("") == "");
  CHECK(csv_escape("a,\"b\"") == "\"a,\"\"b\"\"\"");
}

TEST_CASE("an incident moves due times on by working time, never onto a weekend") {
  Triage t;
  t.clock.set(*parse_datetime("2026-11-27T09:00:00Z"));  // a Friday
  Item green = t.submit();
  CHECK(green.data["due_at"] == "2026-12-11T09:00:00Z");  // 10 working days: a Friday
  t.clock.set(*parse_datetime("2026-11-30T09:00:00Z"));   // Monday
  REQUIRE(declare_incident(*t.engine, "Flood", "major", "tom").ok());
  t.clock.set(*parse_datetime("2026-12-01T09:00:00Z"));  // a working day later
  REQUIRE(close_incident(*t.engine, "Flood", "tom").ok());
  // A working day on from Friday 09:00 is Monday 09:00, not Saturday.
  CHECK(t.engine->item(green.ref).data["due_at"] == "2026-12-14T09:00:00Z");

  // Paused over a weekend and a bank holiday, only the working time counts.
  Item other = t.submit();  // Tue 1 Dec 09:00, due Tue 15 Dec 09:00
  CHECK(other.data["due_at"] == "2026-12-15T09:00:00Z");
  t.clock.set(*parse_datetime("2026-12-24T09:00:00Z"));  // Thursday
  t.act(other.ref, "pause", Json{{"reason", "on hold over Christmas"}});
  t.clock.set(*parse_datetime("2026-12-29T09:00:00Z"));  // Tuesday: 25th, 28th are holidays
  t.act(other.ref, "resume");
  // Thu 09:00 to midnight (15 h) and Tue 00:00 to 09:00 (9 h): one working day on.
  CHECK(t.engine->item(other.ref).data["due_at"] == "2026-12-16T09:00:00Z");
  CHECK(verify(*t.store).ok());
}

TEST_CASE("work that arrives during an incident is paused by the same policy") {
  Triage t;
  REQUIRE(declare_incident(*t.engine, "Storm Bert", "major", "tom").ok());
  Item green = t.submit();
  Item red = t.submit(Json{{"impact", "high"}});
  CHECK(green.state == "paused");
  CHECK(green.data["paused_by_incident"] == "Storm Bert");
  CHECK(t.engine->history(green.ref).back().actor == "system");  // by the workflow's rule
  CHECK(red.state == "triaged");
  // Amber work is paused unless it is due, or needed, within two working days: a request due
  // in five days but needed tomorrow carries on.
  Item amber = t.submit(Json{{"reputational_risk", "medium"}});
  Item needed_tomorrow =
      t.submit(Json{{"reputational_risk", "medium"}, {"needed_by", "2026-11-24"}});
  CHECK(amber.data["rating"] == "amber");
  CHECK(amber.state == "paused");
  CHECK(needed_tomorrow.data["rating"] == "amber");
  CHECK(needed_tomorrow.state == "triaged");

  // Imported work too.
  const std::string header =
      "title,kind,requester_team,strategic_priority,incident,statutory,reputational_risk,impact,"
      "resource,time_sensitive,responsibility\n";
  auto refs = import_items(
      *t.engine, "comms_request", "tom",
      import_rows_from_csv(header + "Poster,internal,Estates,none,none,no,low,low,low,no,own\n",
                           "in.csv"));
  REQUIRE(refs.size() == 1);
  CHECK(t.engine->item(refs[0]).state == "paused");

  auto closed = close_incident(*t.engine, "Storm Bert", "tom");
  REQUIRE(closed.ok());
  CHECK(closed.value().affected == std::vector<std::string>{green.ref, amber.ref, refs[0]});
  CHECK(t.engine->item(green.ref).state == "triaged");
  CHECK(verify(*t.store).ok());
}

TEST_CASE("overlapping incidents each resume only what they alone hold") {
  Triage t;
  Item green = t.submit();
  Item amber = t.submit(Json{{"reputational_risk", "medium"}});         // due in 5 working days
  REQUIRE(declare_incident(*t.engine, "Outage", "minor", "tom").ok());  // pauses green work
  CHECK(t.engine->item(green.ref).data["paused_by_incident"] == "Outage");
  auto storm = declare_incident(*t.engine, "Storm Bert", "major", "tom");
  REQUIRE(storm.ok());
  CHECK(storm.value().affected == std::vector<std::string>{amber.ref});

  // The outage ends, but the storm would hold the green work too: it stays paused, now by it.
  auto outage_over = close_incident(*t.engine, "Outage", "tom");
  REQUIRE(outage_over.ok());
  CHECK(outage_over.value().affected.empty());
  CHECK(outage_over.value().held == std::vector<std::string>{green.ref});
  CHECK(outage_over.value().held_for == std::vector<std::string>{"Storm Bert"});
  CHECK(still_paused_words(outage_over.value().held, outage_over.value().held_for) ==
        "1 item(s) stay paused, now for Storm Bert, still active");
  Item held = t.engine->item(green.ref);
  CHECK(held.state == "paused");
  CHECK(held.data["paused_by_incident"] == "Storm Bert");

  auto storm_over = close_incident(*t.engine, "Storm Bert", "tom");
  REQUIRE(storm_over.ok());
  CHECK(storm_over.value().affected == std::vector<std::string>{green.ref, amber.ref});
  CHECK(storm_over.value().held.empty());
  CHECK(t.engine->item(green.ref).state == "triaged");
  CHECK(t.engine->item(amber.ref).state == "triaged");
  CHECK(verify(*t.store).ok());
}

namespace {

// The recipients of the item's outbox rows of one kind, sorted.
std::vector<std::string> told_of(Store& store, const std::string& ref, const std::string& kind) {
  std::vector<std::string> told;
  for (const auto& row : store.outbox("", ref)) {
    if (row.kind == kind) told.push_back(row.recipient);
  }
  std::sort(told.begin(), told.end());
  return told;
}

}  // namespace

TEST_CASE(
    "an open request past its due time tells its assignee and the triagers, once - paused "
    "and finished work does not") {
  Triage t;
  Item late = t.submit(Json{{"time_sensitive", "yes"}});  // amber: due in 5 working days
  t.act(late.ref, "accept", Json{{"assignee", "olivia"}});
  Item paused = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(paused.ref, "pause", Json{{"reason", "waiting for the venue"}});
  Item done = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(done.ref, "accept", Json{{"assignee", "olivia"}});
  t.act(done.ref, "start");
  t.act(done.ref, "complete");
  Item on_time = t.submit();  // green: due in 10 working days

  const TimePoint due = *parse_datetime(late.data["due_at"].get<std::string>());
  t.clock.set(due - std::chrono::minutes(1));
  for (const auto& fired : Signoff(*t.engine).tick()) CHECK(fired.action != "overdue");
  CHECK(told_of(*t.store, late.ref, "overdue").empty());

  t.clock.set(due + std::chrono::hours(1));
  std::vector<FiredTimer> fired = Signoff(*t.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].ref == late.ref);
  CHECK(fired[0].action == "overdue");
  for (const auto& row : t.store->outbox("", late.ref)) {
    if (row.kind == "overdue") CHECK(row.state == "accepted");
  }
  CHECK(told_of(*t.store, late.ref, "overdue") == std::vector<std::string>{"olivia", "tom"});
  for (const auto& ref : {paused.ref, done.ref, on_time.ref}) {
    CHECK(told_of(*t.store, ref, "overdue").empty());
  }
  CHECK(Signoff(*t.engine).tick().empty());  // once
  CHECK(told_of(*t.store, late.ref, "overdue").size() == 2);
}

TEST_CASE(
    "the assignee is reminded once, four hours before a request is due - not before, not "
    "while it is paused") {
  Triage t;
  Item soon = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(soon.ref, "accept", Json{{"assignee", "olivia"}});
  Item paused = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(paused.ref, "accept", Json{{"assignee", "olivia"}});
  t.act(paused.ref, "pause", Json{{"reason", "waiting for the venue"}});
  Item unassigned = t.submit(Json{{"time_sensitive", "yes"}});  // nobody to remind: not "fired"
  const TimePoint due = *parse_datetime(soon.data["due_at"].get<std::string>());

  t.clock.set(due - std::chrono::hours(4) - std::chrono::minutes(1));
  CHECK(Signoff(*t.engine).tick().empty());
  CHECK(told_of(*t.store, soon.ref, "due_soon").empty());

  t.clock.set(due - std::chrono::hours(3));
  std::vector<FiredTimer> fired = Signoff(*t.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].ref == soon.ref);
  CHECK(fired[0].action == "due_soon");
  CHECK(told_of(*t.store, soon.ref, "due_soon") == std::vector<std::string>{"olivia"});
  CHECK(told_of(*t.store, paused.ref, "due_soon").empty());
  CHECK(Signoff(*t.engine).tick().empty());  // once

  // Past due, the overdue notice follows, and the reminder is not sent again: the overdue
  // notice says all it did.
  t.clock.set(due + std::chrono::minutes(1));
  fired = Signoff(*t.engine).tick();
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].ref == soon.ref);
  CHECK(fired[0].action == "overdue");
  CHECK(fired[1].ref == unassigned.ref);  // overdue tells the triagers
  CHECK(told_of(*t.store, soon.ref, "due_soon").size() == 1);
  for (const auto& row : t.store->outbox("olivia", soon.ref)) {
    if (row.kind == "due_soon") {
      CHECK_THAT(unneeded_reason(*t.store, row, t.store->item(soon.ref)),
                 Catch::StartsWith("replaced by the later notification"));
    }
  }

  // A new rating moves the due time: that due time is reminded of, and overdue, in its turn.
  Item later = t.act(soon.ref, "override", Json{{"new_rating", "green"}, {"reason", "Can wait"}});
  const TimePoint moved = *parse_datetime(later.data["due_at"].get<std::string>());
  REQUIRE(moved > due + std::chrono::hours(24));
  t.clock.set(moved - std::chrono::hours(1));
  fired = Signoff(*t.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].action == "due_soon");
  CHECK(told_of(*t.store, soon.ref, "due_soon").size() == 2);
}

TEST_CASE(
    "accepting or assigning tells the person assigned, unless they did it themselves or "
    "were assigned already") {
  Triage t;
  t.engine->add_actor("tess", {"triager", "comms_officer"});
  Item request = t.submit();
  t.act(request.ref, "accept", Json{{"assignee", "olivia"}});
  std::vector<OutboxEntry> rows = t.store->outbox("olivia", request.ref);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].kind == "notice");
  CHECK(rows[0].message == "Assigned to you");
  CHECK(rows[0].state.empty());  // not tied to the state: accepting it next still tells of it

  // Assigned to her again: refused, saying so, with nothing recorded and nobody told again.
  const auto events = t.engine->history(request.ref).size();
  auto again = t.engine->act(
      ActRequest{request.ref, "assign", "tom", Json{{"assignee", "olivia"}}, "", std::nullopt});
  REQUIRE_FALSE(again.ok());
  CHECK(again.refusal().reasons ==
        std::vector<std::string>{"nothing to change: Assignee is already olivia"});
  CHECK(t.engine->history(request.ref).size() == events);
  CHECK(t.store->outbox("olivia", request.ref).size() == 1);
  // With a note, it is something to record.
  REQUIRE(t.engine
              ->act(ActRequest{request.ref, "assign", "tom", Json{{"assignee", "olivia"}},
                               "Still hers after the handover", std::nullopt})
              .ok());
  CHECK(t.engine->history(request.ref).size() == events + 1);

  // Tess assigns the work to herself: nobody needs telling.
  REQUIRE(t.engine
              ->act(ActRequest{request.ref, "assign", "tess", Json{{"assignee", "tess"}}, "",
                               std::nullopt})
              .ok());
  CHECK(t.store->outbox("tess", request.ref).empty());
  t.act(request.ref, "assign", Json{{"assignee", "olivia"}});
  CHECK(t.store->outbox("olivia", request.ref).size() == 2);

  // Given to Sam before Olivia's email left: hers is no longer to be sent.
  t.engine->add_actor("sam", {"comms_officer"});
  t.act(request.ref, "assign", Json{{"assignee", "sam"}});
  const std::vector<OutboxEntry> olivias = t.store->outbox("olivia", request.ref);
  CHECK(olivias.back().status == "skipped");
  CHECK(olivias.back().last_error == "no longer needed: Assignee is now sam");
  CHECK(t.store->outbox("sam", request.ref).size() == 1);
  CHECK(verify(*t.store).ok());
}

TEST_CASE(
    "notices made stale before they leave are not sent: a new assignee, a moved due time, "
    "finished work") {
  Triage t;
  t.engine->add_actor("sam", {"comms_officer"});
  Item request = t.submit(Json{{"time_sensitive", "yes"}});
  t.act(request.ref, "accept", Json{{"assignee", "olivia"}});
  const TimePoint due = *parse_datetime(request.data["due_at"].get<std::string>());
  auto waiting = [&](const std::string& who, const std::string& kind) {
    std::vector<OutboxEntry> rows;
    for (const auto& row : t.store->outbox(who, request.ref)) {
      if (row.kind == kind && row.status == "waiting") rows.push_back(row);
    }
    return rows;
  };

  // Reminded, then given to Sam: Olivia's reminder is withdrawn and Sam is reminded next tick.
  t.clock.set(due - std::chrono::hours(3));
  Signoff(*t.engine).tick();
  REQUIRE(waiting("olivia", "due_soon").size() == 1);
  t.act(request.ref, "assign", Json{{"assignee", "sam"}});
  CHECK(waiting("olivia", "due_soon").empty());
  Signoff(*t.engine).tick();
  CHECK(waiting("sam", "due_soon").size() == 1);

  // Overdue, then a new rating moves the due time before the emails leave: they are withdrawn.
  t.clock.set(due + std::chrono::minutes(5));
  Signoff(*t.engine).tick();
  REQUIRE(waiting("tom", "overdue").size() == 1);
  t.act(request.ref, "override", Json{{"new_rating", "green"}, {"reason", "Can wait"}});
  CHECK(waiting("tom", "overdue").empty());
  CHECK(waiting("sam", "due_soon").empty());
  const std::vector<OutboxEntry> toms = t.store->outbox("tom", request.ref);
  CHECK_THAT(toms.back().last_error, Catch::StartsWith("no longer needed: it is due "));

  // Given to Olivia and then declined before her email leaves: it is not sent.
  t.act(request.ref, "assign", Json{{"assignee", "olivia"}});
  REQUIRE(waiting("olivia", "notice").size() == 1);
  t.act(request.ref, "decline", Json{{"reason", "Not for us"}});
  CHECK(waiting("olivia", "notice").empty());
  CHECK(verify(*t.store).ok());
}

TEST_CASE("work assigned in triage and then accepted for the same person is still told of") {
  Triage t;
  Item request = t.submit();
  t.act(request.ref, "assign", Json{{"assignee", "olivia"}});
  t.act(request.ref, "accept", Json{{"assignee", "olivia"}});  // moves on; nobody new
  std::vector<OutboxEntry> rows = t.store->outbox("olivia", request.ref);
  REQUIRE(rows.size() == 1);
  CHECK(unneeded_reason(*t.store, rows[0], t.store->item(request.ref)).empty());
}

TEST_CASE("a pause that moves the due time past the needed-by date flags the request late") {
  Triage t;
  // Green internal work: 10 working days' notice needed, due 10 working days after it arrives
  // (Mon 7 Dec); needed by Tue 8 Dec leaves 11, so it is on time.
  Item green = t.submit(Json{{"needed_by", "2026-12-08"}});
  CHECK(green.data["late"] == false);
  REQUIRE(declare_incident(*t.engine, "Storm Bert", "major", "tom").ok());
  t.clock.advance(std::chrono::hours(48));
  REQUIRE(close_incident(*t.engine, "Storm Bert", "tom").ok());
  Item resumed = t.engine->item(green.ref);
  CHECK(resumed.data["due_at"] == "2026-12-09T09:00:00Z");
  CHECK(resumed.data["late"] == true);
  CHECK(resumed.data["late_reason"] == "due 9 December 2026, after it is needed (8 December 2026)");
}

TEST_CASE("an import row is known again by the values its columns gave, however they are stored") {
  test::Fixture f(R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "figures", prefix = "FIG",
  fields = {
    title = wf.text { required = true },
    amount = wf.number {}, count = wf.integer {}, urgent = wf.boolean {},
    tags = wf.list { of = wf.text {} },
    people = wf.list { of = wf.record { name = wf.text {}, lead = wf.boolean {} } },
  },
  submit = { roles = { "comms_officer" } },
  initial = "open",
  states = { open = { actions = { close = { to = "closed", roles = { "comms_officer" } } } },
             closed = { final = true } },
}
)lua",
                  "figures.lua");
  const std::vector<Json> values = {
      Json{{"title", "Fractions"}, {"amount", 0.30000000000000004}, {"count", 3}},
      Json{{"title", "Large"}, {"amount", 1e20}, {"urgent", true}},
      Json{{"title", "Precise"}, {"amount", 1234567.891234567}},
      Json{{"title", "Whole"}, {"amount", 1e15}, {"count", 9000000000000000}},
      Json{{"title", "Lists"},
           {"tags", Json::array({"a \"quoted\" tag", "é"})},
           {"people", Json::array({Json{{"name", "Ann"}, {"lead", true}}})}},
      Json{{"title", "Only a title"}}};
  std::vector<std::string> refs;
  for (const Json& data : values) {
    auto submitted = f.engine->submit("figures", "olivia", data);
    REQUIRE(submitted.ok());
    refs.push_back(submitted.value().ref);
  }
  const ItemsAlreadyHere here(*f.store, "figures",
                              {"title", "amount", "count", "urgent", "tags", "people"});
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO(values[i].dump());
    const std::string* same = here.same_as(f.engine->item(refs[i]).data);
    REQUIRE(same);
    CHECK(*same == refs[i]);
  }
  // Any one value otherwise is another item.
  Json other = f.engine->item(refs[0]).data;
  other["count"] = 4;
  CHECK_FALSE(here.same_as(other));
  other = f.engine->item(refs[3]).data;
  other["people"][0]["lead"] = false;
  CHECK_FALSE(here.same_as(other));
  other = f.engine->item(refs[5]).data;
  other["urgent"] = false;  // given, where the item has none
  CHECK_FALSE(here.same_as(other));
}
