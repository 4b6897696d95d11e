// Audit queries and their exports: the right rows, readable fields, exports that parse back, and
// reading without blocking writers.
#include <commsflow/audit.h>
#include <commsflow/report_table.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>

#include "audit_fixture.h"
#include "base/csv.h"
#include "support.h"

using namespace commsflow;
using Catch::Contains;
using commsflow::test::Fixture;

namespace {

const std::string kHash1(64, 'a');
const std::string kHash2(64, 'b');
const std::string kHash3(64, 'c');

// Appends a decision taken by a delegate, the way sign-off steps record one (on_behalf_of on
// the event), keeping the item row equal to its replay.
void append_delegated_decision(Fixture& f, const std::string& ref, const std::string& actor,
                               const std::string& on_behalf_of) {
  auto tx = f.store->begin_write();
  Item item = *f.store->item(ref);
  auto last = f.store->last_event();
  Event e;
  e.seq = last->seq + 1;
  e.ref = ref;
  e.action = "decide";
  e.actor = actor;
  e.on_behalf_of = on_behalf_of;
  e.at = format_datetime(f.clock.now());
  e.from_state = item.state;
  e.to_state = "approved";
  e.version = item.version;
  e.payload = Json{{"decision", "approved"}, {"document_version", 1}, {"document_hash", kHash3}};
  f.store->append_event(StoredEvent{e.seq, e.body(), chain_hash(last->hash, e.body())});
  std::int64_t revision = item.revision;
  item.state = "approved";
  item.revision += 1;
  item.updated_at = e.at;
  REQUIRE(f.store->update_item(item, revision));
  tx->commit();
}

struct Seeded {
  std::string a, b, c, d;
};

// Five actors (events 1-5, see kAccountEvents), then 16 item events over four days in two
// workflows, numbered here (and by seqs()) from 1:
//   03-02 09:00  1-3   A submit, put_document v1, send
//   03-03 10:00  4-6   A decide changes_required (hannah), put_document v2, send
//   04-01 09:00  7-11  A decide approved (dora, with a note); B (review) submit; C submit,
//                      put_document, send
//   04-02 12:00 12-16  C decide approved (hannah); D submit, put_document, send, decide by derek
//                      on behalf of dora
Seeded seed(Fixture& f) {
  f.dir.write("workflows/review.lua", test::kReviewWorkflow);
  REQUIRE(f.registry->sync().empty());
  f.engine->add_actor("dora", {"director"});
  f.engine->add_actor("derek", {"head_of_comms"});
  auto submit = [&](const std::string& headline) {
    auto outcome = f.engine->submit("statement", "olivia", Json{{"headline", headline}});
    REQUIRE(outcome.ok());
    return outcome.value().ref;
  };
  auto put = [&](const std::string& ref, int version, const std::string& hash) {
    f.act(ref, "put_document", "olivia",
          Json{{"document_version", version}, {"document_hash", hash}});
  };
  auto decide = [&](const std::string& ref, const std::string& actor, const std::string& decision,
                    int version, const std::string& hash, Json extra = Json::object(),
                    const std::string& note = "") {
    Json inputs{{"decision", decision}, {"document_version", version}, {"document_hash", hash}};
    inputs.update(extra);
    auto outcome = f.engine->act(ActRequest{ref, "decide", actor, inputs, note, std::nullopt});
    REQUIRE(outcome.ok());
  };
  Seeded s;
  f.clock.set(*parse_datetime("2026-03-02T09:00:00Z"));
  s.a = submit("Community hospital consultation");
  put(s.a, 1, kHash1);
  f.act(s.a, "send", "olivia");
  f.clock.set(*parse_datetime("2026-03-03T10:00:00Z"));
  decide(s.a, "hannah", "changes_required", 1, kHash1,
         Json{{"comment", "Too long, \"tighten\" it"}});
  put(s.a, 2, kHash2);
  f.act(s.a, "send", "olivia");
  f.clock.set(*parse_datetime("2026-04-01T09:00:00Z"));
  decide(s.a, "dora", "approved", 2, kHash2, Json{{"comment", "Siân: fine, ok\nship it"}},
         "agreed by phone");
  s.b = f.submit("Staff awards").ref;
  s.c = submit("Winter campaign");
  put(s.c, 1, kHash3);
  f.act(s.c, "send", "olivia");
  f.clock.set(*parse_datetime("2026-04-02T12:00:00Z"));
  decide(s.c, "hannah", "approved", 1, kHash3);
  s.d = submit("Image sharing network statement");
  put(s.d, 1, kHash3);
  f.act(s.d, "send", "olivia");
  append_delegated_decision(f, s.d, "derek", "dora");
  REQUIRE(verify(*f.store).ok());
  return s;
}

// The events recording the fixture's three actors and the seed's two, before any item event.
constexpr std::int64_t kAccountEvents = 5;

// The item events of a result, numbered from the first item event as in seed()'s comment.
std::vector<std::int64_t> seqs(const AuditResult& r) {
  std::vector<std::int64_t> out;
  for (const auto& row : r.rows) {
    if (row.ref.rfind("actor:", 0) != 0) out.push_back(row.seq - kAccountEvents);
  }
  return out;
}

using Seqs = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("audit REF: the item's complete history with decisions, versions and comments") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  Seeded s = seed(f);
  AuditResult r = query_history(*f.store, AuditQuery{s.a, "", "", "", "", ""});
  REQUIRE(seqs(r) == Seqs{1, 2, 3, 4, 5, 6, 7});
  CHECK(r.head.seq == kAccountEvents + 16);
  CHECK(r.head.hash == f.store->last_event()->hash);

  const AuditRow& first = r.rows[0];
  CHECK(first.action == "submit");
  CHECK(first.from_state.empty());
  CHECK(first.to_state == "drafting");
  CHECK(first.workflow == "statement");

  const AuditRow& returned = r.rows[3];
  CHECK(returned.at == "2026-03-03T10:00:00Z");
  CHECK(returned.actor == "hannah");
  CHECK(returned.action == "decide");
  CHECK(returned.from_state == "review");
  CHECK(returned.to_state == "drafting");
  CHECK(returned.decision == "changes_required");
  CHECK(returned.document_version == "1");
  CHECK(returned.document_hash == kHash1);
  CHECK(returned.comment == "Too long, \"tighten\" it");

  const AuditRow& approved = r.rows[6];
  CHECK(approved.actor == "dora");
  CHECK(approved.decision == "approved");
  CHECK(approved.document_version == "2");
  CHECK(approved.document_hash == kHash2);
  CHECK(approved.note == "agreed by phone");
  CHECK(approved.hash == f.store->events_for(s.a).back().hash);

  AuditResult delegated = query_history(*f.store, AuditQuery{s.d, "", "", "", "", ""});
  REQUIRE(delegated.rows.size() == 4);
  CHECK(delegated.rows[3].actor == "derek");
  CHECK(delegated.rows[3].on_behalf_of == "dora");
}

TEST_CASE(
    "audit queries: a time to the minute takes in that whole minute, and both bounds are checked") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  seed(f);
  f.clock.set(*parse_datetime("2026-04-02T12:00:30Z"));
  const std::string late =
      f.engine->submit("statement", "olivia", Json{{"headline", "Late"}}).value().ref;
  auto refs = [&](const std::string& to) {
    AuditQuery q;
    q.from = "2026-04-02";
    q.to = to;
    std::vector<std::string> out;
    for (const auto& row : query_history(*f.store, q).rows) out.push_back(row.ref);
    return out;
  };
  // 13:00 UK time (BST) is 12:00 UTC: the event at 12:00:30 is within that minute.
  CHECK(refs("2026-04-02 13:00").back() == late);
  CHECK(refs("02/04/2026 13:00").back() == late);
  // To the second, the bound is that second.
  CHECK(refs("2026-04-02 13:00:00").back() != late);
  AuditQuery both;
  both.from = "yesterday";
  both.to = "2026-13-01";
  CHECK_THROWS_WITH(query_history(*f.store, both),
                    Contains("from: 'yesterday' is not a date") && Contains("to: '2026-13-01'"));
}

TEST_CASE("audit queries: each filter and their combinations return exactly the right events") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  seed(f);
  auto run = [&](AuditQuery q) { return seqs(query_history(*f.store, q)); };
  AuditQuery q;
  CHECK(run(q).size() == 16);

  SECTION("by action") {
    q.action = "decide";
    CHECK(run(q) == Seqs{4, 7, 12, 16});
    // Taken, but not in the range asked: no rows. Never taken at all: no rows, and a note that
    // it is most likely a typo.
    q.to = "2026-01-01";
    CHECK(run(q).empty());
    q.to = "";
    CHECK(unknown_action_note(*f.store, q, 0).empty());
    q.action = "decdie";
    CHECK(run(q).empty());
    CHECK_THAT(unknown_action_note(*f.store, q, 0),
               Contains("no event in the whole history is of the action 'decdie'"));
  }
  SECTION("by actor, including decisions taken on their behalf") {
    q.actor = "dora";
    CHECK(run(q) == Seqs{7, 16});
    q.actor = "derek";
    CHECK(run(q) == Seqs{16});
    // A name nobody has is a mistake to name, not an empty history.
    q.actor = "nobody";
    CHECK_THROWS_WITH(run(q), Contains("no person is named 'nobody'"));
  }
  SECTION("by workflow") {
    q.workflow = "review";
    CHECK(run(q) == Seqs{8});
  }
  SECTION("by dates: both bounds inclusive, a date meaning the whole day") {
    q.from = "2026-04-01";
    q.to = "2026-04-01";
    CHECK(run(q) == Seqs{7, 8, 9, 10, 11});
    q.from = "2026-01-01";
    q.to = "2026-03-31";
    CHECK(run(q) == Seqs{1, 2, 3, 4, 5, 6});
    q.from = "";
    q.to = "2026-03-03T10:00:00Z";
    CHECK(run(q) == Seqs{1, 2, 3, 4, 5, 6});
    q.to = "2026-03-03T09:59:59Z";
    CHECK(run(q) == Seqs{1, 2, 3});
    q.to = "";
    q.from = "2026-04-02T12:00:00+01:00";  // 11:00 UTC
    CHECK(run(q) == Seqs{12, 13, 14, 15, 16});
  }
  SECTION("combined: every filter must hold") {
    q.action = "decide";
    q.from = "2026-01-01";
    q.to = "2026-03-31";
    CHECK(run(q) == Seqs{4});
    q = AuditQuery{};
    q.workflow = "statement";
    q.action = "decide";
    q.from = "2026-04-01";
    CHECK(run(q) == Seqs{7, 12, 16});
    q.actor = "hannah";
    CHECK(run(q) == Seqs{12});
  }
  CHECK(verify(*f.store).ok());
}

TEST_CASE("audit queries: bad dates and unknown items are refused by name") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  seed(f);
  auto error_of = [&](AuditQuery q) -> Error {
    try {
      query_history(*f.store, q);
    } catch (const Error& e) {
      return e;
    }
    FAIL("no error");
    return Error(ErrorKind::Storage, "");
  };
  AuditQuery q;
  q.from = "2026-13-01";
  Error e = error_of(q);
  CHECK(e.kind() == ErrorKind::BadInput);
  CHECK_THAT(e.what(), Contains("from") && Contains("2026-13-01"));
  q.from = "";
  q.to = "last tuesday";
  e = error_of(q);
  CHECK(e.kind() == ErrorKind::BadInput);
  CHECK_THAT(e.what(), Contains("to: 'last tuesday'"));
  q.from = "2026-04-02";
  q.to = "2026-04-01";
  e = error_of(q);
  CHECK(e.kind() == ErrorKind::BadInput);
  CHECK_THAT(e.what(), Contains("after"));
  e = error_of(AuditQuery{"STM-2026-0099", "", "", "", "", ""});
  CHECK(e.kind() == ErrorKind::NotFound);
  CHECK_THAT(e.what(), Contains("STM-2026-0099"));
}

TEST_CASE("audit: reading takes no write lock, so actions commit while an audit reads") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  Seeded s = seed(f);
  // The audit reads on its own connection, as `commsflow audit` in another process would.
  auto reader_owner = Store::open(f.db, Store::Options{});
  Store& reader = *reader_owner;
  std::int64_t seen = 0;
  std::string committed_ref;
  ChainHead head = query_history(reader, AuditQuery{}, [&](AuditRow&&) {
    if (++seen != kAccountEvents + 3) return;
    // Mid-read, with the audit's read transaction open: the team's work must commit.
    auto outcome = f.engine->submit("statement", "olivia", Json{{"headline", "Mid-audit"}});
    REQUIRE(outcome.ok());
    committed_ref = outcome.value().ref;
    f.act(s.b, "send", "olivia", Json{{"body", "Written while the audit was reading"}});
  });
  // The audit saw one consistent snapshot: the 21 events before the writes and their head.
  CHECK(seen == kAccountEvents + 16);
  CHECK(head.seq == kAccountEvents + 16);
  // The writes are committed and visible to the next read.
  AuditResult after = query_history(reader, AuditQuery{});
  CHECK(after.rows.size() == kAccountEvents + 18);
  CHECK(after.rows[kAccountEvents + 16].ref == committed_ref);
  CHECK(after.head.seq == kAccountEvents + 18);
  CHECK(verify(reader).ok());
}

TEST_CASE("audit exports: a cell a spreadsheet would run as a formula is shown as text in CSV") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  auto outcome = f.engine->submit("statement", "olivia", Json{{"headline", "Formula"}});
  REQUIRE(outcome.ok());
  REQUIRE(f.engine
              ->act(ActRequest{outcome.value().ref, "send", "olivia", Json::object(),
                               "=HYPERLINK(\"http://evil.example\",\"click\")", std::nullopt})
              .ok());
  AuditResult r = query_history(*f.store, AuditQuery{outcome.value().ref, "", "", "", "", ""});
  ReportTable table = audit_table(r.rows);
  auto records = parse_csv(render_csv(table), "export.csv");
  const auto& head = records[0].fields;
  const auto note = static_cast<size_t>(std::find(head.begin(), head.end(), "note") - head.begin());
  REQUIRE(note < head.size());
  CHECK(records.back().fields[note] == "'=HYPERLINK(\"http://evil.example\",\"click\")");
  // The JSON export stays exact.
  ReportHeader header{"test.db", "", "2026-04-03T08:00:00Z", r.head.seq, r.head.hash};
  CHECK(render_json(table, header).dump().find("\"=HYPERLINK") != std::string::npos);
}

// Item A's seeded history as a report table, with the header an export states.
struct ItemReport {
  Fixture f{test::kStatementWorkflow, "statement.lua"};
  Seeded s = seed(f);
  AuditResult r = query_history(*f.store, AuditQuery{s.a, "", "", "", "", ""});
  ReportTable table = audit_table(r.rows);
  ReportHeader header{"test.db", "item " + s.a, "2026-04-03T08:00:00Z", r.head.seq, r.head.hash};
};

TEST_CASE("audit exports: CSV and JSON parse back to the same rows") {
  ItemReport report;
  auto& [f, s, r, table, header] = report;

  SECTION("CSV: RFC 4180 with a header line, CRLF, UTF-8") {
    std::string csv = render_csv(table);
    CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK_THAT(csv, Contains("\r\n"));
    auto records = parse_csv(csv, "export.csv");
    REQUIRE(records.size() == 1 + r.rows.size());
    const auto& head = records[0].fields;
    REQUIRE(head.size() == table.columns.size());
    auto col = [&](const std::string& key) {
      auto it = std::find(head.begin(), head.end(), key);
      REQUIRE(it != head.end());
      return static_cast<size_t>(it - head.begin());
    };
    for (size_t i = 0; i < r.rows.size(); ++i) {
      const auto& rec = records[i + 1].fields;
      REQUIRE(rec.size() == head.size());
      CHECK(rec[col("seq")] == std::to_string(r.rows[i].seq));
      CHECK(rec[col("at")] == r.rows[i].at);
      CHECK(rec[col("actor")] == r.rows[i].actor);
      CHECK(rec[col("comment")] == r.rows[i].comment);
      CHECK(rec[col("document_hash")] == r.rows[i].document_hash);
      CHECK(rec[col("event_hash")] == r.rows[i].hash);
    }
    CHECK(records[7].fields[col("comment")] == "Siân: fine, ok\nship it");
    CHECK(records[4].fields[col("comment")] == "Too long, \"tighten\" it");
    CHECK(records[1].fields[col("from_state")].empty());
  }
  SECTION("JSON: the header and every row with its types") {
    Json j = Json::parse(render_json(table, header).dump());
    CHECK(j["database"] == "test.db");
    CHECK(j["range"] == "item " + s.a);
    CHECK(j["produced_at"] == "2026-04-03T08:00:00Z");
    CHECK(j["chain_head"]["seq"] == kAccountEvents + 16);
    CHECK(j["chain_head"]["hash"] == r.head.hash);
    REQUIRE(j["rows"].size() == 7);
    CHECK(j["rows"][6]["seq"] == kAccountEvents + 7);
    CHECK(j["rows"][6]["decision"] == "approved");
    CHECK(j["rows"][6]["document_hash"] == kHash2);
    CHECK(j["rows"][6]["payload"]["document_version"] == 2);
    CHECK(j["rows"][6]["document_version"] == 2);
    CHECK(j["rows"][0]["from_state"].is_null());
    CHECK(j["rows"][0]["changes"]["headline"] == "Community hospital consultation");
  }
}

TEST_CASE("audit exports: HTML is a self-contained page stating where it came from") {
  ReportTable table;
  table.title = "Audit <history>";
  table.columns = {
      {"seq", "#", true}, {"comment", "Comment", true}, {"document_hash", "Hash", false}};
  table.rows = {{Json(1), Json("<script src=\"https://evil.example/x.js\"></script> & co"),
                 Json(std::string(64, 'f'))},
                {Json(2), Json(nullptr), Json(nullptr)}};
  ReportHeader header{"team & co.db", "from 2026-01-01 to 2026-03-31", "2026-04-03T08:00:00Z", 42,
                      std::string(64, 'e')};
  std::string html = render_html(table, header);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Contains("team &amp; co.db"));
  CHECK_THAT(html, Contains("from 2026-01-01 to 2026-03-31"));
  CHECK_THAT(html, Contains("2026-04-03T08:00:00Z"));
  CHECK_THAT(html, Contains("event 42"));
  CHECK_THAT(html, Contains(std::string(64, 'e')));
  CHECK_THAT(html, Contains("Audit &lt;history&gt;"));
  // The value is shown as text, never as markup.
  CHECK_THAT(html, Contains("&lt;script src=&quot;https://evil.example/x.js&quot;&gt;"));
  // Escaped, the hostile value cannot become an element or an attribute.
  for (const char* external :
       {"<script", "<link", "<img", "src=\"", "href=\"", "url(", "@import"}) {
    INFO(external);
    CHECK(html.find(external) == std::string::npos);
  }
}

TEST_CASE("audit exports: an HTML export of real events fetches nothing from outside") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  seed(f);
  AuditResult r = query_history(*f.store, AuditQuery{});
  std::string html = render_html(
      audit_table(r.rows),
      ReportHeader{"test.db", "all events", "2026-04-03T08:00:00Z", r.head.seq, r.head.hash});
  for (const char* external : {"http:", "https:", "//", "src=", "href=", "url(", "@import"}) {
    INFO(external);
    CHECK(html.find(external) == std::string::npos);
  }
  CHECK_THAT(html, Contains("Siân: fine, ok\nship it"));
}

TEST_CASE("audit text: a summary line per event and the details beneath it") {
  Fixture f(test::kStatementWorkflow, "statement.lua");
  Seeded s = seed(f);
  AuditResult r = query_history(*f.store, AuditQuery{s.d, "", "", "", "", ""});
  std::string text = render_text(audit_table(r.rows),
                                 ReportHeader{"test.db", "item " + s.d, "now", 16, r.head.hash});
  CHECK_THAT(text, Contains("On behalf of"));
  CHECK_THAT(text, Contains("dora"));
  CHECK_THAT(text, Contains("    Document hash: " + kHash3));
  CHECK_THAT(text, Contains("    Decision: approved"));
  CHECK_THAT(text, Contains("chain head 16:" + r.head.hash));
}

TEST_CASE("audit text and HTML: times in UK time, changes in words - CSV and JSON keep UTC") {
  ItemReport report;
  auto& [f, s, r, table, header] = report;
  std::string text = render_text(table, header);
  CHECK_THAT(text, Contains("Time (UK)"));
  CHECK_THAT(text, Contains("Mon 2 Mar 2026, 09:00:00 GMT"));
  CHECK_THAT(text, Contains("Wed 1 Apr 2026, 10:00:00 BST"));  // 09:00 UTC in summer time
  CHECK_THAT(text, !Contains("2026-04-01T09:00:00Z"));
  CHECK_THAT(text, Contains("Changes: headline: Community hospital consultation"));
  CHECK_THAT(text, !Contains("{\"headline\""));

  std::string html = render_html(table, header);
  CHECK_THAT(html, Contains("<time datetime=\"2026-04-01T09:00:00Z\">Wed 1 Apr 2026, 10:00:00 "
                            "BST</time>"));
  CHECK_THAT(html, Contains("<dd><time datetime=\"2026-04-03T08:00:00Z\">Fri 3 Apr 2026, "
                            "09:00:00 BST</time></dd>"));  // produced

  CHECK_THAT(render_csv(table), Contains("2026-04-01T09:00:00Z"));
  CHECK(render_json(table, header)["rows"][0]["at"] == "2026-03-02T09:00:00Z");
}

TEST_CASE("report cells for people: yes/no, lists, nested records and bare numbers") {
  ReportColumn words{"changes", "Changes", false};
  CHECK(cell_for_people(words, Json(nullptr)).empty());
  CHECK(cell_for_people(words, Json(3)) == "3");
  CHECK(cell_for_people(words, Json{{"urgent", true}, {"tags", {"a", "b"}}, {"none", Json()}}) ==
        "none: none; tags: (a, b); urgent: yes");
  CHECK(cell_for_people(words,
                        Json{{"_signoff", {{"step", "review"}, {"groups", Json::object()}}}}) ==
        "_signoff: (groups: none; step: review)");
  CHECK(cell_for_people(words, Json("2026-13-01T09:00:00Z")) == "2026-13-01T09:00:00Z");
  // Times within the engine's words (the register's approvers and escalations) are read in UK
  // time too; within words people typed (a note, a comment), they are quoted as typed.
  ReportColumn approvers{"approvers", "Approvers", false, CellShown::uk_times_within};
  CHECK(
      cell_for_people(approvers, Json("comms_review: hannah approved at 2026-07-01T13:30:00Z (v2); "
                                      "2026-12-01T09:00:00Z")) ==
      "comms_review: hannah approved at Wed 1 Jul 2026, 14:30:00 BST (v2); Tue 1 Dec 2026, "
      "09:00:00 GMT");
  CHECK(cell_for_people(approvers, Json("ends 2026-07-01T13:30:00")) == "ends 2026-07-01T13:30:00");
  CHECK(cell_for_people(words, Json("as agreed at 2026-07-01T13:30:00Z")) ==
        "as agreed at 2026-07-01T13:30:00Z");
  ReportColumn when{"at", "Time (UK)", true, CellShown::uk_time};
  CHECK(cell_for_people(when, Json("2026-07-01T23:30:00Z")) == "Thu 2 Jul 2026, 00:30:00 BST");
  CHECK(cell_for_people(when, Json("not a time")) == "not a time");
}

TEST_CASE("audit: describe names the filters in plain words") {
  CHECK(describe(AuditQuery{}) == "all events");
  AuditQuery q;
  q.actor = "dora";
  q.action = "decide";
  q.from = "2026-01-01";
  q.to = "2026-03-31";
  CHECK(describe(q) == "actor dora; action decide; from 2026-01-01 to 2026-03-31");
}
