// `commsflow audit` and `commsflow verify --head/--since-head` as a user runs them: the real
// binary over a small sign-off history.
#include <commsflow/json.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "audit_fixture.h"
#include "base/csv.h"
#include "support.h"

using namespace commsflow;
using Catch::Contains;
using test::RunResult;

namespace {

using Args = std::vector<std::string>;

const std::string kHash1(64, '1');
const std::string kHash2(64, '2');

// A folder with the statement workflow and a database holding three actors (events 1-3), one
// statement that was returned on version 1 and approved on version 2 (events 4-10), and a second
// one just submitted (11).
class AuditProject {
 public:
  // Recorded in this process; the tests read them back through the real binary.
  AuditProject() {
    dir.write("workflows/statement.lua", test::kStatementWorkflow);
    test::LocalEngine here(dir.path(), /*create=*/true);
    here.engine->add_actor("olivia", {"comms_officer"});
    here.engine->add_actor("hannah", {"head_of_comms"});
    here.engine->add_actor("dora", {"director"});
    const std::string ref =
        here.submit("statement", "olivia", Json{{"headline", "Hospital consultation"}}, kNow).ref;
    auto put = [&](int version, const std::string& hash) {
      here.act(ref, "put_document", "olivia",
               Json{{"document_version", version}, {"document_hash", hash}}, kNow);
    };
    put(1, kHash1);
    here.act(ref, "send", "olivia", Json::object(), kNow);
    here.act(ref, "decide", "hannah",
             Json{{"decision", "changes_required"},
                  {"document_version", 1},
                  {"document_hash", kHash1},
                  {"comment", "Shorter, please; \"no jargon\""}},
             "2026-03-03T10:00:00Z");
    put(2, kHash2);
    here.act(ref, "send", "olivia", Json::object(), kNow);
    here.act(ref, "decide", "dora",
             Json{{"decision", "approved"},
                  {"document_version", 2},
                  {"document_hash", kHash2},
                  {"comment", "fine"}},
             "2026-04-01T09:00:00Z", "agreed by phone");
    here.submit("statement", "olivia", Json{{"headline", "Winter campaign"}},
                "2026-04-01T09:00:00Z");
  }

  RunResult run(int expected_exit, const Args& args, const std::string& now = kNow) {
    RunResult r = test::run_cli(dir.path(), args, now);
    INFO(fmt::format("$ commsflow {}\nexit {}\n{}{}", fmt::join(args, " "), r.exit_code, r.out,
                     r.err));
    REQUIRE(r.exit_code == expected_exit);
    return r;
  }

  Json json(const Args& args) { return Json::parse(run(0, args).out); }

  test::TempDir dir;

 private:
  static constexpr const char* kNow = "2026-03-02T09:00:00Z";
};

}  // namespace

TEST_CASE("cli audit: an item's history names who decided what on which version") {
  AuditProject p;
  RunResult r = p.run(0, {"audit", "STM-2026-0001"});
  CHECK_THAT(r.out, Contains("Audit history of STM-2026-0001"));
  CHECK_THAT(r.out, Contains("chain head 11:"));
  CHECK_THAT(r.out, Contains("Decision: Changes required"));
  CHECK_THAT(r.out, Contains("Document hash: " + kHash2));
  CHECK_THAT(r.out, Contains("Comment: Shorter, please; \"no jargon\""));
  CHECK_THAT(r.out, Contains("Note: agreed by phone"));
  // A comment is quoted as typed in every column, never read as a name ("fine", not "Fine").
  CHECK_THAT(r.out, Contains("Comment: fine") && !Contains("Fine"));

  Json j = p.json({"audit", "STM-2026-0001", "--json"});
  REQUIRE(j["rows"].size() == 7);
  CHECK(j["rows"][6]["actor"] == "dora");
  CHECK(j["rows"][6]["decision"] == "approved");
  CHECK(j["rows"][6]["document_hash"] == kHash2);
  CHECK(j["rows"][6]["at"] == "2026-04-01T09:00:00Z");
  CHECK(j["chain_head"]["seq"] == 11);
}

TEST_CASE("cli audit: filters combine, and dates, formats and unknown items are checked") {
  AuditProject p;
  Json decisions = p.json({"audit", "--action", "decide", "--json"});
  REQUIRE(decisions["rows"].size() == 2);
  Json dora = p.json({"audit", "--action", "decide", "--actor", "dora", "--workflow", "statement",
                      "--from", "2026-04-01", "--to", "2026-06-30", "--format", "json"});
  REQUIRE(dora["rows"].size() == 1);
  CHECK(dora["rows"][0]["seq"] == 10);
  CHECK(dora["range"] ==
        "workflow statement; actor dora; action decide; from 2026-04-01 to 2026-06-30");
  // A person who took no action has an empty history; a name nobody has is a mistake.
  CHECK(p.json({"audit", "--actor", "dora", "--to", "2026-01-01", "--json"})["rows"].empty());
  RunResult bad = p.run(2, {"audit", "--actor", "nobody"});
  CHECK_THAT(bad.err, Contains("actor: no person is named 'nobody'"));
  bad = p.run(2, {"audit", "--workflow", "statment"});
  CHECK_THAT(bad.err, Contains("workflow: no workflow is named 'statment'"));
  // An action no event has ever had: an empty answer, which says the name may be mistyped.
  RunResult typo = p.run(0, {"audit", "--action", "decdie"});
  CHECK_THAT(typo.err, Contains("no event in the whole history is of the action 'decdie'"));
  CHECK_THAT(typo.out, Contains("0 row(s)") && Contains("it is spelt otherwise"));
  CHECK_THAT(p.run(0, {"audit", "--action", "decide", "--to", "2026-01-01"}).err,
             !Contains("spelt"));

  // Dates as people write them, as in fields; a day that does not exist is named.
  Json uk = p.json({"audit", "--action", "decide", "--actor", "dora", "--from", "01/04/2026",
                    "--to", "30/06/2026 23:59", "--json"});
  CHECK(uk["rows"].size() == 1);
  bad = p.run(2, {"audit", "--from", "31/02/2026"});
  CHECK_THAT(bad.err, Contains("from: '31/02/2026': there is no 31 February 2026"));
  bad = p.run(2, {"audit", "--from", "31/03/2026 25:00"});  // the day is real, the time not
  CHECK_THAT(bad.err, Contains("from: '31/03/2026 25:00' is not a date"));
  bad = p.run(2, {"audit", "--from", "March 2026"});
  CHECK_THAT(bad.err, Contains("from: 'March 2026' is not a date (2026-03-31 or 31/03/2026)"));
  bad = p.run(2, {"audit", "--from", "2026-05-01", "--to", "2026-04-01"});
  CHECK_THAT(bad.err, Contains("after"));
  bad = p.run(2, {"audit", "--format", "pdf"});
  CHECK_THAT(bad.err, Contains("--format"));
  bad = p.run(2, {"audit", "STM-2026-0404"});
  CHECK_THAT(bad.err, Contains("no item STM-2026-0404"));
}

TEST_CASE("cli audit: CSV and HTML exports written to a file") {
  AuditProject p;
  RunResult r =
      p.run(0, {"audit", "--action", "decide", "--format", "csv", "--output", "decisions.csv"});
  CHECK_THAT(r.out, Contains("decisions.csv"));
  auto records = parse_csv(test::read_bytes(p.dir / "decisions.csv"), "decisions.csv");
  REQUIRE(records.size() == 3);
  const auto& head = records[0].fields;
  auto col = [&](const std::string& key) {
    return static_cast<size_t>(std::find(head.begin(), head.end(), key) - head.begin());
  };
  REQUIRE(col("comment") < head.size());
  CHECK(records[1].fields[col("comment")] == "Shorter, please; \"no jargon\"");
  CHECK(records[2].fields[col("document_hash")] == kHash2);
  CHECK(records[2].fields[col("at")] == "2026-04-01T09:00:00Z");

  p.run(0, {"audit", "STM-2026-0001", "--format", "html", "-o", "history.html"});
  std::string html = test::read_bytes(p.dir / "history.html");
  CHECK_THAT(html, Contains("<dt>Database</dt><dd>commsflow.db</dd>"));
  CHECK_THAT(html, Contains("item STM-2026-0001"));
  CHECK_THAT(html, Contains("2026-03-02T09:00:00Z"));  // produced at (the fixed clock)
  CHECK_THAT(html, Contains("event 11, hash"));
  for (const char* external : {"http:", "https:", "//", "src=", "href=", "url(", "@import"}) {
    INFO(external);
    CHECK(html.find(external) == std::string::npos);
  }

  RunResult cannot = p.run(2, {"audit", "--format", "csv", "-o", "no-such-folder/x.csv"});
  CHECK_THAT(cannot.err, Contains("no-such-folder/x.csv"));
}

TEST_CASE("cli audit and verify read only: a changed workflow file is not loaded by them") {
  AuditProject p;
  std::string before = test::query_text(p.dir / "commsflow.db", "SELECT count(*) FROM definitions");
  p.dir.write("workflows/statement.lua",
              std::string(test::kStatementWorkflow) + "\n-- edited after the history\n");
  p.run(0, {"audit", "STM-2026-0001"});
  p.run(0, {"audit", "--action", "decide", "--format", "html", "-o", "r.html"});
  p.run(0, {"verify"});
  p.run(0, {"verify", "--head"});
  CHECK(test::query_text(p.dir / "commsflow.db", "SELECT count(*) FROM definitions") == before);
  CHECK(test::query_text(p.dir / "commsflow.db", "SELECT count(*) FROM events") == "11");
}

TEST_CASE("cli audit: a report from a history that does not verify says so and exits 1") {
  AuditProject p;
  RunResult intact = p.run(0, {"audit", "STM-2026-0001", "--format", "html"});
  CHECK_THAT(intact.out, !Contains("Warning"));
  CHECK(p.json({"audit", "--json"})["verified"] == true);

  // Dora's approval is rewritten as "changes_required" in the stored body, its hash left alone.
  test::raw_sql(
      p.dir / "commsflow.db",
      "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, "
      "'\"decision\":\"approved\"', '\"decision\":\"changes_required\"') WHERE action = 'decide'");
  RunResult text = p.run(1, {"audit", "STM-2026-0001"});
  CHECK_THAT(text.out, Contains("WARNING: the history does not verify: ") &&
                           Contains("the first at event ") && Contains("chain head is not proven"));
  CHECK_THAT(text.err, !Contains("WARNING"));  // the terminal shows it once

  RunResult html = p.run(1, {"audit", "STM-2026-0001", "--format", "html"});
  CHECK_THAT(html.out, Contains("role=\"alert\"><strong>Warning:</strong> the history does not "
                                "verify"));
  Json j = Json::parse(p.run(1, {"audit", "--json"}).out);
  CHECK(j["verified"] == false);
  CHECK_THAT(j["warning"].get<std::string>(), Contains("problem(s) found, the first at event "));
  CHECK_THAT(j["warning"].get<std::string>(), !Contains("approved"));  // where, not what

  // A CSV cannot say so: none is written, to a file or to stdout, unless asked for by name.
  RunResult csv = p.run(1, {"audit", "signoffs", "--format", "csv", "-o", "register.csv"});
  CHECK_THAT(csv.err, Contains("no CSV was written: the history does not verify") &&
                          Contains("--even-if-unverified"));
  CHECK_FALSE(std::filesystem::exists(p.dir / "register.csv"));
  RunResult piped = p.run(1, {"audit", "--format", "csv"});
  CHECK(piped.out.empty());
  CHECK_THAT(piped.err, Contains("no CSV was written"));
  RunResult asked = p.run(
      1, {"audit", "signoffs", "--format", "csv", "-o", "register.csv", "--even-if-unverified"});
  CHECK_THAT(asked.err, Contains("WARNING: the history does not verify"));
  CHECK(std::filesystem::exists(p.dir / "register.csv"));
}

TEST_CASE("cli report: a report from a history that does not verify says so under its title") {
  AuditProject p;
  CHECK_THAT(p.run(0, {"report", "STM-2026-0001", "timeline"}).out, !Contains("Warning"));
  test::raw_sql(p.dir / "commsflow.db",
                "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, "
                "'\"decision\":\"approved\"', '\"decision\":\"changes_required\"') WHERE "
                "action = 'decide'");
  RunResult text = p.run(1, {"report", "STM-2026-0001", "timeline"});
  CHECK(text.out.starts_with("# "));
  CHECK_THAT(text.out, Contains("\n\n> **Warning:** the history does not verify: ") &&
                           Contains("the first at event "));
  CHECK_THAT(text.err, !Contains("WARNING"));  // the terminal shows it once

  RunResult html = p.run(1, {"report", "STM-2026-0001", "timeline", "--format", "html"});
  CHECK_THAT(html.out, Contains("<blockquote>\n<p><strong>Warning:</strong> the history does "
                                "not verify"));
  RunResult file = p.run(1, {"report", "STM-2026-0001", "timeline", "--out", "t.md"});
  CHECK_THAT(file.err, Contains("WARNING: the history does not verify"));
  Json j = Json::parse(p.run(1, {"report", "STM-2026-0001", "timeline", "--json"}).out);
  CHECK_THAT(j["warning"].get<std::string>(), Contains("problem(s) found"));
}

TEST_CASE(
    "cli verify: --head prints the chain head and --since-head proves nothing before it changed") {
  AuditProject p;
  RunResult head = p.run(0, {"verify", "--head"});
  std::string anchor = head.out.substr(0, head.out.find('\n'));
  CHECK(anchor.rfind("11:", 0) == 0);
  CHECK(anchor.size() == 3 + 64);
  CHECK_THAT(head.err, Contains("--since-head " + anchor));
  Json j = p.json({"verify", "--head", "--json"});
  CHECK(j["head"]["seq"] == 11);
  CHECK(fmt::format("11:{}", j["head"]["hash"].get<std::string>()) == anchor);

  p.run(0, {"act", "STM-2026-0002", "put_document", "--as", "olivia", "--set", "document_version=1",
            "--set", "document_hash=" + kHash1});
  RunResult ok = p.run(0, {"verify", "--since-head", anchor});
  CHECK_THAT(ok.out, Contains("the history up to event 11 is unchanged"));
  // Pasted with the spaces around it that minutes and emails add.
  CHECK_THAT(p.run(0, {"verify", "--since-head", "  " + anchor + " \n"}).out,
             Contains("the history up to event 11 is unchanged"));
  CHECK_THAT(ok.out, Contains("chain head 12:"));

  RunResult bad = p.run(2, {"verify", "--since-head", "8"});
  CHECK_THAT(bad.err, Contains("SEQ:HASH"));

  // Someone removes the last two events and the item change they made: the anchor still shows it.
  test::raw_sql(p.dir / "commsflow.db",
                "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq >= 11; DELETE FROM "
                "items WHERE ref = 'STM-2026-0002'");
  p.run(0, {"verify"});
  RunResult tampered = p.run(1, {"verify", "--since-head", anchor});
  CHECK_THAT(tampered.err, Contains("TAMPERED"));
  CHECK_THAT(tampered.err, Contains("the log ends at event 10: events were removed, or the anchor "
                                    "was copied wrongly"));
  Json tj = Json::parse(p.run(1, {"verify", "--since-head", anchor, "--json"}).out);
  CHECK(tj["ok"] == false);
  CHECK(tj["problems"][0]["seq"] == 11);
}
