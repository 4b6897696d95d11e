// The sign-off mechanism: documents with versions, decision rules, parallel groups, version
// voiding, separation of duties, delegation, timers and the outbox; on a small test workflow.
#include <commsflow/audit.h>
#include <commsflow/migration.h>
#include <commsflow/people.h>
#include <commsflow/read_access.h>
#include <commsflow/sha256.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

#include "support.h"
#include "workflow/signoff_rules.h"

using namespace commsflow;
using Catch::Matchers::Contains;

namespace {

// drafting -> review (any head_of_comms) -> panel (quorum 2 of executive) -> chair (primary
// director, head_of_comms advising) -> checks (clinical AND legal, in parallel) -> approved.
const char* const kChain = R"lua(local wf = require "commsflow"

local function no_friday_approvals(item, ctx)
  if item.title == "blocked by lua" and ctx.decision == "approved" then
    return { "this workflow refuses approvals of this title" }
  end
  return true
end

return wf.workflow {
  name = "chain", prefix = "CH",
  fields = {
    title = wf.text { required = true },
    skip_checks = wf.boolean { default = false },
    tampered = wf.text {},
  },
  document = { roles = { "comms_officer" } },
  submit = { roles = { "comms_officer" } },
  initial = "drafting",
  states = {
    drafting = { actions = {
      send = { to = "review", roles = { "comms_officer" } },
      forge = { roles = { "comms_officer" }, effect = function(item)
        item._approved = { document_version = 99 }
        item.tampered = "tried"
      end },
    } },
    review = wf.signoff {
      approvers = { "head_of_comms" }, rule = "any",
      due = function(item, ctx) return wf.hours(4) end,
      remind_before = wf.hours(1),
      escalate_to = { "director" },
      guard = no_friday_approvals,
      approved = "panel", changes_required = "drafting", not_relevant = "approved",
    },
    panel = wf.signoff {
      approvers = { "executive" }, quorum = 2,
      approved = "chair", changes_required = "drafting", on_new_version = "first_approval",
    },
    chair = wf.signoff {
      approvers = { "director", "head_of_comms" }, primary = "director",
      approved = { to = { "checks", "approved" },
                   route = function(item) return item.skip_checks and "approved" or "checks" end },
      changes_required = "drafting", on_new_version = "review",
    },
    checks = wf.signoff {
      groups = {
        clinical = { approvers = { "clinical_lead" }, rule = "any" },
        legal = { approvers = { "legal", "governance" }, rule = "all" },
      },
      approved = "approved", changes_required = "drafting",
    },
    approved = { actions = { publish = { to = "published", roles = { "comms_officer" } } } },
    published = { final = true },
  },
}
)lua";

struct Chain : test::Fixture {
  explicit Chain(const std::string& workflow = kChain) : test::Fixture(workflow, "chain.lua") {
    engine->add_actor("olga", {"comms_officer"});
    engine->add_actor("ed", {"executive"});
    engine->add_actor("eve", {"executive"});
    engine->add_actor("ezra", {"executive"});
    engine->add_actor("dan", {"director"});
    engine->add_actor("cal", {"clinical_lead"});
    engine->add_actor("lee", {"legal"});
    engine->add_actor("gus", {"governance"});
    engine->add_actor("hugo", {"head_of_comms"});
  }

  // dee, a comms officer, may decide for hannah as head of comms to the end of `until`.
  Delegation delegate_to_dee(const std::string& until) {
    engine->add_actor("dee", {"comms_officer"});
    auto given = Signoff(*engine).delegate("hannah", "dee", "head_of_comms", until, "hannah");
    REQUIRE(given.ok());
    return given.value();
  }

  std::string draft(const std::string& title = "Statement", Json extra = Json::object()) {
    Json fields = extra;
    fields["title"] = title;
    auto outcome = engine->submit("chain", "olivia", fields);
    REQUIRE(outcome.ok());
    std::string ref = outcome.value().ref;
    put(ref, "First draft.\n", "olivia");
    act(ref, "send", "olivia");
    return ref;
  }

  Item put(const std::string& ref, const std::string& text, const std::string& actor) {
    auto outcome = Signoff(*engine).put_document(PutDocumentRequest{ref, actor, text, {}, "", {}});
    if (!outcome) INFO(outcome.refusal().reasons.front());
    REQUIRE(outcome.ok());
    return outcome.value();
  }

  Outcome<Item> decide(const std::string& ref, const std::string& decision,
                       const std::string& actor, const std::string& comment = "") {
    return Signoff(*engine).decide(DecideRequest{ref, decision, actor, comment, "", {}, {}});
  }

  // A decision asking for changes says which (Signoff::decide requires it).
  Item ok(const std::string& ref, const std::string& decision, const std::string& actor) {
    auto outcome = decide(ref, decision, actor, asks_for_changes(decision) ? "Shorter" : "");
    if (!outcome) INFO(outcome.refusal().reasons.front());
    REQUIRE(outcome.ok());
    return outcome.value();
  }

  std::string refused(const std::string& ref, const std::string& decision,
                      const std::string& actor) {
    auto before = engine->item(ref);
    auto outcome = decide(ref, decision, actor);
    REQUIRE_FALSE(outcome.ok());
    CHECK(engine->item(ref).revision == before.revision);  // nothing written
    return outcome.refusal().reasons.front();
  }

  // Takes a fresh draft through review, panel and chair.
  std::string at_checks() {
    std::string ref = draft();
    ok(ref, "approved", "hannah");
    ok(ref, "approved", "ed");
    ok(ref, "approved", "eve");
    ok(ref, "approved", "dan");
    REQUIRE(engine->item(ref).state == "checks");
    return ref;
  }

  // What verify says after `sql` changed the file behind the engine's back.
  VerifyReport verify_after_tampering(const std::string& sql) {
    test::raw_sql(db_path, sql);
    reopen();
    return verify(*store);
  }

  void verified() {
    auto report = verify(*store);
    std::string problems;
    for (const auto& p : report.problems) problems += p.message + "\n";
    INFO(problems);
    CHECK(report.ok());
  }
};

}  // namespace

TEST_CASE("decisions combine worst first, and all not-relevant counts as not relevant") {
  CHECK(combine_decisions({"approved", "approved_with_changes"}) == "approved_with_changes");
  CHECK(combine_decisions({"approved", "changes_required", "approved_with_changes"}) ==
        "changes_required");
  CHECK(combine_decisions({"not_relevant", "approved"}) == "approved");
  CHECK(combine_decisions({"not_relevant", "not_relevant"}) == "not_relevant");
  CHECK(combine_decisions({}).empty());
  CHECK(is_decision("approved_with_changes"));
  CHECK_FALSE(is_decision("maybe"));
}

TEST_CASE("group rules: all waits for every entry, quorum counts people, primary decides alone") {
  auto decision = [](std::string as, std::string value, std::string actor) {
    return Json{{"as", as}, {"decision", value}, {"actor", actor}};
  };
  // A group's record in the step: its decisions (and a quorum asked as the step started).
  auto decided = [](Json decisions) { return Json{{"decisions", std::move(decisions)}}; };
  ApproverGroupSpec all{"g", {"legal", "governance"}, "all", 0, "", 0};
  CHECK_FALSE(group_result(all, decided(Json::array({decision("legal", "approved", "a")})), {}));
  CHECK(*group_result(all,
                      decided(Json::array({decision("legal", "approved", "a"),
                                           decision("governance", "approved_with_changes", "b")})),
                      {}) == "approved_with_changes");
  CHECK(*group_result(all, decided(Json::array({decision("legal", "changes_required", "a")})),
                      {}) == "changes_required");

  ApproverGroupSpec quorum{"g", {"executive"}, "quorum", 2, "", 0};
  CHECK_FALSE(
      group_result(quorum, decided(Json::array({decision("executive", "approved", "a")})), {}));
  CHECK(*group_result(quorum,
                      decided(Json::array({decision("executive", "approved", "a"),
                                           decision("executive", "approved", "b")})),
                      {}) == "approved");

  ApproverGroupSpec primary{"g", {"director", "head_of_comms"}, "primary", 0, "director", 0};
  CHECK_FALSE(group_result(primary,
                           decided(Json::array({decision("head_of_comms", "approved", "h")})), {}));
  CHECK(*group_result(primary,
                      decided(Json::array({decision("head_of_comms", "approved", "h"),
                                           decision("director", "not_relevant", "d")})),
                      {}) == "not_relevant");
  // A quorum asked of the workflow as the step started is the step's own.
  Json three = decided(Json::array(
      {decision("executive", "approved", "a"), decision("executive", "approved", "b")}));
  three["quorum"] = 3;
  CHECK_FALSE(group_result(quorum, three, {}));
  three["decisions"].push_back(decision("executive", "approved", "c"));
  CHECK(*group_result(quorum, three, {}) == "approved");
  // A step begun before the workflow asked (no quorum kept) waits for one decision, never none.
  ApproverGroupSpec asked = quorum;
  asked.quorum = 0;
  asked.quorum_of = 1;
  CHECK_FALSE(group_result(asked, decided(Json::array()), {}));
  CHECK(*group_result(asked, decided(Json::array({decision("executive", "approved", "a")})), {}) ==
        "approved");
  // Once escalated, the fallback decides in the approvers' place.
  ApproverGroupSpec any{"g", {"head_of_comms"}, "any", 0, "", 0};
  CHECK(*group_result(any, decided(Json::array({decision("director", "approved", "d")})),
                      {"director"}) == "approved");
}

TEST_CASE("sign-off: an approval moves the item to the next step and binds to the version") {
  Chain c;
  std::string ref = c.draft();
  Item item = c.engine->item(ref);
  CHECK(item.state == "review");
  CHECK(item.data["_signoff"]["due_at"] == "2026-03-02T13:00:00Z");

  item = c.ok(ref, "approved", "hannah");
  CHECK(item.state == "panel");
  const Json& passed = item.data["_chain"][0];
  CHECK(passed["step"] == "review");
  CHECK(passed["decisions"][0]["actor"] == "hannah");
  CHECK(passed["decisions"][0]["document_version"] == 1);
  CHECK(passed["decisions"][0]["document_hash"] == item.data["_document"]["hash"]);

  auto events = c.engine->history(ref);
  const Event& decided = events.back();
  CHECK(decided.action == "decide");
  CHECK(decided.payload["decision"] == "approved");
  CHECK(decided.payload["document_hash"] == item.data["_document"]["hash"]);
  CHECK(decided.from_state == "review");
  CHECK(decided.to_state == "panel");
  c.verified();
}

TEST_CASE("sign-off: quorum needs two different people, and the same person cannot count twice") {
  Chain c;
  std::string ref = c.draft();
  c.ok(ref, "approved", "hannah");
  CHECK(c.ok(ref, "approved", "ed").state == "panel");
  // A decision that leaves the step open is in its event too: replay gives the stored item.
  c.verified();
  CHECK_THAT(c.refused(ref, "approved", "ed"), Contains("ed has already decided"));
  CHECK(c.ok(ref, "approved_with_changes", "eve").state == "chair");
}

TEST_CASE("sign-off: a primary decider ends the step, and others' decisions are kept but do not") {
  Chain c;
  std::string ref = c.draft();
  c.ok(ref, "approved", "hannah");
  c.ok(ref, "approved", "ed");
  c.ok(ref, "approved", "eve");
  Item item = c.ok(ref, "approved", "hugo");  // head_of_comms advises
  CHECK(item.state == "chair");
  item = c.ok(ref, "approved", "dan");
  CHECK(item.state == "checks");
  CHECK(item.data["_chain"][2]["decisions"].size() == 2);
}

TEST_CASE("sign-off: parallel groups must all reach a result, and the worst result wins") {
  Chain c;
  std::string ref = c.at_checks();
  CHECK(c.ok(ref, "approved", "cal").state == "checks");  // clinical done, legal waiting
  CHECK(c.ok(ref, "approved", "lee").state == "checks");  // legal needs governance too
  Item item = c.ok(ref, "approved_with_changes", "gus");
  CHECK(item.state == "approved");
  CHECK(item.data["_approved"]["steps"][3]["result"] == "approved_with_changes");
  CHECK(item.data["_approved"]["document_version"] == 1);

  std::string second = c.at_checks();
  c.ok(second, "approved", "cal");
  // changes required by one group ends the step at once.
  item = c.ok(second, "changes_required", "lee");
  CHECK(item.state == "drafting");
  CHECK_FALSE(item.data.contains("_chain"));
  CHECK_FALSE(item.data.contains("_approved"));
  c.verified();
}

TEST_CASE("sign-off: all not-relevant follows the not_relevant outcome") {
  Chain c;
  std::string ref = c.draft();
  Item item = c.ok(ref, "not_relevant", "hannah");
  CHECK(item.state == "approved");
  CHECK(item.data["_approved"]["steps"][0]["result"] == "not_relevant");
}

TEST_CASE("sign-off: a new version voids every approval and goes where the step's policy says") {
  Chain c;
  std::string ref = c.draft();
  c.ok(ref, "approved", "hannah");
  c.ok(ref, "approved", "ed");  // panel: one of two
  // In the panel (on_new_version = "first_approval"): back to review, the first step that
  // approved version 1; both decisions are void.
  Item item = c.put(ref, "Second draft.\n", "olga");
  CHECK(item.state == "review");
  CHECK_FALSE(item.data.contains("_chain"));
  REQUIRE(item.data["_signoff"]["void"].size() == 2);
  CHECK(item.data["_signoff"]["void"][0]["step"] == "panel");
  CHECK(item.data["_signoff"]["void"][1]["step"] == "review");
  c.ok(ref, "approved", "hugo");
  c.ok(ref, "approved", "ed");
  item = c.ok(ref, "approved", "eve");
  CHECK(item.state == "chair");

  // In chair (on_new_version = "review"): back to review.
  item = c.put(ref, "Third draft.\n", "olivia");
  CHECK(item.state == "review");
  CHECK_FALSE(item.data.contains("_chain"));
  c.verified();
}

TEST_CASE(
    "sign-off: by default a new version restarts the chain, and every approval of record "
    "is on the version approved") {
  Chain c;
  std::string ref = c.at_checks();
  c.ok(ref, "approved", "cal");
  c.ok(ref, "approved", "lee");
  Item item = c.put(ref, "Revised after legal.\n", "olga");
  CHECK(item.state == "review");
  const Json& signoff = item.data["_signoff"];
  CHECK(signoff["groups"]["review"]["decisions"].empty());
  // review, panel (two), chair, and the two in checks.
  REQUIRE(signoff["void"].size() == 6);
  for (const auto& d : signoff["void"]) CHECK(d["document_version"] == 1);
  CHECK(Signoff(*c.engine).inbox("hannah").size() == 1);

  c.ok(ref, "approved", "hannah");
  c.ok(ref, "approved", "ed");
  c.ok(ref, "approved", "eve");
  c.ok(ref, "approved", "dan");
  // Governance alone does not complete legal ("all"): the step waits for lee too.
  CHECK(c.ok(ref, "approved", "gus").state == "checks");
  c.ok(ref, "approved", "cal");
  item = c.ok(ref, "approved", "lee");
  CHECK(item.state == "approved");
  CHECK(item.data["_approved"]["document_version"] == 2);
  for (const auto& step : item.data["_approved"]["steps"]) {
    for (const auto& d : step["decisions"]) CHECK(d["document_version"] == 2);
  }
  // After the chain: a new version sends it back to the start again.
  item = c.put(ref, "Revised once more.\n", "olga");
  CHECK(item.state == "review");
  CHECK_FALSE(item.data.contains("_approved"));
  c.verified();
}

TEST_CASE("sign-off: the author of a version cannot approve it") {
  Chain c;
  c.engine->add_actor("hannah", {"comms_officer"});  // hannah also drafts
  std::string ref = c.draft();
  c.put(ref, "Hannah's rewrite.\n", "hannah");
  CHECK_THAT(c.refused(ref, "approved", "hannah"),
             Contains("hannah wrote version 2 of the document, so someone else must decide"));
  CHECK(c.ok(ref, "approved", "hugo").state == "panel");
}

TEST_CASE("sign-off: refusals name the reason and change nothing") {
  Chain c;
  auto outcome = c.engine->submit("chain", "olivia", Json{{"title", "No text"}});
  std::string bare = outcome.value().ref;
  CHECK_THAT(c.refused(bare, "approved", "hannah"), Contains("not a sign-off step"));

  std::string ref = c.draft();
  CHECK_THAT(
      c.refused(ref, "approved", "ed"),
      Contains("ed may not decide at \"Review\": it needs Head of comms (ed has Executive)"));
  CHECK_THROWS_WITH(c.decide(ref, "yes", "hannah"), Contains("decision 'yes' is not one of"));
  CHECK_THROWS_WITH(c.decide(ref, "approved", "nobody"), Contains("unknown actor 'nobody'"));
  CHECK_THROWS_AS(
      Signoff(*c.engine).decide(DecideRequest{ref, "approved", "hannah", "", "", 1, {}}), Error);

  std::string blocked = c.draft("blocked by lua");
  CHECK_THAT(c.refused(blocked, "approved", "hannah"),
             Contains("this workflow refuses approvals of this title"));
  CHECK(c.ok(blocked, "changes_required", "hannah").state == "drafting");
}

TEST_CASE("documents: versions are numbered, hashed, and closed after a final state") {
  Chain c;
  std::string ref = c.draft();
  auto same = Signoff(*c.engine).put_document(
      PutDocumentRequest{ref, "olga", "First draft.\n", {}, "", {}});
  REQUIRE_FALSE(same.ok());
  CHECK_THAT(same.refusal().reasons.front(), Contains("same as version 1"));

  auto not_allowed =
      Signoff(*c.engine).put_document(PutDocumentRequest{ref, "hannah", "Mine.\n", {}, "", {}});
  REQUIRE_FALSE(not_allowed.ok());
  CHECK_THAT(not_allowed.refusal().reasons.front(), Contains("needs the role Comms officer"));

  // Attachments: the hash covers a manifest of each part's hash.
  Item item = c.put(ref, "With a picture.\n", "olga");
  auto with_file = Signoff(*c.engine).put_document(PutDocumentRequest{
      ref, "olga", "With a picture.\n", {Attachment{"photo.jpg", "", "JPEGDATA"}}, "", {}});
  REQUIRE(with_file.ok());
  auto versions = Signoff(*c.engine).documents(ref);
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].hash == "2f1d779cc4767d33a23909073d5dd89145666f34c62e35046c6836626049097f");
  CHECK(versions[1].author == "olga");
  CHECK(versions[2].attachments.at(0).name == "photo.jpg");
  CHECK(versions[2].hash != versions[1].hash);

  CHECK_THROWS_WITH(Signoff(*c.engine).put_document(PutDocumentRequest{
                        ref, "olga", "x", {Attachment{"../up", "", "x"}}, "", {}}),
                    Contains("must be a plain file name"));

  c.ok(ref, "not_relevant", "hannah");
  c.act(ref, "publish", "olivia");
  auto closed =
      Signoff(*c.engine).put_document(PutDocumentRequest{ref, "olga", "Late edit.\n", {}, "", {}});
  REQUIRE_FALSE(closed.ok());
  CHECK_THAT(closed.refusal().reasons.front(), Contains("closed"));
  CHECK(Signoff(*c.engine).documents(ref).size() == 3);
  c.verified();
}

TEST_CASE("documents: a version edited in the database is detected by verify", "[sqlite]") {
  Chain c;
  std::string ref = c.draft();
  auto report = c.verify_after_tampering(
      "DROP TRIGGER document_versions_no_update; UPDATE document_versions SET content = "
      "'Tampered.' WHERE version = 1");
  REQUIRE_FALSE(report.ok());
  CHECK_THAT(report.problems.front().message,
             Contains(ref + " document version 1: its content does not match its hash"));
}

namespace {

// The error a read or a change of a tampered document gives, checked by kind and words.
void refused_as_altered(const std::function<void()>& attempt, const std::string& words) {
  try {
    attempt();
    FAIL("text changed outside commsflow was used");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Storage);
    CHECK_THAT(e.what(), Contains(words));
  }
}

}  // namespace

TEST_CASE("documents: text changed in the database is neither shown, decided on nor acted on",
          "[sqlite]") {
  Chain c;
  const std::string deciding = c.draft("In review");
  const std::string approved = c.draft("Approved");
  c.ok(approved, "not_relevant", "hannah");
  const auto revision = c.engine->item(deciding).revision;
  const auto approved_revision = c.engine->item(approved).revision;

  SECTION("the text alone: it no longer matches the hash it was written with") {
    REQUIRE_FALSE(c.verify_after_tampering("DROP TRIGGER document_versions_no_update; UPDATE "
                                           "document_versions SET content = 'Tampered.'")
                      .ok());
    const std::string words =
        "version 1 of its document was changed outside commsflow (its stored text no longer "
        "matches the hash it was written with)";
    refused_as_altered([&] { Signoff(*c.engine).documents(deciding); }, deciding + ": " + words);
    refused_as_altered([&] { c.decide(deciding, "approved", "hannah"); }, words);
    refused_as_altered([&] { c.act(approved, "publish", "olivia"); }, approved + ": " + words);
    refused_as_altered([&] { c.put(deciding, "Another draft.\n", "olivia"); }, words);
    CHECK(c.engine->item(deciding).revision == revision);  // nothing written
  }
  SECTION("the text and its hash together: they no longer match the item's history") {
    REQUIRE_FALSE(
        c.verify_after_tampering(
             "DROP TRIGGER document_versions_no_update; UPDATE document_versions SET content = "
             "'Tampered.', hash = '" +
             to_hex(sha256(std::string("Tampered."))) + "'")
            .ok());
    const std::string words = "no longer matches the hash its history recorded";
    refused_as_altered([&] { Signoff(*c.engine).documents(deciding); }, words);
    refused_as_altered([&] { c.decide(deciding, "approved", "hannah"); }, words);
    refused_as_altered([&] { c.act(approved, "publish", "olivia"); }, words);
  }
  SECTION("an earlier version and its hash together: reading finds it by the item's history") {
    c.put(deciding, "Second draft.\n", "olga");
    REQUIRE_FALSE(
        c.verify_after_tampering(
             "DROP TRIGGER document_versions_no_update; UPDATE document_versions SET content = "
             "'Tampered.', hash = '" +
             to_hex(sha256(std::string("Tampered."))) + "' WHERE version = 1")
            .ok());
    refused_as_altered([&] { Signoff(*c.engine).documents(deciding); },
                       deciding +
                           ": version 1 of its document was changed outside commsflow (its "
                           "stored text no longer matches the hash its history recorded)");
  }
  SECTION("the version deleted") {
    REQUIRE_FALSE(c.verify_after_tampering("DROP TRIGGER document_versions_no_delete; DELETE FROM "
                                           "document_versions")
                      .ok());
    refused_as_altered([&] { Signoff(*c.engine).documents(deciding); },
                       "version 1 of its document is missing from the database");
    refused_as_altered([&] { c.act(approved, "publish", "olivia"); }, "is missing");
  }
  CHECK(c.engine->item(approved).revision == approved_revision);  // nothing written
  CHECK(c.engine->item(approved).state == "approved");
}

TEST_CASE("migrate: an item whose sign-off step is renamed starts that step afresh", "[sqlite]") {
  Chain c;
  const std::string ref = c.draft();
  std::string text = kChain;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"to = \"review\"", "to = \"comms_review\""},
           {"    review = wf.signoff {", "    comms_review = wf.signoff { label = \"Review\","},
           {"on_new_version = \"review\"", "on_new_version = \"comms_review\""},
           {"initial = \"drafting\",",
            "initial = \"drafting\", migrate = { states = { review = \"comms_review\" } },"}}) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  std::ofstream(c.workflows / "chain.lua", std::ios::trunc) << text;

  auto planned = migrate(*c.engine, MigrationRequest{"", "chain", "operator", false, true});
  REQUIRE(planned.ok());
  REQUIRE(planned.value().items.size() == 1);
  // Renamed under the same label, the step is told apart by its names.
  CHECK(planned.value().items[0].remarks ==
        std::vector<std::string>{"the sign-off starts again at step 'Review (comms_review)': "
                                 "decisions made at 'Review (review)' do not carry over"});
  REQUIRE(migrate(*c.engine, MigrationRequest{"", "chain", "operator", false, false}).ok());

  const Item moved = c.engine->item(ref);
  CHECK(moved.state == "comms_review");
  CHECK(moved.data["_signoff"]["step"] == "comms_review");
  CHECK(moved.data["_signoff"].contains("due_at"));
  const auto waiting = Signoff(*c.engine).inbox("hannah");
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].step == "comms_review");
  // The head of comms is told of the step again; it is decided and goes on as before.
  int told = 0;
  for (const auto& row : c.store->outbox("hannah", ref)) told += row.kind == "decision_needed";
  CHECK(told == 2);
  CHECK(c.ok(ref, "approved", "hannah").state == "panel");
  CHECK(c.engine->item(ref).data["_chain"][0]["step"] == "comms_review");
  c.verified();
}

TEST_CASE("documents: a version deleted from the database is detected by verify", "[sqlite]") {
  Chain c;
  std::string ref = c.draft();
  REQUIRE(verify(*c.store).ok());
  // The approved text must stay where its event says it is: deleting it would leave the event
  // naming a hash nobody can show the text of.
  auto report = c.verify_after_tampering(
      "DROP TRIGGER document_versions_no_delete; DELETE FROM document_versions WHERE version = 1");
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems.front().ref == ref);
  CHECK_THAT(report.problems.front().message,
             Contains(ref + " document version 1 was recorded by a put_document event but is "
                            "not stored"));
}

TEST_CASE("documents: an attachment name may not hold a line break, nor hide one from verify",
          "[sqlite]") {
  Chain c;
  std::string ref = c.draft();
  // Attachments are listed in the document's hash a line each: this name would read there as a
  // second attachment, so that two different sets of files would share one hash.
  const std::string forged_name = "a.txt\nfile " + std::string(64, '0') + " b.txt";
  CHECK_THROWS_WITH(
      Signoff(*c.engine).put_document(PutDocumentRequest{
          ref, "olga", "Second draft.\n", {Attachment{forged_name, "", "x"}}, "", {}}),
      Contains("attachment name") && Contains("U+000A"));
  CHECK_THROWS_WITH(
      Signoff(*c.engine).put_document(PutDocumentRequest{
          ref, "olga", "Second draft.\n", {Attachment{"a\x1b.txt", "", "x"}}, "", {}}),
      Contains("U+001B"));
  CHECK(Signoff(*c.engine).documents(ref).size() == 1);

  auto put = Signoff(*c.engine).put_document(
      PutDocumentRequest{ref, "olga", "Second draft.\n", {Attachment{"a.txt", "", "x"}}, "", {}});
  REQUIRE(put.ok());
  REQUIRE(verify(*c.store).ok());
  auto report = c.verify_after_tampering(
      "DROP TRIGGER document_attachments_no_update; UPDATE document_attachments SET name = "
      "'a.txt' || char(10) || 'file x b.txt'");
  REQUIRE_FALSE(report.ok());
  CHECK(std::any_of(report.problems.begin(), report.problems.end(), [&](const auto& p) {
    return p.message.find(ref + " document version 2: an attachment's name has a line break") !=
           std::string::npos;
  }));
}

TEST_CASE("an action that releases the document needs the approval of record, and records it") {
  std::string releasing = kChain;
  const std::string publish = R"(publish = { to = "published", roles = { "comms_officer" } })";
  releasing.replace(
      releasing.find(publish), publish.size(),
      R"(publish = { to = "published", roles = { "comms_officer" }, releases = true })");
  const std::string send = R"(send = { to = "review", roles = { "comms_officer" } },)";
  releasing.replace(
      releasing.find(send), send.size(),
      send + R"( leak = { to = "published", roles = { "comms_officer" }, releases = true },)");
  Chain c(releasing);
  auto submitted = c.engine->submit("chain", "olivia", Json{{"title", "Early"}});
  const std::string early = submitted.value().ref;
  c.put(early, "Not yet approved.\n", "olivia");
  // No workflow guard stands in the way: the engine refuses, and writes nothing.
  const auto before = c.engine->item(early);
  auto leaked = c.engine->act(ActRequest{early, "leak", "olivia", {}, "", std::nullopt});
  REQUIRE_FALSE(leaked.ok());
  CHECK(leaked.refusal().reasons.front() ==
        "version 1 of the document is not the version approved");
  CHECK(c.engine->item(early).revision == before.revision);

  const std::string ref = c.draft("Approved", Json{{"skip_checks", true}});
  c.ok(ref, "approved", "hannah");
  c.ok(ref, "approved", "ed");
  c.ok(ref, "approved", "eve");
  c.ok(ref, "approved", "dan");
  REQUIRE(c.engine->item(ref).state == "approved");
  const Json approved = c.engine->item(ref).data["_approved"];
  c.act(ref, "publish", "olivia");
  const Event released = c.engine->history(ref).back();
  CHECK(released.action == "publish");
  CHECK(released.payload["document_version"] == approved["document_version"]);
  CHECK(released.payload["document_hash"] == approved["document_hash"]);
  CHECK(released.payload["document_hash"] == Signoff(*c.engine).documents(ref).back().hash);
  CHECK(verify(*c.store).ok());
}

TEST_CASE(
    "a quorum the workflow gives per item is asked as the step starts, and a wrong one said") {
  std::string asked = kChain;
  const std::string review = R"(approvers = { "head_of_comms" }, rule = "any",)";
  asked.replace(asked.find(review), review.size(),
                R"(approvers = { "head_of_comms" },
      quorum = function(item) return item.title == "none" and 0 or #item.title end,)");
  Chain c(asked);
  const std::string ref = c.draft("ab");
  CHECK(c.engine->item(ref).data["_signoff"]["groups"]["review"]["quorum"] == 2);
  c.engine->add_actor("hope", {"head_of_comms"});
  CHECK(c.ok(ref, "approved", "hannah").state == "review");
  CHECK(c.ok(ref, "approved", "hope").state == "panel");

  auto submitted = c.engine->submit("chain", "olivia", Json{{"title", "none"}});
  const std::string none = submitted.value().ref;
  c.put(none, "Text.\n", "olivia");
  const Item before = c.engine->item(none);
  CHECK_THROWS_WITH(c.act(none, "send", "olivia"),
                    Contains("the quorum of step 'review' returned 0, which is not a whole number "
                             "from 1 to 1000"));
  CHECK(c.engine->item(none).revision == before.revision);
}

TEST_CASE("engine records cannot be forged by a workflow effect or by input") {
  Chain c;
  auto outcome = c.engine->submit("chain", "olivia", Json{{"title", "x"}});
  std::string ref = outcome.value().ref;
  Item item = c.act(ref, "forge", "olivia");
  CHECK(item.data["tampered"] == "tried");
  CHECK_FALSE(item.data.contains("_approved"));
  CHECK_THROWS_WITH(
      c.engine->submit("chain", "olivia",
                       Json{{"title", "x"}, {"_approved", {{"document_version", 1}}}}),
      Contains("_approved: is not a field"));
}

TEST_CASE("delegation: a delegate's decision is recorded on behalf of, and lapses after the date") {
  Chain c;
  c.delegate_to_dee("2026-03-03");
  std::string ref = c.draft();
  Item item = c.ok(ref, "approved", "dee");
  const Json& d = item.data["_chain"][0]["decisions"][0];
  CHECK(d["actor"] == "dee");
  CHECK(d["on_behalf_of"] == "hannah");
  CHECK(c.engine->history(ref).back().on_behalf_of == "hannah");

  // The day after the last day, the delegation has lapsed.
  c.clock.set(*parse_datetime("2026-03-04T09:00:00Z"));
  std::string later = c.draft();
  std::string reason;
  auto outcome = c.decide(later, "approved", "dee");
  REQUIRE_FALSE(outcome.ok());
  CHECK_THAT(outcome.refusal().reasons.back(),
             Contains("the delegation from hannah as Head of comms lapsed after Tue 3 Mar 2026"));
  c.verified();
}

TEST_CASE("delegation: one ended early lets the delegate neither decide nor see it waiting") {
  Chain c;
  const Delegation given = c.delegate_to_dee("2026-03-31");
  std::string ref = c.draft();
  REQUIRE(Signoff(*c.engine).inbox("dee").size() == 1);
  REQUIRE(People(*c.store, *c.registry, c.clock).revoke_delegation(given.id, "hannah").ok());
  CHECK(Signoff(*c.engine).inbox("dee").empty());
  CHECK_FALSE(Reader::for_actor(*c.store, *c.store->actor("dee"), "2026-03-02")
                  .decides_as("hannah", false));
  auto outcome = c.decide(ref, "approved", "dee");
  REQUIRE_FALSE(outcome.ok());
  CHECK(c.engine->item(ref).state == "review");
  // Nor is the delegate told of the next decision for her.
  std::string next = c.draft();
  for (const auto& row : c.store->outbox("dee", next)) CHECK(row.kind != "decision_needed");
  c.verified();
}

TEST_CASE("delegation: a leaver's delegation lets no one read or decide in their name") {
  Chain c;
  c.delegate_to_dee("2026-03-31");
  std::string ref = c.draft();
  auto reader = [&] {
    return Reader::for_actor(*c.store, *c.store->actor("dee"), uk_today(c.clock.now()));
  };
  REQUIRE(reader().decides_as("head_of_comms", true));
  REQUIRE(Signoff(*c.engine).inbox("dee").size() == 1);

  People(*c.store, *c.registry, c.clock).disable("hannah", kOperator);
  CHECK_FALSE(reader().decides_as("head_of_comms", true));
  CHECK_FALSE(reader().decides_as("hannah", false));
  CHECK(Signoff(*c.engine).inbox("dee").empty());
  auto outcome =
      Signoff(*c.engine).decide(DecideRequest{ref, "approved", "dee", "", "hannah", {}, {}});
  REQUIRE_FALSE(outcome.ok());
  CHECK_THAT(outcome.refusal().reasons.back(),
             Contains("hannah is disabled, so their delegation no longer stands"));
  // Asking to decide for someone who gave no delegation says so.
  outcome = Signoff(*c.engine).decide(DecideRequest{ref, "approved", "olga", "", "dan", {}, {}});
  REQUIRE_FALSE(outcome.ok());
  CHECK_THAT(outcome.refusal().reasons.front(), Contains("dan has not let olga decide for them"));
  CHECK(outcome.refusal().forbidden);  // no authority at all: 403 from the API
  CHECK(c.engine->item(ref).state == "review");
  c.verified();
}

TEST_CASE(
    "notifications: a step notifies every holder of its role, by name, then their delegates") {
  Chain c;
  c.engine->add_actor("abe", {"head_of_comms", "executive"});
  c.engine->add_actor("dee", {"comms_officer"});
  c.engine->add_actor("zed", {"comms_officer"});
  REQUIRE(
      Signoff(*c.engine).delegate("hannah", "dee", "head_of_comms", "2026-03-31", "hannah").ok());
  REQUIRE(Signoff(*c.engine).delegate("hugo", "zed", "head_of_comms", "2026-03-02", "hugo").ok());
  REQUIRE(Signoff(*c.engine).delegate("ed", "olga", "executive", "2026-03-31", "ed").ok());
  // zed's delegation ends today, so it has lapsed tomorrow; ed's is for another role.
  c.clock.set(*parse_datetime("2026-03-03T09:00:00Z"));
  std::string ref = c.draft();
  std::vector<std::string> notified;
  for (const auto& entry : c.store->outbox("", ref)) {
    CHECK(entry.kind == "decision_needed");
    notified.push_back(entry.recipient);
  }
  CHECK(notified == std::vector<std::string>{"abe", "hannah", "hugo", "dee"});
}

TEST_CASE("delegation: only the delegating actor or an admin, for a role they hold, in time") {
  Chain c;
  c.engine->add_actor("ada", {"admin"});
  CHECK_FALSE(
      Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-04-01", "olga").ok());
  CHECK(Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-04-01", "ada").ok());
  auto not_held = Signoff(*c.engine).delegate("hannah", "olga", "director", "2026-04-01", "hannah");
  REQUIRE_FALSE(not_held.ok());
  CHECK_THAT(not_held.refusal().reasons.front(), Contains("does not hold the role Director"));
  // A role in which no sign-off step decides has nothing to hand over.
  c.engine->add_actor("rita", {"requester"});
  auto nothing = Signoff(*c.engine).delegate("rita", "olga", "requester", "2026-04-01", "rita");
  REQUIRE_FALSE(nothing.ok());
  CHECK_THAT(nothing.refusal().reasons.front(),
             Contains("Requester decides in no sign-off step, so there is nothing to delegate"));
  CHECK_THROWS_WITH(
      Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-03-01", "hannah"),
      Contains("in the past"));
  CHECK_THROWS_WITH(
      Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "next week", "hannah"),
      Contains("must be a date"));
  CHECK_THROWS_WITH(
      Signoff(*c.engine).delegate("hannah", "hannah", "head_of_comms", "2026-04-01", "hannah"),
      Contains("themselves"));
  CHECK(c.store->delegations("olga").size() == 1);
  // A leaver named as the delegate is bad input; a leaver delegating is refused by role.
  People people(*c.store, *c.registry, c.clock);
  people.disable("olga", kOperator);
  try {
    (void)Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-04-01", "hannah");
    FAIL("a disabled delegate was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Contains("is disabled, so cannot be delegated to"));
  }
  people.enable("olga", kOperator);
  people.disable("hannah", kOperator);
  try {  // recording it herself, she acts: refused as a leaver
    (void)Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-04-01", "hannah");
    FAIL("a disabled person delegated");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Forbidden);
    CHECK_THAT(e.what(), Contains("hannah is disabled and may not act"));
  }
  try {  // recorded by the operator for her: she has nothing to delegate
    (void)Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-04-01", kOperator);
    FAIL("a disabled person's role was delegated");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Contains("is disabled, so has nothing to delegate"));
  }
  CHECK(c.store->delegations("olga").size() == 1);
}

TEST_CASE("the outbox lists by recipient or by item or by both or whole") {
  Chain c;
  const std::string first = c.draft(), second = c.draft();
  const auto ids = [](const std::vector<OutboxEntry>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& row : rows) out.push_back(row.id);
    return out;
  };
  const auto whole = c.store->outbox("", "");
  REQUIRE(whole.size() == 2 * c.store->outbox("", first).size());
  CHECK(c.store->outbox("hannah", "").size() == 2);
  CHECK(c.store->outbox("hannah", first).size() == 1);
  CHECK(ids(c.store->outbox("", second)) != ids(c.store->outbox("", first)));
  std::vector<std::int64_t> both = ids(c.store->outbox("", first));
  for (auto id : ids(c.store->outbox("", second))) both.push_back(id);
  CHECK(both == ids(whole));  // in id order, nothing lost
  CHECK(c.store->outbox("nobody", first).empty());
  CHECK(c.store->outbox("hannah", "no-such-ref").empty());
}

TEST_CASE(
    "timers: a reminder and then an escalation fire on tick, survive a restart, and let "
    "the fallback decide") {
  Chain c;
  std::string ref = c.draft();  // due 13:00, reminder at 12:00, escalate to director
  CHECK(c.store->outbox("hannah", ref).size() == 1);
  CHECK(Signoff(*c.engine).tick().empty());
  // The director cannot decide before the step is overdue.
  CHECK_THAT(c.refused(ref, "approved", "dan"),
             Contains("it needs Head of comms (dan has Director)"));

  c.reopen();
  c.clock.set(*parse_datetime("2026-03-02T12:00:00Z"));
  auto fired = Signoff(*c.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].action == "remind");
  CHECK(c.store->outbox("hannah", ref).back().kind == "reminder");
  CHECK(Signoff(*c.engine).tick().empty());  // fired once only

  c.reopen();
  c.clock.set(*parse_datetime("2026-03-02T13:30:00Z"));
  fired = Signoff(*c.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].action == "escalate");
  auto events = c.engine->history(ref);
  CHECK(events.back().actor == "system");
  CHECK(events.back().action == "escalate");
  CHECK(events[events.size() - 2].action == "remind");
  CHECK(c.store->outbox("dan", ref).back().kind == "escalation");
  Item item = c.engine->item(ref);
  CHECK(item.data["_signoff"]["overdue"] == true);

  item = c.ok(ref, "approved", "dan");
  CHECK(item.state == "panel");
  CHECK(item.data["_chain"][0]["decisions"][0]["as"] == "director");
  CHECK(c.store->timers_for(item.id).empty());
  c.verified();
}

TEST_CASE("inbox: what waits for an actor's decision, soonest due first, with delegations") {
  Chain c;
  std::string first = c.draft("first");
  c.clock.advance(std::chrono::hours(1));
  std::string second = c.draft("second");
  auto inbox = Signoff(*c.engine).inbox("hannah");
  REQUIRE(inbox.size() == 2);
  CHECK(inbox[0].item.ref == first);
  CHECK(inbox[0].due_at < inbox[1].due_at);
  CHECK(Signoff(*c.engine).inbox("ed").empty());
  c.ok(first, "approved", "hannah");
  CHECK(Signoff(*c.engine).inbox("hannah").size() == 1);
  CHECK(Signoff(*c.engine).inbox("ed").size() == 1);

  Signoff(*c.engine).delegate("hannah", "olga", "head_of_comms", "2026-03-31", "hannah");
  auto delegated = Signoff(*c.engine).inbox("olga");
  REQUIRE(delegated.size() == 1);
  CHECK(delegated[0].on_behalf_of == "hannah");
}

TEST_CASE("workflow checks: sign-off steps are validated with file and line") {
  auto problems = [](const std::string& source) {
    FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
    auto loaded = load_workflow(ScriptSource{"w.lua", source, {}}, "v", ScriptLimits{}, clock);
    std::string all;
    for (const auto& p : loaded.problems) all += p.to_string() + "\n";
    return all;
  };
  const std::string head = R"lua(local wf = require "commsflow"
return wf.workflow { name = "w", prefix = "WW", submit = { roles = { "comms_officer" } },
)lua";
  std::string no_document = problems(head + R"lua(initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director" }, approved = "done", changes_required = "a" },
  done = { final = true } } }
)lua");
  CHECK_THAT(no_document, Contains("w.lua:5: sign-off step 's' decides on a document"));

  std::string bad = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director" }, rule = "most", approved = "nowhere",
                   changes_required = "a", colour = "red" },
  done = { final = true } } }
)lua");
  CHECK_THAT(bad, Contains("rule of sign-off step 's' must be \"all\" or \"any\""));
  CHECK_THAT(bad, Contains("unknown key 'colour' in sign-off step 's'"));

  std::string missing = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director" }, approved = "nowhere", changes_required = "a" },
  done = { final = true } } }
)lua");
  CHECK_THAT(missing, Contains("approved of sign-off step 's' goes to missing state 'nowhere'"));

  std::string primary = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director" }, primary = "legal", changes_required = "a" },
  done = { final = true } } }
)lua");
  CHECK_THAT(primary,
             Contains("primary 'legal' of sign-off step 's' must be one of its approvers"));

  // A role misspelt would be taken for a person's sign-in name and wait for nobody; a person's
  // name far from every role is taken as given.
  std::string misspelt = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "clinical_leed", "dev.director" }, escalate_to = { "directr" },
                   approved = "done", changes_required = "a" },
  done = { final = true } } }
)lua");
  CHECK_THAT(misspelt, Contains("w.lua:6: approver 'clinical_leed' of step 's' is not a role") &&
                           Contains("did you mean the role 'clinical_lead'?"));
  CHECK_THAT(misspelt, Contains("escalate_to 'directr' of step 's'") &&
                           Contains("did you mean the role 'director'?"));
  CHECK_THAT(misspelt, !Contains("dev.director"));
  std::string people = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director1", "jo", "legl" }, approved = "done",
                   changes_required = "a" },
  done = { final = true } } }
)lua");
  CHECK_THAT(people, !Contains("director1") && !Contains("'jo'") &&
                         Contains("approver 'legl' of step 's' is not a role"));
  CHECK_THAT(primary, Contains("sign-off step 's' needs `approved = \"state\"`"));

  std::string initial = problems(head + R"lua(document = { roles = { "comms_officer" } },
initial = "s", states = {
  s = wf.signoff { approvers = { "director" }, approved = "done", changes_required = "s" },
  done = { final = true } } }
)lua");
  CHECK_THAT(initial, Contains("initial state 's' is a sign-off step"));

  std::string underscore = problems(head + R"lua(fields = { _approved = wf.text {} },
initial = "a", states = { a = { actions = { go = { to = "done", roles = { "comms_officer" } } } },
  done = { final = true } } }
)lua");
  CHECK_THAT(underscore, Contains("field name '_approved' may not begin with '_'"));

  // A workflow with a document and one step, given its `approval` table.
  auto with_approval = [&](const std::string& approval) {
    return problems(head + R"lua(document = { roles = { "comms_officer" } },
fields = { embargo = wf.datetime {} },
)lua" + approval + R"lua(
initial = "a", states = {
  a = { actions = { go = { to = "s", roles = { "comms_officer" } } } },
  s = wf.signoff { approvers = { "director" }, approved = "done", changes_required = "a",
                   on_new_version = "keep" },
  done = { final = true } } }
)lua");
  };
  std::string approval = with_approval(
      R"lua(approval = { conditions = { "embargo", "colour" }, on_change = "restart", when = 1 },)lua");
  CHECK_THAT(approval, Contains("w.lua:5: unknown key 'when' in approval"));
  CHECK_THAT(approval, Contains("on_change of approval must be a function"));
  // Reported once the parts are read: the unknown condition and where a new version goes.
  std::string targets =
      with_approval(R"lua(approval = { conditions = { "embargo", "colour" } },)lua");
  CHECK_THAT(targets, Contains("approval condition 'colour' is not a field of the workflow"));
  CHECK_THAT(targets, Contains("on_new_version of sign-off step 's' names missing state 'keep'"));
}

TEST_CASE("timers: a reminder nobody may be sent is not recorded as sent") {
  Chain c;
  People people(*c.store, *c.registry, c.clock);
  people.disable("hugo", kOperator);
  people.add("hannah", {"comms_officer"}, kOperator);
  // Hannah, the one head of comms left, wrote the text: the author is never asked or reminded.
  auto submitted = c.engine->submit("chain", "hannah", Json{{"title", "Her own"}});
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  c.put(ref, "Her text.\n", "hannah");
  c.act(ref, "send", "hannah");
  const auto events = c.engine->history(ref).size();
  c.clock.set(*parse_datetime("2026-03-02T12:00:00Z"));
  auto fired = Signoff(*c.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].action == "remind");
  CHECK_THAT(fired[0].message, Contains("nobody to remind of the decision due"));
  CHECK(c.store->outbox("hannah", ref).empty());
  // Nothing recorded: the history does not say someone was chased who was not.
  CHECK(c.engine->history(ref).size() == events);
  CHECK_FALSE(c.engine->item(ref).data["_signoff"].contains("reminded_at"));
  // The escalation still comes at the due time.
  c.clock.set(*parse_datetime("2026-03-02T13:30:00Z"));
  fired = Signoff(*c.engine).tick();
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].action == "escalate");
  c.verified();
}

TEST_CASE("timers: a tick long after the due time sends the reminder and escalates at once") {
  Chain c;
  std::string ref = c.draft();
  c.clock.set(*parse_datetime("2026-03-03T09:00:00Z"));
  auto fired = Signoff(*c.engine).tick();
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].action == "remind");
  CHECK(fired[1].action == "escalate");
  CHECK(Signoff(*c.engine).tick().empty());
  CHECK(c.engine->item(ref).data["_signoff"]["overdue"] == true);
}

TEST_CASE("a leaver's part in a step is taken only by someone who fills the same entry") {
  Chain c;
  // As `actor disable` asks: of the groups the leaver's inbox gave for the item.
  const auto in_place_of = [&](const std::string& ref, const std::string& leaver) {
    std::vector<std::string> groups;
    for (const auto& p : Signoff(*c.engine).inbox(leaver)) {
      if (p.item.ref == ref) groups = p.groups;
    }
    return Signoff(*c.engine).others_in_place_of(c.engine->item(ref), *c.store->actor(leaver),
                                                 groups);
  };
  using Names = std::vector<std::string>;
  std::string ref = c.draft();
  CHECK(in_place_of(ref, "hannah") == Names{"hugo"});  // review: any head of comms
  CHECK(in_place_of(ref, "dan").empty());              // nothing waits for him here
  // Once the step is escalated, its fallback decides in the approvers' place.
  c.clock.set(*parse_datetime("2026-03-03T09:00:00Z"));
  Signoff(*c.engine).tick();
  CHECK(in_place_of(ref, "hannah") == Names{"dan", "hugo"});

  ref = c.draft();
  c.ok(ref, "approved", "hannah");
  c.ok(ref, "approved", "ed");
  c.ok(ref, "approved", "eve");
  REQUIRE(c.engine->item(ref).state == "chair");
  // The primary director's part is not the advising heads of comms' to take; an adviser's is
  // anyone's who may decide there, the director first of all.
  CHECK(in_place_of(ref, "dan").empty());
  CHECK(in_place_of(ref, "hugo") == Names{"dan", "hannah"});
  c.engine->add_actor("dora", {"director"});
  CHECK(in_place_of(ref, "dan") == Names{"dora"});
  c.ok(ref, "approved", "dan");

  // Parallel groups: the legal group's people do not take the clinical lead's part, and in an
  // "all" group governance does not take legal's.
  REQUIRE(c.engine->item(ref).state == "checks");
  CHECK(in_place_of(ref, "cal").empty());
  CHECK(in_place_of(ref, "lee").empty());
  c.engine->add_actor("lena", {"legal"});
  CHECK(in_place_of(ref, "lee") == Names{"lena"});

  // A delegate's part is taken by the person they decide for, and the others of the role.
  c.delegate_to_dee("2026-03-31");
  ref = c.draft();
  CHECK(in_place_of(ref, "dee") == Names{"hannah", "hugo"});
}

TEST_CASE("the sign-off register gives a headline only to an auditor who may read the item") {
  // Governance audits, but this workflow's items are for the comms team and their approvers.
  std::string workflow = kChain;
  workflow.insert(workflow.find("  submit = {"),
                  "  read = { roles = { \"comms_officer\", \"head_of_comms\", \"executive\", "
                  "\"director\" } },\n");
  Chain c(workflow);
  std::string ref = c.draft("Ward 7 closure", Json{{"skip_checks", true}});
  for (const char* who : {"hannah", "ed", "eve", "dan"}) c.ok(ref, "approved", who);
  REQUIRE(c.engine->item(ref).state == "approved");
  auto register_for = [&](const std::string& who) {
    Actor reader = *c.store->actor(who);
    ReadAccess access(*c.engine, Reader::for_actor(*c.store, reader, uk_today(c.clock.now())));
    AuditSight sight(access);
    AuditWords words(*c.engine);
    ChainHead head;
    return signoff_table(
        *c.store, AuditQuery{}, head, [&](const Item& item) { return sight.title(item); }, words);
  };
  ReportTable comms = register_for("hannah");
  REQUIRE(comms.rows.size() == 1);
  CHECK(comms.rows[0][1] == "Ward 7 closure");
  // The approval stands in governance's register, as in the audit log, without its words.
  ReportTable governance = register_for("gus");
  REQUIRE(governance.rows.size() == 1);
  CHECK(governance.rows[0][0] == ref);
  CHECK(governance.rows[0][1] == "");
  CHECK(governance.rows[0][3] == comms.rows[0][3]);  // the version approved
}

TEST_CASE("a decision that would close an item is refused on a history changed outside commsflow") {
  const std::string workflow = R"lua(local wf = require "commsflow"
return wf.workflow { name = "one", prefix = "ONE", fields = { title = wf.text {} },
  document = { roles = { "comms_officer" } }, submit = { roles = { "comms_officer" } },
  initial = "drafting", states = {
    drafting = { actions = { send = { to = "review", roles = { "comms_officer" } } } },
    review = wf.signoff { approvers = { "head_of_comms" }, approved = "done",
                          changes_required = "drafting" },
    done = { final = true } } }
)lua";
  test::Fixture f(workflow, "one.lua");
  f.engine->add_actor("olga", {"comms_officer"});
  f.engine->add_actor("hugo", {"head_of_comms"});
  auto made = f.engine->submit("one", "olga", Json{{"title", "Ward 7"}});
  REQUIRE(made.ok());
  const std::string ref = made.value().ref;
  REQUIRE(
      Signoff(*f.engine).put_document(PutDocumentRequest{ref, "olga", "Text.\n", {}, "", {}}).ok());
  f.act(ref, "send", "olga");
  // The row changed around the engine: its events no longer give it.
  Item row = f.engine->item(ref);
  row.data["title"] = "Ward 8";
  REQUIRE(f.store->update_item(row, row.revision));
  CHECK_THROWS_WITH(
      Signoff(*f.engine).decide(DecideRequest{ref, "approved", "hugo", "", "", {}, {}}),
      Contains(ref + ": its history does not verify") && Contains("not taken to 'Done'"));
  CHECK(f.engine->item(ref).state == "review");
}

TEST_CASE("sign-off: someone named as a role does not fill the steps that name it") {
  Chain c;
  // An account made before such names were refused (People::add now refuses it): named as the
  // role, holding only another.
  c.store->add_actor(Actor{"head_of_comms", {"comms_officer"}}, "2026-03-01T09:00:00Z");
  const std::string ref = c.draft();
  auto outcome = c.decide(ref, "approved", "head_of_comms");
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.refusal().forbidden);
  CHECK(c.engine->item(ref).state == "review");
  CHECK(Signoff(*c.engine).inbox("head_of_comms").empty());
  // Not a decider, so not shown the draft (comms officers write it; this one may read it as
  // such, so ask of the reader alone).
  const Reader named = Reader::for_actor(*c.store, *c.store->actor("head_of_comms"), "2026-03-02");
  CHECK_FALSE(named.decides_as("head_of_comms", /*entry_is_role=*/true));
  CHECK(named.decides_as("head_of_comms", /*entry_is_role=*/false));  // were it a name
  // The role's holder is asked, and decides; the one named so is never told.
  for (const auto& row : c.store->outbox("head_of_comms", ref))
    CHECK(row.kind != "decision_needed");
  CHECK_FALSE(c.store->outbox("hannah", ref).empty());
  c.ok(ref, "approved", "hannah");
  CHECK(c.engine->item(ref).state == "panel");
  // (Not verified: the account was put in around commsflow, which verify rightly reports.)
}
