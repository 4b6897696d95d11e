// `commsflow serve` killed with SIGKILL while API clients write through it: every change it
// acknowledged (201) is in the database afterwards, exactly as acknowledged, and the history
// verifies. A small run; the same check at length is `scripts/crash-test`'s job.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "support.h"

using namespace commsflow;
using commsflow::test::TempDir;

TEST_CASE("serve: killed under concurrent API clients, it lost nothing it acknowledged",
          "[server][crash]") {
  TempDir dir;
  const std::string workflows = test::shipped_workflows().string();
  // The server runs on the real clock, so the set-up does too (a token made at a fixed past
  // time would have expired).
  REQUIRE(test::run_cli(dir.path(), {"--workflows", workflows, "init", "--demo"}, "").exit_code ==
          0);
  auto created = test::run_cli(
      dir.path(), {"--workflows", workflows, "token", "create", "--as", "asha.requester"}, "");
  REQUIRE(created.exit_code == 0);
  const std::string token = created.out.substr(0, created.out.find('\n'));

  std::map<std::string, std::string> acknowledged;  // ref -> title
  std::mutex mutex;
  for (int round = 0; round < 2; ++round) {
    test::ServeChild serve(dir.path(), {"--workflows", workflows});
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int lane = 0; lane < 4; ++lane) {
      clients.emplace_back([&, lane] {
        httplib::Client client("127.0.0.1", serve.port());
        client.set_connection_timeout(2);
        client.set_read_timeout(5);
        for (int n = 0; !stop; ++n) {
          const std::string title = "Round " + std::to_string(round) + " lane " +
                                    std::to_string(lane) + " request " + std::to_string(n);
          auto res =
              client.Post("/api/v1/items", httplib::Headers{{"Authorization", "Bearer " + token}},
                          Json{{"workflow", "website_update"}, {"data", {{"title", title}}}}.dump(),
                          "application/json");
          if (!res) continue;  // killed mid-request: not acknowledged
          if (res->status != 201) continue;
          std::lock_guard<std::mutex> guard(mutex);
          acknowledged[Json::parse(res->body)["ref"]] = title;
        }
      });
    }
    // Let the clients write for a while, then pull the plug with requests in flight.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    serve.kill_hard();
    stop = true;
    for (auto& c : clients) c.join();
  }

  REQUIRE(acknowledged.size() >= 8);
  std::istringstream rows(test::query_text(
      dir / "commsflow.db",
      "SELECT group_concat(ref || '=' || json_extract(data, '$.title'), char(10)) FROM items"));
  std::map<std::string, std::string> stored;
  for (std::string line; std::getline(rows, line);) {
    stored[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
  }
  int lost = 0;
  for (const auto& [ref, title] : acknowledged) {
    auto it = stored.find(ref);
    if (it == stored.end() || it->second != title) ++lost;
  }
  INFO(acknowledged.size() << " acknowledged");
  CHECK(lost == 0);
  CHECK(test::run_cli(dir.path(), {"--workflows", workflows, "verify"}, "").exit_code == 0);
}
