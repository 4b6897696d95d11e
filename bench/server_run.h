// `commsflow serve` under 32 concurrent API clients: the set-up and the run shared by figure 6
// (one server on SQLite) and figure 8 (one and two servers on PostgreSQL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench.h"

namespace commsflow::bench {

inline constexpr int kClients = 32;

// A database for the server runs: the demo, its incident closed, and 32 triaged comms requests
// for the clients to assign, one each.
struct ServerSetup {
  std::string token;              // tom.triage's API token
  std::vector<std::string> refs;  // the 32 requests
};
ServerSetup prepare_server_database(const Paths& paths, const std::filesystem::path& db);

struct ServerRun {
  double seconds = 0;
  std::vector<double> latencies;
  int failures = 0;
  std::int64_t rss = 0;      // the first server's peak resident memory
  std::string group_commit;  // the servers' own counts of changes and transactions
};

// 32 clients on loopback, each POSTing `assign` on its own request `per_client` times, a new
// connection per request, against `servers` processes of `commsflow serve` on `db` (a file or a
// URL) started with `options`; client c talks to server c mod `servers`. Server logs go in
// `log_dir`.
ServerRun run_servers(const Paths& paths, const std::string& db, int servers,
                      const std::vector<std::string>& options, const ServerSetup& setup,
                      int per_client, const std::filesystem::path& log_dir);

// "p50 ms / p99 ms" of a run's latencies.
std::string latency_summary(const ServerRun& run);

}  // namespace commsflow::bench
