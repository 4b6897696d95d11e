// Proof that the history was not altered.
//
// `verify` walks the event log in sequence order. For each event it checks that the sequence has
// no gap and that hash = SHA-256(previous stored hash || body), and replays the event onto its
// item as it goes; at the end each replayed item must equal the stored item row, and the account
// tables (actors, roles, passwords, API tokens, delegations) must equal what their events
// (ref "actor:NAME", see people.h) say. Memory grows
// with the number of items (one compact replayed item each), not with the number of events. It
// reads in one read transaction, so it never blocks writers (WAL), and hashes the chain on a
// second thread of its own while the calling thread replays. Thread-safety: that of the Store
// given, which only the calling thread uses.
//
// Anchoring: the chain head (sequence and hash) can be written down, e.g. in board minutes.
// Because each hash covers every event before it, recomputing the chain from the stored bodies
// and arriving at the same hash at that sequence proves nothing up to it was changed, even if
// someone rewrote the stored hashes to hide an edit.
#pragma once

#include <commsflow/event.h>
#include <commsflow/store.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commsflow {

// An event's place in the chain: its sequence and hash.
// An event's place in the chain: its seq and lower-case hex hash (genesis, 64 zeros, at seq 0).
using ChainHead = ChainLink;

// Parses "SEQ:HASH" as printed by `commsflow verify --head`. Throws Error(BadInput) naming the
// text when it is not a sequence number, a colon and 64 hex digits.
ChainHead parse_chain_head(std::string_view text);

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
  // For the top of a report read from this history: empty when it verified, else a sentence
  // saying how many problems there are and the event of the first, never what they quote.
  std::string warning() const;
  // {ok, events, items, head: {seq, hash}, problems: [{seq, ref, message}]}, as the CLI's
  // `verify --json` and the API print it.
  Json to_json() const;
};

// With an `anchor`, also recomputes the chain from the stored bodies alone up to anchor.seq and
// reports a problem unless it arrives at anchor.hash (or the log no longer reaches anchor.seq).
VerifyReport verify(Store& store, const std::optional<ChainHead>& anchor = std::nullopt);

// (item ref, document version) -> the document hash its put_document event recorded.
using RecordedDocuments = std::map<std::pair<std::string, std::int64_t>, std::string>;

// (item id, ref) of every item row, sorted by id: a vector, as verify holds one per item.
using ItemRefs = std::vector<std::pair<std::int64_t, std::string>>;

// Checks each stored document version against its own hash and the hash its put_document event
// recorded; appends what differs. `refs_by_id` names each item row by its id. Part of verify().
void verify_documents(Store& store, const RecordedDocuments& recorded, const ItemRefs& refs_by_id,
                      std::vector<VerifyProblem>& problems);

// The item its events describe: state, data, revision, created/updated times and version.
// `ref` and `workflow` are left for the caller. Requires events in sequence order.
Item replay(const std::vector<Event>& events);

// What is wrong with one item's stored history, checked without walking the whole log: each of
// its events must hash, after the event before it, to the hash stored with it, and the item row
// must be what its events replay to (state, revision, data), and the columns beside each body
// (actor, action, at) must say what it says. Empty when all hold. Finds an event, its columns
// or an item row changed in the file by hand; a chain rewritten from some event on, each
// later hash made again, is for `verify --since-head` to find. Call inside a transaction.
std::vector<std::string> item_history_problems(Store& store, const Item& item);

}  // namespace commsflow
