// commsflow_bench: measures the engine against plain SQLite and bare SHA-256 in one run and
// prints one Markdown table. Run through `scripts/bench` (release build); `--quick` uses small
// sizes. It reports, it never asserts: a slow machine gives smaller numbers, not a failure.
#include <commsflow/clock.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench.h"

namespace cb = commsflow::bench;

namespace {

std::string first_line_with(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      auto colon = line.find(':');
      auto value = colon == std::string::npos ? line : line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "unknown";
}

// The first three fields of /proc/loadavg: how busy the machine was, for reading the figures.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return fmt::format("{} {} {}", one, five, fifteen);
}

void print_table(const std::vector<cb::Row>& rows) {
  fmt::print("| Figure | commsflow | Baseline (same run) | Ratio | Target | Met | Notes |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", r.figure, r.engine, r.baseline, r.ratio,
               r.target, r.met, r.notes);
  }
}

int run_child(const cb::Paths& paths, const std::vector<std::string>& a) {
  const std::string& mode = a.at(0);
  if (mode == "raw-show") return cb::child_raw_show(a.at(1), a.at(2));
  if (mode == "raw-items-rss") return cb::child_raw_items_rss(a.at(1));
  if (mode == "act-rss") return cb::child_act_rss(paths, a.at(1), a.at(2));
  if (mode == "queue-rss") return cb::child_queue_rss(paths, a.at(1));
  if (mode == "import-rss") return cb::child_import_rss(paths, a.at(1), a.at(2));
  std::cerr << "unknown child mode " << mode << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Measures commsflow against plain SQLite and bare SHA-256 in one run and prints a Markdown "
      "table: actions/s, CSV import, verify, `show` latency and peak memory."};
  bool quick = false, keep = false;
  std::vector<std::string> only, child;
  cb::Paths paths;
  paths.source_dir = COMMSFLOW_SOURCE_DIR;
  paths.commsflow_bin = COMMSFLOW_BIN;
  std::filesystem::path scratch_parent = std::filesystem::temp_directory_path();
  app.add_flag("--quick", quick, "small sizes: the whole run takes under a minute");
  app.add_option(
         "--only", only,
         "run only these figures: actions (with its peers), import, verify, cli, server, email, "
         "postgresql")
      ->check(
          CLI::IsMember({"actions", "import", "verify", "cli", "server", "email", "postgresql"}));
  app.add_option("--scratch", scratch_parent,
                 "folder for the benchmark databases (default: the system temp folder)");
  app.add_flag("--keep", keep, "keep the benchmark databases afterwards");
  app.add_option("--source", paths.source_dir, "the repository, for the workflows");
  app.add_option("--commsflow", paths.commsflow_bin, "the commsflow binary to time");
  app.add_option("--peers-unavailable", paths.peers_unavailable,
                 "why figure 1's Node.js peers cannot run (scripts/bench says so when npm failed)");
  app.add_option("--postgresql", paths.postgresql,
                 "figure 8's PostgreSQL: a URL to a database the role may create databases from "
                 "(scripts/bench starts a throwaway cluster)");
  app.add_option("--postgresql-unavailable", paths.postgresql_unavailable,
                 "why figure 8 cannot run (scripts/bench says so when no cluster started)");
  app.add_option("--child", child, "internal: a measurement run in a child process")->group("");
  CLI11_PARSE(app, argc, argv);

  paths.self_bin = std::filesystem::read_symlink("/proc/self/exe");
  try {
    if (!child.empty()) return run_child(paths, child);

    cb::ScratchDir scratch(scratch_parent, keep);
    paths.scratch = scratch.path();
    cb::Sizes sizes = quick ? cb::quick_sizes() : cb::full_sizes();
    auto wanted = [&](const char* figure) {
      return only.empty() || std::find(only.begin(), only.end(), figure) != only.end();
    };

    auto started = std::chrono::system_clock::now();
    const std::string load_before = load_average();
    std::vector<cb::Row> rows;
    auto run = [&](const char* name, auto figure) {
      if (!wanted(name)) return;
      std::cerr << "measuring " << name << "...\n";
      double t0 = cb::now_seconds();
      figure(paths, sizes, rows);
      std::cerr << fmt::format("  {} took {:.1f} s\n", name, cb::now_seconds() - t0);
    };
    run("actions", cb::bench_actions);
    run("import", cb::bench_import);
    run("verify", cb::bench_verify);
    if (wanted("cli") && !wanted("import")) {
      std::cerr << "the cli figures use the import figure's database: add --only import\n";
    } else {
      run("cli", cb::bench_cli);
    }
    run("server", cb::bench_server);
    run("email", cb::bench_email);
    if (paths.postgresql.empty() && paths.postgresql_unavailable.empty()) {
      paths.postgresql_unavailable = "no --postgresql cluster given (scripts/bench starts one)";
    }
    run("postgresql", cb::bench_postgresql);

    fmt::print("commsflow benchmarks, {}{}\n\n",
               commsflow::format_datetime(std::chrono::floor<std::chrono::seconds>(started)),
               quick ? " (--quick: small sizes, figures are indicative only)" : "");
    fmt::print("Machine: {} cores ({}), {} memory\n\n", std::thread::hardware_concurrency(),
               first_line_with("/proc/cpuinfo", "model name"),
               first_line_with("/proc/meminfo", "MemTotal"));
    fmt::print("Load average (1, 5, 15 min) at start: {}; at end: {}\n\n", load_before,
               load_average());
    print_table(rows);
    fmt::print(
        "\nThe three-step sign-off is bench/workflows/signoff.lua: one document version, then "
        "Signoff::decide in three wf.signoff steps (head of comms, clinical lead, director). "
        "Its peers run the same sign-off in Node.js (bench/peers), each approval one SQLite "
        "transaction; their ratio is commsflow decisions/s over the peer's approvals/s. "
        "Ratios are engine / baseline; throughput targets want a high ratio, "
        "time and memory targets are absolute.\n");
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "commsflow_bench: " << e.what() << "\n";
    return 3;
  }
}
