// Figure 3: `verify` over a long chain, events checked per second, against bare SHA-256 over the
// same bytes (each stored body after the previous digest, exactly the hashing verify must do,
// from memory, with nothing else).
//
// The chain is written directly through the Store (items taken through the benchmark approval,
// four events each, item rows matching their events) because building it through the engine
// would take longer than the measurement; verify checks it all and must find no problem.
#include <commsflow/event.h>
#include <commsflow/registry.h>
#include <commsflow/sha256.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "bench.h"
#include "raw_sqlite.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

void write_chain(const Paths& paths, const std::filesystem::path& db, int events) {
  auto store_owner = Store::open(db, Store::Options{true, Store::Durability::Normal, 5000});
  Store& store = *store_owner;
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  const std::string version = registry.current("bench_approval").definition.version;
  const char* states[] = {"drafted", "comms_approved", "director_approved", "approved"};
  const char* actions[] = {"submit", "comms_approve", "director_approve", "executive_approve"};
  const char* actors[] = {"olivia.officer", "hannah.head", "dan.director", "eve.exec"};

  std::string prev = genesis_hash();
  std::int64_t seq = 0;
  const int items = events / 4;
  const int per_transaction = 5000;
  for (int first = 1; first <= items; first += per_transaction) {
    auto tx = store.begin_write();
    for (int i = first; i < first + per_transaction && i <= items; ++i) {
      Item item;
      item.ref = fmt::format("BEN-2026-{:04}", i);
      item.workflow = "bench_approval";
      item.version = version;
      for (int step = 0; step < 4; ++step) {
        Event e;
        e.seq = ++seq;
        e.ref = item.ref;
        e.action = actions[step];
        e.actor = actors[step];
        e.at = fmt::format("2026-03-02T{:02}:{:02}:00Z", 9 + step, i % 60);
        e.from_state = step == 0 ? "" : states[step - 1];
        e.to_state = states[step];
        e.version = version;
        Json before = item.data;
        if (step == 0) {
          item.data = Json{{"headline", fmt::format("Statement {} on winter pressures", i)},
                           {"drafted_by", actors[0]}};
        } else {
          item.data["approvals"] = step;
          item.data["last_approved_by"] = actors[step];
        }
        e.changes = diff_changes(before, item.data);
        std::string body = e.body();
        std::string hash = chain_hash(prev, body);
        store.append_event(StoredEvent{e.seq, body, hash});
        prev = hash;
        if (step == 0) item.created_at = e.at;
        item.updated_at = e.at;
        item.state = states[step];
        item.revision = step + 1;
      }
      store.insert_item(item);
    }
    tx->commit();
  }
}

}  // namespace

void bench_verify(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  auto db = paths.scratch / "chain.db";
  write_chain(paths, db, sizes.verify_events);

  double verify_seconds = 0, verify_cpu_seconds = 0;
  std::int64_t checked = 0;
  std::string verify_peak;
  {
    auto store_owner = Store::open(db, Store::Options{false, Store::Durability::Full, 5000});
    Store& store = *store_owner;
    const bool peak_reset = reset_peak_rss();
    double t0 = now_seconds();
    const double cpu0 = cpu_seconds();
    VerifyReport report = verify(store);
    verify_cpu_seconds = cpu_seconds() - cpu0;
    verify_seconds = now_seconds() - t0;
    verify_peak = peak_reset ? format_mib(peak_rss_bytes()) : "not measurable here";
    if (!report.ok()) {
      throw std::runtime_error("verify found a problem in the benchmark chain: " +
                               report.problems.front().message);
    }
    checked = report.events;
  }

  // What reading the log alone costs: plain SQLite stepping through the columns verify reads,
  // in the same order, touching each value and doing nothing with it. Verify cannot be faster.
  RawDb reader(db, false);
  double scan_seconds = 0;
  {
    RawStatement q(reader.handle(),
                   "SELECT seq, body, hash, ref, actor, action, at FROM events ORDER BY seq");
    std::size_t bytes = 0;
    const double scan_t0 = now_seconds();
    while (q.step()) {
      for (int column = 1; column <= 6; ++column) bytes += q.view(column).size();
    }
    scan_seconds = now_seconds() - scan_t0;
    if (bytes == 0) throw std::runtime_error("the log read back empty");
  }

  std::vector<std::string> bodies;
  {
    RawStatement q(reader.handle(), "SELECT body FROM events ORDER BY seq");
    while (q.step()) bodies.push_back(q.text(0));
  }
  double t0 = now_seconds();
  Sha256 hasher;
  Digest digest{};
  for (const auto& body : bodies) digest = hasher.begin().add(digest).add(body).finish();
  double sha_seconds = now_seconds() - t0;
  if (digest == Digest{}) throw std::runtime_error("no events were hashed");

  double n = static_cast<double>(checked);
  double ratio = (n / verify_seconds) / (n / sha_seconds);
  // What the target leaves verify: its threads can at best share the cores evenly, so at 0.5x
  // it could use no more processor time than the cores give in twice the baseline's time.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double target_seconds = sha_seconds / 0.5;
  rows.push_back(
      Row{fmt::format("3. Verify a {}-event chain", checked),
          format_rate(n / verify_seconds, "events/s"), format_rate(n / sha_seconds, "events/s"),
          format_ratio(ratio), ">= 0.50x", ratio >= 0.5 ? "yes" : "no",
          fmt::format("verify {:.2f} s: read, hash, parse, replay {} items, peak "
                      "RSS {}, {:.2f} s of processor time on {} cores; baseline "
                      "{:.2f} s: SHA-256 of the same bytes in memory; plain SQLite "
                      "reading the same rows, and nothing else, takes {:.2f} s ({} on "
                      "its own); 0.5x means finishing in {:.2f} s, at most {:.2f} s of "
                      "processor time on these cores",
                      verify_seconds, checked / 4, verify_peak, verify_cpu_seconds, cores,
                      sha_seconds, scan_seconds, format_ratio(sha_seconds / scan_seconds),
                      target_seconds, target_seconds * cores)});
}

}  // namespace commsflow::bench
