// Crash test: several lanes run `commsflow` commands against one database at once while the
// driver kills some of them with SIGKILL at random moments. Afterwards it checks what a user
// relies on:
//  - every command that reported success (exit 0 and its JSON output complete) is in the
//    history, exactly once; commands that were killed are there at most once;
//  - every item is whole: its revision is its number of events and its details are those of its
//    last edit;
//  - `commsflow verify` passes, `PRAGMA integrity_check` says ok, and `list` works: the database
//    opens without repair.
// The only other outcome a command may have is exit 1 (the database stayed busy past the
// timeout). The seed is printed first; the same seed makes the same choices (the moments of the
// kills depend on timing too).
//
// Half the commands get a kill: by default at 50% to 110% of how long the lane's recent commands
// took (so that many land around the commit), or with --max-kill-delay-ms N between 2N/5 and N.
//
// With --serve the lanes are API clients of one `commsflow serve` instead, which group-commits
// their changes; the server is killed with SIGKILL every 0.2 to 1.5 seconds (or at a random
// moment up to --max-kill-delay-ms) and started again. A change it acknowledged (200 or 201)
// must be in the history exactly once; one it refused (a quarter of the edits carry an input the
// action does not take: 400) must not be, although it shared batches with the others; a request
// cut off by the kill may be there at most once. `verify` must pass after every kill, and the
// server's log must show batches of more than one change.
//
// Usage: crash_driver --bin COMMSFLOW --workflows DIR [--actions N | --seconds S] [--lanes N]
//                     [--seed N] [--max-kill-delay-ms N] [--serve] [--keep]
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string bin;
  fs::path workflows;
  std::int64_t actions = 0;  // stop after this many commands (0: use seconds)
  double seconds = 0;
  int lanes = 3;
  std::uint64_t seed = 0;
  int max_kill_delay_ms = 0;  // 0: aim at how long commands take (see below)
  bool serve = false;         // API clients of `commsflow serve` instead of commands
  bool keep = false;
};

struct Run {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `bin args...`; when `kill_after` is set, sends SIGKILL after that delay if still running.
Run run(const Options& o, const fs::path& db, const fs::path& scratch,
        const std::vector<std::string>& args,
        std::optional<std::chrono::microseconds> kill_after = std::nullopt) {
  fs::path out = scratch / "out", err = scratch / "err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> all = {o.bin, "--db", db.string(), "--workflows", o.workflows.string()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, o.bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    fmt::print(stderr, "cannot run {}: {}\n", o.bin, std::strerror(rc));
    std::exit(2);
  }
  if (kill_after) {
    std::this_thread::sleep_for(*kill_after);
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Run r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// The problems found; the test fails if there are any.
struct Findings {
  std::mutex mutex;
  std::vector<std::string> problems;
  void add(std::string problem) {
    std::lock_guard lock(mutex);
    if (problems.size() < 50) problems.push_back(std::move(problem));
  }
};

// What one command tried and what it reported.
struct Attempt {
  enum class Kind { Submit, Edit } kind;
  std::string token;  // unique: the submitted title, or the edit's details and note
  std::string ref;    // edit: the item; submit: the new item when it reported success
  bool succeeded = false;
  bool outcome_unknown = false;  // killed: it may or may not have committed
};

// Runs a command that must succeed during setup or checking.
Json must(const Options& o, const fs::path& db, const fs::path& scratch,
          std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  Run r = run(o, db, scratch, args);
  Json j = Json::parse(r.out, nullptr, false);
  if (r.exit_code != 0) {
    fmt::print(stderr, "setup or check command failed (exit {}): {}\n{}{}\n", r.exit_code,
               fmt::join(args, " "), r.out, r.err);
    std::exit(1);
  }
  return j;
}

std::string integrity_check(const fs::path& db) {
  sqlite3* h = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    } else {
      result = sqlite3_errmsg(h);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(h);
  return result;
}

// Every event's body, by item, in sequence order, read straight from the database.
std::map<std::string, Json> histories_by_ref(const fs::path& db) {
  std::map<std::string, Json> out;
  sqlite3* h = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(h, "SELECT body FROM events ORDER BY seq", -1, &stmt, nullptr) ==
          SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      Json event = Json::parse(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      if (event.contains("ref")) {
        Json& history = out[event["ref"].get<std::string>()];
        if (history.is_null()) history = Json::array();
        history.push_back(std::move(event));
      }
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(h);
  return out;
}

Options parse_options(int argc, char** argv) {
  Options o;
  o.seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--bin")
      o.bin = value();
    else if (a == "--workflows")
      o.workflows = value();
    else if (a == "--actions")
      o.actions = std::stoll(value());
    else if (a == "--seconds")
      o.seconds = std::stod(value());
    else if (a == "--lanes")
      o.lanes = std::stoi(value());
    else if (a == "--seed")
      o.seed = std::stoull(value());
    else if (a == "--max-kill-delay-ms")
      o.max_kill_delay_ms = std::stoi(value());
    else if (a == "--serve")
      o.serve = true;
    else if (a == "--keep")
      o.keep = true;
    else {
      fmt::print(stderr,
                 "usage: crash_driver --bin COMMSFLOW --workflows DIR [--actions N | --seconds S]"
                 " [--lanes N] [--seed N] [--max-kill-delay-ms N] [--serve] [--keep]\n");
      std::exit(2);
    }
  }
  if (o.bin.empty() || o.workflows.empty() || (o.actions <= 0 && o.seconds <= 0) || o.lanes < 1 ||
      o.max_kill_delay_ms < 0) {
    fmt::print(stderr, "--bin, --workflows and a positive --actions or --seconds are needed\n");
    std::exit(2);
  }
  return o;
}

// `commsflow serve --port 0` on `db`, its log appended to `log`; killed with SIGKILL by kill()
// or on destruction.
class Server {
 public:
  Server(const Options& o, const fs::path& db, const fs::path& log) {
    const auto logged_before = fs::exists(log) ? fs::file_size(log) : 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> all = {
        o.bin, "--db", db.string(), "--workflows", o.workflows.string(), "serve", "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, o.bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      fmt::print(stderr, "cannot run {}: {}\n", o.bin, std::strerror(rc));
      std::exit(2);
    }
    // The port, from this start's "serving http://127.0.0.1:PORT/" line.
    const std::string marker = "serving http://127.0.0.1:";
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      std::string text = slurp(log).substr(logged_before);
      auto at = text.find(marker);
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        port_ = std::stoi(text.substr(at + marker.size()));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (port_ == 0) {
      fmt::print(stderr, "commsflow serve did not start:\n{}\n", slurp(log));
      std::exit(1);
    }
  }
  ~Server() { kill(); }
  int port() const { return port_; }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

// The API clients' turn: rounds of `o.lanes` clients writing through one server, each round
// ended by SIGKILL, until the commands or the time run out. Fills `attempts` (by lane) as the
// command lanes do; returns the largest batch the server logged.
int serve_lanes(const Options& o, const fs::path& db, const fs::path& dir,
                const std::vector<std::string>& refs, const std::string& asha_token,
                const std::string& olivia_token, std::vector<std::vector<Attempt>>& attempts,
                Findings& findings, std::int64_t& rounds) {
  const fs::path log = dir / "serve.log";
  std::atomic<std::int64_t> issued{0};
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.seconds));
  auto out_of_work = [&] {
    return o.actions > 0 ? issued.load() >= o.actions : Clock::now() >= deadline;
  };
  std::mt19937_64 random(o.seed);
  while (!out_of_work()) {
    ++rounds;
    Server server(o, db, log);
    const int round_ms =
        o.max_kill_delay_ms > 0
            ? static_cast<int>(random() % static_cast<std::uint64_t>(o.max_kill_delay_ms)) + 1
            : 200 + static_cast<int>(random() % 1300);
    std::atomic<bool> stop{false};
    std::atomic<int> running{o.lanes};
    std::vector<std::thread> lanes;
    for (int lane = 0; lane < o.lanes; ++lane) {
      lanes.emplace_back([&, lane, round = rounds] {
        std::mt19937_64 choose(o.seed * 1000 + static_cast<std::uint64_t>(round) * 64 +
                               static_cast<std::uint64_t>(lane));
        httplib::Client client("127.0.0.1", server.port());
        client.set_connection_timeout(5);
        client.set_read_timeout(30);
        for (std::int64_t n = 0; !stop; ++n) {
          if (o.actions > 0 ? issued++ >= o.actions : Clock::now() >= deadline) break;
          Attempt a;
          a.token = fmt::format("lane{}-r{}-{}", lane, round, n);
          bool bad = false;
          auto post = [&]() -> httplib::Result {
            if (choose() % 5 == 0) {
              a.kind = Attempt::Kind::Submit;
              return client.Post(
                  "/api/v1/items", httplib::Headers{{"Authorization", "Bearer " + asha_token}},
                  Json{{"workflow", "website_update"}, {"data", {{"title", a.token}}}}.dump(),
                  "application/json");
            }
            a.kind = Attempt::Kind::Edit;
            a.ref = refs[choose() % refs.size()];
            bad = choose() % 4 == 0;  // an input `edit` does not take: refused alone
            Json inputs{{"details", a.token}};
            if (bad) inputs["colour"] = "red";
            return client.Post(fmt::format("/api/v1/items/{}/actions/edit", a.ref),
                               httplib::Headers{{"Authorization", "Bearer " + olivia_token}},
                               Json{{"inputs", inputs}, {"note", a.token}}.dump(),
                               "application/json");
          };
          httplib::Result res = post();
          if (!res) {
            a.outcome_unknown = true;  // cut off by the kill: it may or may not have committed
          } else if (res->status == 200 || res->status == 201) {
            Json body = Json::parse(res->body, nullptr, false);
            if (body.is_discarded() || bad) {
              findings.add(fmt::format("{} answered {} {}", a.token, res->status, res->body));
            } else {
              a.succeeded = true;
              if (a.kind == Attempt::Kind::Submit) a.ref = body.at("ref");
            }
          } else if (!bad || res->status != 400) {
            findings.add(fmt::format("{} ({}) answered {} {}", a.token,
                                     bad ? "bad input" : "good input", res->status, res->body));
          }
          attempts[static_cast<std::size_t>(lane)].push_back(std::move(a));
        }
        --running;
      });
    }
    const auto kill_at = Clock::now() + std::chrono::milliseconds(round_ms);
    while (Clock::now() < kill_at && running > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // No new requests from here: those in flight are cut off by the kill.
    stop = true;
    server.kill();
    for (auto& t : lanes) t.join();
    Run verify = run(o, db, dir / "check", {"verify"});
    if (verify.exit_code != 0) {
      findings.add(
          fmt::format("verify failed after kill {}:\n{}{}", rounds, verify.out, verify.err));
    }
  }
  static const std::regex batch(R"(group commit: (\d+) changes in one transaction)");
  const std::string text = slurp(log);
  int largest = 1;
  for (std::sregex_iterator it(text.begin(), text.end(), batch), end; it != end; ++it) {
    largest = std::max(largest, std::stoi((*it)[1].str()));
  }
  return largest;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  fmt::print(
      "crash test: seed {} ({} lanes, {}); rerun with --seed {}\n", o.seed, o.lanes,
      o.actions > 0 ? fmt::format("{} commands", o.actions) : fmt::format("{} seconds", o.seconds),
      o.seed);
  std::fflush(stdout);

  char pattern[] = "/tmp/commsflow-crash-XXXXXX";
  if (!mkdtemp(pattern)) return 2;
  const fs::path dir = pattern;
  const fs::path db = dir / "commsflow.db";
  fs::create_directories(dir / "setup");

  // Setup: a team and a few items in progress for the lanes to edit.
  must(o, db, dir / "setup", {"init"});
  must(o, db, dir / "setup", {"actor", "add", "asha", "--role", "requester"});
  must(o, db, dir / "setup", {"actor", "add", "olivia", "--role", "comms_officer"});
  std::vector<std::string> refs;
  const auto setup_started = Clock::now();
  for (int i = 0; i < 4; ++i) {
    Json item =
        must(o, db, dir / "setup",
             {"submit", "website_update", "--as", "asha", "--set", fmt::format("title=setup {}", i),
              "--set", "page_url=https://example.nhs.uk"});
    refs.push_back(item.at("ref"));
    must(o, db, dir / "setup", {"act", refs.back(), "accept", "--as", "olivia"});
  }
  // Most of a command's time is start-up; its transaction comes at the end. Unless a fixed
  // window is given, each lane aims its kills at 50% to 110% of how long its recent commands
  // took, so that many land around the commit.
  const double setup_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - setup_started).count() / 8;
  const bool fixed_window = o.max_kill_delay_ms > 0;
  const int min_kill_delay_ms = o.max_kill_delay_ms * 2 / 5;
  if (o.serve) {
    fmt::print("crash test: {} API clients of `commsflow serve`, killed every {}\n", o.lanes,
               fixed_window ? fmt::format("1 to {} ms", o.max_kill_delay_ms)
                            : std::string("0.2 to 1.5 s"));
  } else if (fixed_window) {
    fmt::print("crash test: kills land {} to {} ms after a command starts\n", min_kill_delay_ms,
               o.max_kill_delay_ms);
  } else {
    fmt::print("crash test: a command takes about {:.0f} ms; kills aim at 50-110% of that\n",
               setup_ms);
  }
  std::fflush(stdout);

  Findings findings;
  std::atomic<std::int64_t> issued{0};
  std::atomic<int> busy{0};
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.seconds));
  std::vector<std::vector<Attempt>> attempts(o.lanes);
  std::vector<std::thread> lanes;
  std::int64_t rounds = 0;
  int largest_batch = 0;
  if (o.serve) {
    fs::create_directories(dir / "check");
    const std::string asha =
        must(o, db, dir / "setup", {"token", "create", "--as", "asha"})["token"];
    const std::string olivia =
        must(o, db, dir / "setup", {"token", "create", "--as", "olivia"})["token"];
    largest_batch = serve_lanes(o, db, dir, refs, asha, olivia, attempts, findings, rounds);
    if (largest_batch < 2) {
      findings.add("the server never logged a batch of more than one change (group commit off?)");
    }
  }
  for (int lane = 0; lane < o.lanes && !o.serve; ++lane) {
    lanes.emplace_back([&, lane] {
      std::mt19937_64 random(o.seed * 1000 + lane);
      fs::path scratch = dir / fmt::format("lane{}", lane);
      fs::create_directories(scratch);
      double typical_ms = setup_ms;  // how long this lane's commands take, recently
      for (std::int64_t n = 0;; ++n) {
        if (o.actions > 0 ? issued++ >= o.actions : Clock::now() >= deadline) break;
        Attempt a;
        a.token = fmt::format("lane{}-{}", lane, n);
        std::vector<std::string> args;
        if (random() % 5 == 0) {
          a.kind = Attempt::Kind::Submit;
          args = {"--json", "submit", "website_update",  "--as",
                  "asha",   "--set",  "title=" + a.token};
        } else {
          a.kind = Attempt::Kind::Edit;
          a.ref = refs[random() % refs.size()];
          args = {"--json", "act",  a.ref, "edit", "--as", "olivia", "--set", "details=" + a.token,
                  "--note", a.token};
        }
        std::optional<std::chrono::microseconds> kill_after;
        if (random() % 2 == 0) {
          double ms = fixed_window ? min_kill_delay_ms + (o.max_kill_delay_ms - min_kill_delay_ms) *
                                                             (random() % 1000) / 1000.0
                                   : typical_ms * (0.5 + 0.6 * (random() % 1000) / 1000.0);
          kill_after = std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
        }
        const auto started = Clock::now();
        Run r = run(o, db, scratch, args, kill_after);
        if (!kill_after && r.exit_code == 0) {
          double took = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
          typical_ms = 0.8 * typical_ms + 0.2 * took;
        }
        Json out = Json::parse(r.out, nullptr, false);
        if (r.exit_code == 0 && !out.is_discarded()) {
          a.succeeded = true;
          if (a.kind == Attempt::Kind::Submit) a.ref = out.at("ref");
        } else if (r.signal == SIGKILL && kill_after) {
          a.outcome_unknown = true;
        } else if (r.exit_code == 1 && r.out.find("conflict") != std::string::npos) {
          ++busy;  // the database stayed busy past the timeout: nothing was written
        } else {
          findings.add(fmt::format("`{}` ended with exit {} signal {}:\n{}{}", fmt::join(args, " "),
                                   r.exit_code, r.signal, r.out, r.err));
        }
        attempts[lane].push_back(std::move(a));
      }
    });
  }
  for (auto& t : lanes) t.join();

  // Checks.
  fs::path scratch = dir / "check";
  fs::create_directories(scratch);
  std::string integrity = integrity_check(db);
  if (integrity != "ok") findings.add("PRAGMA integrity_check: " + integrity);
  Run verify = run(o, db, scratch, {"verify"});
  if (verify.exit_code != 0) findings.add("verify failed:\n" + verify.out + verify.err);

  std::map<std::string, Json> items;  // ref -> item
  for (const Json& item : must(o, db, scratch, {"list"})) items[item.at("ref")] = item;
  // Each item's history: from `commsflow history`, or, for the thousands of items the API
  // clients make, read from the event log in one pass.
  std::map<std::string, Json> histories;
  if (o.serve) histories = histories_by_ref(db);
  std::map<std::string, int> token_count;        // token -> events carrying it
  std::map<std::string, std::string> token_ref;  // token -> item that carries it
  for (const auto& [ref, item] : items) {
    Json history = o.serve ? histories[ref] : must(o, db, scratch, {"history", ref});
    if (history.size() != item.at("revision").get<std::size_t>()) {
      findings.add(fmt::format("{} is at revision {} but has {} events", ref,
                               item.at("revision").dump(), history.size()));
    }
    Json last_details;
    for (const Json& event : history) {
      const Json& changes = event.at("changes");
      if (changes.contains("details")) last_details = changes.at("details");
      std::string token = event.value("note", "");
      if (token.empty() && event.at("action") == "submit") token = changes.value("title", "");
      if (token.rfind("lane", 0) == 0) ++token_count[token], token_ref[token] = ref;
    }
    Json details = item.at("data").value("details", Json());
    if (details != last_details) {
      findings.add(fmt::format("{} has details {} but its last edit set {}", ref, details.dump(),
                               last_details.dump()));
    }
  }

  std::int64_t succeeded = 0, unknown_committed = 0, unknown = 0;
  for (const auto& lane : attempts) {
    for (const auto& a : lane) {
      int count = token_count.count(a.token) ? token_count[a.token] : 0;
      if (count > 1) findings.add(fmt::format("{} is in the history {} times", a.token, count));
      if (a.succeeded) {
        ++succeeded;
        if (count == 0) {
          findings.add(fmt::format("{} reported success but is not in the history", a.token));
        } else if (token_ref[a.token] != a.ref) {
          findings.add(fmt::format("{} reported {} but is in the history of {}", a.token, a.ref,
                                   token_ref[a.token]));
        }
      } else if (a.outcome_unknown) {
        ++unknown;
        unknown_committed += count;
      } else if (count != 0) {
        findings.add(fmt::format("{} failed but is in the history", a.token));
      }
    }
  }

  std::int64_t refused = 0;
  for (const auto& lane : attempts) {
    for (const auto& a : lane) refused += !a.succeeded && !a.outcome_unknown ? 1 : 0;
  }
  if (o.serve) {
    fmt::print(
        "crash test: {} requests in {} server runs, each ended by SIGKILL: {} acknowledged, {} "
        "refused, {} cut off ({} of them had committed); largest batch {}; {} items, verify {}, "
        "integrity {}\n",
        succeeded + unknown + refused, rounds, succeeded, refused, unknown, unknown_committed,
        largest_batch, items.size(), verify.exit_code == 0 ? "ok" : "FAILED", integrity);
  } else {
    fmt::print(
        "crash test: {} commands: {} succeeded, {} killed ({} of them had committed), {} busy; "
        "{} items, verify {}, integrity {}\n",
        succeeded + unknown + busy, succeeded, unknown, unknown_committed, busy.load(),
        items.size(), verify.exit_code == 0 ? "ok" : "FAILED", integrity);
  }
  if (!findings.problems.empty()) {
    fmt::print("crash test FAILED with seed {}; database kept in {}\n", o.seed, dir.string());
    for (const auto& p : findings.problems) fmt::print("  - {}\n", p);
    return 1;
  }
  if (o.keep) {
    fmt::print("database kept in {}\n", dir.string());
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
