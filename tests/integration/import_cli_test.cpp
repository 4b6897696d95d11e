// `commsflow import` as a user runs it: the real binary on CSV files in a fresh folder holding a
// copy of the shipped workflows, with the clock fixed. All rows or none; every bad row named by
// its line; nothing written when anything is wrong.
#include <commsflow/json.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

const char* const kHeader =
    "title,kind,requester_team,needed_by,strategic_priority,incident,statutory,"
    "reputational_risk,impact,resource,time_sensitive,responsibility,owner_org\n";

// A row that triages green; `kind` and `impact` can be changed to make it bad.
std::string row(const std::string& title, const std::string& kind = "internal",
                const std::string& impact = "low") {
  return fmt::format("{},{},Workforce,2026-03-20,none,none,no,low,{},low,no,own,\n", title, kind,
                     impact);
}

struct ImportProject {
  test::TempDir dir;
  ImportProject() {
    fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
    REQUIRE(test::run_cli(dir.path(), {"init"}).exit_code == 0);
    REQUIRE(test::run_cli(dir.path(), {"actor", "add", "tom", "--role", "triager"}).exit_code == 0);
  }
  test::RunResult import(const std::string& file) const {
    return test::run_cli(dir.path(), {"import", file, "--as", "tom"});
  }
  std::string count(const std::string& table) const {
    return test::query_text(dir / "commsflow.db", "SELECT count(*) FROM " + table);
  }
  // Events of items, leaving out those recording the accounts (ref "actor:NAME").
  std::string item_events() const {
    return test::query_text(dir / "commsflow.db",
                            "SELECT count(*) FROM events WHERE ref NOT LIKE 'actor:%'");
  }
};

}  // namespace

TEST_CASE("cli: import reads the shipped sample and reports the new references") {
  ImportProject p;
  fs::copy(fs::path(COMMSFLOW_SOURCE_DIR) / "samples" / "comms_requests.csv", p.dir / "in.csv");
  auto r = test::run_cli(p.dir.path(), {"--json", "import", "in.csv", "--as", "tom"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Json out = Json::parse(r.out);
  CHECK(out["imported"].get<int>() > 60);
  CHECK(out["refs"].size() == out["imported"].get<size_t>());
  CHECK(out["refs"][0] == "REQ-2026-0001");
  CHECK(p.count("items") == std::to_string(out["imported"].get<int>()));
  CHECK(p.item_events() == std::to_string(out["imported"].get<int>()));
}

TEST_CASE("cli: import reads the shipped spreadsheet sample, headed by labels") {
  ImportProject p;
  fs::copy(fs::path(COMMSFLOW_SOURCE_DIR) / "samples" / "more_comms_requests.csv",
           p.dir / "more.csv");
  auto r = test::run_cli(p.dir.path(), {"--json", "import", "more.csv", "--as", "tom"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)["imported"] == 3);
  Json item = Json::parse(test::run_cli(p.dir.path(), {"--json", "show", "REQ-2026-0002"}).out);
  CHECK(item["data"]["requester_team"] == "Pharmacy team");
  CHECK(item["data"]["needed_by"] == "2026-12-14");
  CHECK(item["data"]["statutory"] == "yes");
}

TEST_CASE("cli: import reads CSV as spreadsheets save it: semicolons, UK dates, Yes and No") {
  ImportProject p;
  // Saved by a spreadsheet set to a decimal comma: semicolons, a byte-order mark, CRLF, a UK
  // date, answers as people type them, and the empty last row spreadsheets leave.
  std::string csv =
      "\xEF\xBB\xBFtitle;kind;requester_team;needed_by;strategic_priority;incident;statutory;"
      "reputational_risk;impact;resource;time_sensitive;responsibility;owner_org\r\n"
      "\"Rota; winter\";Internal;Workforce;31/03/2026;None;none;Yes;Low;low;LOW;No;Own;\r\n"
      "Surgery letter;MP enquiry;Workforce;31/03/2026;None;none;No;Low;low;LOW;No;Own;\r\n"
      ";;;;;;;;;;;;\r\n";
  p.dir.write("saved.csv", csv);
  auto r = test::run_cli(p.dir.path(), {"--json", "import", "saved.csv", "--as", "tom"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)["imported"] == 2);
  Json item = Json::parse(test::run_cli(p.dir.path(), {"--json", "show", "REQ-2026-0001"}).out);
  CHECK(item["data"]["title"] == "Rota; winter");
  CHECK(item["data"]["needed_by"] == "2026-03-31");
  CHECK(item["data"]["statutory"] == "yes");
  CHECK(item["data"]["kind"] == "internal");
  CHECK(item["data"]["rating"] == "red");  // statutory: yes
  // A choice as the app shows it ("MP enquiry") is the option it labels.
  CHECK(Json::parse(
            test::run_cli(p.dir.path(), {"--json", "show", "REQ-2026-0002"}).out)["data"]["kind"] ==
        "mp_enquiry");

  // Anything else is still named by file, line and field.
  p.dir.write("bad.csv",
              "title;kind;requester_team;needed_by\r\n"
              "A;internal;Workforce;31/02/2026\r\n"
              "B;Maybe;Workforce;\r\n");
  auto bad = p.import("bad.csv");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("bad.csv") && Contains("line 2") && Contains("needed_by") &&
                          Contains("31/02/2026") && Contains("line 3") && Contains("kind"));
  CHECK(p.count("items") == "2");
}

TEST_CASE("cli: import lists every bad row by line and field, and writes nothing") {
  ImportProject p;
  p.dir.write("bad.csv", std::string(kHeader) + row("Fine") + "Too short,internal\n" +
                             row("Podcast", "podcast") + row("Fine again") +
                             row("Huge impact", "internal", "huge"));
  auto r = p.import("bad.csv");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("bad.csv: nothing was imported: 3 problem(s)"));
  CHECK_THAT(r.err, Contains("line 3: has 2 values but the header names 13 columns"));
  CHECK_THAT(r.err, Contains("line 4: kind: 'podcast' is not one of"));
  CHECK_THAT(r.err, Contains("line 6: impact:"));
  CHECK(p.count("items") == "0");
  CHECK(p.item_events() == "0");
}

TEST_CASE("cli: import of a file whose quoting breaks part way writes nothing and names the line") {
  ImportProject p;
  p.dir.write("broken.csv", std::string(kHeader) + row("Fine") + row("Podcast", "podcast") +
                                "\"Never closed,internal\n" + row("After"));
  auto r = p.import("broken.csv");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("line 3: kind: 'podcast' is not one of"));
  CHECK_THAT(r.err, Contains("line 4: a quoted value is never closed"));
  CHECK(p.count("items") == "0");
}

TEST_CASE("cli: import of an empty or missing file is bad input naming the file") {
  ImportProject p;
  p.dir.write("empty.csv", "\n");
  auto empty = p.import("empty.csv");
  CHECK(empty.exit_code == 2);
  CHECK_THAT(empty.err, Contains("empty.csv") && Contains("empty"));
  auto missing = p.import("missing.csv");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("missing.csv"));
  CHECK(p.count("items") == "0");
}

TEST_CASE("cli: import by someone who may not create requests is refused once, as a role check") {
  ImportProject p;
  REQUIRE(test::run_cli(p.dir.path(), {"actor", "add", "gina", "--role", "governance"}).exit_code ==
          0);
  p.dir.write("in.csv", std::string(kHeader) + row("One") + row("Two"));
  auto r = test::run_cli(p.dir.path(), {"import", "in.csv", "--as", "gina"});
  CHECK(r.exit_code == 1);  // refused by a role check, as the README's exit codes say
  CHECK_THAT(r.err, Contains("nothing was imported: gina may not create an item of"));
  CHECK_THAT(r.err, Contains("needs the role"));
  CHECK_THAT(r.err, !Contains("line 2"));  // one reason, not one for each row
  CHECK(p.count("items") == "0");
}

TEST_CASE("cli: import names a column it does not take once, on line 1, and refuses no rows") {
  ImportProject p;
  // "rating" is the workflow's to set; "Titel" is not a field at all.
  p.dir.write("columns.csv", "rating,Titel,kind\nred,One,internal\namber,Two,internal\n");
  auto r = p.import("columns.csv");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("columns.csv: nothing was imported: 2 problem(s)"));
  CHECK_THAT(r.err, Contains("line 1: the column 'rating' is set by the workflow, not given when "
                             "an item is created (the columns it takes: title, "));
  CHECK_THAT(r.err, Contains("line 1: the column 'Titel' is not a field of the workflow"));
  CHECK_THAT(r.err, !Contains("line 2"));
  p.dir.write("header_only.csv", kHeader);
  auto empty = p.import("header_only.csv");
  CHECK(empty.exit_code == 2);
  CHECK_THAT(empty.err, Contains("header_only.csv: nothing was imported: there are no rows"));
  CHECK(p.count("items") == "0");
}

TEST_CASE("cli: import takes columns headed as people head them, and says how to save the file") {
  ImportProject p;
  // "Needed by" is the field's label; "Requester Team" its name in other words and case.
  const std::string header =
      "Title,Kind,Requester Team,Needed by,Strategic_Priority,incident,statutory,"
      "reputational-risk,impact,resource,time_sensitive,responsibility,owner_org\n";
  p.dir.write("people.csv", header + row("One"));
  auto r = p.import("people.csv");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(test::query_text(p.dir / "commsflow.db",
                         "SELECT json_extract(data, '$.needed_by') FROM items WHERE ref LIKE "
                         "'REQ-%'") == "2026-03-20");
  // A problem is named by the column's heading in the file, not the field's name.
  std::string wrong = row("Two");
  wrong.replace(wrong.find("2026-03-20"), 10, "2026-02-31");
  p.dir.write("wrong.csv", header + wrong);
  auto refused = p.import("wrong.csv");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err,
             Contains("line 2: Needed by: there is no 31 February 2026") && !Contains("needed_by"));

  // Excel's plain "CSV" (Windows-1252) and a tab-separated file: named, with how to save them.
  p.dir.write("latin.csv", std::string(kHeader) + row("Caf\xE9 opening"));
  auto latin = p.import("latin.csv");
  CHECK(latin.exit_code == 2);
  CHECK_THAT(latin.err, Contains("nothing was imported: 1 problem(s)") &&
                            Contains("save it as \"CSV UTF-8 (Comma delimited)\""));
  // Excel's "Unicode text" (UTF-16, little- or big-endian): said in those words, not as noise.
  for (const std::string bom : {"\xFF\xFE", "\xFE\xFF"}) {
    std::string utf16 = bom;
    for (char c : std::string("title,kind\nOne,internal\n")) {
      utf16 += bom[0] == '\xFF' ? std::string{c, '\0'} : std::string{'\0', c};
    }
    p.dir.write("utf16.csv", utf16);
    auto wide = p.import("utf16.csv");
    CHECK(wide.exit_code == 2);
    CHECK_THAT(wide.err, Contains("utf16.csv: the file is UTF-16 text, not UTF-8: in Excel, save "
                                  "it as \"CSV UTF-8 (Comma delimited)\""));
  }
  p.dir.write("tabs.csv", "title\tkind\nOne\tinternal\n");
  // Two columns for one field: which to take is not guessed.
  p.dir.write("twice.csv", "Title," + std::string(kHeader) + "Other," + row("One"));
  CHECK_THAT(p.import("twice.csv").err, Contains("line 1: the column 'Title' is title again"));
  CHECK_THAT(p.import("tabs.csv").err, Contains("line 1 is separated by tabs"));
  CHECK(p.count("items") == "1");
}

TEST_CASE("cli: a file imported twice is refused row by row, naming the items it made") {
  ImportProject p;
  p.dir.write("first.csv", kHeader + row("Rota change") + row("Car park"));
  REQUIRE(p.import("first.csv").exit_code == 0);
  const std::string items = p.count("items");

  // The same rows again, one of them under a label heading, among a new one: all or nothing.
  std::string again = kHeader + row("Rota change") + row("New clinic") + row("Car park");
  again.replace(again.find("requester_team"), 14, "Requester team");
  p.dir.write("again.csv", again);
  auto refused = p.import("again.csv");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err,
             Contains("nothing was imported: 2 problem(s)") &&
                 Contains("line 2: the same as REQ-2026-0001 in every column (imported before?)") &&
                 Contains("line 4: the same as REQ-2026-0002 in every column") &&
                 Contains("2 row(s) are already here; to import them as new items even so, use "
                          "--allow-duplicates"));
  CHECK_THAT(refused.err, !Contains("line 3"));
  CHECK(p.count("items") == items);

  // One column different is another request.
  p.dir.write("other.csv", kHeader + row("Rota change", "media"));
  CHECK(p.import("other.csv").exit_code == 0);
  // Said to be wanted, the rows go in as new items.
  auto allowed =
      test::run_cli(p.dir.path(), {"import", "again.csv", "--as", "tom", "--allow-duplicates"});
  INFO(allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK(p.count("items") == std::to_string(std::stoi(items) + 4));
  CHECK(test::run_cli(p.dir.path(), {"verify"}).exit_code == 0);
}
