// Figure 1: actions per second through a three-step approval, one transaction each, against
// plain SQLite making the same row writes (one UPDATE of the item and one INSERT of the event
// per transaction, with prepared statements), under synchronous NORMAL and FULL.
//
// Both sides start from byte-identical copies of one database, and the baseline writes exactly
// the rows the engine wrote (read back from the engine's file), so the difference is the
// engine's own work: loading the item and actor, the role check, the Lua guard and effect,
// validation, the event body and its hash. The two sides alternate every few items, so that load
// from other work on the machine (and slow fsyncs) falls on both alike.
#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "bench.h"
#include "raw_sqlite.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

struct Step {
  const char* action;
  const char* actor;
};
constexpr Step kSteps[] = {{"comms_approve", "hannah.head"},
                           {"director_approve", "dan.director"},
                           {"executive_approve", "eve.exec"}};

// The rows one engine action wrote, to be written again by the baseline.
struct RowWrite {
  std::int64_t item_id = 0;
  std::string state, data, updated_at, version;
  std::int64_t seq = 0;
  std::string body, hash;
};

void create_database(const Paths& paths, const std::filesystem::path& db, int items) {
  Store store(db, Store::Options{true, Store::Durability::Normal, 5000});
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(store, registry, bench_clock());
  engine.add_actor("olivia.officer", {"comms_officer"});
  engine.add_actor("hannah.head", {"head_of_comms"});
  engine.add_actor("dan.director", {"director"});
  engine.add_actor("eve.exec", {"executive"});
  std::vector<ImportRow> rows;
  for (int i = 1; i <= items; ++i) {
    rows.push_back(
        ImportRow{i, Json{{"headline", fmt::format("Statement {} on winter pressures", i)}}});
  }
  engine.import_items("bench_approval", "olivia.officer", rows);
}

// Reads back, in order, what the engine wrote after a given event.
class WrittenRows {
 public:
  explicit WrittenRows(const std::filesystem::path& db)
      : reader_(db, false),
        events_(reader_.handle(),
                "SELECT e.seq, e.body, e.hash, i.id, i.data, i.version FROM events e JOIN items i "
                "ON i.ref = e.ref WHERE e.seq > ? ORDER BY e.seq") {}

  std::vector<RowWrite> since(std::int64_t after_seq) {
    events_.bind(1, after_seq);
    std::vector<RowWrite> out;
    while (events_.step()) {
      RowWrite w;
      w.seq = events_.integer(0);
      w.body = events_.text(1);
      w.hash = events_.text(2);
      w.item_id = events_.integer(3);
      w.data = events_.text(4);
      w.version = events_.text(5);
      Json body = Json::parse(w.body);
      w.state = body.at("to").get<std::string>();
      w.updated_at = body.at("at").get<std::string>();
      out.push_back(std::move(w));
    }
    events_.reset();
    return out;
  }

 private:
  RawDb reader_;
  RawStatement events_;
};

struct Pair {
  double engine_seconds = 0, raw_seconds = 0;
  std::int64_t actions = 0;
};

Pair measure(const Paths& paths, int items, bool full) {
  const char* mode = full ? "full" : "normal";
  auto engine_db = paths.scratch / fmt::format("actions-{}-engine.db", mode);
  auto raw_db = paths.scratch / fmt::format("actions-{}-raw.db", mode);
  create_database(paths, engine_db, items);
  std::filesystem::copy_file(engine_db, raw_db);

  Store store(
      engine_db,
      Store::Options{false, full ? Store::Durability::Full : Store::Durability::Normal, 5000});
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(store, registry, bench_clock());
  WrittenRows written(engine_db);

  RawDb raw(raw_db, full);
  RawStatement begin(raw.handle(), "BEGIN IMMEDIATE");
  RawStatement commit(raw.handle(), "COMMIT");
  RawStatement update(raw.handle(),
                      "UPDATE items SET state = ?, data = ?, revision = ?, updated_at = ?, "
                      "version = ? WHERE id = ? AND revision = ?");
  RawStatement insert(raw.handle(), "INSERT INTO events(seq, body, hash) VALUES (?, ?, ?)");

  // In chunks of a few items: the engine takes them through the three steps, then the baseline
  // writes the same rows. Alternating every few milliseconds gives both sides the same share of
  // the machine, while each side still runs its own code warm, as it would in a busy hour.
  Pair result;
  const int chunk = 20;
  std::int64_t seen_seq = items;  // the submits came first
  for (int first = 1; first <= items; first += chunk) {
    const int last = std::min(items, first + chunk - 1);
    double t0 = now_seconds();
    for (const Step& step : kSteps) {
      for (int i = first; i <= last; ++i) {
        ActRequest request;
        request.ref = fmt::format("BEN-2026-{:04}", i);
        request.action = step.action;
        request.actor = step.actor;
        auto outcome = engine.act(request);
        if (!outcome) throw std::runtime_error("refused: " + outcome.refusal().reasons.front());
        ++result.actions;
      }
    }
    result.engine_seconds += now_seconds() - t0;

    auto writes = written.since(seen_seq);
    if (writes.size() != std::size(kSteps) * (last - first + 1)) {
      throw std::runtime_error("the engine wrote an unexpected number of events");
    }
    seen_seq = writes.back().seq;
    std::map<std::int64_t, std::int64_t> revision;  // item id -> revision before the write
    t0 = now_seconds();
    for (const auto& w : writes) {
      std::int64_t& before = revision.try_emplace(w.item_id, 1).first->second;  // 1: submitted
      begin.run();
      update.bind(1, w.state)
          .bind(2, w.data)
          .bind(3, before + 1)
          .bind(4, w.updated_at)
          .bind(5, w.version)
          .bind(6, w.item_id)
          .bind(7, before)
          .run();
      if (sqlite3_changes(raw.handle()) != 1) throw std::runtime_error("raw update missed its row");
      insert.bind(1, w.seq).bind(2, w.body).bind(3, w.hash).run();
      commit.run();
      ++before;
    }
    result.raw_seconds += now_seconds() - t0;
  }
  return result;
}

}  // namespace

void bench_actions(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  for (bool full : {false, true}) {
    Pair p = measure(paths, sizes.actions_items, full);
    double engine_rate = static_cast<double>(p.actions) / p.engine_seconds;
    double raw_rate = static_cast<double>(p.actions) / p.raw_seconds;
    double ratio = engine_rate / raw_rate;
    double target = full ? 0.9 : 0.75;
    rows.push_back(Row{
        fmt::format("1. Actions/s, 3-step approval, synchronous={}", full ? "FULL" : "NORMAL"),
        format_rate(engine_rate, "actions/s"), format_rate(raw_rate, "tx/s"), format_ratio(ratio),
        fmt::format(">= {:.2f}x", target), ratio >= target ? "yes" : "no",
        fmt::format("{} actions, one transaction each; baseline: UPDATE + INSERT of the same rows "
                    "per transaction; the two alternate every 20 items",
                    p.actions)});
  }
}

}  // namespace commsflow::bench
