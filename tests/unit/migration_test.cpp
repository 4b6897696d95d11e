// Moving open items to a workflow's new version: states mapped, migrate.data run, one audited
// event per item, all or nothing, and a dry run that writes nothing.
#include <commsflow/migration.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "support.h"

using namespace commsflow;
using namespace commsflow::test;
using Catch::Contains;

namespace {

// kReviewWorkflow with `from` replaced by `to` (REQUIREd to be there).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Version 2 of the review workflow: `review` is renamed `comms_review`, and migrate.data marks
// the title and says where the item came from.
std::string renamed_review_state() {
  std::string text = kReviewWorkflow;
  text = edited(text, "to = \"review\"", "to = \"comms_review\"");
  text = edited(text, "    review = {", "    comms_review = {");
  text = edited(text, "  initial = \"draft\",", R"lua(  initial = "draft",
  migrate = {
    states = { review = "comms_review" },
    watch = { "title" },
    data = function(item, ctx)
      item.title = item.title .. " (v2)"
      return { "moved from " .. ctx.from_state .. " to " .. ctx.state }
    end,
  },)lua");
  return text;
}

void replace_workflow(Fixture& f, const std::string& text) {
  std::ofstream(f.workflows / "review.lua", std::ios::trunc) << text;
}

// What a dry run must leave exactly as it was: items, events and stored versions.
std::string everything(Fixture& f) {
  return query_text(f.db,
                    "SELECT (SELECT group_concat(ref || ' ' || version || ' ' || state || ' ' || "
                    "revision || ' ' || data, '|') FROM items) || ' / ' || "
                    "(SELECT count(*) || ' ' || max(seq) FROM events) || ' / ' || "
                    "(SELECT group_concat(version) FROM definitions) || ' / ' || "
                    "(SELECT group_concat(name || '=' || version) FROM workflows)");
}

}  // namespace

TEST_CASE("migrate: open items move to the new version, states mapped, each with one event") {
  Fixture f;
  Item drafting = f.submit("Winter campaign");
  Item in_review = f.submit("Flu clinics");
  f.act(in_review.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(in_review.ref, "send", "olivia");
  Item approved = f.submit("Done already");
  f.act(approved.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(approved.ref, "send", "olivia");
  f.act(approved.ref, "approve", "hannah");
  const std::string v1 = drafting.version;

  replace_workflow(f, renamed_review_state());
  auto outcome = migrate(*f.engine, MigrationRequest{"", "review", "operator", false, false});
  REQUIRE(outcome.ok());
  const auto& moved = outcome.value().items;
  REQUIRE(moved.size() == 2);  // the approved item is closed: it stays on version 1
  const std::string v2 = f.registry->current("review").definition.version;
  CHECK(v2 != v1);

  Item d = *f.store->item(drafting.ref);
  CHECK(d.version == v2);
  CHECK(d.state == "draft");
  CHECK(d.data["title"] == "Winter campaign (v2)");
  Item r = *f.store->item(in_review.ref);
  CHECK(r.state == "comms_review");
  CHECK(r.revision == in_review.revision + 2 + 1);
  CHECK(f.store->item(approved.ref)->version == v1);

  const auto& in_review_move = moved[0].ref == in_review.ref ? moved[0] : moved[1];
  CHECK(in_review_move.from_state == "review");
  CHECK(in_review_move.to_state == "comms_review");
  CHECK(in_review_move.remarks == std::vector<std::string>{"moved from review to comms_review"});
  REQUIRE(in_review_move.changes.size() == 1);
  CHECK(in_review_move.changes[0].field == "title");
  CHECK(in_review_move.changes[0].before == "Flu clinics");
  CHECK(in_review_move.worth_listing());

  auto history = f.engine->history(in_review.ref);
  const Event& last = history.back();
  CHECK(last.action == "migrate");
  CHECK(last.actor == "operator");
  CHECK(last.from_state == "review");
  CHECK(last.to_state == "comms_review");
  CHECK(last.version == v2);
  CHECK(last.payload["from_version"] == v1);
  CHECK(last.payload["remarks"][0] == "moved from review to comms_review");

  // The moved item works under the new version, and the history still verifies.
  f.act(in_review.ref, "approve", "hannah");
  CHECK(verify(*f.store).ok());

  // A second run finds nothing to move.
  auto again = migrate(*f.engine, MigrationRequest{"", "review", "operator", false, false});
  REQUIRE(again.ok());
  CHECK(again.value().items.empty());
}

TEST_CASE("migrate: a dry run plans the same moves and leaves the database as it was", "[sqlite]") {
  Fixture f;
  Item item = f.submit("Winter campaign");
  f.act(item.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(item.ref, "send", "olivia");
  replace_workflow(f, renamed_review_state());
  const std::string before = everything(f);

  auto planned = migrate(*f.engine, MigrationRequest{item.ref, "", "operator", false, true});
  REQUIRE(planned.ok());
  REQUIRE(planned.value().items.size() == 1);
  CHECK(planned.value().items[0].to_state == "comms_review");
  CHECK(everything(f) == before);  // not even the new version was stored

  auto applied = migrate(*f.engine, MigrationRequest{item.ref, "", "operator", false, false});
  REQUIRE(applied.ok());
  CHECK(applied.value().items[0].to_json() == planned.value().items[0].to_json());
  CHECK(everything(f) != before);
}

TEST_CASE("migrate: a state the new version neither has nor maps is refused, and nothing moves",
          "[sqlite]") {
  Fixture f;
  Item drafting = f.submit("Winter campaign");
  Item in_review = f.submit("Flu clinics");
  f.act(in_review.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(in_review.ref, "send", "olivia");
  std::string text = renamed_review_state();
  replace_workflow(f, edited(text, "    states = { review = \"comms_review\" },\n", ""));
  const std::string before = everything(f);

  auto outcome = migrate(*f.engine, MigrationRequest{"", "review", "operator", false, false});
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.refusal().reasons.size() == 1);
  CHECK_THAT(outcome.refusal().reasons[0],
             Contains(in_review.ref) && Contains("state 'review'") && Contains("migrate"));
  CHECK(f.store->item(drafting.ref)->version == drafting.version);  // all or nothing
  CHECK(everything(f) == before);
}

TEST_CASE("migrate: a workflow file that does not load moves nothing and says what is wrong",
          "[sqlite]") {
  Fixture f;
  Item drafting = f.submit("Winter campaign");
  replace_workflow(f, edited(renamed_review_state(), "    watch = {", "    wacth = {"));
  const std::string before = everything(f);
  try {
    (void)migrate(*f.engine, MigrationRequest{"", "review", "operator", false, false});
    FAIL("a migration ran on a workflow that did not load");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Script);
    CHECK_THAT(e.what(), Contains("nothing was moved: 1 problem(s) in the workflow files") &&
                             Contains("review.lua:") && Contains("wacth"));
  }
  CHECK(everything(f) == before);
}

TEST_CASE("migrate: data the new version's fields do not take is refused naming the field") {
  Fixture f;
  Item item = f.submit("Winter campaign");
  f.act(item.ref, "edit", "olivia", Json{{"words", 120}});
  // Version 2 drops the words field and does nothing about the values already recorded.
  auto edit_sets = edited(kReviewWorkflow, "    words = wf.integer { min = 0 },\n", "");
  replace_workflow(f, edited(edit_sets, "\"title\", \"words\", \"due\"", "\"title\", \"due\""));

  auto outcome = migrate(*f.engine, MigrationRequest{item.ref, "", "operator", false, false});
  REQUIRE_FALSE(outcome.ok());
  CHECK_THAT(outcome.refusal().reasons[0],
             Contains(item.ref) && Contains("words") && Contains("not a field"));
  CHECK(f.store->item(item.ref)->version == item.version);
}

TEST_CASE("migrate: a required field new in the version starts at its default") {
  Fixture f;
  Item item = f.submit("Winter campaign");
  replace_workflow(f, edited(kReviewWorkflow, "    words = wf.integer { min = 0 },\n",
                             "    words = wf.integer { min = 0 },\n    team = wf.choice { "
                             "\"digital\", \"press\", required = true, default = \"digital\" "
                             "},\n"));
  auto outcome = migrate(*f.engine, MigrationRequest{item.ref, "", "operator", false, false});
  REQUIRE(outcome.ok());
  REQUIRE(outcome.value().items.size() == 1);
  REQUIRE(outcome.value().items[0].changes.size() == 1);
  CHECK(outcome.value().items[0].changes[0].field == "team");
  CHECK(f.store->item(item.ref)->data["team"] == "digital");
}

TEST_CASE("migrate: migrate.data that returns something other than remarks is a script error") {
  Fixture f;
  Item item = f.submit("Winter campaign");
  std::string text =
      edited(renamed_review_state(),
             "return { \"moved from \" .. ctx.from_state .. \" to \" .. ctx.state }", "return 42");
  replace_workflow(f, text);
  try {
    migrate(*f.engine, MigrationRequest{item.ref, "", "operator", false, false});
    FAIL("expected a script error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Script);
    CHECK_THAT(e.what(), Contains("migrate.data") && Contains("list of remarks"));
  }
  CHECK(f.store->item(item.ref)->version == item.version);
}

TEST_CASE("migrate: a fault in migrate.data names the item it met and moves nothing") {
  Fixture f;
  Item first = f.submit("Winter campaign");
  Item second = f.submit("Radio advert");
  std::string text = edited(renamed_review_state(),
                            "return { \"moved from \" .. ctx.from_state .. \" to \" .. ctx.state }",
                            "if item.title:find(\"Radio\") then local x = nil; return x.y end");
  replace_workflow(f, text);
  try {
    migrate(*f.engine, MigrationRequest{"", "review", "operator", false, false});
    FAIL("expected a script error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Script);
    CHECK_THAT(e.what(), Contains("(moving " + second.ref + ")") && !Contains(first.ref));
    CHECK_FALSE(e.where().empty());
  }
  CHECK(f.store->item(first.ref)->version == first.version);
}

TEST_CASE("migrate: an unknown item or workflow is not found") {
  Fixture f;
  CHECK_THROWS_WITH(migrate(*f.engine, MigrationRequest{"REV-2026-0099", "", "operator"}),
                    Contains("REV-2026-0099"));
  CHECK_THROWS_WITH(migrate(*f.engine, MigrationRequest{"", "nope", "operator"}),
                    Contains("unknown workflow 'nope'"));
}
