// The engine: submitting, acting, roles, guards, effects, field validation and atomicity.
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;

TEST_CASE("submit creates an item with a PREFIX-YYYY-NNNN reference and a first event") {
  Fixture f;
  Item a = f.submit("First");
  Item b = f.submit("Second");
  CHECK(a.ref == "REV-2026-0001");
  CHECK(b.ref == "REV-2026-0002");
  CHECK(a.state == "draft");
  CHECK(a.revision == 1);
  CHECK(a.data["title"] == "First");
  CHECK(a.data["priority"] == "low");  // default applied
  CHECK(a.created_at == "2026-03-02T09:00:00Z");
  auto history = f.engine->history(a.ref);
  REQUIRE(history.size() == 1);
  CHECK(history[0].action == "submit");
  CHECK(history[0].actor == "olivia");
  CHECK(history[0].to_state == "draft");
  CHECK(history[0].version == a.version);
}

TEST_CASE("references restart each year and are never reused") {
  Fixture f;
  f.submit();
  f.clock.set(*parse_datetime("2027-01-01T00:00:01Z"));
  CHECK(f.submit().ref == "REV-2027-0001");
  f.clock.set(*parse_datetime("2026-12-31T23:00:00Z"));
  CHECK(f.submit().ref == "REV-2026-0002");
}

TEST_CASE("an action moves the item, applies its effect and records who did it") {
  Fixture f;
  Item item = f.submit();
  item = f.act(item.ref, "send", "olivia", Json{{"body", "Text of the release"}});
  CHECK(item.state == "review");
  CHECK(item.revision == 2);
  item = f.act(item.ref, "approve", "hannah");
  CHECK(item.state == "approved");
  CHECK(item.data["approved_by"] == "hannah");
  auto history = f.engine->history(item.ref);
  REQUIRE(history.size() == 3);
  CHECK(history[2].from_state == "review");
  CHECK(history[2].changes == Json{{"approved_by", "hannah"}});
}

TEST_CASE("only an actor holding an allowed role may act, and a refusal writes nothing") {
  Fixture f;
  Item item = f.submit();
  f.act(item.ref, "send", "olivia", Json{{"body", "x"}});
  auto outcome = f.engine->act(ActRequest{item.ref, "approve", "olivia", {}, "", std::nullopt});
  REQUIRE_FALSE(outcome.ok());
  CHECK_THAT(outcome.refusal().reasons.at(0), Catch::Contains("needs the role Head of comms"));
  CHECK(f.engine->item(item.ref).state == "review");
  CHECK(f.engine->history(item.ref).size() == 2);

  auto submit = f.engine->submit("review", "rita", Json{{"title", "t"}});
  REQUIRE_FALSE(submit.ok());
  CHECK(f.engine->items({}).size() == 1);
}

TEST_CASE("a guard's reasons refuse the action and nothing is written") {
  Fixture f;
  Item item = f.submit();
  auto outcome = f.engine->act(ActRequest{item.ref, "send", "olivia", {}, "", std::nullopt});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.refusal().reasons == std::vector<std::string>{"the draft has no text yet"});
  CHECK(f.engine->item(item.ref).revision == 1);
}

TEST_CASE("available actions show roles and guard reasons") {
  Fixture f;
  Item item = f.submit();
  auto actions = f.engine->available_actions(item);
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].name == "send");  // source order
  CHECK(actions[0].roles == std::vector<std::string>{"comms_officer"});
  CHECK(actions[0].blocked_by == std::vector<std::string>{"the draft has no text yet"});
  CHECK(actions[1].name == "edit");
  CHECK(actions[1].blocked_by.empty());
}

TEST_CASE("bad input names every offending field and changes nothing") {
  Fixture f;
  SECTION("submit") {
    try {
      f.engine->submit("review", "olivia",
                       Json{{"priority", "urgent"}, {"words", "many"}, {"colour", "red"}});
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      std::string m = e.what();
      CHECK_THAT(m, Catch::Contains("priority: 'urgent' is not one of: Low or High"));
      CHECK_THAT(m, Catch::Contains("words: expected a whole number"));
      CHECK_THAT(m, Catch::Contains("colour: is not a field"));
      CHECK_THAT(m, Catch::Contains("title: is required"));
    }
    CHECK(f.engine->items({}).empty());
    CHECK(f.store->chain_head()->seq == 3);  // the fixture's three actors, nothing since
  }
  SECTION("act") {
    Item item = f.submit();
    CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "edit", "olivia",
                                               Json{{"due", "31/13/2026"}}, "", std::nullopt}),
                      Catch::Contains("due: there is no month 13"));
    CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "edit", "olivia",
                                               Json{{"due", "next week"}}, "", std::nullopt}),
                      Catch::Contains("due: expected a date like 2026-03-31 or 31/03/2026"));
    // A day its month does not have, as the web form's three boxes can give, is named.
    for (const char* no_day : {"31/02/2027", "2027-02-31"}) {
      CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "edit", "olivia", Json{{"due", no_day}},
                                                 "", std::nullopt}),
                        Catch::Contains("due: there is no 31 February 2027: enter a real date"));
    }
    // Without leading zeros a real date is still a date.
    f.engine->act(
        ActRequest{item.ref, "edit", "olivia", Json{{"due", "2027-3-5"}}, "", std::nullopt});
    CHECK(f.engine->item(item.ref).data["due"] == "2027-03-05");
    CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "edit", "olivia",
                                               Json{{"priority", "high"}}, "", std::nullopt}),
                      Catch::Contains("priority: is not an input of 'edit'"));
    CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "edit", "olivia", Json{{"words", "-3"}},
                                               "", std::nullopt}),
                      Catch::Contains("words: must be at least 0"));
    CHECK(f.engine->item(item.ref).revision == 2);
  }
}

TEST_CASE("typed values from text are coerced to their field types") {
  Fixture f;
  Item item = f.submit();
  item = f.act(item.ref, "edit", "olivia", Json{{"words", "250"}, {"due", "2026-04-01"}});
  CHECK(item.data["words"] == 250);
  CHECK(item.data["due"] == "2026-04-01");
  item = f.act(item.ref, "send", "olivia", Json{{"body", "b"}, {"tags", "winter, flu"}});
  CHECK(item.data["tags"] == Json::array({"winter", "flu"}));
}

TEST_CASE("payload fields reach the effect and required payload is enforced") {
  Fixture f;
  Item item = f.submit();
  f.act(item.ref, "send", "olivia", Json{{"body", "b"}});
  CHECK_THROWS_AS(f.engine->act(ActRequest{item.ref, "send_back", "hannah", {}, "", std::nullopt}),
                  Error);
  // A required value given but refused is one problem, not also "is required".
  try {
    f.engine->act(
        ActRequest{item.ref, "send_back", "hannah", Json{{"comment", 5}}, "", std::nullopt});
    FAIL("expected bad input");
  } catch (const Error& e) {
    REQUIRE(e.fields().size() == 1);
    CHECK(e.fields()[0].message == "expected text, got '5'");
  }
  item = f.act(item.ref, "send_back", "hannah", Json{{"comment", "Shorter please"}});
  CHECK(item.state == "draft");
  CHECK(item.data["comments"] == Json::array({"Shorter please"}));
  CHECK(f.engine->history(item.ref).back().payload == Json{{"comment", "Shorter please"}});
}

TEST_CASE("actions in the wrong state, unknown actions and closed items") {
  Fixture f;
  Item item = f.submit();
  auto wrong_state = f.engine->act(ActRequest{item.ref, "approve", "hannah", {}, "", std::nullopt});
  REQUIRE_FALSE(wrong_state.ok());
  CHECK_THAT(wrong_state.refusal().reasons[0], Catch::Contains("can be taken only at Review"));
  // Typed as labelled, the same; an action no state has is told those here, as labelled.
  auto by_label = f.engine->act(ActRequest{item.ref, "Approve", "hannah", {}, "", std::nullopt});
  REQUIRE_FALSE(by_label.ok());
  CHECK_THAT(by_label.refusal().reasons[0], Catch::Contains("can be taken only at Review"));
  CHECK_THROWS_WITH(
      f.engine->act(ActRequest{item.ref, "explode", "hannah", {}, "", std::nullopt}),
      Catch::Contains("has no action 'explode' (available at \"Draft\": Send or Edit)"));
  CHECK_THROWS_WITH(
      f.engine->act(ActRequest{"REV-2026-9999", "send", "olivia", {}, "", std::nullopt}),
      Catch::Contains("no item REV-2026-9999"));
  CHECK_THROWS_WITH(f.engine->act(ActRequest{item.ref, "send", "nobody", {}, "", std::nullopt}),
                    Catch::Contains("unknown actor 'nobody'"));
  f.act(item.ref, "send", "olivia", Json{{"body", "b"}});
  f.act(item.ref, "approve", "hannah");
  auto closed = f.engine->act(ActRequest{item.ref, "send", "olivia", {}, "", std::nullopt});
  REQUIRE_FALSE(closed.ok());
  CHECK_THAT(closed.refusal().reasons[0], Catch::Contains("is closed"));
}

TEST_CASE("a stale revision is a conflict and writes nothing") {
  Fixture f;
  Item item = f.submit();
  f.act(item.ref, "edit", "olivia", Json{{"body", "v2"}});
  try {
    f.engine->act(ActRequest{item.ref, "edit", "olivia", Json{{"body", "v3"}}, "", 1});
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Conflict);
    CHECK_THAT(e.what(), Catch::Contains("you had revision 1, it is now at revision 2"));
    // In people's words: the state's label and UK time.
    CHECK_THAT(e.what(), Catch::Contains("changed " + uk_datetime(f.clock.now()) + " UK time"));
  }
  CHECK(f.engine->item(item.ref).data["body"] == "v2");
  // Sent again after the item was finished: said to be finished, not to be retried.
  f.act(item.ref, "send", "olivia", Json{{"body", "b"}});
  f.act(item.ref, "approve", "hannah");
  try {
    f.engine->act(ActRequest{item.ref, "approve", "hannah", {}, "", 3});
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Conflict);
    CHECK_THAT(e.what(), Catch::Contains(item.ref + " is already ") &&
                             Catch::Contains("nothing more was done"));
  }
}

TEST_CASE("a change whose asker may not see the item is not found, before any other check") {
  Fixture f;
  Item item = f.submit();
  const SeesItem nobody = [](const Item&) { return false; };
  // A stale revision too: being told of a conflict would say the item exists.
  try {
    f.engine->act(ActRequest{item.ref, "edit", "olivia", Json{{"body", "v2"}}, "", 7}, nobody);
    FAIL("expected not found");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::NotFound);
    CHECK(std::string(e.what()) == "no item " + item.ref);
  }
  CHECK(f.engine->item(item.ref).revision == item.revision);

  int asked = 0;
  const SeesItem counted = [&](const Item& seen) {
    ++asked;
    return seen.ref == item.ref;
  };
  REQUIRE(f.engine->act(
      ActRequest{item.ref, "edit", "olivia", Json{{"body", "v2"}}, "", std::nullopt}, counted));
  CHECK(asked == 1);
  CHECK(f.engine->item(item.ref).data["body"] == "v2");
}

TEST_CASE("actors need known roles and valid names") {
  Fixture f;
  CHECK_THROWS_WITH(f.engine->add_actor("zed", {"wizard"}),
                    Catch::Contains("unknown role 'wizard'"));
  CHECK_THROWS_WITH(f.engine->add_actor("Bad Name", {"requester"}), Catch::Contains("actor name"));
  CHECK_THROWS_WITH(f.engine->add_actor("system", {"admin"}), Catch::Contains("reserved"));
  CHECK_FALSE(f.store->actor("zed"));
  Actor a = f.engine->add_actor("olivia", {"triager"});
  CHECK(a.roles == std::vector<std::string>{"comms_officer", "triager"});
}

TEST_CASE("state survives closing and reopening the database") {
  Fixture f;
  Item item = f.submit();
  f.act(item.ref, "edit", "olivia", Json{{"body", "kept"}});
  f.reopen();
  Item again = f.engine->item(item.ref);
  CHECK(again.data["body"] == "kept");
  CHECK(again.revision == 2);
  CHECK(verify(*f.store).ok());
}

// The submit effect's output is checked again only where it changed the submitted data; what it
// changed must still be coerced and checked, and required fields still be there.
TEST_CASE("a submit effect's changes are checked against the fields, its untouched data kept") {
  Fixture f(R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "stamped",
  prefix = "ST",
  fields = {
    title = wf.text { required = true, max = 20 },
    words = wf.integer { min = 0 },
    due = wf.date {},
  },
  submit = {
    roles = { "comms_officer" },
    effect = function(item, ctx)
      if item.title == "negative" then item.words = -1 end
      if item.title == "as text" then item.words = "7" end
      if item.title == "untitled" then item.title = nil end
      if item.title == "too long" then item.title = "a title well past twenty characters" end
      if item.title == "due" then item.due = " 2026-04-01 " end
    end,
  },
  initial = "open",
  states = {
    open = { actions = { close = { to = "closed", roles = { "comms_officer" } } } },
    closed = { final = true },
  },
}
)lua",
            "stamped.lua");
  auto submit = [&](const std::string& title) {
    return f.engine->submit("stamped", "olivia",
                            Json{{"title", title}, {"words", "3"}, {"due", "2026-03-09"}});
  };
  auto error_of = [&](const std::string& title) {
    try {
      submit(title);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Script);
      return std::string(e.what());
    }
    FAIL("the submit of '" << title << "' did not fail");
    return std::string();
  };

  CHECK_THAT(error_of("negative"), Catch::Contains("words:"));
  CHECK_THAT(error_of("untitled"), Catch::Contains("title: is required"));
  CHECK_THAT(error_of("too long"), Catch::Contains("title:"));
  CHECK(f.engine->items({}).empty());

  auto kept = submit("unchanged");
  REQUIRE(kept.ok());
  CHECK(kept.value().data == Json{{"title", "unchanged"}, {"words", 3}, {"due", "2026-03-09"}});
  auto coerced = submit("as text");
  REQUIRE(coerced.ok());
  CHECK(coerced.value().data["words"] == 7);
  CHECK(coerced.value().data["words"].is_number_integer());
  auto due = submit("due");
  REQUIRE(due.ok());
  CHECK(due.value().data["due"] == "2026-04-01");
}

TEST_CASE(
    "an action's input required by another input's answer, or an item field's, is asked for") {
  std::string source = test::kReviewWorkflow;
  const std::string plain = "fields = { comment = wf.text { required = true } },";
  source.replace(source.find(plain), plain.size(),
                 "fields = { severity = wf.choice { \"minor\", \"major\" }, comment = wf.text { "
                 "required_if = { severity = { \"major\" }, priority = { \"high\" } } } },");
  Fixture f(source);
  Item plain_item = f.engine->submit("review", "olivia", Json{{"title", "Low"}}).value();
  f.act(plain_item.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(plain_item.ref, "send", "olivia");
  CHECK(f.act(plain_item.ref, "send_back", "hannah").state == "draft");  // neither answer given

  f.act(plain_item.ref, "send", "olivia");
  CHECK_THROWS_WITH(f.engine->act(ActRequest{plain_item.ref, "send_back", "hannah",
                                             Json{{"severity", "major"}}, "", std::nullopt}),
                    Catch::Contains("comment: is required when Severity is Major"));

  Item urgent =
      f.engine->submit("review", "olivia", Json{{"title", "High"}, {"priority", "high"}}).value();
  f.act(urgent.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(urgent.ref, "send", "olivia");
  CHECK_THROWS_WITH(f.engine->act(ActRequest{urgent.ref, "send_back", "hannah", Json::object(), "",
                                             std::nullopt}),
                    Catch::Contains("comment: is required when Priority is High"));
  CHECK(f.act(urgent.ref, "send_back", "hannah", Json{{"comment", "Shorter"}}).state == "draft");
}

TEST_CASE("an action's required field may be filled by its effect") {
  std::string source = test::kReviewWorkflow;
  const std::string approve =
      "roles = { \"head_of_comms\" },\n          effect = function(item, ctx) "
      "item.approved_by = ctx.actor.name end,";
  REQUIRE(source.find(approve) != std::string::npos);
  source.replace(source.find(approve), approve.size(),
                 "roles = { \"head_of_comms\" }, sets = { \"approved_by\" }, required = { "
                 "\"approved_by\" },\n          effect = function(item, ctx) item.approved_by = "
                 "ctx.actor.name end,");
  Fixture f(source);
  Item item = f.submit();
  f.act(item.ref, "edit", "olivia", Json{{"body", "Text"}});
  f.act(item.ref, "send", "olivia");
  Item approved = f.act(item.ref, "approve", "hannah");  // nothing given: the effect fills it
  CHECK(approved.data["approved_by"] == "hannah");
}
