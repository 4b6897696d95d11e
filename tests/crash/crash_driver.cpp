// Crash test: several lanes write to one database at once while the driver kills processes with
// SIGKILL at random moments. Afterwards it checks what a user relies on:
//  - every change that reported success is in the history, exactly once; changes whose process
//    was killed are there at most once; changes refused are not there;
//  - every item is whole: its revision is its number of events and its details are those of its
//    last edit;
//  - no timer fired twice: once a final `commsflow tick` has run, every statement sent for review
//    was reminded once and escalated once (the statements are drafted with a clock in the past,
//    so their timers are due at once, and every process that ticks races for them);
//  - `commsflow verify` passes, `PRAGMA integrity_check` says ok, and `list` works: the database
//    opens without repair.
// The seed is printed first; the same seed makes the same choices (the moments of the kills
// depend on timing too).
//
// Command lanes run `commsflow` commands: edits, new items, statements drafted and sent for
// review, and `tick`. Half of them (never a lane's first) get a kill: by default at 50% to 110% of
// how long the lane's recent commands took (so that many land around the commit), or with
// --max-kill-delay-ms N between 2N/5 and N. A command may also end with exit 1 (the database stayed
// busy past the timeout: nothing written).
//
// With --serve the lanes are API clients of --servers N `commsflow serve` processes on the one
// database (each request to one of them at random, as behind a load balancer), which
// group-commit their changes; each server is killed with SIGKILL every 0.2 to 1.5 seconds (or at
// a random moment up to --max-kill-delay-ms) and started again, and `verify` must pass after
// every kill. A change a server acknowledged (200 or 201) must be in the history exactly once;
// one it refused (a quarter of the edits carry an input the action does not take: 400) must not
// be, although it shared batches with the others; a request cut off by a kill may be there at
// most once. The servers' logs must show batches of more than one change. --writers N adds N
// command lanes alongside the servers.
//
// With --postgresql the database is a PostgreSQL database made for the run on the cluster that
// COMMSFLOW_TEST_POSTGRESQL names (scripts/test and scripts/crash-test --postgresql start one);
// it is copied to an SQLite file (`commsflow copy`, which verifies the copy) for the checks that
// read the history directly.
//
// Usage: crash_driver --bin COMMSFLOW --workflows DIR [--actions N | --seconds S] [--lanes N]
//                     [--seed N] [--max-kill-delay-ms N] [--serve [--servers N] [--writers N]]
//                     [--postgresql] [--keep]
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <libpq-fe.h>
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
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "postgresql_url.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The clock the statements are drafted with: their reminders and escalations are long due.
constexpr const char* kDraftedAt = "2026-03-02T09:00:00Z";

struct Options {
  std::string bin;
  fs::path workflows;
  std::int64_t actions = 0;  // stop after this many changes (0: use seconds)
  double seconds = 0;
  int lanes = 3;
  std::uint64_t seed = 0;
  int max_kill_delay_ms = 0;  // 0: aim at how long commands take (see above)
  bool serve = false;         // API clients of `commsflow serve` instead of commands
  int servers = 1;            // with serve: how many servers share the database
  int writers = 0;            // with serve: command lanes alongside the servers
  bool postgresql = false;
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

// Runs `bin --db db --workflows ... args...` with its output in `scratch`; with `now`, as
// COMMSFLOW_NOW. When `kill_after` is set, sends SIGKILL after that delay if still running.
Run run(const Options& o, const std::string& db, const fs::path& scratch,
        const std::vector<std::string>& args,
        std::optional<std::chrono::microseconds> kill_after = std::nullopt,
        const char* now = nullptr) {
  fs::path out = scratch / "out", err = scratch / "err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> all = {o.bin, "--db", db, "--workflows", o.workflows.string()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "COMMSFLOW_NOW=", 14) != 0) env_strings.emplace_back(*e);
  }
  if (now) env_strings.push_back(std::string("COMMSFLOW_NOW=") + now);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, o.bin.c_str(), &actions, nullptr, argv.data(), envp.data());
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

// What one change tried and what it reported.
struct Attempt {
  enum class Kind { Submit, Edit } kind = Kind::Edit;
  std::string token;  // unique: the new item's title or headline, or the edit's details and note
  std::string ref;    // edit: the item; submit: the new item when it reported success
  bool succeeded = false;
  bool outcome_unknown = false;  // killed: it may or may not have committed
};

// Runs a command that must succeed during setup or checking.
Json must(const Options& o, const std::string& db, const fs::path& scratch,
          std::vector<std::string> args, const char* now = nullptr) {
  args.insert(args.begin(), "--json");
  Run r = run(o, db, scratch, args, std::nullopt, now);
  Json j = Json::parse(r.out, nullptr, false);
  if (r.exit_code != 0) {
    fmt::print(stderr, "setup or check command failed (exit {}): {}\n{}{}\n", r.exit_code,
               fmt::join(args, " "), r.out, r.err);
    std::exit(1);
  }
  return j;
}

// The run's database: an SQLite file in its folder, or with --postgresql a database made on the
// test cluster, dropped afterwards unless kept.
class Database {
 public:
  Database(const Options& o, const fs::path& dir) : keep_(o.keep) {
    if (!o.postgresql) {
      location_ = (dir / "commsflow.db").string();
      return;
    }
    const char* cluster = std::getenv("COMMSFLOW_TEST_POSTGRESQL");
    if (!cluster || !*cluster) {
      fmt::print(stderr,
                 "--postgresql needs COMMSFLOW_TEST_POSTGRESQL, the URL of a database to create "
                 "the run's database from (scripts/crash-test --postgresql starts a cluster)\n");
      std::exit(2);
    }
    cluster_ = cluster;
    name_ = fmt::format("crash_{}", getpid());
    if (!execute(cluster_, "CREATE DATABASE " + name_)) std::exit(2);
    location_ = commsflow::test::with_database(cluster_, name_);
  }
  ~Database() {
    if (!name_.empty() && !keep_) execute(cluster_, "DROP DATABASE IF EXISTS " + name_);
  }
  const std::string& location() const { return location_; }
  bool is_postgresql() const { return !name_.empty(); }
  void keep() { keep_ = true; }

 private:
  static bool execute(const std::string& url, const std::string& sql) {
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()), PQfinish);
    std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn.get(), sql.c_str()), PQclear);
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) return true;
    fmt::print(stderr, "{}: {}\n", sql, PQerrorMessage(conn.get()));
    return false;
  }

  bool keep_;
  std::string cluster_, name_, location_;
};

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

// Every event's body, by item, in sequence order, read straight from an SQLite file.
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

constexpr const char* kUsage =
    "usage: crash_driver --bin COMMSFLOW --workflows DIR [--actions N | --seconds S] [--lanes N]"
    " [--seed N] [--max-kill-delay-ms N] [--serve [--servers N] [--writers N]] [--postgresql]"
    " [--keep]\n";

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
    else if (a == "--servers")
      o.servers = std::stoi(value());
    else if (a == "--writers")
      o.writers = std::stoi(value());
    else if (a == "--postgresql")
      o.postgresql = true;
    else if (a == "--keep")
      o.keep = true;
    else {
      fmt::print(stderr, "{}", kUsage);
      std::exit(2);
    }
  }
  if (o.bin.empty() || o.workflows.empty() || (o.actions <= 0 && o.seconds <= 0) || o.lanes < 1 ||
      o.max_kill_delay_ms < 0 || o.servers < 1 || o.writers < 0) {
    fmt::print(stderr, "--bin, --workflows and a positive --actions or --seconds are needed\n{}",
               kUsage);
    std::exit(2);
  }
  if (!o.serve && (o.servers != 1 || o.writers != 0)) {
    fmt::print(stderr, "--servers and --writers go with --serve\n");
    std::exit(2);
  }
  return o;
}

// How much the lanes may still do: a number of changes or a time.
class Work {
 public:
  explicit Work(const Options& o)
      : limit_(o.actions),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(o.seconds))) {}
  // Takes one change from the budget; false when none is left.
  bool take() { return !stopped_ && (limit_ > 0 ? issued_++ < limit_ : Clock::now() < deadline_); }
  bool done() const {
    return stopped_ || (limit_ > 0 ? issued_ >= limit_ : Clock::now() >= deadline_);
  }
  // Ends the run early (something went wrong that the checks cannot go on without).
  void stop() { stopped_ = true; }

 private:
  std::atomic<bool> stopped_{false};
  std::int64_t limit_;
  Clock::time_point deadline_;
  std::atomic<std::int64_t> issued_{0};
};

// What every lane shares.
struct Shared {
  const Options& o;
  const std::string& db;
  const fs::path& dir;
  const std::vector<std::string>& refs;  // items in progress for the edits
  Work& work;
  Findings& findings;
  std::atomic<int> busy{0};   // commands that found the database busy past the timeout
  std::atomic<int> ticks{0};  // `tick` commands that completed
};

// The command that drafts a statement with a journalist's deadline, with `kDraftedAt` as now.
std::vector<std::string> draft_args(const std::string& headline) {
  return {"submit", "media_signoff",
          "--as",   "olivia",
          "--set",  "headline=" + headline,
          "--set",  "kind=reactive_statement",
          "--set",  "journalist_deadline=2026-03-02T12:00:00Z"};
}

// The commands that give a drafted statement its text and send it for review, which sets the
// timers of its first step: a reminder and an escalation, both long due.
std::vector<std::vector<std::string>> review_steps(const std::string& ref,
                                                   const fs::path& statement) {
  return {{"doc", "put", ref, "--file", statement.string(), "--as", "olivia"},
          {"act", ref, "send_for_review", "--as", "olivia"}};
}

// A command lane: runs `commsflow` commands until the work runs out, killing half of them.
void command_lane(Shared& shared, int lane, double typical_ms, std::vector<Attempt>& attempts) {
  const Options& o = shared.o;
  std::mt19937_64 random(o.seed * 1000 + static_cast<std::uint64_t>(lane));
  fs::path scratch = shared.dir / fmt::format("lane{}", lane);
  fs::create_directories(scratch);
  const fs::path statement = scratch / "statement.txt";
  std::ofstream(statement) << "The ward is closed for cleaning.\n";
  const bool fixed_window = o.max_kill_delay_ms > 0;
  const int min_kill_delay_ms = o.max_kill_delay_ms * 2 / 5;
  for (std::int64_t n = 0; shared.work.take(); ++n) {
    Attempt a;
    a.token = fmt::format("lane{}-{}", lane, n);
    std::vector<std::string> args;
    const char* now = nullptr;
    // Each lane's first command drafts a statement, not killed, so that every run sends some
    // for review however few commands a slow machine gets through.
    const bool first = n == 0;
    const auto choice = first ? 0 : random() % 20;
    if (choice < 2) {  // a statement, drafted (below) and sent for review: two timers due
      a.kind = Attempt::Kind::Submit;
      args = draft_args(a.token);
      args.insert(args.begin(), "--json");
      now = kDraftedAt;
    } else if (choice < 4) {
      args = {"--json", "tick"};
    } else if (choice < 8) {
      a.kind = Attempt::Kind::Submit;
      args = {"--json", "submit", "website_update", "--as", "asha", "--set", "title=" + a.token};
    } else {
      a.kind = Attempt::Kind::Edit;
      a.ref = shared.refs[random() % shared.refs.size()];
      args = {"--json", "act",  a.ref, "edit", "--as", "olivia", "--set", "details=" + a.token,
              "--note", a.token};
    }
    std::optional<std::chrono::microseconds> kill_after;
    if (!first && random() % 2 == 0) {
      double ms = fixed_window ? min_kill_delay_ms + (o.max_kill_delay_ms - min_kill_delay_ms) *
                                                         (random() % 1000) / 1000.0
                               : typical_ms * (0.5 + 0.6 * (random() % 1000) / 1000.0);
      kill_after = std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
    }
    const auto started = Clock::now();
    Run r = run(o, shared.db, scratch, args, kill_after, now);
    if (!kill_after && r.exit_code == 0) {
      double took = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
      typical_ms = 0.8 * typical_ms + 0.2 * took;
    }
    Json out = Json::parse(r.out, nullptr, false);
    const bool is_tick = args[1] == "tick";
    if (r.exit_code == 0 && !out.is_discarded()) {
      a.succeeded = true;
      if (is_tick) ++shared.ticks;
      if (a.kind == Attempt::Kind::Submit && !is_tick) a.ref = out.at("ref");
    } else if (r.signal == SIGKILL && kill_after) {
      a.outcome_unknown = true;
    } else if (r.exit_code == 1 && r.out.find("conflict") != std::string::npos) {
      ++shared.busy;  // the database stayed busy past the timeout: nothing was written
    } else {
      shared.findings.add(fmt::format("`{}` ended with exit {} signal {}:\n{}{}",
                                      fmt::join(args, " "), r.exit_code, r.signal, r.out, r.err));
    }
    // A statement drafted: its text, then sent for review, which sets its step's timers.
    if (a.succeeded && now) {
      for (const auto& step : review_steps(a.ref, statement)) {
        Run s = run(o, shared.db, scratch, step, std::nullopt, now);
        if (s.exit_code == 1 && s.out.find("conflict") != std::string::npos) break;
        if (s.exit_code != 0) {
          shared.findings.add(fmt::format("`{}` ended with exit {}:\n{}{}", fmt::join(step, " "),
                                          s.exit_code, s.out, s.err));
          break;
        }
      }
    }
    if (!is_tick) attempts.push_back(std::move(a));
  }
}

// `commsflow serve --port 0` on `db`, its log appended to `log`; killed with SIGKILL by kill()
// or on destruction.
class Server {
 public:
  Server(const Options& o, const std::string& db, const fs::path& log) {
    const auto logged_before = fs::exists(log) ? fs::file_size(log) : 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> all = {o.bin,   "--db",   db, "--workflows", o.workflows.string(),
                                    "serve", "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, o.bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
      throw std::runtime_error(fmt::format("cannot run {}: {}", o.bin, std::strerror(rc)));
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
      kill();
      throw std::runtime_error("commsflow serve did not start:\n" + slurp(log));
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

// Keeps server `index` running until the work is done, killing it with SIGKILL at random moments
// and starting it again; `port` is 0 while it is down. Checks `verify` after every kill, while
// the other lanes go on writing.
void supervise_server(Shared& shared, int index, std::atomic<int>& port,
                      std::atomic<std::int64_t>& kills) {
  const Options& o = shared.o;
  const fs::path log = shared.dir / fmt::format("serve{}.log", index);
  const fs::path scratch = shared.dir / fmt::format("check{}", index);
  fs::create_directories(scratch);
  std::mt19937_64 random(o.seed + static_cast<std::uint64_t>(index));
  while (!shared.work.done()) {
    std::optional<Server> server;
    try {
      server.emplace(o, shared.db, log);
    } catch (const std::exception& e) {
      shared.findings.add(e.what());
      shared.work.stop();
      return;
    }
    const int up_ms =
        o.max_kill_delay_ms > 0
            ? static_cast<int>(random() % static_cast<std::uint64_t>(o.max_kill_delay_ms)) + 1
            : 200 + static_cast<int>(random() % 1300);
    port = server->port();
    const auto kill_at = Clock::now() + std::chrono::milliseconds(up_ms);
    while (Clock::now() < kill_at && !shared.work.done()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    port = 0;
    server->kill();
    ++kills;
    Run verify = run(o, shared.db, scratch, {"verify"});
    if (verify.exit_code != 0) {
      shared.findings.add(
          fmt::format("verify failed after kill {}:\n{}{}", kills.load(), verify.out, verify.err));
    }
  }
}

// An API client: sends changes to the servers, each to one of them at random, until the work
// runs out.
void client_lane(Shared& shared, int lane, const std::vector<std::atomic<int>>& ports,
                 const std::string& asha_token, const std::string& olivia_token,
                 std::vector<Attempt>& attempts) {
  const Options& o = shared.o;
  std::mt19937_64 choose(o.seed * 1000 + 500 + static_cast<std::uint64_t>(lane));
  for (std::int64_t n = 0; !shared.work.done();) {
    const int port = ports[choose() % ports.size()];
    if (port == 0) {  // that server is being restarted
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (!shared.work.take()) break;
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(5);
    client.set_read_timeout(30);
    Attempt a;
    a.token = fmt::format("client{}-{}", lane, n++);
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
      a.ref = shared.refs[choose() % shared.refs.size()];
      bad = choose() % 4 == 0;  // an input `edit` does not take: refused alone
      Json inputs{{"details", a.token}};
      if (bad) inputs["colour"] = "red";
      return client.Post(fmt::format("/api/v1/items/{}/actions/edit", a.ref),
                         httplib::Headers{{"Authorization", "Bearer " + olivia_token}},
                         Json{{"inputs", inputs}, {"note", a.token}}.dump(), "application/json");
    };
    httplib::Result res = post();
    if (!res) {
      a.outcome_unknown = true;  // cut off by a kill: it may or may not have committed
    } else if (res->status == 200 || res->status == 201) {
      Json body = Json::parse(res->body, nullptr, false);
      if (body.is_discarded() || bad) {
        shared.findings.add(fmt::format("{} answered {} {}", a.token, res->status, res->body));
      } else {
        a.succeeded = true;
        if (a.kind == Attempt::Kind::Submit) a.ref = body.at("ref");
      }
    } else if (res->status == 409) {
      ++shared.busy;  // the database stayed busy past the timeout: nothing was written
    } else if (!bad || res->status != 400) {
      shared.findings.add(fmt::format("{} ({}) answered {} {}", a.token,
                                      bad ? "bad input" : "good input", res->status, res->body));
    }
    attempts.push_back(std::move(a));
  }
}

// The largest batch the servers logged ("group commit: N changes in one transaction").
int largest_batch_logged(const fs::path& dir, int servers) {
  static const std::regex batch(R"(group commit: (\d+) changes in one transaction)");
  int largest = 1;
  for (int i = 0; i < servers; ++i) {
    const std::string text = slurp(dir / fmt::format("serve{}.log", i));
    for (std::sregex_iterator it(text.begin(), text.end(), batch), end; it != end; ++it) {
      largest = std::max(largest, std::stoi((*it)[1].str()));
    }
  }
  return largest;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  fmt::print(
      "crash test: seed {} ({} lanes, {}{}); rerun with --seed {}\n", o.seed, o.lanes,
      o.actions > 0 ? fmt::format("{} changes", o.actions) : fmt::format("{} seconds", o.seconds),
      o.postgresql ? ", PostgreSQL" : "", o.seed);
  std::fflush(stdout);

  char pattern[] = "/tmp/commsflow-crash-XXXXXX";
  if (!mkdtemp(pattern)) return 2;
  const fs::path dir = pattern;
  fs::create_directories(dir / "setup");
  Database database(o, dir);
  const std::string& db = database.location();

  // Setup: a team and a few items in progress for the lanes to edit.
  must(o, db, dir / "setup", {"init"});
  for (const auto& [name, role] :
       std::vector<std::pair<std::string, std::string>>{{"asha", "requester"},
                                                        {"olivia", "comms_officer"},
                                                        {"hannah", "head_of_comms"},
                                                        {"cara", "clinical_lead"},
                                                        {"dev", "director"}}) {
    must(o, db, dir / "setup", {"actor", "add", name, "--role", role});
  }
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
  // window is given, each command lane aims its kills at 50% to 110% of how long its recent
  // commands took, so that many land around the commit.
  const double setup_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - setup_started).count() / 8;
  // Two statements sent for review before the lanes start: their timers are due at once.
  const fs::path statement = dir / "setup" / "statement.txt";
  std::ofstream(statement) << "The ward is closed for cleaning.\n";
  for (int i = 0; i < 2; ++i) {
    const std::string ref =
        must(o, db, dir / "setup", draft_args(fmt::format("setup {}", i)), kDraftedAt).at("ref");
    for (const auto& step : review_steps(ref, statement)) {
      must(o, db, dir / "setup", step, kDraftedAt);
    }
  }
  const int command_lanes = o.serve ? o.writers : o.lanes;
  if (o.serve) {
    fmt::print("crash test: {} API clients of {} `commsflow serve`, each killed every {}{}\n",
               o.lanes, o.servers,
               o.max_kill_delay_ms > 0 ? fmt::format("1 to {} ms", o.max_kill_delay_ms)
                                       : std::string("0.2 to 1.5 s"),
               o.writers > 0 ? fmt::format("; {} command lanes beside them", o.writers) : "");
  }
  if (command_lanes > 0 && o.max_kill_delay_ms > 0) {
    fmt::print("crash test: kills land {} to {} ms after a command starts\n",
               o.max_kill_delay_ms * 2 / 5, o.max_kill_delay_ms);
  } else if (command_lanes > 0) {
    fmt::print("crash test: a command takes about {:.0f} ms; kills aim at 50-110% of that\n",
               setup_ms);
  }
  std::fflush(stdout);

  Findings findings;
  Work work(o);
  Shared shared{o, db, dir, refs, work, findings};
  std::vector<std::vector<Attempt>> attempts(static_cast<std::size_t>(o.lanes + o.writers));
  std::vector<std::thread> threads;
  std::atomic<std::int64_t> kills{0};
  std::vector<std::atomic<int>> ports(static_cast<std::size_t>(o.servers));
  if (o.serve) {
    const std::string asha =
        must(o, db, dir / "setup", {"token", "create", "--as", "asha"})["token"];
    const std::string olivia =
        must(o, db, dir / "setup", {"token", "create", "--as", "olivia"})["token"];
    for (int i = 0; i < o.servers; ++i) {
      threads.emplace_back(
          [&, i] { supervise_server(shared, i, ports[static_cast<std::size_t>(i)], kills); });
    }
    for (int lane = 0; lane < o.lanes; ++lane) {
      threads.emplace_back([&, lane, asha, olivia] {
        client_lane(shared, lane, ports, asha, olivia, attempts[static_cast<std::size_t>(lane)]);
      });
    }
  }
  for (int lane = 0; lane < command_lanes; ++lane) {
    const auto slot = static_cast<std::size_t>(o.serve ? o.lanes + lane : lane);
    threads.emplace_back([&, lane, slot] { command_lane(shared, lane, setup_ms, attempts[slot]); });
  }
  for (auto& t : threads) t.join();
  const int largest_batch = o.serve ? largest_batch_logged(dir, o.servers) : 0;

  // Checks. A last tick fires whatever timers are still due, so that each has fired once.
  fs::path scratch = dir / "check";
  fs::create_directories(scratch);
  const auto last_tick = must(o, db, scratch, {"tick"});
  fs::path file = db;
  if (database.is_postgresql()) {
    file = dir / "copy.db";  // `copy` verifies the copy, and says so in its exit code
    must(o, db, scratch, {"copy", "--from", db, "--to", file.string()});
  }
  std::string integrity = integrity_check(file);
  if (integrity != "ok") findings.add("PRAGMA integrity_check: " + integrity);
  Run verify = run(o, db, scratch, {"verify"});
  if (verify.exit_code != 0) findings.add("verify failed:\n" + verify.out + verify.err);

  std::map<std::string, Json> items;  // ref -> item
  for (const Json& item : must(o, db, scratch, {"list"})) items[item.at("ref")] = item;
  std::map<std::string, Json> histories = histories_by_ref(file);
  std::map<std::string, int> token_count;        // token -> events carrying it
  std::map<std::string, std::string> token_ref;  // token -> item that carries it
  std::int64_t statements = 0, lane_statements = 0, timers_fired = 0;
  for (const auto& [ref, item] : items) {
    const Json& history = histories[ref];
    if (history.size() != item.at("revision").get<std::size_t>()) {
      findings.add(fmt::format("{} is at revision {} but has {} events", ref,
                               item.at("revision").dump(), history.size()));
    }
    Json last_details;
    std::string headline;                // a statement's, from its submit
    std::map<std::string, int> actions;  // action -> events
    for (const Json& event : history) {
      const Json& changes = event.at("changes");
      if (changes.contains("details")) last_details = changes.at("details");
      ++actions[event.at("action").get<std::string>()];
      std::string token = event.value("note", "");
      if (event.at("action") == "submit") headline = changes.value("headline", "");
      if (token.empty() && event.at("action") == "submit") {
        token = changes.value("title", headline);
      }
      if (token.rfind("lane", 0) == 0 || token.rfind("client", 0) == 0) {
        ++token_count[token], token_ref[token] = ref;
      }
    }
    Json details = item.at("data").value("details", Json());
    if (details != last_details) {
      findings.add(fmt::format("{} has details {} but its last edit set {}", ref, details.dump(),
                               last_details.dump()));
    }
    if (actions["send_for_review"] > 0) {
      ++statements;
      if (headline.rfind("lane", 0) == 0) ++lane_statements;
      timers_fired += actions["remind"] + actions["escalate"];
      if (actions["remind"] != 1 || actions["escalate"] != 1) {
        findings.add(fmt::format(
            "{} fired its reminder {} times and its escalation {} times: each should fire once",
            ref, actions["remind"], actions["escalate"]));
      }
    }
  }

  std::int64_t succeeded = 0, unknown_committed = 0, unknown = 0, refused = 0;
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
      } else {
        ++refused;
        if (count != 0) findings.add(fmt::format("{} failed but is in the history", a.token));
      }
    }
  }

  if (o.serve) {
    fmt::print("crash test: {} changes through {} server(s) killed {} times in all",
               succeeded + unknown + refused, o.servers, kills.load());
  } else {
    fmt::print("crash test: {} changes by command", succeeded + unknown + refused);
  }
  fmt::print(
      ": {} acknowledged, {} refused or busy ({} busy), {} cut off ({} of them had committed); "
      "{} ticks; {} statements sent for review, {} timers fired ({} by the last tick); "
      "{}{} items, verify {}, integrity {}\n",
      succeeded, refused, shared.busy.load(), unknown, unknown_committed, shared.ticks.load(),
      statements, timers_fired, last_tick.size(),
      o.serve ? fmt::format("largest batch {}; ", largest_batch) : "", items.size(),
      verify.exit_code == 0 ? "ok" : "FAILED", integrity);
  // Batches form only when changes wait for each other: on a machine too loaded to acknowledge
  // a few dozen changes in the time given, none may have.
  constexpr int kEnoughForBatches = 30;
  if (o.serve && largest_batch < 2 && succeeded >= kEnoughForBatches) {
    findings.add("no server logged a batch of more than one change (group commit off?)");
  }
  if (command_lanes > 0 && lane_statements == 0) {
    findings.add("no command lane sent a statement for review: their timers were not tested");
  }
  if (!findings.problems.empty()) {
    database.keep();
    fmt::print("crash test FAILED with seed {}; database kept in {}\n", o.seed,
               database.is_postgresql() ? db + " and " + dir.string() : dir.string());
    for (const auto& p : findings.problems) fmt::print("  - {}\n", p);
    return 1;
  }
  if (o.keep) {
    fmt::print("database kept in {}\n", database.is_postgresql() ? db : dir.string());
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
