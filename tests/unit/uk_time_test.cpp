// UK time for people: GMT in winter, BST in summer, the changes on the right Sundays of any year,
// and local times typed by people read back as UTC.
#include <commsflow/uk_time.h>
#include <commsflow/words.h>

#include <catch2/catch.hpp>

using namespace commsflow;

namespace {

TimePoint at(const char* utc) {
  return *parse_datetime(utc);
}

}  // namespace

TEST_CASE("uk time: shown as people read it, in GMT or BST") {
  CHECK(uk_datetime(at("2026-12-03T14:30:00Z")) == "Thu 3 Dec 2026, 14:30");
  CHECK(uk_datetime(at("2026-07-01T13:30:00Z")) == "Wed 1 Jul 2026, 14:30");  // BST
  // The clocks go forward at 01:00 UTC on the last Sunday of March, back on October's.
  CHECK(uk_datetime(at("2026-03-29T00:59:00Z")) == "Sun 29 Mar 2026, 00:59");
  CHECK(uk_datetime(at("2026-03-29T01:00:00Z")) == "Sun 29 Mar 2026, 02:00");
  // Going back, 01:00 to 01:59 comes twice, first in BST: each says which.
  CHECK(uk_datetime(at("2026-10-24T23:59:00Z")) == "Sun 25 Oct 2026, 00:59");
  CHECK(uk_datetime(at("2026-10-25T00:30:00Z")) == "Sun 25 Oct 2026, 01:30 BST");
  CHECK(uk_datetime(at("2026-10-25T00:59:00Z")) == "Sun 25 Oct 2026, 01:59 BST");
  CHECK(uk_datetime(at("2026-10-25T01:00:00Z")) == "Sun 25 Oct 2026, 01:00 GMT");
  CHECK(uk_datetime(at("2026-10-25T01:30:00Z")) == "Sun 25 Oct 2026, 01:30 GMT");
  CHECK(uk_datetime(at("2026-10-25T02:00:00Z")) == "Sun 25 Oct 2026, 02:00");
  CHECK(uk_deadline(at("2026-10-25T01:30:00Z"), at("2026-10-24T20:00:00Z")) ==
        "01:30 GMT tomorrow");
  CHECK(uk_datetime(at("2028-03-26T01:00:00Z")) == "Sun 26 Mar 2028, 02:00");
  // A BST evening can be the next day in UK time.
  CHECK(uk_datetime(at("2026-06-30T23:30:00Z")) == "Wed 1 Jul 2026, 00:30");
  CHECK(uk_datetime("2026-12-03T14:30:00Z") == "Thu 3 Dec 2026, 14:30");
  CHECK(uk_datetime("not a time") == "not a time");
  CHECK(uk_date("2028-07-01") == "Sat 1 Jul 2028");
  CHECK(uk_date("2028-02-30") == "2028-02-30");
}

TEST_CASE("uk time: how long until, or since") {
  const TimePoint now = at("2026-12-03T12:00:00Z");
  CHECK(due_phrase(at("2026-12-03T14:30:00Z"), now) == "due in 2 hours");
  CHECK(due_phrase(at("2026-12-03T12:45:00Z"), now) == "due in 45 minutes");
  CHECK(due_phrase(at("2026-12-02T11:00:00Z"), now) == "overdue by 1 day and 1 hour");
  CHECK(due_phrase(at("2026-12-02T11:30:00Z"), now) == "overdue by 1 day");
  CHECK(due_phrase(at("2026-12-05T11:59:00Z"), now) == "due in 1 day and 23 hours");
  CHECK(due_phrase(at("2026-12-06T11:00:00Z"), now) == "due in 2 days and 23 hours");
  CHECK(due_phrase(at("2026-11-30T12:00:00Z"), now) == "overdue by 3 days");
  CHECK(due_phrase(at("2026-12-03T12:00:30Z"), now) == "due now");
  CHECK(relative_time(at("2026-12-03T11:00:00Z"), now) == "1 hour ago");
  CHECK(relative_time(at("2026-12-05T12:00:00Z"), now) == "in 2 days");
}

TEST_CASE("uk time: a local time typed by a person is read as UTC") {
  CHECK(parse_uk_local("2026-12-03T14:30") == at("2026-12-03T14:30:00Z"));
  CHECK(parse_uk_local("2026-07-01 14:30") == at("2026-07-01T13:30:00Z"));
  CHECK(parse_uk_local("2026-07-01T14:30:15") == at("2026-07-01T13:30:15Z"));
  // 01:30 on the spring Sunday never happens; on the autumn Sunday it happens twice (BST first).
  CHECK_FALSE(parse_uk_local("2026-03-29T01:30"));
  CHECK(parse_uk_local("2026-10-25T01:30") == at("2026-10-25T00:30:00Z"));
  for (const char* bad :
       {"", "2026-12-03", "2026-13-03T10:00", "2026-02-30T10:00", "2026-12-03T24:00",
        "2026-12-03T10:00Z", "3/12/2026 10:00",
        // A time in UTC, or with something after it, of the same length as a
        // local one: not read as UK time.
        "2026-06-15T9:00:00Z", "2026-06-15T9:00:00!", "2026-6-15T09:00:00Z", "2026-06-15T09:00!"}) {
    INFO(bad);
    CHECK_FALSE(parse_uk_local(bad));
  }
}

TEST_CASE("uk time: a UTC time quoted in a workflow's prose is given in UK time") {
  CHECK(times_in_words("embargoed until 2026-07-01T13:30:00Z, then issue") ==
        "embargoed until Wed 1 Jul 2026, 14:30, then issue");
  CHECK(times_in_words("from 2026-12-03T14:30Z to 2026-12-03T15:00:00Z") ==
        "from Thu 3 Dec 2026, 14:30 to Thu 3 Dec 2026, 15:00");
  // Dates alone, references and text without a time stay as written.
  CHECK(times_in_words("due 2026-12-03 for REQ-2026-0001") == "due 2026-12-03 for REQ-2026-0001");
  CHECK(times_in_words("") == "");
}
