// CSV files mapped to import rows: the header names the fields; bad files are refused whole,
// naming the file and every bad line.
#include <commsflow/error.h>
#include <commsflow/import_rows.h>

#include <catch2/catch.hpp>

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
