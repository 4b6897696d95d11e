// Dates and datetimes at the ends of the four-digit years: they format without overflow and
// read back as they were written (found by fuzzing --set and CSV import).
#include <commsflow/clock.h>

#include <catch2/catch.hpp>

using namespace commsflow;

TEST_CASE("dates and datetimes far from today format and read back unchanged") {
  for (const char* date : {"0000-01-01", "1969-12-31", "2262-04-12", "4052-04-01", "9999-12-31"}) {
    INFO(date);
    auto t = parse_date(date);
    REQUIRE(t);
    CHECK(format_date(*t) == date);
  }
  for (const char* datetime :
       {"0000-01-01T00:00:00Z", "2263-01-01T12:34:56Z", "9999-12-31T23:59:59Z"}) {
    INFO(datetime);
    auto t = parse_datetime(datetime);
    REQUIRE(t);
    CHECK(format_datetime(*t) == datetime);
  }
}

TEST_CASE("an offset that moves a datetime outside years 0000 to 9999 is refused") {
  CHECK_FALSE(parse_datetime("9999-12-31T23:30:00-01:00"));
  CHECK_FALSE(parse_datetime("0000-01-01T00:10:00+01:00"));
  CHECK(format_datetime(*parse_datetime("9999-12-31T22:30:00-01:00")) == "9999-12-31T23:30:00Z");
  CHECK(format_datetime(*parse_datetime("0000-01-01T01:10:00+01:00")) == "0000-01-01T00:10:00Z");
}
