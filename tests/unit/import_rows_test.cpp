// CSV files mapped to import rows: the header names the fields; bad files are refused whole,
// naming the file and every bad line.
#include <commsflow/error.h>
#include <commsflow/import_rows.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "base/csv.h"

using namespace commsflow;
using Catch::Contains;

TEST_CASE("import rows take their fields from the header and skip empty values") {
  auto rows = import_rows_from_csv("title,rating\nWinter,red\n\"Spring, early\",\n", "in.csv");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].line == 2);
  CHECK(rows[0].fields == Json{{"title", "Winter"}, {"rating", "red"}});
  CHECK(rows[1].line == 3);
  CHECK(rows[1].fields == Json{{"title", "Spring, early"}});
}

TEST_CASE("an empty CSV file or one with only blank lines is refused naming the file") {
  for (const char* text : {"", "\n\n", "\r\n"}) {
    CHECK_THROWS_WITH(import_rows_from_csv(text, "in.csv"),
                      Contains("in.csv") && Contains("empty") && Contains("header"));
  }
}

TEST_CASE("a column named twice is refused, naming it, rather than one value dropped") {
  CHECK_THROWS_WITH(
      import_rows_from_csv("title,kind,title\nFirst,media,Second\n", "in.csv"),
      Contains("in.csv: line 1: the column 'title' is named twice (columns 1 and 3)"));
  // Unnamed columns, as a spreadsheet saves them, are not a name given twice.
  CHECK(import_rows_from_csv("title,,\nFirst,,\n", "in.csv").size() == 1);
}

TEST_CASE("rows with too many or too few values are all listed by line, and none returned") {
  try {
    import_rows_from_csv("title,rating\nfine,red\nshort\nlong,red,extra\n", "in.csv");
    FAIL("expected the file to be refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Contains("in.csv: nothing was imported: 2 problem(s)"));
    CHECK_THAT(e.what(), Contains("line 3: has 1 values but the header names 2 columns"));
    CHECK_THAT(e.what(), Contains("line 4: has 3 values but the header names 2 columns"));
  }
}

TEST_CASE("a CSV stream read in chunks gives the records of the whole text, lines included") {
  // Long enough to span several of the reader's buffers, with quotes, doubled quotes, CRLF and
  // line breaks inside values falling on every byte offset along the way.
  std::string text = "\xEF\xBB\xBFtitle,notes\r\n";
  for (int i = 0; i < 6000; ++i) {
    text += fmt::format("\"Item {}, \"\"quoted\"\"\",\"two\nlines {}\"{}", i,
                        std::string(i % 37, 'x'), i % 3 == 0 ? "\r\n" : "\n");
    if (i % 500 == 0) text += "\n";  // blank lines are skipped
  }
  auto whole = parse_csv(text, "in.csv");
  std::istringstream in(text);
  CsvReader reader(in, "in.csv");
  CsvRecord record;
  size_t n = 0;
  while (reader.next(record)) {
    REQUIRE(n < whole.size());
    CHECK(record.line == whole[n].line);
    CHECK(record.fields == whole[n].fields);
    ++n;
  }
  CHECK(n == whole.size());
  CHECK(whole.size() == 6001);
  CHECK(whole.back().line == 2 + 2 * 5999 + 12);
  CHECK(whole[1].fields == std::vector<std::string>{"Item 0, \"quoted\"", "two\nlines "});
  CHECK(reader.bytes_read() == text.size());
}
