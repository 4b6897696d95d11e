// copy: a whole database to another (an SQLite file to PostgreSQL, or back), then verify it.
#include <commsflow/copy.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

struct CopyArgs {
  std::string from;
  std::string to;
};

// Opens the target, creating an SQLite file when missing. Returns whether it made the file, so
// that a copy that fails can take it away again.
std::unique_ptr<Store> open_target(const Session& s, const std::string& to, bool& made_file) {
  made_file = !Store::is_url(to) && !std::filesystem::exists(to);
  Store::Options options;
  options.create = true;
  options.busy_timeout_ms = s.options.busy_timeout_ms;
  return Store::open(to, options);
}

}  // namespace

void add_copy_command(CLI::App& app, Session& s) {
  auto args = std::make_shared<CopyArgs>();
  auto* cmd = app.add_subcommand(
      "copy",
      "Copy a whole database to a new, empty one, chain and all, then verify the copy: an\n"
      "SQLite file to PostgreSQL (--to postgresql://...) or back. The copy has the same chain\n"
      "head. The source may stay in use (it is read in one snapshot); the target must be empty.");
  cmd->add_option("--from", args->from, "The database to copy: a file or a postgresql:// URL")
      ->required();
  cmd->add_option("--to", args->to,
                  "The new database: a file (created) or a postgresql:// URL of an empty "
                  "database")
      ->required();
  cmd->callback([&s, args] {
    Store::Options source_options;
    source_options.busy_timeout_ms = s.options.busy_timeout_ms;
    auto from = Store::open(args->from, source_options);
    bool made_file = false;
    auto to = open_target(s, args->to, made_file);
    CopyReport report;
    try {
      report = copy_database(*from, *to);
    } catch (...) {
      to.reset();
      if (made_file) {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(args->to + suffix);
      }
      throw;
    }
    VerifyReport check = verify(*to);
    if (!check.ok()) s.exit_code = 1;
    if (s.options.json) {
      Json tables = Json::object();
      for (const auto& [name, rows] : report.rows) tables[name] = rows;
      s.print_json(Json{{"from", from->name()},
                        {"to", to->name()},
                        {"rows", tables},
                        {"verify", check.to_json()}});
      return;
    }
    fmt::print("Copied {} events and {} items from {} to {}.\n", report.events, report.items,
               from->name(), to->name());
    if (check.ok()) {
      fmt::print("verify: ok; chain head {}:{}\n", check.head_seq, check.head_hash);
    } else {
      fmt::print("verify: {} problem(s) in the copy (run `commsflow verify` on the source too):\n",
                 check.problems.size());
      for (const auto& p : check.problems) fmt::print("  seq {} {}: {}\n", p.seq, p.ref, p.message);
    }
  });
}

}  // namespace commsflow::cli
