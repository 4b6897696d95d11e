// `commsflow serve` under 32 concurrent API clients: the run shared by figure 6 (one server on
// SQLite) and figure 8 (one and two servers on PostgreSQL), and figure 6's set-up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench.h"

namespace commsflow::bench {

inline constexpr int kClients = 32;

// A database for figure 6: the demo, its incident closed, and 32 triaged comms requests for
// the clients to assign, one each.
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

// One POST a client makes: its path, JSON body and the bearer token it goes with.
struct ServerRequest {
  std::string path;
  std::string body;
  std::string token;
};

// `servers` processes of `commsflow serve` on `db` (a file or a URL) with the workflows in
// `workflows`, started with `options`, logging into `log_dir`; then 32 clients on loopback,
// client c talking to server c mod `servers`, each POSTing `make(c, i)` for i below
// `per_client`, one after another, a new connection per request.
ServerRun run_servers(const Paths& paths, const std::string& db,
                      const std::filesystem::path& workflows, int servers,
                      const std::vector<std::string>& options, int per_client,
                      const std::function<ServerRequest(int client, int i)>& make,
                      const std::filesystem::path& log_dir);

// "p50 ms / p99 ms" of a run's latencies.
std::string latency_summary(const ServerRun& run);

}  // namespace commsflow::bench
