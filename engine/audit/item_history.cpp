// One item's stored history checked on its own (verify.h): each event against the chain, and the
// item row against what its events replay to.
#include <commsflow/event.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

namespace commsflow {

std::vector<std::string> item_history_problems(Store& store, const Item& item) {
  std::vector<std::string> problems;
  std::vector<Event> events;
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
    try {
      events.push_back(Event::from_body(stored.seq, stored.body));
    } catch (const std::exception&) {
      problems.push_back(fmt::format("event {} cannot be read", stored.seq));
      continue;
    }
    if (events.back().ref != item.ref) {
      problems.push_back(fmt::format("event {} is filed under {} but is about {}", stored.seq,
                                     item.ref, events.back().ref));
    }
  }
  if (!problems.empty()) return problems;
  const Item replayed = replay(events);
  if (replayed.state != item.state || replayed.revision != item.revision ||
      replayed.data != item.data) {
    problems.push_back(fmt::format(
        "the stored item is not what its {} event(s) record: it was changed outside commsflow",
        events.size()));
  }
  return problems;
}

}  // namespace commsflow
