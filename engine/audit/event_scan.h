// A fast reader of stored event bodies for verify: it takes from a body only what replay needs,
// and each data change as the raw JSON text of its value, without building a JSON document.
//
// It is a shortcut, never a judge: it accepts only bodies that Event::from_body would read to
// the same fields, and answers false for anything else (not JSON, a field missing or of the
// wrong type, escapes it leaves alone, numbers it cannot read exactly). The caller then reads the
// body with Event::from_body, whose error names what is wrong. So verify reports exactly what it
// did before, only faster.
//
// Thread-safety: one EventScanner per thread; a ScannedEvent's views are valid until the next
// scan() on the same scanner.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace commsflow {

// One entry of an event's `changes`: the key set to a value, or removed (the value was null).
struct ScannedChange {
  std::string_view key;  // unescaped
  std::string_view raw;  // the value's JSON text as written in the body; empty when removed
  bool removed = false;
};

// What replay and the chain check need from an event body.
struct ScannedEvent {
  std::int64_t seq = 0;
  std::string_view ref;
  std::string_view actor;
  std::string_view action;
  std::string_view at;
  std::string_view to_state;
  std::string_view version;
  std::string_view parent;             // empty unless the event creates a child item
  std::vector<ScannedChange> changes;  // in the order written; a later entry for a key wins
};

class EventScanner {
 public:
  EventScanner();
  ~EventScanner();
  EventScanner(const EventScanner&) = delete;
  EventScanner& operator=(const EventScanner&) = delete;

  // Fills `out` and returns true when `body` is a well-formed event that Event::from_body
  // would read to the same fields; returns false otherwise (see the note at the top).
  bool scan(std::string_view body, ScannedEvent& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace commsflow
