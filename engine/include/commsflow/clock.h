// Time: an injectable clock and ISO 8601 conversions.
//
// All stored times are UTC in the form 2026-11-22T09:30:00Z. Dates are 2026-11-22.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace commsflow {

using TimePoint = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that stands still until moved; for tests and reproducible demos.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint now() const override { return t_; }
  void set(TimePoint t) { t_ = t; }
  void advance(std::chrono::seconds by) { t_ += by; }

 private:
  TimePoint t_;
};

std::string format_datetime(TimePoint t);
std::string format_date(TimePoint t);
// Accepts 2026-11-22T09:30:00Z, 2026-11-22T09:30Z, 2026-11-22T09:30:00+01:00 and a space for
// the T. Returns nullopt for anything else, including impossible dates.
std::optional<TimePoint> parse_datetime(std::string_view text);
// Accepts 2026-11-22 only; returns midnight UTC of that day.
std::optional<TimePoint> parse_date(std::string_view text);

}  // namespace commsflow
