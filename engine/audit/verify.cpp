#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <commsflow/verify.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <map>

#include "audit/event_scan.h"
#include "audit/replayed_items.h"

namespace commsflow {

namespace {

std::string ref_of(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("ref") && j["ref"].is_string())
    return j["ref"].get<std::string>();
  return "(unreadable)";
}

void compare(const Item& stored, const Item& replayed, std::vector<VerifyProblem>& problems) {
  auto differs = [&](const char* what, const std::string& has, const std::string& expected) {
    problems.push_back(VerifyProblem{0, stored.ref,
                                     fmt::format("item {}: stored {} is {} but its events give {}",
                                                 stored.ref, what, has, expected)});
  };
  if (stored.state != replayed.state) differs("state", stored.state, replayed.state);
  if (stored.revision != replayed.revision) {
    differs("revision", std::to_string(stored.revision), std::to_string(replayed.revision));
  }
  if (stored.parent != replayed.parent) {
    differs("parent", stored.parent.empty() ? "(none)" : stored.parent,
            replayed.parent.empty() ? "(none)" : replayed.parent);
  }
  if (stored.version != replayed.version) differs("version", stored.version, replayed.version);
  if (stored.created_at != replayed.created_at) {
    differs("created_at", stored.created_at, replayed.created_at);
  }
  if (stored.updated_at != replayed.updated_at) {
    differs("updated_at", stored.updated_at, replayed.updated_at);
  }
  if (stored.data != replayed.data) {
    const Json changed = diff_changes(replayed.data, stored.data);
    for (const auto& [key, value] : changed.items()) {
      std::string expected = replayed.data.contains(key) ? replayed.data[key].dump() : "(unset)";
      differs(fmt::format("data.{}", key).c_str(), value.is_null() ? "(unset)" : value.dump(),
              expected);
    }
  }
}

// The anchor problem, if any: the log no longer reaches the anchor, or recomputing the chain up
// to it no longer gives its hash.
void check_anchor(const ChainHead& anchor, const std::optional<std::string>& recomputed,
                  VerifyReport& report) {
  if (!recomputed) {
    report.problems.push_back(VerifyProblem{
        anchor.seq, "",
        report.head_seq < anchor.seq
            ? fmt::format("the anchor {}:{} is event {} but the log ends at event {}: events "
                          "were removed",
                          anchor.seq, anchor.hash, anchor.seq, report.head_seq)
            : fmt::format("the anchor {}:{} is event {}, which is missing from the log", anchor.seq,
                          anchor.hash, anchor.seq)});
    return;
  }
  if (*recomputed == anchor.hash) return;
  bool chain_looks_intact =
      std::none_of(report.problems.begin(), report.problems.end(),
                   [&](const auto& p) { return p.seq > 0 && p.seq <= anchor.seq; });
  report.problems.push_back(VerifyProblem{
      anchor.seq, "",
      fmt::format("the history up to event {} differs from the anchor {}:{} (it now recomputes to "
                  "{}){}",
                  anchor.seq, anchor.seq, anchor.hash, *recomputed,
                  chain_looks_intact ? ": events were changed and every later hash rewritten to "
                                       "hide it; compare with a backup to find which"
                                     : "; the problems above show where")});
}

// Advances `item` by one event, as replay() does for each of an item's events in turn.
void replay_one(Item& item, const Event& e) {
  if (item.revision == 0) {
    item.created_at = e.at;
    item.parent = e.parent;
  }
  item.state = e.to_state;
  item.version = e.version;
  apply_changes(item.data, e.changes);
  item.revision += 1;
  item.updated_at = e.at;
}

// A stored hash matches only when it is exactly the lower-case hex of the recomputed digest, as
// the engine writes it: the same bytes in upper case are not what was written.
bool is_lower_hex_of(std::string_view stored, bool parsed, const Digest& stored_digest,
                     const Digest& actual) {
  return parsed && stored_digest == actual &&
         std::none_of(stored.begin(), stored.end(), [](char c) { return c >= 'A' && c <= 'F'; });
}

// The stored row as an Item, its data read as JSON: for diagnostics when it differs.
Item stored_item(const ItemRowView& row) {
  Item item;
  item.id = row.id;
  item.ref = row.ref;
  item.workflow = row.workflow;
  item.version = row.version;
  item.state = row.state;
  item.data = Json::parse(row.data);
  item.revision = row.revision;
  item.created_at = row.created_at;
  item.updated_at = row.updated_at;
  item.parent = row.parent;
  return item;
}

}  // namespace

ChainHead parse_chain_head(std::string_view text) {
  auto bad = [&]() -> ChainHead {
    fail(ErrorKind::BadInput,
         "chain head '{}' is not SEQ:HASH (a sequence number, a colon and 64 hex digits, as "
         "printed by `commsflow verify --head`)",
         text);
  };
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  ChainHead head;
  auto seq_text = text.substr(0, colon);
  auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), head.seq);
  if (ec != std::errc() || end != seq_text.data() + seq_text.size() || head.seq < 0) return bad();
  for (char c : text.substr(colon + 1)) {
    head.hash += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  Digest unused{};
  if (!from_hex(head.hash, unused)) return bad();
  return head;
}

Item replay(const std::vector<Event>& events) {
  Item item;
  for (const auto& e : events) replay_one(item, e);
  return item;
}

VerifyReport verify(Store& store, const std::optional<ChainHead>& anchor) {
  VerifyReport report;
  auto tx = store.begin_read();

  // Events are replayed as the chain is walked, so memory holds one compact replayed item per
  // ref and the recorded hash of each document version, never the events themselves.
  std::string prev = genesis_hash();  // assigned in place: no allocation per event
  std::int64_t expected_seq = 1;
  Sha256 hasher;
  Digest prev_digest{};
  ReplayedItems replayed;
  EventScanner scanner;
  ScannedEvent scanned;
  RecordedDocuments documents;
  // The chain recomputed from the bodies alone, ignoring stored hashes: for the anchor.
  Digest recomputed{};
  std::optional<std::string> recomputed_at_anchor;
  if (anchor && anchor->seq == 0) recomputed_at_anchor = genesis_hash();
  auto moved = [&](std::int64_t seq, std::string_view ref, std::int64_t written_as) {
    report.problems.push_back(VerifyProblem{
        seq, std::string(ref),
        fmt::format("event {} ({}) was written as event {}: events were moved or reordered", seq,
                    ref, written_as)});
  };
  store.for_each_event([&](std::int64_t seq, std::string_view body, std::string_view hash) {
    ++report.events;
    if (seq != expected_seq) {
      report.problems.push_back(VerifyProblem{
          seq, ref_of(body),
          seq > expected_seq ? fmt::format("events {} to {} are missing (the sequence jumps to {})",
                                           expected_seq, seq - 1, seq)
                             : fmt::format("event {} is out of order", seq)});
    }
    expected_seq = seq + 1;
    const Digest actual = hasher.begin().add(prev_digest).add(body).finish();
    Digest stored{};
    const bool parsed = from_hex(hash, stored);
    if (!is_lower_hex_of(hash, parsed, stored, actual)) {
      report.problems.push_back(VerifyProblem{
          seq, ref_of(body),
          fmt::format("event {} ({}) does not match its hash: it was changed after it was written",
                      seq, ref_of(body))});
    }
    if (!parsed) {
      report.problems.push_back(
          VerifyProblem{seq, ref_of(body), fmt::format("event {} has a malformed hash", seq)});
      stored = Digest{};
    }
    prev_digest = stored;
    prev.assign(hash);
    if (anchor && seq <= anchor->seq) {
      recomputed = hasher.begin().add(recomputed).add(body).finish();
      if (seq == anchor->seq) recomputed_at_anchor = to_hex(recomputed);
    }
    // The fast reading serves plain events; anything else, and the document events whose
    // payload is needed, is read in full by Event::from_body, which names what is wrong.
    if (scanner.scan(body, scanned) && scanned.action != "put_document") {
      if (scanned.seq != seq) moved(seq, scanned.ref, scanned.seq);
      replayed.apply(seq, scanned);
    } else {
      try {
        Event e = Event::from_body(seq, body);
        if (e.seq != seq) moved(seq, e.ref, e.seq);
        replayed.apply(seq, e);
        if (e.action == "put_document") {
          documents[{e.ref, e.payload.value("document_version", std::int64_t{0})}] =
              e.payload.value("document_hash", "");
        }
      } catch (const Error& e) {
        report.problems.push_back(VerifyProblem{seq, "(unreadable)", e.what()});
      }
    }
    report.head_seq = seq;
  });
  report.head_hash = prev;
  if (anchor) check_anchor(*anchor, recomputed_at_anchor, report);

  // Item rows are read one at a time; a row is read as JSON only when it differs from its
  // replayed item, to say how. Their problems follow the documents' problems.
  std::map<std::int64_t, std::string> refs_by_id;
  std::vector<VerifyProblem> item_problems;
  store.for_each_item_row([&](const ItemRowView& row) {
    ++report.items;
    refs_by_id.emplace(row.id, std::string(row.ref));
    if (!replayed.contains(row.ref)) {
      item_problems.push_back(
          VerifyProblem{0, std::string(row.ref), fmt::format("item {} has no events", row.ref)});
      return;
    }
    if (!replayed.matches(row)) compare(stored_item(row), replayed.item(row.ref), item_problems);
    replayed.take(row.ref);
  });
  verify_documents(store, documents, refs_by_id, report.problems);
  std::move(item_problems.begin(), item_problems.end(), std::back_inserter(report.problems));
  for (const auto& [first_seq, ref] : replayed.remaining()) {
    report.problems.push_back(VerifyProblem{
        first_seq, ref, fmt::format("events for {} exist but the item does not", ref)});
  }
  return report;
}

}  // namespace commsflow
