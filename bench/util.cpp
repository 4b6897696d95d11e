// Scratch folders, timing, child processes and the synthetic comms requests.
#include <commsflow/clock.h>
#include <commsflow/engine.h>
#include <commsflow/import.h>
#include <commsflow/import_rows.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

#include "bench.h"
#include "rows.h"

extern char** environ;

namespace commsflow::bench {

Sizes full_sizes() {
  return Sizes{};
}

Sizes quick_sizes() {
  Sizes s;
  s.actions_items = 100;
  s.import_rows = 2000;
  s.verify_events = 20000;
  s.show_runs = 11;
  s.server_actions_per_client = 10;
  s.email_messages = 50;
  return s;
}

ScratchDir::ScratchDir(const std::filesystem::path& parent, bool keep) : keep_(keep) {
  std::filesystem::create_directories(parent);
  std::string pattern = (parent / "commsflow-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("cannot create a folder in " + parent.string());
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!keep_) std::filesystem::remove_all(path_, ignored);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {

// Spawns the program; stdout goes to `out_fd` (or /dev/null when negative), stderr is kept.
pid_t spawn(const std::filesystem::path& program, const std::vector<std::string>& args,
            int out_fd) {
  std::vector<std::string> argv_text{program.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + program.string());
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int run_silently(const std::filesystem::path& program, const std::vector<std::string>& args) {
  return wait_for(spawn(program, args, -1));
}

std::string run_capture(const std::filesystem::path& program,
                        const std::vector<std::string>& args) {
  std::array<int, 2> pipe_fds{};
  if (pipe(pipe_fds.data()) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = spawn(program, args, pipe_fds[1]);
  close(pipe_fds[1]);
  std::string out;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while ((n = read(pipe_fds[0], buffer.data(), buffer.size())) > 0) out.append(buffer.data(), n);
  close(pipe_fds[0]);
  int status = wait_for(pid);
  if (status != 0) {
    throw std::runtime_error(fmt::format("{} {} exited with {}", program.filename().string(),
                                         fmt::join(args, " "), status));
  }
  return out;
}

std::int64_t peak_rss_bytes() {
  // VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child would
  // report at least the RSS of the parent that spawned it.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // in kB
  }
  throw std::runtime_error("no VmHWM in /proc/self/status");
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

namespace {
std::map<std::string, double>& remembered() {
  static std::map<std::string, double> rates;
  return rates;
}
}  // namespace

void remember_rate(const std::string& name, double per_second) {
  remembered()[name] = per_second;
}

std::optional<double> remembered_rate(const std::string& name) {
  auto found = remembered().find(name);
  if (found == remembered().end()) return std::nullopt;
  return found->second;
}

double cpu_seconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) throw std::runtime_error("getrusage failed");
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string format_rate(double per_second, const char* unit) {
  if (per_second >= 1e6) return fmt::format("{:.2f} M {}", per_second / 1e6, unit);
  if (per_second >= 1e4) return fmt::format("{:.1f} k {}", per_second / 1e3, unit);
  return fmt::format("{:.0f} {}", per_second, unit);
}

std::string format_ratio(double ratio) {
  return fmt::format("{:.2f}x", ratio);
}

std::string format_mib(std::int64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string comms_request_csv(int rows) {
  static const char* kinds[] = {"media",       "parliamentary", "mp_enquiry", "campaign",
                                "publication", "internal",      "event",      "social",
                                "website",     "other"};
  static const char* three[] = {"high", "medium", "low"};
  static const char* priority[] = {"primary", "secondary", "none"};
  static const char* incident[] = {"none", "none", "none", "minor", "major"};
  static const char* yes_no[] = {"yes", "no"};
  static const char* responsibility[] = {"own", "own", "lead", "partner"};
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto pick = [&](auto& options) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return options[(state >> 33) % (sizeof(options) / sizeof(options[0]))];
  };
  std::string csv =
      "title,description,kind,requester_team,needed_by,strategic_priority,incident,statutory,"
      "reputational_risk,impact,resource,time_sensitive,responsibility,owner_org\n";
  for (int i = 1; i <= rows; ++i) {
    const char* resp = pick(responsibility);
    int day = 3 + i % 26;
    csv += fmt::format(
        "Request {} for the {} team,\"Please help with item {}: a short description of what is "
        "needed, who it is for and by when, as a colleague would write it.\",{},Team {},{},{},{},"
        "{},{},{},{},{},{},{}\n",
        i, pick(kinds), i, pick(kinds), i % 40, i % 3 == 0 ? "" : fmt::format("2026-03-{:02}", day),
        pick(priority), pick(incident), pick(yes_no), pick(three), pick(three), pick(three),
        pick(yes_no), resp, std::string(resp) == "own" ? "" : "Partner NHS trust");
  }
  return csv;
}

std::vector<std::string> import_csv_file(Engine& engine, const std::filesystem::path& csv) {
  std::ifstream in(csv, std::ios::binary);
  CsvImportSource rows(in, csv.string(), std::filesystem::file_size(csv));
  return import_items(engine, "comms_request", "tom.triage", rows);
}

const FixedClock& bench_clock() {
  static const FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  return clock;
}

}  // namespace commsflow::bench
