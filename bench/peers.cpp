#include "peers.h"

#include <commsflow/json.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace commsflow::bench {

namespace {

std::filesystem::path peers_dir(const Paths& paths) {
  return paths.source_dir / "bench" / "peers";
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    if (!folder.empty() && access((std::filesystem::path(folder) / program).c_str(), X_OK) == 0)
      return true;
  }
  return false;
}

// The last non-empty line of a file, for the reason a child gave when it failed.
std::string last_line(const std::string& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last.empty() ? "no message" : last;
}

}  // namespace

std::string peers_unavailable(const Paths& paths) {
  if (!paths.peers_unavailable.empty()) return paths.peers_unavailable;
  if (!on_path("node")) return "node is not installed";
  for (const char* package : {"xstate", "better-sqlite3", "bpmn-engine"}) {
    if (!std::filesystem::exists(peers_dir(paths) / "node_modules" / package / "package.json"))
      return fmt::format("{} is not in bench/peers/node_modules (scripts/bench installs it)",
                         package);
  }
  return "";
}

Peer::Peer(const Paths& paths, const std::string& name, bool full, int items,
           const std::string& unavailable)
    : name_(name), failure_(unavailable) {
  if (!failure_.empty()) return;
  const char* mode = full ? "full" : "normal";
  log_ = (paths.scratch / fmt::format("peer-{}-{}.log", name, mode)).string();
  std::vector<std::string> args = {
      "node",
      (peers_dir(paths) / "peer.mjs").string(),
      name,
      "--db",
      (paths.scratch / fmt::format("peer-{}-{}.db", name, mode)).string(),
      "--sync",
      full ? "FULL" : "NORMAL",
      "--items",
      std::to_string(items),
      "--serve"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // A child that dies must not take this program with it when it writes the next request (the
  // write then fails with EPIPE instead). Later children inherit this; none relies on SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  int down[2], up[2];
  if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, down[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, up[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(down[0]);
  close(up[1]);
  to_child_ = fdopen(down[1], "w");
  from_child_ = fdopen(up[0], "r");
  if (rc != 0) {
    pid_ = -1;
    fail("cannot start node");
    return;
  }
  try {
    auto ready = Json::parse(request(""));
    label_ = ready.at("label").get<std::string>();
    ready_ = true;
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

Peer::~Peer() {
  if (to_child_) fclose(to_child_);  // end of stdin: the peer closes its database and exits
  if (from_child_) fclose(from_child_);
  if (pid_ > 0) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string Peer::request(const std::string& line) {
  if (!line.empty()) {
    fmt::print(to_child_, "{}\n", line);
    if (fflush(to_child_) != 0) throw std::runtime_error("the peer stopped reading");
  }
  std::string reply;
  for (int c = 0; (c = fgetc(from_child_)) != EOF && c != '\n';) reply += static_cast<char>(c);
  if (reply.empty()) throw std::runtime_error("the peer exited");
  return reply;
}

void Peer::approve(int first, int last) {
  if (!failure_.empty()) return;
  try {
    auto reply = Json::parse(request(fmt::format("approve {} {}", first, last)));
    approvals_ += reply.at("approvals").get<std::int64_t>();
    seconds_ += reply.at("seconds").get<double>();
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void Peer::fail(const std::string& what) {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  failure_ = ready_ ? fmt::format("{} failed after {} approvals: {}: {}", name_, approvals_, what,
                                  last_line(log_))
                    : fmt::format("{} did not start: {}: {}", name_, what, last_line(log_));
}

}  // namespace commsflow::bench
