// Figures 4 and 5: wall time of `commsflow show REF` (the real binary, process start to exit)
// and peak resident memory of the engine, both on the database the import figure left with its
// requests, all open. The baseline for each is this program run again as a child doing the
// least the same job needs with plain SQLite: look up the row and print it; hold every item row.
#include <commsflow/engine.h>
#include <commsflow/queue.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "bench.h"
#include "raw_sqlite.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::int64_t child_rss(const Paths& paths, const std::vector<std::string>& args) {
  return std::stoll(run_capture(paths.self_bin, args));
}

}  // namespace

void bench_cli(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  auto db = paths.scratch / "requests.db";
  if (!std::filesystem::exists(db))
    throw std::runtime_error("the CLI figures need the import figure");
  const std::string ref = fmt::format("REQ-2026-{:04}", sizes.import_rows / 2);
  const std::string workflows = (paths.source_dir / "workflows").string();
  std::vector<std::string> show{"show", ref, "--db", db.string(), "--workflows", workflows};
  std::vector<std::string> raw_show{"--child", "raw-show", db.string(), ref};

  // One run each first, so both start with the files in the page cache.
  if (run_silently(paths.commsflow_bin, show) != 0)
    throw std::runtime_error("commsflow show failed");
  if (run_silently(paths.self_bin, raw_show) != 0) throw std::runtime_error("raw show failed");
  std::vector<double> engine_ms, raw_ms, true_ms;
  for (int i = 0; i < sizes.show_runs; ++i) {
    double t_true = now_seconds();
    run_silently("/bin/true", {});
    true_ms.push_back((now_seconds() - t_true) * 1000);
    double t0 = now_seconds();
    run_silently(paths.commsflow_bin, show);
    engine_ms.push_back((now_seconds() - t0) * 1000);
    t0 = now_seconds();
    run_silently(paths.self_bin, raw_show);
    raw_ms.push_back((now_seconds() - t0) * 1000);
  }
  double e = median(engine_ms), r = median(raw_ms);
  rows.push_back(Row{fmt::format("4. `commsflow show REF`, {} items, median of {}",
                                 sizes.import_rows, sizes.show_runs),
                     fmt::format("{:.1f} ms", e), fmt::format("{:.1f} ms", r), format_ratio(e / r),
                     "<= 15 ms", e <= 15 ? "yes" : "no",
                     fmt::format("process start to exit; baseline: a process that opens the file "
                                 "with plain SQLite, reads the row and prints it; starting "
                                 "/bin/true takes {:.1f} ms here",
                                 median(true_ms))});

  auto scratch_copy = [&](const char* name) {
    auto copy = paths.scratch / name;
    std::filesystem::remove(copy);
    std::filesystem::copy_file(db, copy);
    return copy.string();
  };
  std::int64_t raw_rss = child_rss(paths, {"--child", "raw-items-rss", db.string()});
  std::int64_t act_rss = child_rss(paths, {"--child", "act-rss", scratch_copy("rss-act.db"), ref});
  std::int64_t queue_rss = child_rss(paths, {"--child", "queue-rss", db.string()});
  std::int64_t import_rss =
      child_rss(paths, {"--child", "import-rss", (paths.scratch / "requests-empty.db").string(),
                        (paths.scratch / "requests.csv").string()});
  const std::int64_t target = 64LL * 1024 * 1024;
  auto memory_row = [&](std::string what, std::int64_t rss, std::string notes) {
    rows.push_back(Row{std::move(what), format_mib(rss), format_mib(raw_rss),
                       format_ratio(static_cast<double>(rss) / static_cast<double>(raw_rss)),
                       "<= 64 MiB", rss <= target ? "yes" : "no", std::move(notes)});
  };
  memory_row(
      fmt::format("5a. Peak RSS, engine open on {} open items: show + act", sizes.import_rows),
      act_rss, "a process like a long-running engine serving one request");
  memory_row(fmt::format("5b. Peak RSS, `queue` of {} open items", sizes.import_rows), queue_rss,
             "for_each_in_queue: sorts small keys, reads one item at a time");
  memory_row(fmt::format("5c. Peak RSS, import of {} requests", sizes.import_rows), import_rss,
             "the CSV is streamed row by row into the one transaction");
}

int child_raw_show(const std::filesystem::path& db, const std::string& ref) {
  RawDb raw(db, false);
  RawStatement q(
      raw.handle(),
      "SELECT ref, workflow, state, data, revision, updated_at FROM items WHERE ref = ?");
  q.bind(1, ref);
  if (!q.step()) return 1;
  std::printf("%s %s %s rev %lld %s\n%s\n", q.text(0).c_str(), q.text(1).c_str(), q.text(2).c_str(),
              static_cast<long long>(q.integer(4)), q.text(5).c_str(), q.text(3).c_str());
  return 0;
}

int child_raw_items_rss(const std::filesystem::path& db) {
  std::vector<std::string> held;
  RawDb raw(db, false);
  RawStatement q(raw.handle(),
                 "SELECT ref, workflow, version, state, data, created_at, updated_at FROM items");
  while (q.step()) {
    for (int c = 0; c < 7; ++c) held.push_back(q.text(c));
  }
  std::printf("%lld\n", static_cast<long long>(peak_rss_bytes()));
  return held.empty() ? 1 : 0;
}

namespace {
struct Opened {
  explicit Opened(const Paths& paths, const std::filesystem::path& db)
      : owner(Store::open(db, Store::Options{false, Store::Durability::Full, 5000})),
        store(*owner),
        registry(store, bench_clock(), paths.source_dir / "workflows"),
        engine(store, registry, bench_clock()) {
    registry.sync();
  }
  std::unique_ptr<Store> owner;
  Store& store;
  WorkflowRegistry registry;
  Engine engine;
};
}  // namespace

int child_act_rss(const Paths& paths, const std::filesystem::path& db, const std::string& ref) {
  Opened o(paths, db);
  Item item = o.engine.item(ref);
  o.engine.available_actions(item);
  ActRequest request;
  request.ref = ref;
  request.action = "accept";
  request.actor = "tom.triage";
  request.inputs = Json{{"assignee", "olivia.officer"}};
  if (!o.engine.act(request)) return 1;
  std::printf("%lld\n", static_cast<long long>(peak_rss_bytes()));
  return 0;
}

int child_queue_rss(const Paths& paths, const std::filesystem::path& db) {
  // As `commsflow queue` does: every open item in queue order, each visited then let go.
  Opened o(paths, db);
  std::int64_t visited = 0;
  for_each_in_queue(o.engine, QueueQuery("comms_request"), [&](const Item&) { ++visited; });
  std::printf("%lld\n", static_cast<long long>(peak_rss_bytes()));
  return visited == 0 ? 1 : 0;
}

int child_import_rss(const Paths& paths, const std::filesystem::path& empty_db,
                     const std::filesystem::path& csv) {
  auto db = empty_db.parent_path() / "rss-import.db";
  std::filesystem::remove(db);
  std::filesystem::copy_file(empty_db, db);
  Opened o(paths, db);
  auto refs = import_csv_file(o.engine, csv);
  std::printf("%lld\n", static_cast<long long>(peak_rss_bytes()));
  return refs.empty() ? 1 : 0;
}

}  // namespace commsflow::bench
