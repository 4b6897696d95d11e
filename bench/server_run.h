// `commsflow serve` under 32 concurrent API clients: the run shared by figure 6 (one server on
// SQLite) and figure 8 (one and two servers on PostgreSQL), and figure 6's set-up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
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
// `workflows`, started with `options`, logging into `log_dir`, driven in one or more rounds by
// 32 clients on loopback. Client c talks to server c mod `servers`. Driving several groups in
// turn, a round each, lets load from elsewhere on the machine fall on all of them alike.
class ServerGroup {
 public:
  ServerGroup(const Paths& paths, const std::string& db, const std::filesystem::path& workflows,
              int servers, const std::vector<std::string>& options,
              const std::filesystem::path& log_dir);
  ~ServerGroup();
  ServerGroup(const ServerGroup&) = delete;
  ServerGroup& operator=(const ServerGroup&) = delete;

  // One round: each client POSTs `make(c, i)` for i from `from` up to `to`, one after another,
  // a new connection per request; the round's time, latencies and failures add to the run's.
  void drive(int from, int to, const std::function<ServerRequest(int client, int i)>& make);

  // Stops the servers and returns the whole run, with their peak memory and own counts.
  ServerRun finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A ServerGroup driven in one round of `per_client` requests per client.
ServerRun run_servers(const Paths& paths, const std::string& db,
                      const std::filesystem::path& workflows, int servers,
                      const std::vector<std::string>& options, int per_client,
                      const std::function<ServerRequest(int client, int i)>& make,
                      const std::filesystem::path& log_dir);

// "p50 ms / p99 ms" of a run's latencies.
std::string latency_summary(const ServerRun& run);

}  // namespace commsflow::bench
