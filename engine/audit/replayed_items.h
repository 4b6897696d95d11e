// Items as their events describe them, replayed one event at a time and kept compact for verify:
// per item a few numbers and one string holding its times, parent and data, each data value as
// its canonical JSON text (what Json::dump() writes, which is how the engine writes both an
// event's changes and an item's data). A stored item row then matches when its columns and its
// data text equal the replayed ones byte for byte; only when they differ are both read as JSON,
// so the diagnostics are those of comparing Items.
//
// Thread-safety: none; one verify owns it.
#pragma once

#include <commsflow/event.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/event_scan.h"

namespace commsflow {

// Each way a stored item differs from what its events replay to (state, revision, parent,
// version, times, data by path), as verify reports it; nothing when they are the same. Data is
// compared as values (5 and 5.0 are one number).
void compare(const Item& stored, const Item& replayed, std::vector<VerifyProblem>& problems);

class ReplayedItems {
 public:
  struct Compact {
    std::int64_t first_seq = 0;
    std::int64_t revision = 0;
    std::uint32_t state = 0;    // index in names_
    std::uint32_t version = 0;  // index in names_
    // created_at, updated_at, parent, then per data key in sorted order the key (as its id in
    // names_: keys repeat across items) and its value's JSON text; texts as a varint length and
    // the bytes.
    std::string packed;
    // Marked rather than erased: an erase walks its bucket's chain, which cost more than the
    // comparison itself.
    bool taken = false;
  };

  // Advances the event's item by one event, as replay() does (creating it at its first event).
  void apply(std::int64_t seq, const ScannedEvent& e);
  void apply(std::int64_t seq, const Event& e);

  // Takes `ref`'s replayed item for comparison with its stored row, once: null when no event
  // made it or it was taken already. What remains untaken at the end are items with events but
  // no row.
  const Compact* take(std::string_view ref);
  // True when the stored row equals the taken item (columns, and data as canonical text).
  bool matches(const Compact& item, const ItemRowView& row);
  // The taken item as an Item (data read as JSON), for diagnostics.
  Item item(std::string_view ref, const Compact& item) const;
  // (first event's sequence, ref) of every item not yet taken, in ref order.
  std::vector<std::pair<std::int64_t, std::string>> remaining() const;

 private:
  struct Change {
    std::string_view key;
    std::string_view raw;      // empty: removed
    std::uint32_t key_id = 0;  // in names_; set for an item's entries, not an event's changes
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Compact& item_for(std::int64_t seq, std::string_view ref);
  std::uint32_t name_id(std::string_view name);
  void advance(Compact& item, std::string_view at, std::string_view parent,
               std::string_view to_state, std::string_view version,
               const std::vector<Change>& changes);

  std::unordered_map<std::string, Compact, Hash, std::equal_to<>> items_;
  std::size_t taken_ = 0;
  // States, definition versions and data keys: few, shared by many items. A deque, so that
  // views of its strings stay valid as it grows.
  std::deque<std::string> names_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> name_ids_;
  std::vector<Change> changes_;      // scratch for one event
  std::vector<std::string> dumped_;  // scratch: values of a parsed event's changes
  std::vector<Change> entries_;      // scratch: an item's data while it is rebuilt
  std::string scratch_;              // scratch: packed text being built
  std::string canonical_;            // scratch: data text for matches()
};

}  // namespace commsflow
