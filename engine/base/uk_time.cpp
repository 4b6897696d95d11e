#include <commsflow/uk_time.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <array>
#include <cstdio>

namespace commsflow {

namespace {

const date::time_zone* london() {
  static const date::time_zone* zone = date::locate_zone("Europe/London");
  return zone;
}

// TimePoint is std::chrono::sys_seconds, which is date::sys_seconds.
date::local_seconds to_local(TimePoint t) {
  return london()->to_local(t);
}

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string day_text(date::sys_days day) {
  const date::year_month_day ymd(day);
  const date::weekday wd(day);
  return fmt::format("{} {} {} {}", kDays[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()));
}

// A moment as UK clocks show it: the day, and the time within it.
struct LocalTime {
  explicit LocalTime(TimePoint t)
      : local(to_local(t)),
        day(date::floor<date::days>(local).time_since_epoch()),
        time(local - date::floor<date::days>(local)) {}
  date::local_seconds local;
  date::sys_days day;
  date::hh_mm_ss<std::chrono::seconds> time;
};

std::string plural(long long n, const char* unit) {
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

// A span of seconds in its largest whole unit ("2 hours", "3 days", "5 minutes"), with the hours
// too within three days (47 hours 59 minutes is neither "1 day" nor "2 days").
std::string span(long long seconds) {
  if (seconds >= 86400 && seconds < 3 * 86400 && seconds % 86400 >= 3600) {
    return plural(seconds / 86400, "day") + " and " + plural(seconds % 86400 / 3600, "hour");
  }
  if (seconds >= 86400) return plural(seconds / 86400, "day");
  if (seconds >= 3600) return plural(seconds / 3600, "hour");
  if (seconds >= 60) return plural(seconds / 60, "minute");
  return "less than a minute";
}

// " GMT" or " BST" for a time the clocks show twice (the hour they go back, when 01:30 comes
// once in BST and again in GMT); nothing otherwise. Without it the words name two moments.
std::string zone_if_repeated(TimePoint t, date::local_seconds local) {
  if (london()->get_info(local).result != date::local_info::ambiguous) return {};
  return fmt::format(" {}", london()->get_info(t).abbrev);
}

}  // namespace

std::string uk_datetime(TimePoint t) {
  const LocalTime local(t);
  return fmt::format("{}, {:02}:{:02}{}", day_text(local.day), local.time.hours().count(),
                     local.time.minutes().count(), zone_if_repeated(t, local.local));
}

std::string uk_datetime_to_second(TimePoint t) {
  const LocalTime local(t);
  return fmt::format("{}, {:02}:{:02}:{:02} {}", day_text(local.day), local.time.hours().count(),
                     local.time.minutes().count(), local.time.seconds().count(), uk_zone_name(t));
}

std::string uk_deadline(TimePoint t, TimePoint now) {
  const date::local_seconds local = to_local(t);
  const auto day = date::floor<date::days>(local);
  const auto today = date::floor<date::days>(to_local(now));
  const date::hh_mm_ss<std::chrono::seconds> time(local - day);
  const std::string clock = fmt::format("{:02}:{:02}{}", time.hours().count(),
                                        time.minutes().count(), zone_if_repeated(t, local));
  if (day == today) return clock + " today";
  if (day == today + date::days(1)) return clock + " tomorrow";
  return uk_datetime(t);
}

std::string uk_datetime(std::string_view utc) {
  auto t = parse_datetime(utc);
  return t ? uk_datetime(*t) : std::string(utc);
}

std::string uk_local_input(std::string_view utc) {
  auto t = parse_datetime(utc);
  if (!t) return std::string(utc);
  const date::local_seconds local = to_local(*t);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<std::chrono::seconds> time(local - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count());
}

std::string uk_today(TimePoint t) {
  const date::year_month_day ymd(date::floor<date::days>(to_local(t)));
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string uk_date(std::string_view text) {
  auto d = parse_date(text);
  if (!d) return std::string(text);
  return day_text(date::floor<date::days>(*d));
}

std::string relative_time(TimePoint t, TimePoint now) {
  const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(t - now).count();
  if (seconds > -60 && seconds < 60) return "now";
  return seconds > 0 ? "in " + span(seconds) : span(-seconds) + " ago";
}

std::string due_phrase(TimePoint due, TimePoint now) {
  const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(due - now).count();
  if (seconds > -60 && seconds < 60) return "due now";
  return seconds > 0 ? "due in " + span(seconds) : "overdue by " + span(-seconds);
}

std::chrono::seconds uk_offset(TimePoint t) {
  return london()->get_info(t).offset;
}

std::string uk_zone_name(TimePoint t) {
  return london()->get_info(t).abbrev;
}

namespace {

// The local time `text` names, in the form parse_uk_local reads, whether or not it happens.
std::optional<date::local_seconds> typed_local_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0;
  std::string copy(text);
  int n = std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &s);
  if ((n != 6 && n != 7) || (sep != 'T' && sep != ' ')) return std::nullopt;
  // Exactly the digits and separators of that form, and nothing after: the same length is not
  // enough ("2026-06-15T9:00:00Z" has it, and a time in UTC is not a UK local time).
  const std::string canonical =
      n == 7 ? fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", y, mo, d, sep, h, mi, s)
             : fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}", y, mo, d, sep, h, mi);
  if (copy != canonical) return std::nullopt;
  const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return date::local_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

}  // namespace

std::optional<TimePoint> parse_uk_local(std::string_view text) {
  const auto local = typed_local_time(text);
  if (!local) return std::nullopt;
  const date::local_info info = london()->get_info(*local);
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  return TimePoint(local->time_since_epoch()) - info.first.offset;
}

std::string skipped_by_clocks(std::string_view text) {
  const auto local = typed_local_time(text);
  if (!local) return {};
  const date::local_info info = london()->get_info(*local);
  if (info.result != date::local_info::nonexistent) return {};
  // The gap runs from the change (01:00 GMT) to an hour later, as the clock on the wall reads.
  const auto change = date::floor<std::chrono::hours>(*local);
  const std::string day = date::format("%F", date::floor<date::days>(*local));
  return fmt::format(
      "the clocks go forward at {} on {}, so there is no {} that night in UK "
      "time: give a time from {}",
      date::format("%H:%M", change), uk_date(day), date::format("%H:%M", *local),
      date::format("%H:%M", change + std::chrono::hours(1)));
}

}  // namespace commsflow
