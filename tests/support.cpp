#include "support.h"

#include <commsflow/command_line.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace commsflow::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("commsflow-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& text) const {
  auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::filesystem::path shipped_workflows() {
  return std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "workflows";
}

const char* const kReviewWorkflow = R"lua(local wf = require "commsflow"

local function has_body(item)
  if item.body and #item.body > 0 then return true end
  return { "the draft has no text yet" }
end

return wf.workflow {
  name = "review",
  prefix = "REV",
  fields = {
    title = wf.text { required = true, max = 80 },
    body = wf.text {},
    priority = wf.choice { "low", "high", default = "low" },
    words = wf.integer { min = 0 },
    due = wf.date {},
    tags = wf.list { of = wf.text {} },
    comments = wf.list { of = wf.text {} },
    approved_by = wf.text {},
  },
  submit = { roles = { "comms_officer" } },
  initial = "draft",
  states = {
    draft = {
      actions = {
        send = { to = "review", roles = { "comms_officer" }, guard = has_body, sets = { "body", "tags" } },
        edit = { to = "draft", roles = { "comms_officer" }, sets = { "body", "title", "words", "due" } },
      },
    },
    review = {
      actions = {
        approve = {
          to = "approved",
          roles = { "head_of_comms" },
          effect = function(item, ctx) item.approved_by = ctx.actor.name end,
        },
        send_back = {
          to = "draft",
          roles = { "head_of_comms" },
          fields = { comment = wf.text { required = true } },
          effect = function(item, ctx)
            local c = item.comments or {}
            c[#c + 1] = ctx.payload.comment
            item.comments = c
          end,
        },
      },
    },
    approved = { final = true },
  },
}
)lua";

Fixture::Fixture(const std::string& workflow_source, const std::string& file_name) {
  workflows = dir / "workflows";
  std::filesystem::create_directories(workflows);
  dir.write("workflows/" + file_name, workflow_source);
  Store::Options options;
  options.create = true;
  store = Store::open(db, options);
  registry = std::make_unique<WorkflowRegistry>(*store, clock, workflows);
  auto problems = registry->sync();
  std::string listing;
  for (const auto& p : problems) listing += p.to_string() + "\n";
  INFO(listing);
  REQUIRE(problems.empty());
  engine = std::make_unique<Engine>(*store, *registry, clock);
  engine->add_actor("olivia", {"comms_officer"});
  engine->add_actor("hannah", {"head_of_comms"});
  engine->add_actor("rita", {"requester"});
}

Item Fixture::submit(const std::string& title) {
  auto outcome = engine->submit("review", "olivia", Json{{"title", title}});
  REQUIRE(outcome.ok());
  return outcome.value();
}

Item Fixture::act(const std::string& ref, const std::string& action, const std::string& actor,
                  Json inputs) {
  auto outcome = engine->act(ActRequest{ref, action, actor, std::move(inputs), "", std::nullopt});
  if (!outcome) {
    for (const auto& r : outcome.refusal().reasons) INFO(r);
  }
  REQUIRE(outcome.ok());
  return outcome.value();
}

void Fixture::reopen() {
  engine.reset();
  registry.reset();
  store.reset();
  store = Store::open(db, Store::Options{});
  registry = std::make_unique<WorkflowRegistry>(*store, clock, workflows);
  registry->sync();
  engine = std::make_unique<Engine>(*store, *registry, clock);
}

std::string folder_database(const std::filesystem::path& folder) {
  if (!testing_postgresql()) return "commsflow.db";
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<TestDatabase>> made;
  std::lock_guard<std::mutex> guard(mutex);
  auto& database = made[std::filesystem::absolute(folder).string()];
  if (!database) database = std::make_unique<TestDatabase>(folder / "commsflow.db");
  return database->location();
}

LocalEngine::LocalEngine(const std::filesystem::path& folder, bool create) {
  Store::Options options;
  options.create = create;
  const std::string db = folder_database(folder);
  store = Store::open(testing_postgresql() ? db : (folder / db).string(), options);
  registry = std::make_unique<WorkflowRegistry>(*store, clock, folder / "workflows");
  auto problems = registry->sync();
  std::string listing;
  for (const auto& p : problems) listing += p.to_string() + "\n";
  INFO(listing);
  REQUIRE(problems.empty());
  engine = std::make_unique<Engine>(*store, *registry, clock);
}

namespace {

template <typename T>
T required(Outcome<T> outcome) {
  if (!outcome) {
    for (const auto& r : outcome.refusal().reasons) UNSCOPED_INFO(r);
  }
  REQUIRE(outcome.ok());
  return outcome.value();
}

}  // namespace

Item LocalEngine::submit(const std::string& workflow, const std::string& actor, const Json& inputs,
                         const std::string& now, const std::string& parent) {
  clock.set(*parse_datetime(now));
  return required(engine->submit(workflow, actor, inputs, parent));
}

Item LocalEngine::act(const std::string& ref, const std::string& action, const std::string& actor,
                      const Json& inputs, const std::string& now, const std::string& note) {
  clock.set(*parse_datetime(now));
  return required(engine->act(ActRequest{ref, action, actor, inputs, note, std::nullopt}));
}

Json comms_request_fields(const std::string& title, const std::string& impact,
                          const std::string& reputational_risk) {
  return Json{{"title", title},
              {"kind", "internal"},
              {"requester_team", "Estates"},
              {"strategic_priority", "none"},
              {"incident", "none"},
              {"statutory", "no"},
              {"reputational_risk", reputational_risk},
              {"impact", impact},
              {"resource", "low"},
              {"time_sensitive", "no"},
              {"responsibility", "own"}};
}

Json inputs_of(const std::vector<std::string>& pairs) {
  Json out = Json::object();
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    REQUIRE(eq != std::string::npos);
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

Item LocalEngine::item(const std::string& ref) const {
  auto found = store->item(ref);
  REQUIRE(found);
  return *found;
}

namespace {

// A command line's shape for leak checking: its options and command words, with values made "_"
// ("show _ --as _"), and how it ended. A leak depends on the path the code took, and one shape
// takes one path; a test often runs the same shape many times over different items.
std::string command_shape(const std::vector<std::string>& args, int exit_code) {
  std::string shape;
  for (const auto& arg : args) {
    bool word = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
    });
    shape += word ? arg : "_";
    shape += ' ';
  }
  return shape + std::to_string(exit_code);
}

// The shapes already leak-checked by this test process (copied into each child by fork).
std::set<std::string>& leak_checked_shapes() {
  static std::set<std::string> shapes;
  return shapes;
}

// In a sanitized build, what a fresh process does at exit: report memory the command leaked (exit
// code 23, LeakSanitizer's own, with the report on stderr). A check costs about 0.4 s under ASan,
// so each shape is checked the first time a test process runs it.
void leak_check_child(const std::vector<std::string>& args, int exit_code) {
#if defined(__SANITIZE_ADDRESS__)
  if (leak_checked_shapes().contains(command_shape(args, exit_code))) return;
  if (__lsan_do_recoverable_leak_check() != 0) _exit(23);
#else
  (void)args;
  (void)exit_code;
#endif
}

std::string slurp(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

ServeChild::ServeChild(const std::filesystem::path& folder,
                       const std::vector<std::string>& global_args, const std::string& now,
                       const std::vector<std::string>& serve_args) {
  const std::string db = folder_database(folder);
  int log[2];
  REQUIRE(pipe(log) == 0);
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    if (chdir(folder.c_str()) != 0) _exit(126);
    close(log[0]);
    dup2(log[1], 2);
    if (now.empty()) {
      unsetenv("COMMSFLOW_NOW");
    } else {
      setenv("COMMSFLOW_NOW", now.c_str(), 1);
    }
    setenv("COMMSFLOW_DB", db.c_str(), 1);
    std::vector<std::string> words = {COMMSFLOW_BIN};
    words.insert(words.end(), global_args.begin(), global_args.end());
    for (const char* w : {"serve", "--port", "0"}) words.emplace_back(w);
    words.insert(words.end(), serve_args.begin(), serve_args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log[1]);
  log_ = log[0];
  std::string output;
  char c = 0;
  const std::string marker = "serving http://127.0.0.1:";
  while (read(log_, &c, 1) == 1) {
    output += c;
    const auto at = output.find(marker);
    if (at != std::string::npos && output.find('\n', at) != std::string::npos) break;
  }
  const auto at = output.find(marker);
  INFO(output);
  REQUIRE(at != std::string::npos);
  port_ = std::stoi(output.substr(at + marker.size()));
  log_text_ = std::move(output);
  reader_ = std::thread([this] {
    char buffer[4096];
    for (ssize_t n; (n = read(log_, buffer, sizeof buffer)) > 0;) {
      std::lock_guard<std::mutex> guard(log_mutex_);
      log_text_.append(buffer, static_cast<std::size_t>(n));
    }
  });
}

void ServeChild::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  if (reader_.joinable()) reader_.join();  // the pipe ends with the child
  close(log_);
  pid_ = 0;
}

std::string ServeChild::log() const {
  std::lock_guard<std::mutex> guard(log_mutex_);
  return log_text_;
}

RunResult run_cli(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                  const std::string& now, const std::string& input) {
  TempDir scratch;
  auto out_path = scratch / "out", err_path = scratch / "err";
  auto in_path = input.empty() ? std::filesystem::path("/dev/null") : scratch.write("in", input);
  // Output this process has buffered would otherwise be written again by the child.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const std::string db = folder_database(cwd);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = open(in_path.c_str(), O_RDONLY);
    dup2(out, 1);
    dup2(err, 2);
    dup2(in, 0);
    if (now.empty()) {
      unsetenv("COMMSFLOW_NOW");
    } else {
      setenv("COMMSFLOW_NOW", now.c_str(), 1);
    }
    setenv("COMMSFLOW_DB", db.c_str(), 1);
    unsetenv("COMMSFLOW_WORKFLOWS");
    std::vector<char*> argv;
    std::string bin = COMMSFLOW_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
#ifdef COMMSFLOW_EXEC_CLI
    execv(bin.c_str(), argv.data());
    _exit(127);
#else
    // The command line runs here, in the child, as it would after exec: its own process, files
    // and exit code, without a fresh start of the sanitized binary (half a second each).
    int code = cli::run_command_line(static_cast<int>(argv.size()) - 1, argv.data());
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    leak_check_child(args, code);
    _exit(code);
#endif
  }
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  leak_checked_shapes().insert(command_shape(args, r.exit_code));
  int out = open(out_path.c_str(), O_RDONLY), err = open(err_path.c_str(), O_RDONLY);
  r.out = slurp(out);
  r.err = slurp(err);
  close(out);
  close(err);
  return r;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string query_text(const std::string& db, const std::string& sql) {
  if (Store::is_url(db)) return postgresql_query(db, sql);
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(h);
  return out;
}

void raw_sql(const std::string& db, const std::string& sql) {
  if (Store::is_url(db)) {
    postgresql_query(db, sql);
    return;
  }
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &message);
  std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(h);
  INFO(error);
  REQUIRE(rc == SQLITE_OK);
}

std::string script_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Script);
    return e.what();
  }
  FAIL("expected Error(Script)");
  return {};
}

}  // namespace commsflow::test
