// Two writers at once: two `commsflow` processes, or a process and an Engine in this process,
// acting on the same item. One wins; the other is told the item changed (exit 1) and writes
// nothing; no update is lost. A database held by another writer is waited for up to
// --busy-timeout, then reported plainly, naming the database.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

extern char** environ;

namespace {

std::string describe(const RunResult& r) {
  return fmt::format("exit code {}\n--- stdout ---\n{}--- stderr ---\n{}", r.exit_code, r.out,
                     r.err);
}

// A project with the shipped workflows, a team, and one website update in progress.
struct Project {
  test::TempDir dir;
  fs::path db = dir / "commsflow.db";
  std::string ref;

  Project() {
    fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
    run_ok({"init"});
    run_ok({"actor", "add", "asha", "--role", "requester"});
    run_ok({"actor", "add", "olivia", "--role", "comms_officer"});
    run_ok({"actor", "add", "omar", "--role", "comms_officer"});
    ref = json_ok({"submit", "website_update", "--as", "asha", "--set", "title=Clinic times"})
              .at("ref");
    run_ok({"act", ref, "accept", "--as", "olivia"});
  }
  RunResult run_ok(const std::vector<std::string>& args) const {
    RunResult r = test::run_cli(dir.path(), args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return r;
  }
  Json json_ok(std::vector<std::string> args) const {
    args.insert(args.begin(), "--json");
    return Json::parse(run_ok(args).out);
  }
  Json item() const { return json_ok({"show", ref}); }
  Json history() const { return json_ok({"history", ref}); }
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// True once the process has `file` open and is asleep (in SQLite's busy wait, for these tests).
bool waiting_with_open(pid_t pid, const fs::path& file) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string fields;
  std::getline(stat, fields);
  const auto after_name = fields.rfind(')');
  if (after_name == std::string::npos || fields.substr(after_name + 2, 1) != "S") return false;
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    if (fs::read_symlink(fd.path(), ec) == file) return true;
  }
  return false;
}

// Starts several commands at the same time in `cwd` (each a separate process, started with
// posix_spawn so no thread forks) and returns their results in order once all have exited.
// `while_running`, if given, is called with their process ids before they are waited for.
std::vector<RunResult> run_together(
    const fs::path& cwd, const std::vector<std::vector<std::string>>& commands,
    const std::function<void(const std::vector<pid_t>&)>& while_running = {}) {
  test::TempDir scratch;
  std::vector<std::string> env = {"COMMSFLOW_NOW=2026-03-02T09:00:00Z"};
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    if (var.rfind("COMMSFLOW_", 0) != 0) env.push_back(var);
  }
  std::vector<char*> envp;
  for (auto& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);

  std::vector<pid_t> pids;
  for (size_t i = 0; i < commands.size(); ++i) {
    fs::path out = scratch / fmt::format("out{}", i), err = scratch / fmt::format("err{}", i);
    std::vector<std::string> all = {COMMSFLOW_BIN, "--db", (cwd / "commsflow.db").string(),
                                    "--workflows", (cwd / "workflows").string()};
    all.insert(all.end(), commands[i].begin(), commands[i].end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    pids.push_back(pid);
  }
  if (while_running) while_running(pids);
  std::vector<RunResult> results(commands.size());
  for (size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    waitpid(pids[i], &status, 0);
    results[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    results[i].out = slurp(scratch / fmt::format("out{}", i));
    results[i].err = slurp(scratch / fmt::format("err{}", i));
  }
  return results;
}

}  // namespace

TEST_CASE("cli: two people editing the same revision at once: one wins, the other is told") {
  Project p;
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    const std::int64_t revision = p.item().at("revision");
    auto edit = [&](const std::string& who) {
      return std::vector<std::string>{"act",
                                      p.ref,
                                      "edit",
                                      "--as",
                                      who,
                                      "--set",
                                      fmt::format("details=by {} in round {}", who, round),
                                      "--revision",
                                      std::to_string(revision)};
    };
    auto results = run_together(p.dir.path(), {edit("olivia"), edit("omar")});
    INFO(describe(results[0]) << "\n" << describe(results[1]));
    const int winners = (results[0].exit_code == 0) + (results[1].exit_code == 0);
    REQUIRE(winners == 1);
    const RunResult& loser = results[0].exit_code == 0 ? results[1] : results[0];
    const std::string winner = results[0].exit_code == 0 ? "olivia" : "omar";
    CHECK(loser.exit_code == 1);
    CHECK_THAT(loser.err, Contains(p.ref) && Contains("changed") &&
                              Contains(fmt::format("revision {}", revision + 1)));
    Json item = p.item();
    CHECK(item.at("revision") == revision + 1);
    CHECK(item.at("data").at("details") == fmt::format("by {} in round {}", winner, round));
    CHECK(p.history().back().at("actor") == winner);
  }
  p.run_ok({"verify"});
}

TEST_CASE("cli: edits from several processes at once are all kept (no lost update)") {
  Project p;
  const std::int64_t start = p.item().at("revision");
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 6; ++i) {
    // Each waits as long as it takes for the others (a slow machine, or Valgrind, can hold the
    // write lock past the default 5 seconds: that is the busy test below, not this one).
    commands.push_back({"--busy-timeout", "600000", "act", p.ref, "edit", "--as",
                        i % 2 ? "olivia" : "omar", "--note", fmt::format("edit {}", i)});
  }
  // The test holds the write lock until all six have opened the database and are waiting for
  // it, so they race for it together: an engine that read the item before taking the lock would
  // lose updates here, where it might not if the processes happened to run one after another.
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(p.db.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const fs::path db = fs::canonical(p.db);
  auto results = run_together(p.dir.path(), commands, [&](const std::vector<pid_t>& pids) {
    while (!std::all_of(pids.begin(), pids.end(),
                        [&](pid_t pid) { return waiting_with_open(pid, db); })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  });
  sqlite3_close(holder);
  for (const auto& r : results) {
    INFO(describe(r));
    CHECK(r.exit_code == 0);
  }
  CHECK(p.item().at("revision") == start + 6);
  std::vector<std::string> notes;
  for (const auto& event : p.history()) notes.push_back(event.value("note", ""));
  for (int i = 0; i < 6; ++i) {
    CHECK(std::count(notes.begin(), notes.end(), fmt::format("edit {}", i)) == 1);
  }
  p.run_ok({"verify"});
}

TEST_CASE("an engine holding a stale revision is refused after a process changed the item") {
  test::Fixture f;
  Item item = f.submit();
  // A person reads the item in one place while someone else edits it with the command line.
  RunResult r = test::run_cli(f.dir.path(), {"--db", "test.db", "act", item.ref, "edit", "--as",
                                             "olivia", "--set", "body=Changed elsewhere"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  ActRequest request{item.ref, "edit", "olivia", Json{{"body", "Mine"}}, "", item.revision};
  try {
    f.engine->act(request);
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Conflict);
    CHECK_THAT(e.what(), Contains(item.ref) && Contains("changed"));
  }
  Item now = *f.store->item(item.ref);
  CHECK(now.revision == item.revision + 1);
  CHECK(now.data.at("body") == "Changed elsewhere");
}

TEST_CASE("cli: a database busy with another writer is reported after --busy-timeout") {
  Project p;
  const Json before = p.item();
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(p.db.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

  const std::vector<std::string> edit = {
      "--busy-timeout", "200", "act", p.ref, "edit", "--as", "olivia", "--set", "details=Waiting"};
  RunResult r = test::run_cli(p.dir.path(), edit);
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(p.db.filename().string()) && Contains("another process") &&
                        Contains("try again"));
  std::vector<std::string> as_json = edit;
  as_json.insert(as_json.begin(), "--json");
  RunResult j = test::run_cli(p.dir.path(), as_json);
  CHECK(j.exit_code == 1);
  CHECK(Json::parse(j.out).at("error").at("code") == "conflict");
  // Reading does not wait for a writer.
  CHECK(test::run_cli(p.dir.path(), {"show", p.ref}).exit_code == 0);

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(p.item() == before);
  p.run_ok(std::vector<std::string>(edit.begin() + 2, edit.end()));
  CHECK(p.item().at("revision") == before.at("revision").get<int>() + 1);
}

TEST_CASE("cli: a bad --busy-timeout is a usage error naming the option") {
  Project p;
  for (const char* bad : {"-1", "soon", "999999999"}) {
    RunResult r = test::run_cli(p.dir.path(), {"--busy-timeout", bad, "list"});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--busy-timeout"));
  }
}
