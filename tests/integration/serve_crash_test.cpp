// `commsflow serve` killed with SIGKILL while API clients write through it, its changes
// group-committed: every change it acknowledged (201) is in the database afterwards, exactly as
// acknowledged; every change it refused (400) is not, although it shared batches with the
// others; and the history verifies after each kill. The server's log must show batches of more
// than one change, so the test cannot pass with group commit silently off. A small run; the same
// check at length is `scripts/crash-test --serve`'s job.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "support.h"

using namespace commsflow;
using commsflow::test::TempDir;

namespace {

// The largest batch the server logged ("group commit: N changes in one transaction, ...").
int largest_batch_logged(const std::string& log) {
  static const std::regex line(R"(group commit: (\d+) changes in one transaction)");
  int largest = 1;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    largest = std::max(largest, std::stoi((*it)[1].str()));
  }
  return largest;
}

}  // namespace

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
  std::set<std::string> refused;                    // titles answered 400
  std::mutex mutex;
  int largest_batch = 1;
  for (int round = 0; round < 3; ++round) {
    test::ServeChild serve(dir.path(), {"--workflows", workflows});
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int lane = 0; lane < 8; ++lane) {
      clients.emplace_back([&, lane] {
        httplib::Client client("127.0.0.1", serve.port());
        client.set_connection_timeout(2);
        client.set_read_timeout(5);
        for (int n = 0; !stop; ++n) {
          const std::string title = "Round " + std::to_string(round) + " lane " +
                                    std::to_string(lane) + " request " + std::to_string(n);
          // One in four is bad input (an urgency the workflow does not offer): refused alone,
          // whatever batch it lands in.
          const bool bad = n % 4 == 3;
          Json data{{"title", title}};
          if (bad) data["urgency"] = "yesterday";
          auto res = client.Post(
              "/api/v1/items", httplib::Headers{{"Authorization", "Bearer " + token}},
              Json{{"workflow", "website_update"}, {"data", data}}.dump(), "application/json");
          if (!res) continue;  // killed mid-request: not acknowledged
          std::lock_guard<std::mutex> guard(mutex);
          if (res->status == 201) acknowledged[Json::parse(res->body)["ref"]] = title;
          if (res->status == 400) refused.insert(title);
        }
      });
    }
    // Let the clients write for a while, then pull the plug with requests in flight.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    serve.kill_hard();
    stop = true;
    for (auto& c : clients) c.join();
    largest_batch = std::max(largest_batch, largest_batch_logged(serve.log()));
    INFO("round " << round);
    CHECK(test::run_cli(dir.path(), {"--workflows", workflows, "verify"}, "").exit_code == 0);
  }

  REQUIRE(acknowledged.size() >= 8);
  REQUIRE(refused.size() >= 2);
  std::istringstream rows(test::query_text(
      dir / "commsflow.db",
      "SELECT group_concat(ref || '=' || json_extract(data, '$.title'), char(10)) FROM items"));
  std::map<std::string, std::string> stored;
  std::set<std::string> stored_titles;
  for (std::string line; std::getline(rows, line);) {
    stored[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    stored_titles.insert(line.substr(line.find('=') + 1));
  }
  int lost = 0;
  for (const auto& [ref, title] : acknowledged) {
    auto it = stored.find(ref);
    if (it == stored.end() || it->second != title) ++lost;
  }
  int refused_but_stored = 0;
  for (const auto& title : refused) refused_but_stored += stored_titles.count(title) ? 1 : 0;
  INFO(acknowledged.size() << " acknowledged, " << refused.size() << " refused");
  CHECK(lost == 0);
  CHECK(refused_but_stored == 0);
  // Changes were taken together: the clients' requests shared COMMITs.
  CHECK(largest_batch >= 2);
}
