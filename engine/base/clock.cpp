#include <commsflow/clock.h>
#include <fmt/format.h>

#include <cctype>

namespace commsflow {

using namespace std::chrono;

TimePoint SystemClock::now() const {
  return floor<seconds>(system_clock::now());
}

// Formatted from calendar fields rather than through fmt's chrono support, which converts to
// nanoseconds and overflows for years after 2262 (any four-digit year is valid input). Digits
// are written by hand for four-digit years: every change stamps several times, and fmt's
// parsing of the format string was most of the cost. Other years (none can be read in, but a
// clock may say so) go through fmt.
namespace {

void put_two_digits(char* out, unsigned n) {
  out[0] = static_cast<char>('0' + n / 10);
  out[1] = static_cast<char>('0' + n % 10);
}

// "YYYY-MM-DD" into out[0..9]; false when the year is not four digits.
bool put_date(char* out, const year_month_day& ymd) {
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return false;
  put_two_digits(out, static_cast<unsigned>(year / 100));
  put_two_digits(out + 2, static_cast<unsigned>(year % 100));
  out[4] = '-';
  put_two_digits(out + 5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  put_two_digits(out + 8, static_cast<unsigned>(ymd.day()));
  return true;
}

}  // namespace

std::string format_datetime(TimePoint t) {
  auto day = floor<days>(t);
  hh_mm_ss time{t - day};
  char clock[10] = {'T', 0, 0, ':', 0, 0, ':', 0, 0, 'Z'};
  put_two_digits(clock + 1, static_cast<unsigned>(time.hours().count()));
  put_two_digits(clock + 4, static_cast<unsigned>(time.minutes().count()));
  put_two_digits(clock + 7, static_cast<unsigned>(time.seconds().count()));
  return format_date(day).append(clock, sizeof clock);
}

std::string format_date(TimePoint t) {
  year_month_day ymd{floor<days>(t)};
  char text[10];
  if (put_date(text, ymd)) return std::string(text, sizeof text);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

namespace {

// Reads exactly `n` digits at text[pos], advancing pos.
bool digits(std::string_view text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<sys_days> read_date(std::string_view text, size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, m) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, d)) {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

}  // namespace

std::optional<TimePoint> parse_date(std::string_view text) {
  size_t pos = 0;
  auto day = read_date(text, pos);
  if (!day || pos != text.size()) return std::nullopt;
  return TimePoint{*day};
}

std::optional<TimePoint> parse_datetime(std::string_view text) {
  size_t pos = 0;
  auto day = read_date(text, pos);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return std::nullopt;
  ++pos;
  int hh = 0, mm = 0, ss = 0;
  if (!digits(text, pos, 2, hh) || !expect(text, pos, ':') || !digits(text, pos, 2, mm)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == ':' && !(++pos, digits(text, pos, 2, ss))) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  TimePoint t = TimePoint{*day} + hours{hh} + minutes{mm} + seconds{ss};
  if (pos == text.size()) return std::nullopt;  // a zone is required
  if (text[pos] == 'Z' && pos + 1 == text.size()) return t;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  int oh = 0, om = 0;
  if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) ||
      pos != text.size() || oh > 14 || om > 59) {
    return std::nullopt;
  }
  TimePoint utc = t - sign * (hours{oh} + minutes{om});
  // An offset can move the first or last day of year 0000 or 9999 out of four-digit years,
  // which would be stored as text that does not read back.
  year y = year_month_day{floor<days>(utc)}.year();
  if (y < year{0} || y > year{9999}) return std::nullopt;
  return utc;
}

}  // namespace commsflow
