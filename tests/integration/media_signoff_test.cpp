// The shipped media sign-off chain (workflows/media_signoff.lua), driven through the CLI as a
// comms team would: draft, put the text, decide, tick, issue.
#include <commsflow/event.h>
#include <commsflow/json.h>
#include <commsflow/signoff.h>
#include <commsflow/store.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/csv.h"
#include "chain/document_hash.h"
#include "support.h"

using namespace commsflow;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr const char* kMorning = "2026-03-02T09:00:00Z";  // a Monday

// A folder with the shipped workflows and the press office's team. Statements are drafted in
// this process (draft, state); what a test is about goes through the real binary (run, json,
// put).
class Newsroom {
 public:
  Newsroom() {
    fs::copy(test::shipped_workflows(), dir_ / "workflows", fs::copy_options::recursive);
    here_ = std::make_unique<test::LocalEngine>(dir_.path(), /*create=*/true);
    const std::vector<std::pair<std::string, std::string>> team = {{"olivia", "comms_officer"},
                                                                   {"hannah", "head_of_comms"},
                                                                   {"cara", "clinical_lead"},
                                                                   {"eddie", "executive"},
                                                                   {"dev", "director"},
                                                                   {"pat", "partner_comms"},
                                                                   {"rhea", "regional_comms_lead"},
                                                                   {"sam", "comms_officer"},
                                                                   {"gil", "governance"},
                                                                   {"lee", "legal"}};
    for (const auto& [name, role] : team) here_->engine->add_actor(name, {role});
  }

  test::RunResult run(int expected_exit, const std::vector<std::string>& args,
                      const std::string& now = kMorning) const {
    test::RunResult r = test::run_cli(dir_.path(), args, now);
    INFO("commsflow " << join(args) << "\nexit " << r.exit_code << "\nstdout:\n"
                      << r.out << "\nstderr:\n"
                      << r.err);
    REQUIRE(r.exit_code == expected_exit);
    return r;
  }

  Json json(int expected_exit, std::vector<std::string> args,
            const std::string& now = kMorning) const {
    args.insert(args.begin(), "--json");
    return Json::parse(run(expected_exit, args, now).out);
  }

  // Drafts a statement with its text and sends it for review; returns the reference.
  std::string draft(const std::vector<std::string>& sets, const std::string& text) const {
    const std::string ref =
        here_->submit("media_signoff", "olivia", test::inputs_of(sets), kMorning).ref;
    here_->clock.set(*parse_datetime(kMorning));
    auto put =
        Signoff(*here_->engine).put_document(PutDocumentRequest{ref, "olivia", text, {}, "", {}});
    if (!put) {
      for (const auto& r : put.refusal().reasons) UNSCOPED_INFO(r);
    }
    REQUIRE(put.ok());
    here_->act(ref, "send_for_review", "olivia", Json::object(), kMorning);
    return ref;
  }

  void put(const std::string& ref, const std::string& text, const std::string& actor,
           const std::string& now = kMorning) const {
    auto file = dir_.write("statement.txt", text);
    run(0, {"doc", "put", ref, "--file", file.string(), "--as", actor}, now);
  }

  std::string state(const std::string& ref) const { return here_->item(ref).state; }

  // The current version of the statement's text, as `doc show` gives it to the approver who
  // reads it before deciding (`decide --version`).
  std::string version(const std::string& ref) const {
    return std::to_string(here_->item(ref).data["_document"].value("version", 0));
  }

  const fs::path& path() const { return dir_.path(); }

 private:
  static std::string join(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) out += a + " ";
    return out;
  }
  test::TempDir dir_;
  std::unique_ptr<test::LocalEngine> here_;
};

// Writes what an earlier commsflow recorded when a new version arrived in a later step: only
// that step decided again, so the approval of record mixes versions. Appended as hash-chained
// events, as that engine did, so `verify` still passes.
void write_legacy_mixed_approval(const fs::path& db, const std::string& ref) {
  auto store_owner = Store::open(db, Store::Options{});
  Store& store = *store_owner;
  auto tx = store.begin_write();
  Item item = *store.item(ref);
  const std::string text = "A revised statement the comms reviewer never saw.\n";
  const std::string hash = document_hash(text, {});
  const std::string at = "2026-03-02T10:30:00Z";
  store.insert_document_version(item.id, DocumentVersion{2, hash, text, "sam", at, {}});

  auto append = [&](const std::string& action, const std::string& actor, Json&& payload,
                    const std::function<void(Json&)>& change) {
    const Item before = item;
    change(item.data);
    Event event;
    event.ref = item.ref;
    event.action = action;
    event.actor = actor;
    event.at = at;
    event.from_state = event.to_state = item.state;
    event.version = item.version;
    event.payload = std::move(payload);
    event.changes = diff_changes(before.data, item.data);
    auto last = store.chain_head();
    event.seq = last->seq + 1;
    const std::string body = event.body();
    store.append_event(StoredEvent{event.seq, body, chain_hash(last->hash, body)});
    item.revision = before.revision + 1;
    item.updated_at = at;
    REQUIRE(store.update_item(item, before.revision));
  };
  append("put_document", "sam", Json{{"document_version", 2}, {"document_hash", hash}},
         [&](Json& data) {
           data["_document"] = Json{{"version", 2}, {"hash", hash}, {"author", "sam"}, {"at", at}};
         });
  append("decide", "cara", Json{{"step", "clinical_review"}, {"decision", "approved"}},
         [&](Json& data) {
           Json& approved = data["_approved"];
           approved["document_version"] = 2;
           approved["document_hash"] = hash;
           Json& decision = approved["steps"][1]["decisions"][0];
           decision["document_version"] = 2;
           decision["document_hash"] = hash;
         });
  tx->commit();
}

}  // namespace

TEST_CASE("media: a reactive statement with clinical content goes from enquiry to issue") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=Statement on the Oakwood community hospital consultation",
               "kind=reactive_statement", "journalist=Jo Reporter", "outlet=Valley Gazette",
               "contact=jo@example.org", "journalist_deadline=2026-03-02T13:00:00Z",
               "clinical_content=true", "reputational_risk=medium", "spokesperson=Dr Amir Patel"},
              "We are asking local people for their views on the future of Oakwood hospital.\n");
  CHECK(n.state(ref) == "comms_review");

  // Due before the deadline, leaving half an hour for each later step and for issuing.
  Json item = n.json(0, {"show", ref});
  CHECK(item["data"]["_signoff"]["due_at"] == "2026-03-02T12:00:00Z");
  auto outbox = n.json(0, {"outbox", "--for", "hannah"});
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0]["kind"] == "decision_needed");
  CHECK_THAT(outbox[0]["message"].get<std::string>(), Contains(ref));

  // The drafter cannot approve; the head of comms asks for changes.
  auto refused =
      n.run(1, {"decide", ref, "approved", "--version", n.version(ref), "--as", "olivia"});
  CHECK_THAT(refused.err,
             Contains("olivia may not decide at \"Comms review\": it needs Head of comms"));
  n.run(0, {"decide", ref, "changes_required", "--version", n.version(ref), "--as", "hannah",
            "--comment", "Name the dates"});
  CHECK(n.state(ref) == "drafting");

  n.put(ref,
        "We are asking local people for their views on the future of Oakwood hospital.\n"
        "The consultation runs from 9 March to 1 June.\n",
        "olivia");
  auto diff = n.run(0, {"doc", "diff", ref, "1", "2"});
  CHECK_THAT(diff.out, Contains("+The consultation runs from 9 March to 1 June."));
  CHECK_THAT(n.run(2, {"doc", "diff", ref, "one", "2"}).err,
             Contains("from: 'one' is not a version number (1, 2, ...)"));
  CHECK_THAT(n.run(2, {"doc", "diff", ref, "1", "0"}).err, Contains("to: '0' is not a version"));
  {
    // A change no one can see is shown for what it is; the text itself is printed as stored.
    Newsroom hidden;
    const std::string other = hidden.draft({"headline=Ward 7", "kind=reactive_statement"},
                                           "We will \u202Eesolc ton\u202C the ward.\n");
    hidden.put(other, "We will \u202Eesolc ton\u202C the\u200B ward.\n", "olivia");
    CHECK_THAT(hidden.run(0, {"doc", "diff", other, "1", "2"}).out,
               Contains("+We will [U+202E]esolc ton[U+202C] the[U+200B] ward."));
    const test::RunResult shown = hidden.run(0, {"doc", "show", other});
    CHECK(shown.out == "We will \u202Eesolc ton\u202C the\u200B ward.\n");
    CHECK_THAT(shown.err, Contains("characters that do not show (U+202E, U+202C and U+200B)"));
  }
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "clinical_review");
  // The decision typed as people say it.
  CHECK_THAT(n.run(0, {"decide", ref, "Approved with changes", "--version", n.version(ref), "--as",
                       "cara", "--comment", "Name the hospital in full"})
                 .out,
             Contains("Approved with changes recorded"));
  CHECK(n.state(ref) == "approved");
  CHECK_THAT(n.run(0, {"audit", "signoffs"}).out,
             Contains("Clinical accuracy review: cara approved with changes at "));
  auto shown = n.run(0, {"show", ref});
  CHECK_THAT(shown.out, Contains("Approved: version 2"));
  CHECK_THAT(shown.out, Contains("Approved with changes: cara (as Clinical lead) on version 2"));

  // Approved with changes: the edit must be made, and goes back through the chain to cara.
  CHECK_THAT(n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"}).err,
             Contains("approved with changes in Clinical accuracy review: put the edited version"));
  n.put(ref,
        "We are asking local people for their views on the future of Oakwood Community Hospital.\n"
        "The consultation runs from 9 March to 1 June.\n",
        "olivia");
  CHECK(n.state(ref) == "comms_review");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  CHECK(n.state(ref) == "approved");

  item = n.json(0, {"show", ref});
  const Json& approved = item["data"]["_approved"];
  CHECK(approved["document_version"] == 3);
  CHECK(approved["document_hash"] == item["data"]["_document"]["hash"]);

  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=email_to_journalist"},
        "2026-03-02T11:00:00Z");
  item = n.json(0, {"show", ref});
  CHECK(item["state"] == "issued");
  CHECK(item["data"]["issued_channel"] == "email_to_journalist");
  CHECK(item["data"]["issued_at"] == "2026-03-02T11:00:00Z");

  // Closed to edits after issue.
  auto file = n.path() / "late.txt";
  std::ofstream(file) << "A late change.\n";
  auto late = n.run(1, {"doc", "put", ref, "--file", file.string(), "--as", "olivia"});
  CHECK_THAT(late.err, Contains("closed"));
  CHECK(n.json(0, {"doc", "list", ref}).size() == 3);
  n.run(0, {"verify"});
}

TEST_CASE("media: a proactive network statement needs executive and regional sign-off") {
  Newsroom n;
  std::string ref = n.draft({"headline=Sharing images between hospitals", "kind=press_release",
                             "network_statement=true", "reputational_risk=low"},
                            "The network will share X-ray images between hospitals.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "exec_signoff");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "eddie"});
  CHECK(n.state(ref) == "regional_signoff");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "rhea"});
  CHECK(n.state(ref) == "approved");
  Json steps = n.json(0, {"show", ref})["data"]["_approved"]["steps"];
  REQUIRE(steps.size() == 3);
  CHECK(steps[2]["step"] == "regional_signoff");
}

TEST_CASE("media: a lead issue names its partners and needs their agreement") {
  Newsroom n;
  std::string ref =
      n.json(0, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Joint winter plan",
                 "--set", "kind=reactive_statement", "--set", "lead_issue=true"})["ref"];
  n.put(ref, "Partners are working together this winter.\n", "olivia");
  auto refused = n.run(1, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK_THAT(refused.err, Contains("must name the partner organisations"));
  n.run(0, {"act", ref, "edit", "--as", "olivia", "--set", "partner_orgs=County Council"});
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "partner_agreement");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "pat"});
  CHECK(n.state(ref) == "approved");
}

TEST_CASE("media: each partner named must agree, each by a different partner comms lead") {
  Newsroom n;
  n.run(0, {"actor", "add", "paul", "--role", "partner_comms"});
  std::string ref =
      n.json(0, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Joint winter plan",
                 "--set", "kind=reactive_statement", "--set", "lead_issue=true", "--set",
                 "partner_orgs=County Council, Police"})["ref"];
  n.put(ref, "Partners are working together this winter.\n", "olivia");
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  REQUIRE(n.state(ref) == "partner_agreement");
  CHECK(n.json(0, {"show", ref})["data"]["_signoff"]["groups"]["partner_agreement"]["quorum"] == 2);
  // One partner's agreement is not both partners': the step waits, and the same person
  // cannot agree twice.
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "pat"});
  CHECK(n.state(ref) == "partner_agreement");
  CHECK_THAT(n.run(0, {"show", ref}).out,
             Contains("Partner agreement: waiting: 1 of 2 decisions, each by a different person"));
  n.run(1, {"decide", ref, "approved", "--version", n.version(ref), "--as", "pat"});
  CHECK(n.state(ref) == "partner_agreement");
  CHECK_THAT(n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"}).err,
             Contains("can be taken only at Approved"));
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "paul"});
  CHECK(n.state(ref) == "approved");
  n.run(0, {"verify"});
}

TEST_CASE("media: patient-identifiable content without consent cannot be approved") {
  Newsroom n;
  std::string ref = n.draft(
      {"headline=A patient's story", "kind=reactive_statement", "patient_identifiable=true"},
      "Mrs Smith, 82, of Oakwood, was treated ...\n");
  auto refused =
      n.run(1, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK_THAT(refused.err, Contains("identifies a patient and no consent is recorded"));
  CHECK(n.state(ref) == "comms_review");
  n.run(0, {"decide", ref, "changes_required", "--version", n.version(ref), "--as", "hannah",
            "--comment", "Record Mrs Smith's consent"});
  n.run(0, {"act", ref, "edit", "--as", "olivia", "--set", "consent_recorded=true"});
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "approved");
}

TEST_CASE("media: changes asked for are shown with the item until they are answered") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward 9", "kind=reactive_statement", "clinical_content=true"},
                            "Ward 9 reopens.\n");
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  // The inbox's columns stay apart, however long a step's label.
  CHECK_THAT(n.run(0, {"inbox", "--as", "cara"}).out,
             Contains(ref + "   Clinical accuracy review  due Mon 2 Mar 2026, "));
  n.run(0, {"decide", ref, "changes_required", "--version", "1", "--as", "cara", "--comment",
            "Say which day"});
  const std::string asked =
      "Changes required by cara in Clinical accuracy review, on version 1 at Mon 2 Mar 2026, "
      "09:00: \"Say which day\"";
  CHECK_THAT(n.run(0, {"show", ref, "--as", "olivia"}).out,
             Contains("Changes asked for, on the current text:\n  - " + asked));
  // Not sent back for review while nothing has changed: the same thing would go round again.
  auto unchanged = n.run(1, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK_THAT(unchanged.err, Contains("Clinical accuracy review asked for changes to version 1 and "
                                     "nothing has changed since: put a new version of the text, "
                                     "or edit the details, first"));
  CHECK(n.state(ref) == "drafting");
  // An edit that changes nothing is refused, and answers nothing; one that changes a detail does.
  CHECK_THAT(n.run(1, {"act", ref, "edit", "--as", "olivia", "--set", "headline=Ward 9"}).err,
             Contains("nothing to change: Headline is already Ward 9"));
  n.run(1, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"act", ref, "edit", "--as", "olivia", "--set", "spokesperson=Dr Amir Patel"});
  // Sent back on the same text, each reviewer is shown what was asked; another's approval leaves
  // it.
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK_FALSE(n.json(0, {"show", ref})["data"].contains("_returned"));
  CHECK_THAT(n.run(0, {"show", ref, "--as", "hannah"}).out, Contains(asked));
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  CHECK_THAT(n.run(0, {"show", ref, "--as", "cara"}).out, Contains(asked));
  // The one who asked, deciding again in the same step, answers their own request.
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "cara"});
  REQUIRE(n.state(ref) == "approved");
  CHECK_THAT(n.run(0, {"show", ref}).out, !Contains("Changes asked for"));

  // A new version answers a request, and so does a delegate deciding in the asker's place.
  std::string other = n.draft({"headline=Ward 10", "kind=reactive_statement"}, "Ward 10.\n");
  n.run(0, {"decide", other, "changes_required", "--version", "1", "--as", "hannah", "--comment",
            "Name the ward"});
  CHECK(n.json(0, {"show", other})["data"]["_returned"] ==
        Json{{"step", "comms_review"}, {"document_version", 1}, {"at", "2026-03-02T09:00:00Z"}});
  n.put(other, "Ward 10 reopens.\n", "olivia");
  CHECK_THAT(n.run(0, {"show", other}).out, !Contains("Changes asked for"));
  CHECK_FALSE(n.json(0, {"show", other})["data"].contains("_returned"));
  n.run(0, {"act", other, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", other, "approved_with_changes", "--version", "2", "--as", "hannah",
            "--comment", "Add the time"});
  CHECK_THAT(n.run(0, {"show", other}).out,
             Contains("Approved with changes by hannah in Comms review"));
  n.run(0, {"act", other, "redraft", "--as", "olivia"});
  n.run(0, {"act", other, "send_for_review", "--as", "olivia"});
  n.run(0, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "2026-03-06"});
  n.run(0, {"decide", other, "approved", "--version", "2", "--as", "sam"});
  CHECK_THAT(n.run(0, {"show", other}).out, !Contains("Changes asked for"));
  // A closed item asks nothing more of anyone.
  std::string third = n.draft({"headline=Ward 11", "kind=reactive_statement"}, "Ward 11.\n");
  n.run(0, {"decide", third, "changes_required", "--version", "1", "--as", "hannah", "--comment",
            "Name the ward"});
  CHECK_THAT(n.run(0, {"show", third}).out, Contains("Changes asked for"));
  n.run(0, {"act", third, "withdraw", "--as", "hannah", "--set", "reason=Not needed"});
  CHECK_THAT(n.run(0, {"show", third}).out, !Contains("Changes asked for"));
}

TEST_CASE("media: issuing before the embargo is refused, and allowed once it lifts") {
  Newsroom n;
  std::string ref = n.draft(
      {"headline=New scanner", "kind=reactive_statement", "embargo_until=2026-03-03T00:01:00Z"},
      "A new scanner opens on Tuesday.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  auto early = n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(early.err, Contains("embargoed until Tue 3 Mar 2026, 00:01"));
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"},
        "2026-03-03T00:01:00Z");
  CHECK(n.state(ref) == "issued");
}

TEST_CASE("media: a proactive announcement in a pre-election period needs the director") {
  Newsroom n;
  // Drafted in the pre-election period: the chain includes the director's step.
  std::string ref =
      n.draft({"headline=New clinic opens", "kind=press_release", "pre_election=true"},
              "A new clinic opens in March.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "eddie"});
  CHECK(n.state(ref) == "director_signoff");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as",
            "hannah"});  // advises; the director decides
  CHECK(n.state(ref) == "director_signoff");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "dev"});
  CHECK(n.state(ref) == "approved");
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});

  // Approved before the period began, without the director: issuing is refused once it begins.
  std::string earlier = n.draft({"headline=Car park changes", "kind=press_release"},
                                "The car park changes in April.\n");
  n.run(0, {"decide", earlier, "approved", "--version", n.version(earlier), "--as", "hannah"});
  n.run(0, {"decide", earlier, "approved", "--version", n.version(earlier), "--as", "eddie"});
  CHECK(n.state(earlier) == "approved");
  // Once the period begins, the director's step is added; the steps that approved stand.
  n.run(0, {"act", earlier, "update_timing", "--as", "olivia", "--set", "pre_election=true"});
  CHECK(n.state(earlier) == "director_signoff");
  Json chain = n.json(0, {"show", earlier})["data"]["_chain"];
  REQUIRE(chain.size() == 2);
  CHECK(chain[1]["step"] == "exec_signoff");
  auto refused = n.run(1, {"act", earlier, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(refused.err, Contains("can be taken only at Approved"));
  n.run(0, {"decide", earlier, "approved", "--version", n.version(earlier), "--as", "dev"});
  CHECK(n.state(earlier) == "approved");
  CHECK(n.json(0, {"show", earlier})["data"]["_approved"]["steps"].size() == 3);
  n.run(0, {"act", earlier, "issue", "--as", "olivia", "--set", "channel=website"});
  n.run(0, {"verify"});
}

TEST_CASE("media: a new version after approval goes back through the chain before issue") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=Opening hours", "kind=reactive_statement"}, "Open 8am to 8pm.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "approved");
  n.put(ref, "Open 8am to 6pm.\n", "sam");
  CHECK(n.state(ref) == "comms_review");
  Json item = n.json(0, {"show", ref});
  CHECK_FALSE(item["data"].contains("_approved"));
  CHECK(item["data"]["_signoff"]["void"][0]["document_version"] == 1);
  auto refused = n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(refused.err, Contains("can be taken only at Approved"));
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  n.run(0, {"verify"});
}

TEST_CASE("media: a redraft after approval takes the approval back - the register says so") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=Car park opens", "kind=reactive_statement"}, "The car park opens.\n");
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  REQUIRE(n.state(ref) == "approved");
  n.run(0, {"act", ref, "redraft", "--as", "olivia"});
  n.run(0, {"act", ref, "edit", "--as", "olivia", "--set", "headline=Car park opens: £5 a day"});
  // Back at work, with the same text: no approval stands, none is shown.
  CHECK_FALSE(n.json(0, {"show", ref})["data"].contains("_approved"));
  CHECK_THAT(n.run(0, {"show", ref}).out, !Contains("Approved: version"));
  Json register_rows = n.json(0, {"audit", "signoffs", "--from", "2026-03-01"})["rows"];
  REQUIRE(register_rows.size() == 1);
  CHECK_THAT(register_rows[0]["warning"].get<std::string>(),
             Contains("this approval no longer stands: it was voided since"));
  // It can be issued only after the chain again.
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK_THAT(n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"}).err,
             Contains("can be taken only at Approved"));
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  // An issued statement keeps its approval of record.
  CHECK(n.json(0, {"show", ref})["data"].contains("_approved"));
  n.run(0, {"verify"});
}

TEST_CASE(
    "media: a new version mid-chain voids every approval - the clinical reviewer decides "
    "again") {
  Newsroom n;
  std::string ref = n.draft({"headline=New treatment", "kind=reactive_statement",
                             "clinical_content=true", "reputational_risk=high"},
                            "The new drug helps some patients.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  CHECK(n.state(ref) == "exec_signoff");

  // During executive sign-off the text changes: back to the start of the chain.
  n.put(ref, "The new drug cures everyone.\n", "sam");
  CHECK(n.state(ref) == "comms_review");
  Json put = n.json(0, {"history", ref}).back();
  CHECK(put["action"] == "put_document");
  CHECK(put["payload"]["back_to"] == "comms_review");
  CHECK(put["payload"]["voided"] == 2);
  CHECK(put["payload"]["voided_steps"] == Json({"comms_review", "clinical_review"}));
  CHECK_THAT(
      n.run(1, {"decide", ref, "approved", "--version", n.version(ref), "--as", "eddie"}).err,
      Contains("may not decide at \"Comms review\""));

  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "clinical_review");
  CHECK(n.json(0, {"inbox", "--as", "cara"}).size() == 1);
  n.run(0, {"decide", ref, "changes_required", "--version", n.version(ref), "--as", "cara",
            "--comment", "Not true"});
  CHECK(n.state(ref) == "drafting");
  n.put(ref, "The new drug helps some patients with early symptoms.\n", "olivia");
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "eddie"});
  CHECK(n.state(ref) == "approved");
  Json approved = n.json(0, {"show", ref})["data"]["_approved"];
  CHECK(approved["document_version"] == 3);
  REQUIRE(approved["steps"].size() == 3);
  for (const auto& step : approved["steps"]) {
    for (const auto& d : step["decisions"]) CHECK(d["document_version"] == 3);
  }
  CHECK(approved["conditions"]["clinical_content"] == true);
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  n.run(0, {"verify"});
}

TEST_CASE("media: the author of a version is not asked to decide on it") {
  Newsroom n;
  n.run(0, {"actor", "add", "harriet", "--role", "head_of_comms"});
  std::string ref = n.draft({"headline=Visiting times", "kind=reactive_statement",
                             "journalist_deadline=2026-03-02T13:00:00Z"},
                            "Visiting is 2pm to 8pm.\n");
  CHECK(n.json(0, {"outbox", "--for", "hannah"}).size() == 1);
  // A misspelt name or reference is said so, not shown as an empty outbox.
  CHECK_THAT(n.run(2, {"outbox", "--for", "hanah"}).err, Contains("--for: unknown actor 'hanah'"));
  CHECK_THAT(n.run(2, {"outbox", "--ref", "MED-2026-9999"}).err,
             Contains("--ref: no item MED-2026-9999"));
  // Hannah rewrites it herself: the step starts again on her version, without her.
  n.put(ref, "Visiting is 2pm to 7pm.\n", "hannah");
  CHECK(n.json(0, {"outbox", "--for", "hannah"}).size() == 1);
  CHECK(n.json(0, {"outbox", "--for", "harriet"}).size() == 2);
  CHECK(n.json(0, {"inbox", "--as", "hannah"}).empty());
  CHECK(n.json(0, {"inbox", "--as", "harriet"}).size() == 1);
  // Nor reminded, nor asked through a delegate acting for her.
  n.run(0, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "2026-03-06"});
  // Due 12:30 (half an hour before the deadline), reminded at 12:00.
  CHECK(n.json(0, {"tick"}, "2026-03-02T12:05:00Z")[0]["action"] == "remind");
  Json reminders = n.json(0, {"outbox", "--for", "hannah"});
  CHECK(reminders.size() == 1);
  CHECK(n.json(0, {"outbox", "--for", "sam"}).empty());
  CHECK(n.json(0, {"inbox", "--as", "sam"}).empty());
  CHECK(n.json(0, {"outbox", "--for", "harriet"}).back()["kind"] == "reminder");
  n.run(0, {"verify"});
}

TEST_CASE("media: an embargo brought forward after approval needs the approvals again") {
  Newsroom n;
  std::string ref = n.draft({"headline=New scanner", "kind=reactive_statement",
                             "clinical_content=true", "embargo_until=2026-03-03T00:01:00Z"},
                            "A new scanner opens on Tuesday.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  CHECK(n.state(ref) == "approved");
  CHECK(n.json(0, {"show", ref})["data"]["_approved"]["conditions"]["embargo_until"] ==
        "2026-03-03T00:01:00Z");

  // Later: allowed, and the event says what changed and that the approvals stand.
  n.run(0, {"act", ref, "update_timing", "--as", "olivia", "--set",
            "embargo_until=2026-03-04T00:01:00Z"});
  CHECK(n.state(ref) == "approved");
  Json later = n.json(0, {"history", ref}).back();
  CHECK(later["payload"]["approval"] == "stands");
  CHECK(later["payload"]["conditions_changed"]["embargo_until"]["from"] == "2026-03-03T00:01:00Z");
  CHECK(later["payload"]["conditions_changed"]["embargo_until"]["to"] == "2026-03-04T00:01:00Z");
  // People read the change by label, in UK time, in the history and the audit alike.
  CHECK_THAT(n.run(0, {"history", ref}).out,
             Contains("Embargoed until: Tue 3 Mar 2026, 00:01 -> Wed 4 Mar 2026, 00:01"));
  const std::string audited = n.run(0, {"audit", ref}).out;
  CHECK_THAT(audited, Contains("Conditions changed: (Embargoed until: Tue 3 Mar 2026, 00:01 -> "
                               "Wed 4 Mar 2026, 00:01)"));
  CHECK_THAT(audited, Contains("Conditions: (Clinical content: Yes;") &&
                          Contains("Pre-election period: No") && !Contains("Pre election"));

  // Earlier (to now): the chain starts again, and nothing can be issued until it is done.
  n.run(0, {"act", ref, "update_timing", "--as", "olivia", "--set",
            "embargo_until=2026-03-02T09:00:00Z"});
  CHECK(n.state(ref) == "comms_review");
  Json earlier = n.json(0, {"history", ref}).back();
  CHECK(earlier["payload"]["back_to"] == "comms_review");
  CHECK(earlier["payload"]["voided_steps"] == Json({"comms_review", "clinical_review"}));
  // People read what was taken back in words; a change that took nothing back says nothing of it.
  const std::string said = n.run(0, {"history", ref}).out;
  CHECK_THAT(said, Contains("Decisions taken back: 2"));
  CHECK_THAT(said, Contains("Steps to pass again: Comms review, Clinical accuracy review"));
  CHECK_THAT(said, !Contains("Voided"));
  // The text did not change: the approvals taken back are not said to be of another version.
  CHECK_THAT(n.run(0, {"show", ref}).out,
             Contains("Void (taken back when the text, or a condition of its approval, changed") &&
                 !Contains("earlier version"));
  CHECK_THAT(n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"}).err,
             Contains("can be taken only at Approved"));
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  n.run(0, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  // The issue names the version that went out, and its SHA-256, for the audit.
  const Json issued = n.json(0, {"history", ref}).back();
  CHECK(issued["action"] == "issue");
  CHECK(issued["payload"]["document_version"] == 1);
  CHECK(issued["payload"]["document_hash"] ==
        n.json(0, {"show", ref})["data"]["_approved"]["document_hash"]);
  CHECK_THAT(n.run(0, {"audit", ref, "--action", "issue", "--format", "csv"}).out,
             Contains(issued["payload"]["document_hash"].get<std::string>()));
  n.run(0, {"verify"});
}

TEST_CASE("media: an embargo is lifted with --set embargo_until= and nothing after it") {
  Newsroom n;
  std::string ref = n.draft({"headline=New scanner", "kind=reactive_statement",
                             "clinical_content=true", "embargo_until=2026-03-03T00:01:00Z"},
                            "A new scanner opens on Tuesday.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  REQUIRE(n.state(ref) == "approved");
  n.run(0, {"act", ref, "update_timing", "--as", "olivia", "--set", "embargo_until="});
  CHECK_FALSE(n.json(0, {"show", ref})["data"].contains("embargo_until"));
  // At submit, a field given empty so takes its default, as one not given does.
  const Json submitted =
      n.json(0, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Parking", "--set",
                 "kind=reactive_statement", "--set", "reputational_risk=", "--json"});
  CHECK(submitted["data"]["reputational_risk"] == "medium");
  n.run(0, {"verify"});
}

TEST_CASE("media: clearing the pre-election flag after approval needs the approvals again") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=New clinic opens", "kind=press_release", "pre_election=true"},
              "A new clinic opens in March.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "eddie"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "dev"});
  CHECK(n.state(ref) == "approved");
  n.run(0, {"act", ref, "update_timing", "--as", "olivia", "--set", "pre_election=false"});
  CHECK(n.state(ref) == "comms_review");
  n.run(0, {"verify"});
}

TEST_CASE(
    "media: a chain passed as not relevant by every step is not issued, and a withdrawal "
    "from a step keeps its reason") {
  Newsroom n;
  std::string ref = n.draft({"headline=Car park", "kind=reactive_statement"}, "Parking is free.\n");
  n.run(0, {"decide", ref, "not_relevant", "--version", n.version(ref), "--as", "hannah"});
  CHECK(n.state(ref) == "approved");
  test::RunResult refused =
      n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(refused.err, Contains("no step approved it: every step found it not relevant"));
  CHECK(n.state(ref) == "approved");

  std::string other =
      n.draft({"headline=Ward move", "kind=reactive_statement"}, "The ward moves.\n");
  CHECK_THAT(n.run(2, {"act", other, "withdraw", "--as", "hannah"}).err, Contains("reason"));
  CHECK(n.state(other) == "comms_review");
  n.run(0, {"act", other, "withdraw", "--as", "hannah", "--set", "reason=Story dropped"});
  CHECK(n.state(other) == "withdrawn");
  CHECK(n.json(0, {"show", other})["data"]["withdrawn_reason"] == "Story dropped");
}

TEST_CASE("media: a journalist's deadline must be to come when given, and a close one is shared") {
  Newsroom n;
  // Already past at 09:00: refused, naming the field, and nothing made.
  const std::string before = n.run(0, {"list"}).out;
  test::RunResult past =
      n.run(2, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Late", "--set",
                "kind=reactive_statement", "--set", "journalist_deadline=2026-03-02T08:00:00Z"});
  CHECK_THAT(past.err, Contains("journalist_deadline") && Contains("has already passed") &&
                           Contains("it is now Mon 2 Mar 2026, 09:00"));
  CHECK(n.run(0, {"list"}).out == before);
  // A year mistyped (2101 for 2026): more than a year away, refused naming the field.
  test::RunResult far =
      n.run(2, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Far", "--set",
                "kind=reactive_statement", "--set", "journalist_deadline=2101-03-02T12:00:00Z"});
  CHECK_THAT(far.err, Contains("journalist_deadline: Wed 2 Mar 2101, 12:00 is more than 365 days "
                               "after today (Mon 2 Mar 2026): check the year"));
  CHECK(n.run(0, {"list"}).out == before);

  // Deadline 10:00 with the clinical review and issuing to come: the standard rule (due 09:00,
  // the moment it starts) gives way to a third of the hour each; comms review is due 09:20.
  std::string ref = n.draft({"headline=Ward closure", "kind=reactive_statement",
                             "clinical_content=true", "journalist_deadline=2026-03-02T10:00:00Z"},
                            "The ward is closed for cleaning.\n");
  CHECK(n.json(0, {"show", ref})["data"]["_signoff"]["due_at"] == "2026-03-02T09:20:00Z");
  CHECK(n.json(0, {"tick"}, "2026-03-02T09:10:00Z").empty());
  CHECK_THAT(n.run(0, {"show", ref}, "2026-03-02T09:59:00Z").out, !Contains("has passed"));

  // Once the deadline has passed, other changes go on; setting a passed one again is refused.
  n.run(0,
        {"decide", ref, "changes_required", "--version", n.version(ref), "--as", "hannah",
         "--comment", "shorter"},
        "2026-03-02T10:30:00Z");
  n.run(0, {"act", ref, "edit", "--as", "olivia", "--set", "outlet=Gazette"},
        "2026-03-02T10:31:00Z");
  // As a form sends it: every box back, the passed deadline among them, unchanged.
  n.run(0,
        {"act", ref, "edit", "--as", "olivia", "--set", "outlet=Valley Gazette", "--set",
         "journalist_deadline=2026-03-02T10:00:00Z"},
        "2026-03-02T10:31:30Z");
  CHECK_THAT(n.run(2,
                   {"act", ref, "edit", "--as", "olivia", "--set",
                    "journalist_deadline=2026-03-02T10:15:00Z"},
                   "2026-03-02T10:32:00Z")
                 .err,
             Contains("journalist_deadline: has already passed"));
  // Sent for review after the deadline: the standard four hours for a reactive statement.
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"}, "2026-03-02T10:40:00Z");
  CHECK(n.json(0, {"show", ref})["data"]["_signoff"]["due_at"] == "2026-03-02T14:40:00Z");
  // `show` says the deadline has passed while the statement is open, and not once it is closed.
  CHECK_THAT(n.run(0, {"show", ref}, "2026-03-02T10:41:00Z").out,
             Contains("Journalist deadline has passed: it was Mon 2 Mar 2026, 10:00 (UK time)"));
  n.run(0, {"act", ref, "withdraw", "--as", "hannah", "--set", "reason=Story dropped"},
        "2026-03-02T10:42:00Z");
  CHECK_THAT(n.run(0, {"show", ref}, "2026-03-02T10:43:00Z").out, !Contains("has passed"));
}

TEST_CASE("media: a step nobody may decide is escalated to the director at once") {
  Newsroom n;
  const std::string ref =
      n.json(0, {"submit", "media_signoff", "--as", "olivia", "--set", "headline=Car park", "--set",
                 "kind=reactive_statement"})["ref"];
  // Hannah, the only head of comms, writes the text: she may not decide on it, and nobody else
  // holds her role.
  n.put(ref, "Parking is free.\n", "hannah");
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  CHECK(n.json(0, {"inbox", "--as", "hannah"}).empty());
  const Json director = n.json(0, {"inbox", "--as", "dev"});
  REQUIRE(director.size() == 1);
  CHECK(director[0]["in_place_of"] == Json::array({"head_of_comms"}));
  bool told = false;
  for (const auto& row : n.json(0, {"outbox", "--for", "dev", "--ref", ref})) {
    if (row["kind"] != "escalation") continue;
    told = true;
    CHECK_THAT(row["message"].get<std::string>(),
               Contains("escalated to you at once: no Head of comms can be asked"));
  }
  CHECK(told);
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "dev"});
  CHECK(n.state(ref) == "approved");
  n.run(0, {"verify"});
}

TEST_CASE("media: an overdue step is escalated to the director by tick, as actor system") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward closure", "kind=reactive_statement",
                             "journalist_deadline=2026-03-02T12:00:00Z"},
                            "The ward is closed for cleaning.\n");
  // Due 11:30 (half an hour before the deadline, for issuing), reminder at 11:00.
  CHECK(n.json(0, {"show", ref})["data"]["_signoff"]["due_at"] == "2026-03-02T11:30:00Z");
  Json fired = n.json(0, {"tick"}, "2026-03-02T11:00:00Z");
  REQUIRE(fired.size() == 1);
  CHECK(fired[0]["action"] == "remind");
  CHECK(n.json(0, {"tick"}, "2026-03-02T11:15:00Z").empty());
  fired = n.json(0, {"tick"}, "2026-03-02T11:35:00Z");
  REQUIRE(fired.size() == 1);
  CHECK(fired[0]["action"] == "escalate");
  auto director = n.json(0, {"outbox", "--for", "dev"});
  REQUIRE(director.size() == 1);
  CHECK(director[0]["kind"] == "escalation");
  Json history = n.json(0, {"history", ref});
  CHECK(history.back()["actor"] == "system");
  // People read the due time it passed in UK time; the JSON keeps UTC.
  const std::string told = n.run(0, {"history", ref}).out;
  CHECK_THAT(told, Contains("Mon 2 Mar 2026, 11:30") && !Contains("2026-03-02T11:30:00Z"));
  CHECK_THAT(n.run(0, {"show", ref}).out, Contains("OVERDUE"));
  CHECK_THAT(n.run(0, {"inbox", "--as", "hannah"}, "2026-03-02T11:36:00Z").out,
             Contains("OVERDUE  Ward closure"));
  // The director's inbox says whose place she decides in, and why.
  CHECK_THAT(n.run(0, {"inbox", "--as", "dev"}, "2026-03-02T11:36:00Z").out,
             Contains("Ward closure  (escalated: in place of Head of comms)"));
  CHECK(n.json(0, {"inbox", "--as", "dev"}, "2026-03-02T11:36:00Z")[0]["in_place_of"] ==
        Json::array({"head_of_comms"}));
  CHECK_FALSE(
      n.json(0, {"inbox", "--as", "hannah"}, "2026-03-02T11:36:00Z")[0].contains("in_place_of"));
  CHECK_THAT(n.run(0, {"inbox", "--as", "hannah"}, "2026-03-02T11:29:00Z").out,
             !Contains("OVERDUE"));
  // The escalation names who has not decided, by role label.
  CHECK_THAT(director[0]["message"].get<std::string>(), Contains("Head of comms has not decided"));
  // Hannah, who was asked, is told it has gone to the director and that she may still decide.
  std::vector<std::string> hannah_told;
  for (const auto& row : n.json(0, {"outbox", "--for", "hannah", "--ref", ref})) {
    hannah_told.push_back(row["kind"]);
    if (row["kind"] != "escalated") continue;
    CHECK_THAT(row["message"].get<std::string>(),
               Contains("Director may now decide in your place; you may still decide"));
  }
  CHECK(hannah_told == std::vector<std::string>{"decision_needed", "reminder", "escalated"});
  const std::string decided =
      n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "dev"},
            "2026-03-02T11:40:00Z")
          .out;
  CHECK(n.state(ref) == "approved");
  // The decision says it was the fallback's, in the approvers' place; so does the register.
  CHECK_THAT(decided, Contains("(as Director, escalated: in the approvers' place)"));
  const Json registered =
      n.json(0, {"audit", "signoffs", "--from", "2026-03-01"}, "2026-03-02T11:41:00Z");
  REQUIRE(registered["rows"].size() == 1);
  CHECK_THAT(registered["rows"][0]["approvers"].get<std::string>(),
             Contains("dev approved at 2026-03-02T11:40:00Z (v1; as director, escalated)"));
  // The stored register says whom the escalation went to, as its text does.
  CHECK(registered["rows"][0]["escalated"] ==
        "comms_review overdue at 2026-03-02T11:30:00Z, escalated to director");
  // People read the role the fallback decided as by its label.
  CHECK_THAT(n.run(0, {"audit", "signoffs", "--from", "2026-03-01"}, "2026-03-02T11:41:00Z").out,
             Contains("(v1; as Director, escalated)"));

  // The escalation records whom it went to: the register says so after the workflow names
  // another fallback and the item moves to that version.
  Json escalation;
  for (const auto& e : n.json(0, {"history", ref})) {
    if (e["action"] == "escalate") escalation = e;
  }
  CHECK(escalation["payload"]["escalated_to"] == Json::array({"director"}));
  const fs::path script = n.path() / "workflows" / "media_signoff.lua";
  std::stringstream lua;
  lua << std::ifstream(script).rdbuf();
  const std::string was = lua.str(), old_fallback = "local fallback = { \"director\" }";
  REQUIRE(was.find(old_fallback) != std::string::npos);
  std::ofstream(script) << std::string(was).replace(was.find(old_fallback), old_fallback.size(),
                                                    "local fallback = { \"executive\" }");
  const Json before = n.json(0, {"show", ref});
  n.run(0, {"migrate", "--workflow", "media_signoff"}, "2026-03-02T11:42:00Z");
  REQUIRE(n.json(0, {"show", ref})["version"] != before["version"]);
  CHECK_THAT(
      n.run(0, {"audit", "signoffs", "--from", "2026-03-01"}, "2026-03-02T11:43:00Z").out,
      Contains("Comms review overdue at Mon 2 Mar 2026, 11:30:00 GMT, escalated to Director") &&
          !Contains("Executive"));
}

TEST_CASE("media: delegation through the CLI is recorded as on behalf of") {
  Newsroom n;
  n.run(0, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "2026-03-06"});
  std::string ref = n.draft({"headline=Parking", "kind=reactive_statement"}, "Parking is free.\n");
  CHECK(n.json(0, {"inbox", "--as", "sam"}).size() == 1);
  // On behalf of nobody there is: bad input naming the option.
  CHECK_THAT(n.run(2, {"decide", ref, "approved", "--version", n.version(ref), "--as", "sam",
                       "--on-behalf-of", "ghost"})
                 .err,
             Contains("--on-behalf-of: there is no person named 'ghost'"));
  auto decided = n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "sam"});
  CHECK_THAT(decided.out, Contains("Approved: sam on behalf of hannah (as Head of comms)"));
  CHECK(n.json(0, {"history", ref}).back()["on_behalf_of"] == "hannah");
  // People read who acted for whom in the history and the timeline too.
  CHECK_THAT(n.run(0, {"history", ref}).out, Contains(" by sam on behalf of hannah: "));
  CHECK_THAT(n.run(0, {"report", ref, "timeline"}).out, Contains(" by sam on behalf of hannah"));
  // Given from the command line, the delegation is recorded as the operator's, as every change
  // made there without --as.
  bool recorded = false;
  const Json audit = n.json(0, {"audit", "actor:hannah"});
  for (const auto& row : audit["rows"]) {
    if (row["action"] != "delegation_created") continue;
    CHECK(row["actor"] == "operator");
    recorded = true;
  }
  CHECK(recorded);
  // Given again, it is said to be there already; the giver losing the role ends it, and the
  // list says so.
  CHECK_THAT(
      n.run(1, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "2026-03-06"})
          .err,
      Contains("sam may already decide for hannah as Head of comms until the end of Fri 6 Mar "
               "2026 (delegation 1)"));
  n.run(0, {"actor", "add", "hannah", "--role", "director"});
  n.run(0, {"actor", "role", "remove", "hannah", "head_of_comms"});
  CHECK_THAT(n.run(0, {"delegations"}).out, Contains("(hannah no longer holds the role)"));
  CHECK(n.json(0, {"delegations"})[0]["active"] == false);
  auto lapsed = n.run(0, {"delegations"}, "2026-03-09T09:00:00Z");
  CHECK_THAT(lapsed.out, Contains("(lapsed)"));
}

TEST_CASE("media: bad input to the sign-off commands exits 2 naming the problem") {
  Newsroom n;
  std::string ref = n.draft({"headline=x", "kind=social_post"}, "Post.\n");
  CHECK_THAT(n.run(2, {"decide", ref, "great", "--version", n.version(ref), "--as", "hannah"}).err,
             Contains("decision 'great' is not one of"));
  CHECK_THAT(n.run(2, {"doc", "put", ref, "--file", "missing.txt", "--as", "olivia"}).err,
             Contains("there is no file missing.txt"));
  // A folder is not an empty statement, and an empty file gives approvers nothing to approve.
  CHECK_THAT(n.run(2, {"doc", "put", ref, "--file", "workflows", "--as", "olivia"}).err,
             Contains("workflows is a folder, not a file"));
  std::ofstream(n.path() / "empty.txt") << " \n";
  CHECK_THAT(n.run(2, {"doc", "put", ref, "--file", "empty.txt", "--as", "olivia"}).err,
             Contains("--file: is empty"));
  CHECK(n.json(0, {"show", ref})["data"]["_document"]["version"] == 1);
  // The text alone on standard output, as `doc put --file` takes it back.
  test::RunResult shown = n.run(0, {"doc", "show", ref});
  CHECK(shown.out == n.json(0, {"doc", "show", ref})["content"].get<std::string>());
  CHECK_THAT(shown.err, Contains("sha256 "));
  CHECK_THAT(n.run(2, {"doc", "show", ref, "--version", "7"}).err,
             Contains("has no document version 7"));
  CHECK_THAT(
      n.run(2, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "soon"}).err,
      Contains("--until: must be a date"));
  // A date as people write it is a date; one that does not exist is said so.
  CHECK_THAT(
      n.run(2, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "31/02/2026"})
          .err,
      Contains("--until: there is no 31 February 2026"));
  n.run(0, {"delegate", "hannah", "sam", "--role", "head_of_comms", "--until", "6/3/2026"});
  CHECK(n.json(0, {"delegations"})[0]["until"] == "2026-03-06");
  CHECK_THAT(
      n.run(2, {"decide", "MED-2026-9999", "approved", "--version", "1", "--as", "hannah"}).err,
      Contains("no item MED-2026-9999"));
  Json error =
      n.json(1, {"decide", ref, "approved", "--version", n.version(ref), "--as", "olivia"});
  CHECK(error["error"]["code"] == "refused");
  // Asking for changes says which: without a comment (or with spaces only) nothing is recorded.
  const std::int64_t revision = n.json(0, {"show", ref})["revision"];
  for (const char* decision : {"changes_required", "approved_with_changes"}) {
    CHECK_THAT(n.run(2, {"decide", ref, decision, "--version", n.version(ref), "--as", "hannah",
                         "--comment", "  "})
                   .err,
               Contains("--comment: say which changes you want"));
    Json unsaid =
        n.json(2, {"decide", ref, decision, "--version", n.version(ref), "--as", "hannah"});
    CHECK(unsaid["error"]["fields"].contains("comment"));
  }
  CHECK(n.json(0, {"show", ref})["revision"] == revision);
}

TEST_CASE("media: a decision names the version of the text read, and a text put since is refused") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward move", "kind=reactive_statement"}, "Ward 4 moves.\n");
  // Hannah reads version 1; then the drafter puts version 2, which Hannah has not seen.
  CHECK_THAT(n.run(0, {"doc", "show", ref, "--as", "hannah"}).err, Contains("version 1"));
  n.put(ref, "Ward 4 moves, and the beds will close in January.\n", "olivia");
  const Json before = n.json(0, {"show", ref});

  auto stale = n.run(1, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  CHECK_THAT(stale.err, Contains("you read version 1 of the text, but version 2 was put since "
                                 "(by olivia") &&
                            Contains("Read version 2 and decide on it"));
  CHECK_THAT(n.run(2, {"decide", ref, "approved", "--as", "hannah"}).err,
             Contains("--version is required"));
  CHECK_THAT(n.run(2, {"decide", ref, "approved", "--version", "3", "--as", "hannah"}).err,
             Contains("document_version: " + ref +
                      " has no version 3: its current text is "
                      "version 2"));
  CHECK(n.json(0, {"show", ref}) == before);  // nothing was decided

  n.run(0, {"decide", ref, "approved", "--version", "2", "--as", "hannah"});
  const Json decided = n.json(0, {"history", ref}).back();
  CHECK(decided["action"] == "decide");
  CHECK(decided["payload"]["document_version"] == 2);
}

TEST_CASE(
    "media: a clinical reviewer's inbox holds the statement without the journalist's details") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward 9", "kind=reactive_statement", "journalist=Jo Reporter",
                             "contact=07700 900123", "clinical_content=true"},
                            "Ward 9 reopens.\n");
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  REQUIRE(n.state(ref) == "clinical_review");
  const Json inbox = n.json(0, {"inbox", "--as", "cara"});
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0]["ref"] == ref);
  CHECK(inbox[0]["data"]["headline"] == "Ward 9");
  CHECK_FALSE(inbox[0]["data"].contains("journalist"));
  CHECK_FALSE(inbox[0]["data"].contains("contact"));
  CHECK_THAT(n.run(2, {"inbox", "--as", "nobody"}).err, Contains("unknown actor 'nobody'"));
}

TEST_CASE("media: a clinical reviewer who asks for changes follows the redraft she asked for") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward 9", "kind=reactive_statement", "clinical_content=true"},
                            "Ward 9 reopens with 20 beds.\n");
  // Legal is never asked on this statement: it sees nothing of it, before or after.
  CHECK_THAT(n.run(2, {"show", ref, "--as", "lee"}).err, Contains("no item " + ref));
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  REQUIRE(n.state(ref) == "clinical_review");
  n.run(0, {"decide", ref, "changes_required", "--version", "1", "--as", "cara", "--comment",
            "It is 18 beds"});
  REQUIRE(n.state(ref) == "drafting");
  // Back in drafting, she still reads the statement, the changes she asked for and the redraft.
  CHECK_THAT(n.run(0, {"show", ref, "--as", "cara"}).out,
             Contains("Changes asked for, on the current text:") && Contains("It is 18 beds"));
  n.put(ref, "Ward 9 reopens with 18 beds.\n", "olivia");
  CHECK(n.run(0, {"doc", "show", ref, "--as", "cara"}).out == "Ward 9 reopens with 18 beds.\n");
  CHECK_THAT(n.run(2, {"show", ref, "--as", "lee"}).err, Contains("no item " + ref));
  n.run(0, {"verify"});
}

TEST_CASE(
    "media: governance sees a statement under review, and is told its draft text is withheld") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward 3", "kind=reactive_statement"}, "Ward 3 moves.\n");
  n.run(0, {"show", ref, "--as", "gil"});
  CHECK_THAT(n.run(2, {"doc", "show", ref, "--as", "gil"}).err,
             Contains(ref + "'s text is a draft: you may read it once it is approved"));
  n.run(0, {"decide", ref, "approved", "--version", "1", "--as", "hannah"});
  REQUIRE(n.state(ref) == "approved");
  CHECK(n.run(0, {"doc", "show", ref, "--as", "gil"}).out == "Ward 3 moves.\n");

  // Taken back to work and redrafted: the approved text can still be audited; the draft cannot.
  n.run(0, {"act", ref, "redraft", "--as", "olivia"});
  n.put(ref, "Ward 3 closes.\n", "olivia");
  const auto shown = n.run(0, {"doc", "show", ref, "--as", "gil"});
  CHECK(shown.out == "Ward 3 moves.\n");
  CHECK_THAT(shown.err, Contains("document version 1 (approved)"));
  const Json listed = n.json(0, {"doc", "list", ref, "--as", "gil"});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["version"] == 1);
  CHECK_THAT(n.run(0, {"doc", "list", ref, "--as", "gil"}).err,
             Contains("Only the versions that were approved are listed"));
  CHECK_THAT(n.run(0, {"doc", "list", ref, "--as", "gil", "--json"}).err,
             Contains("Only the versions that were approved are listed"));
  CHECK(n.run(0, {"doc", "list", ref, "--as", "olivia", "--json"}).err.empty());
  CHECK_THAT(n.run(2, {"doc", "show", ref, "--version", "2", "--as", "gil"}).err,
             Contains("version 2 of " + ref +
                      "'s document is a draft, or not there: you may "
                      "read the versions that were approved (1)"));
  n.run(2, {"doc", "diff", ref, "1", "2", "--as", "gil"});
  CHECK(n.run(0, {"doc", "show", ref, "--as", "olivia"}).out == "Ward 3 closes.\n");
}

TEST_CASE("media: audit signoffs lists each approval with its version, approvers and delays") {
  Newsroom n;
  std::string quick = n.draft({"headline=Quick one", "kind=reactive_statement"}, "Quick.\n");
  n.run(0, {"decide", quick, "approved", "--version", n.version(quick), "--as", "hannah"},
        "2026-03-02T10:00:00Z");
  std::string slow = n.draft({"headline=Slow, \"quoted\" one", "kind=reactive_statement",
                              "journalist_deadline=2026-03-02T12:00:00Z"},
                             "Slow.\n");
  n.run(0, {"tick"}, "2026-03-02T11:40:00Z");  // reminder and escalation
  n.run(0, {"delegate", "dev", "sam", "--role", "director", "--until", "2026-03-31"});
  n.run(0, {"decide", slow, "approved", "--version", n.version(slow), "--as", "sam"},
        "2026-03-02T11:45:00Z");
  std::string open = n.draft({"headline=Still open", "kind=reactive_statement"}, "Open.\n");

  Json report = n.json(0, {"audit", "signoffs", "--from", "2026-03-01", "--to", "2026-03-31"});
  const Json& rows = report["rows"];
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["ref"] == quick);
  CHECK(rows[0]["hours_to_approval"] == 1.0);
  CHECK(rows[0]["escalated"].is_null());
  CHECK_THAT(rows[0]["approvers"].get<std::string>(),
             Contains("comms_review: hannah approved at 2026-03-02T10:00:00Z (v1)"));
  CHECK(rows[1]["ref"] == slow);
  CHECK(rows[1]["document_hash"] == n.json(0, {"show", slow})["data"]["_document"]["hash"]);
  CHECK_THAT(rows[1]["approvers"].get<std::string>(), Contains("sam on behalf of dev approved"));
  CHECK_THAT(rows[1]["escalated"].get<std::string>(), Contains("comms_review overdue"));
  CHECK(report["chain_head"]["seq"].get<int>() > 0);
  // People read the steps' labels in the text, escalations included.
  const std::string text =
      n.run(0, {"audit", "signoffs", "--from", "2026-03-01", "--to", "2026-03-31"}).out;
  CHECK_THAT(text, Contains("Escalated or overdue: Comms review overdue at ") &&
                       Contains(", escalated to Director") &&
                       Contains("Approvers: Comms review: ") && !Contains("comms_review"));

  // An approval a changed condition voided (the embargo brought forward) is flagged, not shown
  // as standing.
  CHECK(rows[0]["warning"].is_null());
  n.run(0, {"act", quick, "update_timing", "--as", "olivia", "--set",
            "embargo_until=2026-03-10T09:00:00Z"});
  n.run(0, {"act", quick, "update_timing", "--as", "olivia", "--set",
            "embargo_until=2026-03-09T09:00:00Z"});
  REQUIRE(n.state(quick) != "approved");
  Json voided = n.json(0, {"audit", "signoffs", "--from", "2026-03-01", "--to", "2026-03-31"});
  CHECK_THAT(voided["rows"][0]["warning"].get<std::string>(),
             Contains("this approval no longer stands: it was voided since"));

  // Outside the range: nothing. CSV parses back with its quotes intact.
  CHECK(n.json(0, {"audit", "signoffs", "--from", "2026-04-01"})["rows"].empty());
  auto csv = n.run(0, {"audit", "signoffs", "--format", "csv"}).out;
  auto records = parse_csv(csv, "signoffs.csv");
  REQUIRE(records.size() == 3);
  CHECK(records[2].fields[1] == "Slow, \"quoted\" one");
}

TEST_CASE(
    "media: verify names the member of the sign-off record that was edited, not the whole "
    "record",
    "[sqlite]") {
  Newsroom n;
  std::string ref = n.draft({"headline=Ward closure", "kind=reactive_statement",
                             "journalist_deadline=2026-03-02T12:00:00Z"},
                            "The ward is closed for cleaning.\n");
  // Someone at the file gives the step a week longer.
  test::raw_sql((n.path() / "commsflow.db").string(),
                "UPDATE items SET data = json_set(data, '$._signoff.due_at', "
                "'2026-03-09T11:30:00Z') WHERE ref = '" +
                    ref + "'");
  test::RunResult r = n.run(1, {"verify"});
  CHECK_THAT(r.err, Contains("item " + ref +
                             ": stored data._signoff.due_at is \"2026-03-09T11:30:00Z\" (Mon 9 "
                             "Mar 2026, 11:30:00 GMT) but its events give \"2026-03-02T11:30:00Z\" "
                             "(Mon 2 Mar 2026, 11:30:00 GMT)"));
  CHECK_THAT(r.err, !Contains("groups"));  // the rest of the record is not quoted
}

TEST_CASE(
    "media: a statement whose history was altered in the file is shown with a warning and "
    "not issued",
    "[sqlite]") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=Ward closure", "kind=reactive_statement", "clinical_content=true"},
              "The ward is closed for cleaning.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "changes_required", "--version", n.version(ref), "--as", "cara",
            "--comment", "Say why"});
  n.put(ref, "The ward is closed for deep cleaning.\n", "olivia");
  n.run(0, {"act", ref, "send_for_review", "--as", "olivia"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  CHECK(n.state(ref) == "approved");
  CHECK_THAT(n.run(0, {"show", ref}).err, !Contains("WARNING"));
  const std::string db = (n.path() / "commsflow.db").string();
  const std::string copy = (n.path() / "before.db").string();
  std::filesystem::copy_file(db, copy);

  // The item row alone: the clinical lead's approval given to someone else.
  test::raw_sql(db,
                "UPDATE items SET data = json_set(data, "
                "'$._approved.steps[1].decisions[0].actor', 'dev') WHERE ref = '" +
                    ref + "'");
  test::RunResult shown = n.run(1, {"show", ref});
  CHECK_THAT(shown.err, Contains("WARNING: " + ref +
                                 "'s history does not verify (the stored "
                                 "item is not what its ") &&
                            Contains("`commsflow verify` lists every problem"));
  CHECK_THAT(n.run(1, {"history", ref}).err, Contains("history does not verify"));
  test::RunResult issued =
      n.run(3, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(issued.err, Contains(ref + ": its history does not verify") &&
                             Contains("so it is not taken to 'Issued' on it"));
  CHECK(n.state(ref) == "approved");

  // An event's body rewritten as well, without its hash: named by its number.
  std::filesystem::copy_file(copy, db, std::filesystem::copy_options::overwrite_existing);
  test::raw_sql(db,
                "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, "
                "'\"comment\":\"Say why\"', '\"comment\":\"Fine\"') WHERE ref = '" +
                    ref + "'");
  CHECK_THAT(n.run(3, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"}).err,
             Contains("does not hash to the hash stored with it"));
  // A change short of closing it is made (exit 0: it was written), and its maker is told what
  // it rests on.
  test::RunResult later = n.run(0, {"act", ref, "update_timing", "--as", "olivia", "--set",
                                    "embargo_until=2026-03-09T10:00"});
  CHECK_THAT(later.err, Contains("WARNING: " + ref + "'s history does not verify") &&
                            Contains("this change was recorded on top of it"));
  // So is a new version of the text, and a decision on it.
  const auto text = n.path() / "redraft.txt";
  std::ofstream(text) << "The ward is closed today.\n";
  test::RunResult redraft =
      n.run(0, {"doc", "put", ref, "--file", text.string(), "--as", "olivia"});
  CHECK_THAT(redraft.err, Contains("WARNING: " + ref + "'s history does not verify") &&
                              Contains("this change was recorded on top of it"));
  // It went back to the first sign-off step (a new version restarts the chain).
  test::RunResult decided =
      n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  CHECK_THAT(decided.err, Contains("WARNING: " + ref + "'s history does not verify"));
}

TEST_CASE("media: an approval mixing versions cannot be issued, and the register flags it",
          "[sqlite]") {
  Newsroom n;
  std::string ref =
      n.draft({"headline=Legacy statement", "kind=reactive_statement", "clinical_content=true"},
              "The first text.\n");
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "hannah"});
  n.run(0, {"decide", ref, "approved", "--version", n.version(ref), "--as", "cara"});
  write_legacy_mixed_approval(n.path() / "commsflow.db", ref);
  n.run(0, {"verify"});

  auto refused = n.run(1, {"act", ref, "issue", "--as", "olivia", "--set", "channel=website"});
  CHECK_THAT(refused.err, Contains("every step must approve version 2, the version to be issued"));
  CHECK_THAT(refused.err, Contains("Comms review (version 1)"));
  CHECK(n.state(ref) == "approved");

  Json rows = n.json(0, {"audit", "signoffs"})["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["document_version"] == 2);
  CHECK(rows[0]["current_version"] == 2);
  CHECK(rows[0]["state"] == "approved");
  CHECK_THAT(rows[0]["warning"].get<std::string>(),
             Contains("hannah decided comms_review on version 1, not version 2"));
  auto csv = n.run(0, {"audit", "signoffs", "--format", "csv"}).out;
  CHECK_THAT(csv, Contains("hannah decided comms_review on version 1"));
}
