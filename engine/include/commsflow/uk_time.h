// Times as people in the UK read them: Europe/London (GMT, or BST in summer), from the IANA time
// zone database the system keeps (tzdata, read with Howard Hinnant's date library). Storage, JSON
// and CSV keep UTC ISO 8601; only what people read and type is local.
#pragma once

#include <commsflow/clock.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace commsflow {

// "Tue 3 Dec 2026, 14:30" in UK time; in the hour the clocks go back, which comes twice, with
// the zone ("Sun 25 Oct 2026, 01:30 BST", then "... 01:30 GMT").
std::string uk_datetime(TimePoint t);
// "Tue 3 Dec 2026, 14:30:05 GMT": to the second and naming the zone, for records such as an
// audit history, where events a second apart must read in order and an hour's change must not
// be mistaken.
std::string uk_datetime_to_second(TimePoint t);
// A deadline as a person reads it in a subject line: "14:30 today", "09:00 tomorrow", else as
// uk_datetime (with the zone in the repeated hour, as there).
std::string uk_deadline(TimePoint t, TimePoint now);
// The same for stored UTC text ("2026-12-03T14:30:00Z"); the text as it is when it is not one.
std::string uk_datetime(std::string_view utc);
// Stored UTC text as the UK local time a datetime-local input shows ("2026-06-03T15:30"); the
// text as it is when it is not UTC text.
std::string uk_local_input(std::string_view utc);
// The UK date at `t`, as stored ("2026-12-03"): what "today" is for people here, which differs
// from the UTC date for the hour after midnight in summer.
std::string uk_today(TimePoint t);
// "Tue 3 Dec 2026" for a date ("2026-12-03"); the text as it is when it is not one.
std::string uk_date(std::string_view date);
// How far `t` is from `now`, in the largest whole unit: "in 2 hours", "3 days ago", "now".
std::string relative_time(TimePoint t, TimePoint now);
// "due in 2 hours", "due now", or "overdue by 1 day".
std::string due_phrase(TimePoint due, TimePoint now);
// How far UK time is ahead of UTC at `t`: 0 in winter, an hour in summer.
std::chrono::seconds uk_offset(TimePoint t);
// The UK zone in force at `t`: "GMT" or "BST".
std::string uk_zone_name(TimePoint t);
// A UK local time typed by a person ("2026-12-03T14:30", "2026-12-03 14:30", seconds optional)
// as UTC. nullopt when it is not one, or names a time the clocks skip in spring; a time the
// autumn change repeats is the first of the two.
std::optional<TimePoint> parse_uk_local(std::string_view text);
// Why `text`, a date and time in the form parse_uk_local reads, is no UK time when the reason
// is the spring change ("the clocks go forward at 01:00 on Sun 29 Mar 2026, so there is no
// 01:30 that night in UK time: give a time from 02:00"); empty for any other text.
std::string skipped_by_clocks(std::string_view text);

}  // namespace commsflow
