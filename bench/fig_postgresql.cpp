// Figure 8: the same engine on PostgreSQL beside SQLite, in one run and one process: sign-off
// decisions/s (figure 1's three steps, one transaction each), import rows/s (the same items
// made from rows) and verify events/s (the chain those left), each on an SQLite file with
// synchronous FULL and on a database of the throwaway cluster scripts/bench starts (fsync and
// synchronous_commit on), so both are durable at each commit. The ratio is PostgreSQL over
// SQLite. Then the same decisions through `commsflow serve` by 32 API clients: two server
// processes on one PostgreSQL database against one, and one on PostgreSQL against one on an
// SQLite file.
#include <commsflow/engine.h>
#include <commsflow/import.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

#include "bench.h"
#include "rows.h"
#include "server_run.h"

namespace commsflow::bench {

namespace {

struct Rates {
  double decisions = 0, imported = 0, verified = 0;
  std::int64_t decision_count = 0, import_count = 0, event_count = 0;
};

// A new database `name` on the cluster `admin` reaches; returns its URL.
std::string fresh_database(const std::string& admin, const std::string& name) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(admin.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(fmt::format("PostgreSQL: {}", PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
  for (const std::string& sql : {fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name),
                                 fmt::format("CREATE DATABASE {}", name)}) {
    std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(conn.get(), sql.c_str()), PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      throw std::runtime_error(fmt::format("PostgreSQL: {}", PQresultErrorMessage(r.get())));
    }
  }
  // The admin URL with its database name replaced (scripts/pg-cluster's form:
  // postgresql://user@/dbname?host=...).
  const auto authority = admin.find("://") + 3;
  const auto path = admin.find_first_of("/?", authority);
  const auto query = admin.find('?', authority);
  return admin.substr(0, path) + "/" + name +
         (query == std::string::npos ? "" : admin.substr(query));
}

Rates measure(const Paths& paths, const Sizes& sizes, const std::string& db) {
  const int items = sizes.actions_items;
  create_signoff_items(paths, db, items);
  auto store = Store::open(db, Store::Options{false, Store::Durability::Full, 5000});
  WorkflowRegistry registry(*store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(*store, registry, bench_clock());
  Rates r;

  const char* approvers[] = {"hannah.head", "clara.clinical", "dan.director"};
  double t0 = now_seconds();
  for (const char* actor : approvers) {
    for (int i = 1; i <= items; ++i) {
      DecideRequest request;
      request.ref = signoff_ref(i);
      request.decision = "approved";
      request.actor = actor;
      if (!Signoff(engine).decide(request)) throw std::runtime_error("a decision was refused");
      ++r.decision_count;
    }
  }
  r.decisions = static_cast<double>(r.decision_count) / (now_seconds() - t0);

  std::vector<ImportRow> rows;
  for (int i = 1; i <= sizes.import_rows; ++i) {
    rows.push_back(ImportRow{i, Json{{"headline", fmt::format("Imported statement {}", i)}}});
  }
  t0 = now_seconds();
  import_items(engine, "bench_signoff", "olivia.officer", rows);
  r.import_count = static_cast<std::int64_t>(rows.size());
  r.imported = static_cast<double>(r.import_count) / (now_seconds() - t0);

  t0 = now_seconds();
  VerifyReport report = verify(*store);
  if (!report.ok()) throw std::runtime_error("verify found problems in figure 8's database");
  r.event_count = report.events;
  r.verified = static_cast<double>(report.events) / (now_seconds() - t0);
  return r;
}

// The server rows: figure 1's sign-off items and three approvers' API tokens in an SQLite file,
// copied (`commsflow copy`) to another file and to two PostgreSQL databases; then 32 clients
// take the items through their three decisions over the JSON API, each client its own items,
// against one server on the file, one on PostgreSQL and two on PostgreSQL, in turn.
void bench_servers_on_postgresql(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  const auto workflows = paths.source_dir / "bench" / "workflows";
  const auto source = paths.scratch / "postgresql-serve-source.db";
  const int per_client_items = std::max(1, sizes.actions_items / kClients);
  create_signoff_items(paths, source.string(), per_client_items * kClients);
  std::vector<std::string> tokens;
  const char* approvers[] = {"hannah.head", "clara.clinical", "dan.director"};
  for (const char* approver : approvers) {
    std::string token =
        run_capture(paths.commsflow_bin, {"--db", source.string(), "--workflows",
                                          workflows.string(), "token", "create", "--as", approver});
    tokens.push_back(token.substr(0, token.find_first_of(" \n")));
  }
  // Client c takes items c+1, c+1+32, ... each through its three steps, one after another.
  auto decide = [&](int c, int i) {
    return ServerRequest{
        fmt::format("/api/v1/items/{}/decide", signoff_ref(c + kClients * (i / 3) + 1)),
        Json{{"decision", "approved"}, {"document_version", 1}}.dump(),
        tokens[static_cast<size_t>(i % 3)]};
  };
  auto run = [&](const std::string& db, int servers) {
    run_capture(paths.commsflow_bin, {"copy", "--from", source.string(), "--to", db});
    return run_servers(paths, db, workflows, servers, {}, 3 * per_client_items, decide,
                       paths.scratch);
  };
  const ServerRun lite = run((paths.scratch / "postgresql-serve.db").string(), 1);
  const ServerRun one = run(fresh_database(paths.postgresql, "bench_serve_one"), 1);
  const ServerRun two = run(fresh_database(paths.postgresql, "bench_serve_two"), 2);
  const double total = 3.0 * per_client_items * kClients;
  auto rate = [&](const ServerRun& r) { return total / r.seconds; };
  auto described = [](const ServerRun& r) {
    return fmt::format("p50 / p99 {}; {} failed", latency_summary(r), r.failures);
  };
  rows.push_back(Row{
      "8d. Server decisions/s on PostgreSQL, two processes", format_rate(rate(two), "decisions/s"),
      format_rate(rate(one), "decisions/s, one"), format_ratio(rate(two) / rate(one)), "-", "-",
      fmt::format("{} POSTs of /decide (figure 1's three steps) by 32 clients, 16 to each of two "
                  "`serve` processes on one database, against all 32 to one; two: {}; one: {}. "
                  "The writers of both take turns under one lock",
                  static_cast<int>(total), described(two), described(one))});
  rows.push_back(Row{"8e. Server decisions/s on PostgreSQL, one process",
                     format_rate(rate(one), "decisions/s"),
                     format_rate(rate(lite), "decisions/s on SQLite"),
                     format_ratio(rate(one) / rate(lite)), "-", "-",
                     fmt::format("the same POSTs to one server on a copy of the database in an "
                                 "SQLite file (synchronous FULL); SQLite: {}",
                                 described(lite))});
}

}  // namespace

void bench_postgresql(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  const char* figures[] = {"8a. Decisions/s on PostgreSQL, one process",
                           "8b. Import rows/s on PostgreSQL", "8c. Verify events/s on PostgreSQL",
                           "8d. Server decisions/s on PostgreSQL, two processes",
                           "8e. Server decisions/s on PostgreSQL, one process"};
  if (paths.postgresql.empty()) {
    for (const char* figure : figures) {
      rows.push_back(
          Row{figure, "not run", "-", "-", "-", "-", "not run: " + paths.postgresql_unavailable});
    }
    return;
  }
  const Rates lite = measure(paths, sizes, (paths.scratch / "postgresql-beside.db").string());
  const Rates pg = measure(paths, sizes, fresh_database(paths.postgresql, "bench_figure8"));
  auto row = [&](const char* figure, double on_pg, double on_sqlite, const char* unit,
                 std::string notes) {
    rows.push_back(Row{figure, format_rate(on_pg, unit), format_rate(on_sqlite, unit),
                       format_ratio(on_pg / on_sqlite), "-", "-", std::move(notes)});
  };
  row(figures[0], pg.decisions, lite.decisions, "decisions/s",
      fmt::format("baseline: SQLite, synchronous FULL; {} decisions, one transaction each, on a "
                  "PostgreSQL cluster on this machine (Unix socket, fsync on)",
                  pg.decision_count));
  row(figures[1], pg.imported, lite.imported, "rows/s",
      fmt::format("baseline: SQLite; {} rows in one import, one transaction", pg.import_count));
  row(figures[2], pg.verified, lite.verified, "events/s",
      fmt::format("baseline: SQLite; the {}-event chain the two above left", pg.event_count));
  bench_servers_on_postgresql(paths, sizes, rows);
}

}  // namespace commsflow::bench
