// Figure 2: importing comms requests from CSV (parsed, triaged by the shipped comms_request
// workflow, stored with their events, one transaction), against plain SQLite inserting the same
// rows in one batched transaction with prepared statements. The engine's time includes reading
// and parsing the CSV file, which it streams as `commsflow import` does.
//
// The baseline writes exactly what the engine wrote (read back from the engine's file) into a
// byte-identical copy of the database as it was before the import. The engine's file is kept
// as requests.db for the CLI and memory figures.
#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>
#include <fmt/format.h>

#include <fstream>

#include "bench.h"
#include "raw_sqlite.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

struct ItemRow {
  std::string ref, workflow, version, state, data, created_at, updated_at;
  std::int64_t revision = 0;
};
struct EventRow {
  std::int64_t seq = 0;
  std::string body, hash, ref, actor, action, at;
};

}  // namespace

void bench_import(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  auto empty_db = paths.scratch / "requests-empty.db";
  auto engine_db = paths.scratch / "requests.db";
  auto raw_db = paths.scratch / "requests-raw.db";
  auto csv_path = paths.scratch / "requests.csv";
  {
    auto store_owner = Store::open(empty_db, Store::Options{true, Store::Durability::Full, 5000});
    Store& store = *store_owner;
    WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "workflows");
    registry.sync();
    Engine engine(store, registry, bench_clock());
    engine.add_actor("tom.triage", {"triager"});
    engine.add_actor("olivia.officer", {"comms_officer"});  // accepted work needs an assignee
  }
  std::filesystem::copy_file(empty_db, engine_db);
  std::filesystem::copy_file(empty_db, raw_db);
  std::ofstream(csv_path) << comms_request_csv(sizes.import_rows);

  double engine_seconds = 0;
  {
    auto store_owner = Store::open(engine_db, Store::Options{false, Store::Durability::Full, 5000});
    Store& store = *store_owner;
    WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "workflows");
    registry.sync();
    Engine engine(store, registry, bench_clock());
    double t0 = now_seconds();
    auto refs = import_csv_file(engine, csv_path);
    engine_seconds = now_seconds() - t0;
    if (refs.size() != static_cast<size_t>(sizes.import_rows)) {
      throw std::runtime_error("the import did not create every item");
    }
  }

  std::vector<ItemRow> items;
  std::vector<EventRow> events;
  {
    RawDb reader(engine_db, false);
    RawStatement q(reader.handle(),
                   "SELECT ref, workflow, version, state, data, created_at, updated_at, revision "
                   "FROM items ORDER BY id");
    while (q.step()) {
      items.push_back(ItemRow{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                              q.text(6), q.integer(7)});
    }
    // The items' events only: the account events before them are in the copied empty database.
    RawStatement e(reader.handle(),
                   "SELECT seq, body, hash, ref, actor, action, at FROM events "
                   "WHERE ref NOT LIKE 'actor:%' ORDER BY seq");
    while (e.step()) {
      events.push_back(
          EventRow{e.integer(0), e.text(1), e.text(2), e.text(3), e.text(4), e.text(5), e.text(6)});
    }
  }

  double raw_seconds = 0;
  {
    RawDb raw(raw_db, true);
    RawStatement counter(raw.handle(),
                         "INSERT INTO ref_counters(prefix, year, last) VALUES ('REQ', 2026, 1) ON "
                         "CONFLICT(prefix, year) DO UPDATE SET last = last + 1 RETURNING last");
    RawStatement insert_item(raw.handle(),
                             "INSERT INTO items(ref, workflow, version, state, data, revision, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    RawStatement insert_event(raw.handle(),
                              "INSERT INTO events(seq, body, hash, ref, actor, action, at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)");
    double t0 = now_seconds();
    raw.exec("BEGIN IMMEDIATE");
    for (size_t i = 0; i < items.size(); ++i) {
      const ItemRow& it = items[i];
      counter.run();
      const EventRow& ev = events[i];
      insert_event.bind(1, ev.seq)
          .bind(2, ev.body)
          .bind(3, ev.hash)
          .bind(4, ev.ref)
          .bind(5, ev.actor)
          .bind(6, ev.action)
          .bind(7, ev.at)
          .run();
      insert_item.bind(1, it.ref)
          .bind(2, it.workflow)
          .bind(3, it.version)
          .bind(4, it.state)
          .bind(5, it.data)
          .bind(6, it.revision)
          .bind(7, it.created_at)
          .bind(8, it.updated_at)
          .run();
    }
    raw.exec("COMMIT");
    raw_seconds = now_seconds() - t0;
  }

  double n = sizes.import_rows;
  double ratio = (n / engine_seconds) / (n / raw_seconds);
  rows.push_back(
      Row{fmt::format("2. Import {} comms requests from CSV", sizes.import_rows),
          format_rate(n / engine_seconds, "rows/s"), format_rate(n / raw_seconds, "rows/s"),
          format_ratio(ratio), ">= 0.50x", ratio >= 0.5 ? "yes" : "no",
          fmt::format("engine {:.2f} s: parse, triage in Lua, hash, store; baseline {:.2f} s: "
                      "the same item, event and counter rows in one transaction",
                      engine_seconds, raw_seconds)});
}

}  // namespace commsflow::bench
