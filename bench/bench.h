// The benchmark program's shared pieces: run sizes, the result table, a scratch folder, timing,
// child processes, and one function per figure.
//
// Every figure is measured next to its baseline in the same run, so the ratio holds on a busy
// or slow machine even when the absolute numbers do not. Single-threaded; not a library.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace commsflow::bench {

// How much work each figure does. `quick` sizes keep the whole run under a minute.
struct Sizes {
  int actions_items = 1000;  // items taken through the three approval steps, per durability
  int import_rows = 100000;  // also the items `show` and the memory figures run over
  int verify_events = 1000000;
  int show_runs = 41;
  // 32 clients. Enough that each of the four rounds lasts about half a second at full speed:
  // at 100 a round lasted 0.2 s, and its start (32 connections at once, a cold server) and its
  // end (the last clients finishing alone, in small batches) weighed on the rate.
  int server_actions_per_client = 400;
  int email_messages = 500;
};
Sizes full_sizes();
Sizes quick_sizes();

// Where the program finds things.
struct Paths {
  std::filesystem::path source_dir;     // the repository (shipped workflows, bench workflows)
  std::filesystem::path commsflow_bin;  // the real `commsflow` binary
  std::filesystem::path self_bin;       // this program, run again for child measurements
  std::filesystem::path scratch;        // a fresh folder for the databases of this run
  std::string peers_unavailable;        // set when figure 1's peers cannot run here: the reason
  std::string postgresql;  // figure 8's cluster: a URL to a database the role may create from
  std::string postgresql_unavailable;  // or why there is none
};

// One line of the table. `higher_is_better` decides how the target reads.
struct Row {
  std::string figure;
  std::string engine;    // the engine's figure, formatted with its unit
  std::string baseline;  // the baseline's figure, formatted with its unit
  std::string ratio;     // engine / baseline, or "-"
  std::string target;
  std::string met;  // "yes", "no" or "-"
  std::string notes;
};

// A fresh folder under `parent`, removed with its contents on destruction unless `keep`.
class ScratchDir {
 public:
  ScratchDir(const std::filesystem::path& parent, bool keep);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool keep_;
};

// Seconds since an arbitrary start, from the monotonic clock.
double now_seconds();

// Runs `program` with `args`, output discarded; returns its exit status. Throws on spawn failure.
int run_silently(const std::filesystem::path& program, const std::vector<std::string>& args);
// Runs `program` with `args` and returns what it printed on stdout; throws unless it exits 0.
std::string run_capture(const std::filesystem::path& program, const std::vector<std::string>& args);

// Processor time (user and system, all threads) this process has used so far, in seconds.
double cpu_seconds();

// Peak resident memory of this process so far (VmHWM), in bytes.
std::int64_t peak_rss_bytes();
// Starts the peak over from the current resident memory (Linux: /proc/self/clear_refs).
// Returns false where that is not possible; peak_rss_bytes() then covers the whole run.
bool reset_peak_rss();

// A rate one figure measured, kept for another figure's row in the same run (figure 6 compares
// the server with figure 1's xstate peer); nullopt when nothing was kept under that name.
void remember_rate(const std::string& name, double per_second);
std::optional<double> remembered_rate(const std::string& name);

std::string format_rate(double per_second, const char* unit);
std::string format_ratio(double ratio);
std::string format_mib(std::int64_t bytes);

// The CSV of `rows` synthetic comms requests (all valid, all staying open once triaged).
std::string comms_request_csv(int rows);

// Figure 1's database: `items` sign-off items (bench/workflows/signoff.lua), each with one
// document version and sent to the first of its three steps, at `db` (a file or a URL).
void create_signoff_items(const Paths& paths, const std::string& db, int items);
// The reference of the i-th of those items (1-based).
std::string signoff_ref(int i);

// The figures; each appends its rows.
void bench_actions(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_import(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_verify(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_cli(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_server(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_email(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);
void bench_postgresql(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows);

// Child modes (this program run again), printing one number on stdout.
int child_import_rss(const Paths& paths, const std::filesystem::path& empty_db,
                     const std::filesystem::path& csv);
int child_queue_rss(const Paths& paths, const std::filesystem::path& db);
int child_act_rss(const Paths& paths, const std::filesystem::path& db, const std::string& ref);
int child_raw_items_rss(const std::filesystem::path& db);
int child_raw_show(const std::filesystem::path& db, const std::string& ref);

}  // namespace commsflow::bench
