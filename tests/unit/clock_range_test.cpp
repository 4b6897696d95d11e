// Dates and datetimes at the ends of the four-digit years: they format without overflow and
// read back as they were written (found by fuzzing --set and CSV import).
#include <commsflow/clock.h>
#include <fmt/format.h>

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

TEST_CASE("datetimes format as fmt writes them, across years and the edges of a day") {
  using namespace std::chrono;
  // Every 7 hours 13 minutes 17 seconds from 1969 to 2400, so every field takes many values.
  for (TimePoint t = sys_days{year{1969} / 1 / 1}; t < sys_days{year{2400} / 1 / 1};
       t += hours{7} + minutes{13} + seconds{17} + days{5}) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss time{t - day};
    const std::string date =
        fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    REQUIRE(format_date(t) == date);
    REQUIRE(format_datetime(t) == fmt::format("{}T{:02}:{:02}:{:02}Z", date, time.hours().count(),
                                              time.minutes().count(), time.seconds().count()));
  }
  CHECK(format_datetime(sys_days{year{2026} / 12 / 4} + hours{23} + minutes{59} + seconds{59}) ==
        "2026-12-04T23:59:59Z");
  // Years a clock could give but no input can: fmt still writes them.
  CHECK(format_date(sys_days{year{10000} / 1 / 1}) == "10000-01-01");
  CHECK(format_datetime(sys_days{year{-1} / 12 / 31}) == "-001-12-31T00:00:00Z");
}
