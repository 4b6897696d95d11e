// Proof that the history was not altered.
//
// `verify` walks the event log in sequence order. For each event it checks that the sequence has
// no gap and that hash = SHA-256(previous stored hash || body). It then replays each item's
// events and checks the result equals the stored item row. It reads in one read transaction, so
// it never blocks writers (WAL).
#pragma once

#include <commsflow/event.h>
#include <commsflow/store.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace commsflow {

struct VerifyProblem {
  std::int64_t seq = 0;  // 0 when the problem is about an item row
  std::string ref;
  std::string message;
};

struct VerifyReport {
  std::int64_t events = 0;
  std::int64_t items = 0;
  std::int64_t head_seq = 0;
  std::string head_hash;                // genesis (64 zeros) for an empty log
  std::vector<VerifyProblem> problems;  // in order found; the first chain problem comes first
  bool ok() const { return problems.empty(); }
};

VerifyReport verify(Store& store);

// Checks each stored document version against its own hash and the hash its put_document event
// recorded; appends what differs. `events` are every item's events by ref. Part of verify().
void verify_documents(Store& store, const std::map<std::string, std::vector<Event>>& events,
                      std::vector<VerifyProblem>& problems);

// The item its events describe: state, data, revision, created/updated times and version.
// `ref` and `workflow` are left for the caller. Requires events in sequence order.
Item replay(const std::vector<Event>& events);

}  // namespace commsflow
