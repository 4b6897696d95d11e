#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>
#include <map>
#include <set>

#include "audit/batch_worker.h"
#include "audit/chain_check.h"
#include "audit/event_scan.h"
#include "audit/item_workflows.h"
#include "audit/replayed_accounts.h"
#include "audit/replayed_items.h"

namespace commsflow {

namespace {

// A value as a problem quotes it: JSON, cut short past 120 bytes; "(unset)" for none. A time
// has its UK reading beside it, for the people who read the report: "2026-03-02T09:00:00Z"
// (Mon 2 Mar 2026, 09:00:00 GMT).
std::string quoted(const Json* value) {
  if (!value) return "(unset)";
  std::string text = value->dump();
  if (value->is_string()) {
    if (auto t = parse_datetime(value->get_ref<const std::string&>())) {
      return text + " (" + uk_datetime_to_second(*t) + ")";
    }
  }
  if (text.size() <= 120) return text;
  size_t cut = 117;  // back to the start of a character: a UTF-8 sequence is never split
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

// The smallest parts in which `has` and `expected` differ, as paths below `path`
// ("data._signoff.due_at") with each side's value: a record (the engine's sign-off record, say)
// is named by the member that changed, not quoted whole. Null pointers are "unset".
void differences(const std::string& path, const Json* has, const Json* expected,
                 std::vector<std::array<std::string, 3>>& out) {
  if (has && expected && *has == *expected) return;
  if (has && expected && has->is_object() && expected->is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : has->items()) keys.insert(k);
    for (const auto& [k, v] : expected->items()) keys.insert(k);
    for (const auto& k : keys) {
      auto a = has->find(k), b = expected->find(k);
      differences(path + "." + k, a == has->end() ? nullptr : &*a,
                  b == expected->end() ? nullptr : &*b, out);
    }
    return;
  }
  if (has && expected && has->is_array() && expected->is_array() &&
      has->size() == expected->size()) {
    for (size_t i = 0; i < has->size(); ++i) {
      differences(fmt::format("{}[{}]", path, i), &(*has)[i], &(*expected)[i], out);
    }
    return;
  }
  out.push_back({path, quoted(has), quoted(expected)});
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
                          "were removed, or the anchor was copied wrongly (check it against "
                          "where it was recorded)",
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
                  chain_looks_intact
                      ? ": events were changed and every later hash rewritten to hide it (or the "
                        "anchor was copied wrongly: check it against where it was recorded); "
                        "compare with a backup to find which"
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
  const auto time = [](const std::string& at) {
    const Json value(at);
    return quoted(&value);
  };
  if (stored.created_at != replayed.created_at) {
    differs("created_at", time(stored.created_at), time(replayed.created_at));
  }
  if (stored.updated_at != replayed.updated_at) {
    differs("updated_at", time(stored.updated_at), time(replayed.updated_at));
  }
  if (stored.data != replayed.data) {
    std::vector<std::array<std::string, 3>> found;
    differences("data", &stored.data, &replayed.data, found);
    for (const auto& [path, has, expected] : found) differs(path.c_str(), has, expected);
  }
}

std::string VerifyReport::warning() const {
  if (ok()) return {};
  // Where, not what: a problem's message can quote data the reader of a report may not see.
  const auto first_event =
      std::find_if(problems.begin(), problems.end(), [](const auto& p) { return p.seq > 0; });
  const std::string where = first_event != problems.end()
                                ? fmt::format("the first at event {}", first_event->seq)
                                : std::string(
                                      "in what is kept beside the events: the items, their "
                                      "texts or the accounts");
  return fmt::format(
      "the history does not verify: {} problem(s) found, {}. This report shows events as they "
      "are stored now, which may have been altered, and its chain head is not proven; `commsflow "
      "verify` lists every problem.",
      problems.size(), where);
}

Json VerifyReport::to_json() const {
  Json listed = Json::array();
  for (const auto& p : problems) {
    listed.push_back(Json{{"seq", p.seq}, {"ref", p.ref}, {"message", p.message}});
  }
  return Json{{"ok", ok()},
              {"events", events},
              {"items", items},
              {"head", {{"seq", head_seq}, {"hash", head_hash}}},
              {"problems", listed}};
}

ChainHead parse_chain_head(std::string_view text) {
  // As copied from minutes or an email: the spaces around it are no part of it.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
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
  // An anchor is an event: numbered from 1.
  if (ec != std::errc() || end != seq_text.data() + seq_text.size() || head.seq < 1) return bad();
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

  // The log is read here in batches; this thread checks each batch's hash chain and hands it to
  // a second thread, which replays it while this one reads the next (replay is the larger half).
  // Memory holds one compact replayed item per ref, the recorded hash of each document version
  // and a few batches, never the whole log.
  ChainCheck chain(anchor);
  // Replay's state, touched only by the replay thread until replayer.finish().
  ReplayedItems replayed;
  ReplayedAccounts accounts;
  EventScanner scanner;
  ScannedEvent scanned;
  RecordedDocuments documents;
  std::vector<PlacedProblem> replay_problems;
  auto moved = [&](std::int64_t index, std::int64_t seq, std::string_view ref,
                   std::int64_t written_as) {
    replay_problems.push_back(PlacedProblem{
        index, VerifyProblem{seq, std::string(ref),
                             fmt::format("event {} ({}) was written as event {}: events were "
                                         "moved or reordered",
                                         seq, ref, written_as)}});
  };
  // The indexed columns are written beside the body (schema/sqlite/0009_event_columns.sql);
  // searches and reports go by them, so they must say what the hashed body says.
  auto check_columns = [&](std::int64_t index, const EventBatch& batch, const EventBatch::Row& row,
                           std::string_view ref, std::string_view actor, std::string_view action,
                           std::string_view at) {
    const std::string_view body_says[] = {ref, actor, action, at};
    const char* names[] = {"ref", "actor", "action", "at"};
    for (int i = 0; i < 4; ++i) {
      const std::string_view column = batch.part(row, EventBatch::Part(EventBatch::kRef + i));
      if (column == body_says[i]) continue;
      replay_problems.push_back(PlacedProblem{
          index, VerifyProblem{row.seq, std::string(ref),
                               fmt::format("event {} ({}): its {} column says '{}' but its body "
                                           "says '{}': the indexed columns were changed",
                                           row.seq, ref, names[i], column, body_says[i])}});
    }
  };
  auto replay_batch = [&](const EventBatch& batch) {
    for (std::size_t i = 0; i < batch.rows.size(); ++i) {
      const auto& row = batch.rows[i];
      const std::int64_t index = batch.first_index + static_cast<std::int64_t>(i);
      const std::int64_t seq = row.seq;
      const std::string_view body = batch.body(row);
      // The fast reading serves plain events; anything else, and the document events whose
      // payload is needed, is read in full by Event::from_body, which names what is wrong.
      if (scanner.scan(body, scanned) && scanned.action != "put_document" &&
          !is_account_ref(scanned.ref)) {
        if (scanned.seq != seq) moved(index, seq, scanned.ref, scanned.seq);
        check_columns(index, batch, row, scanned.ref, scanned.actor, scanned.action, scanned.at);
        replayed.apply(seq, scanned);
        continue;
      }
      try {
        Event e = Event::from_body(seq, body);
        if (e.seq != seq) moved(index, seq, e.ref, e.seq);
        check_columns(index, batch, row, e.ref, e.actor, e.action, e.at);
        if (is_account_ref(e.ref)) {
          accounts.apply(e);
          continue;
        }
        replayed.apply(seq, e);
        if (stores_document_version(e)) {
          documents[{e.ref, e.payload.value("document_version", std::int64_t{0})}] =
              e.payload.value("document_hash", "");
        }
      } catch (const Error& e) {
        replay_problems.push_back(
            PlacedProblem{index, VerifyProblem{seq, "(unreadable)", e.what()}});
      }
    }
  };

  // Declared after everything replay_batch touches, so that it stops first if this throws.
  BatchWorker replayer(replay_batch);

  constexpr std::size_t kBatchRows = 512;
  auto batch = std::make_shared<EventBatch>();
  auto hand_over = [&] {
    std::shared_ptr<EventBatch> full = std::move(batch);
    chain.check(*full);
    replayer.add(full);
    // A batch the replay is done with is filled again.
    batch = replayer.reusable();
    if (batch) {
      batch->clear();
    } else {
      batch = std::make_shared<EventBatch>();
    }
    batch->first_index = report.events;
  };
  // Found on this thread, in log order: columns stored as other than text (SQLite only).
  std::vector<PlacedProblem> type_problems;
  store.for_each_event([&](const EventRowView& row) {
    if (!row.not_text.empty()) {
      type_problems.push_back(PlacedProblem{
          report.events,
          VerifyProblem{row.seq, std::string(row.ref),
                        fmt::format("event {}: its column {} is not text: searches and "
                                    "reports by it miss the event",
                                    row.seq, row.not_text)}});
    }
    batch->add(row);
    ++report.events;
    report.head_seq = row.seq;
    if (batch->rows.size() == kBatchRows) hand_over();
  });
  if (!batch->rows.empty()) hand_over();
  replayer.finish();
  ChainCheck::Result checked = chain.finish();
  report.head_hash = checked.head_hash;

  // Problems in log order; for one event, those of the chain, then its replay, then its columns.
  std::vector<PlacedProblem> placed = std::move(checked.problems);
  std::move(replay_problems.begin(), replay_problems.end(), std::back_inserter(placed));
  std::move(type_problems.begin(), type_problems.end(), std::back_inserter(placed));
  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.index < b.index; });
  for (auto& p : placed) report.problems.push_back(std::move(p.problem));
  if (anchor) check_anchor(*anchor, checked.recomputed_at_anchor, report);

  // Item rows are read one at a time; a row is read as JSON only when it differs from its
  // replayed item, to say how. Their problems follow the documents' problems.
  ItemRefs refs_by_id;  // rows come in id order, so it is sorted
  std::vector<VerifyProblem> item_problems;
  ItemWorkflows workflows(store);
  store.for_each_item_row([&](const ItemRowView& row) {
    ++report.items;
    refs_by_id.emplace_back(row.id, std::string(row.ref));
    workflows.check(row, item_problems);
    if (!row.not_text.empty()) {
      item_problems.push_back(VerifyProblem{
          0, std::string(row.ref),
          fmt::format("item {}: its column {} is not text: searches and lists by it miss the item",
                      row.ref, row.not_text)});
    }
    const ReplayedItems::Compact* item = replayed.take(row.ref);
    if (!item) {
      item_problems.push_back(
          VerifyProblem{0, std::string(row.ref), fmt::format("item {} has no events", row.ref)});
      return;
    }
    if (!replayed.matches(*item, row)) {
      compare(stored_item(row), replayed.item(row.ref, *item), item_problems);
    }
  });
  verify_documents(store, documents, refs_by_id, report.problems);
  std::move(item_problems.begin(), item_problems.end(), std::back_inserter(report.problems));
  for (const auto& [first_seq, ref] : replayed.remaining()) {
    report.problems.push_back(VerifyProblem{
        first_seq, ref, fmt::format("events for {} exist but the item does not", ref)});
  }
  accounts.compare(store, report.problems);
  return report;
}

}  // namespace commsflow
