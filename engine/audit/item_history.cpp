// One item's stored history checked on its own (verify.h): each event against the chain, and the
// item row against what its events replay to.
#include <commsflow/event.h>
#include <commsflow/json_text.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include "audit/event_scan.h"
#include "audit/replayed_items.h"

namespace commsflow {

std::vector<std::string> item_history_problems(Store& store, const Item& item) {
  std::vector<std::string> problems;
  // Replayed as verify replays (replayed_items.h): bodies read by the scanner where it can, each
  // value kept as its JSON text, and the row compared as text. Building every event as JSON was
  // most of the cost of this check, which runs on every change that closes an item.
  thread_local EventScanner scanner;  // keeps its buffers from one item to the next
  ScannedEvent scanned;
  ReplayedItems replayed;
  std::size_t replayed_events = 0;
  const std::vector<StoredEvent> stored_events = store.events_for(item.ref);
  const StoredEvent* previous = nullptr;  // the item's event before this one
  for (const StoredEvent& stored : stored_events) {
    // The hash before is read from the log only when another item's event came between.
    std::optional<std::string> before;
    if (stored.seq == 1) {
      before = genesis_hash();
    } else if (previous && previous->seq == stored.seq - 1) {
      before = previous->hash;
    } else {
      before = store.event_hash(stored.seq - 1);
    }
    previous = &stored;
    if (!before || chain_hash(*before, stored.body) != stored.hash) {
      problems.push_back(
          fmt::format("event {} does not hash to the hash stored with it: it was "
                      "changed after it was written",
                      stored.seq));
      continue;
    }
    std::string about;
    // What the body says of who acted, how and when, against the columns the indexes (and the
    // audit's filters) read: a column changed by hand is found here too, as verify finds it.
    const auto check_columns = [&](std::string_view actor, std::string_view action,
                                   std::string_view at) {
      if (actor == stored.actor && action == stored.action && at == stored.at) return;
      problems.push_back(fmt::format(
          "event {}'s indexed columns (who, action, time) no longer say what its body says: they "
          "were changed after it was written",
          stored.seq));
    };
    // Kept per thread, the scanner keeps buffers as large as the largest body it has read: a
    // rare large one goes to Event::from_body instead, as parse_stored_json does.
    constexpr std::size_t kLargestForScanner = 256 * 1024;
    if (stored.body.size() <= kLargestForScanner && scanner.scan(stored.body, scanned)) {
      about = scanned.ref;
      check_columns(scanned.actor, scanned.action, scanned.at);
      if (about == item.ref) replayed.apply(stored.seq, scanned);
    } else {
      // What the scanner leaves to it: Event::from_body reads it, or says it cannot.
      try {
        const Event event = Event::from_body(stored.seq, stored.body);
        about = event.ref;
        check_columns(event.actor, event.action, event.at);
        if (about == item.ref) replayed.apply(stored.seq, event);
      } catch (const std::exception&) {
        problems.push_back(fmt::format("event {} cannot be read", stored.seq));
        continue;
      }
    }
    if (about != item.ref) {
      problems.push_back(
          fmt::format("event {} is filed under {} but is about {}", stored.seq, item.ref, about));
    }
    ++replayed_events;
  }
  if (!problems.empty()) return problems;
  const std::string data = json_text(item.data);  // as the engine writes it
  const ItemRowView row{item.id, item.ref,      item.workflow,   item.version,    item.state,
                        data,    item.revision, item.created_at, item.updated_at, item.parent,
                        {}};
  const ReplayedItems::Compact* compact = replayed.take(item.ref);
  // Text that differs is compared as values, as verify does: the row may hold a number written
  // otherwise than its event did (5.0 for 5, 0.0 for -0.0) that a change left as it was.
  const auto same_values = [&] {
    std::vector<VerifyProblem> differences;
    compare(item, replayed.item(item.ref, *compact), differences);
    return differences.empty();
  };
  if (!compact || (!replayed.matches(*compact, row) && !same_values())) {
    problems.push_back(fmt::format(
        "the stored item is not what its {} event(s) record: it was changed outside commsflow",
        replayed_events));
  }
  return problems;
}

}  // namespace commsflow
