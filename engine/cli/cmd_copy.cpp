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

std::unique_ptr<Store> open_target(const Session& s, const std::string& to) {
  Store::Options options;
  options.create = true;
  options.busy_timeout_ms = s.options.busy_timeout_ms;
  return Store::open(to, options);
}

void remove_sqlite_file(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// How a database is named to people: a file by the path given (the folder tells a backup from
// the live file), a server by its URL without a password.
std::string shown(const std::string& given, const Store& store) {
  return Store::is_url(given) ? store.name() : given;
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
    if (!Store::is_url(args->from) && !std::filesystem::exists(args->from)) {
      fail(ErrorKind::NotFound, "--from: there is no database at {}", args->from);
    }
    if (!Store::is_url(args->from) && std::filesystem::is_directory(args->from)) {
      fail(ErrorKind::BadInput, "--from: {} is a folder: name the database file in it", args->from);
    }
    if (!Store::is_url(args->to) && std::filesystem::is_directory(args->to)) {
      fail(ErrorKind::BadInput, "--to: {} is a folder: name the new file in it, like {}", args->to,
           (std::filesystem::path(args->to) / "commsflow.db").string());
    }
    Store::Options source_options;
    source_options.busy_timeout_ms = s.options.busy_timeout_ms;
    source_options.only_reads = true;  // a copy may be made from a file one may only read
    auto from = Store::open(args->from, source_options);
    // A new file is made under a name of its own beside its place and given its place only once
    // the copy is whole: a copy cut short (killed, a full disk) leaves no file that looks like a
    // database, nor an empty one that verifies.
    const bool new_file = !Store::is_url(args->to) && !std::filesystem::exists(args->to);
    const std::string target = new_file ? args->to + ".incomplete" : args->to;
    if (const auto folder = std::filesystem::path(args->to).parent_path();
        new_file && !folder.empty() && !std::filesystem::is_directory(folder)) {
      fail(ErrorKind::BadInput, "--to: there is no folder {} to make {} in", folder.string(),
           args->to);
    }
    if (new_file) remove_sqlite_file(target);  // left by a copy cut short before
    auto to = open_target(s, target);
    const std::string to_name = shown(args->to, *to);
    CopyReport report;
    VerifyReport check;
    try {
      report = copy_database(*from, *to, to_name);
      if (auto changed = from->changed_while_read()) fail(ErrorKind::Storage, "{}", *changed);
      check = verify(*to);
    } catch (...) {
      to.reset();
      if (new_file) remove_sqlite_file(target);
      throw;
    }
    if (new_file) {
      to.reset();  // closed, its log folded into the file
      for (const char* suffix : {"", "-wal"}) {
        if (std::filesystem::exists(target + suffix))
          std::filesystem::rename(target + suffix, args->to + suffix);
      }
      std::filesystem::remove(target + "-shm");
    }
    if (!check.ok()) s.exit_code = 1;
    if (s.options.json) {
      Json tables = Json::object();
      for (const auto& [name, rows] : report.rows) tables[name] = rows;
      s.print_json(Json{{"from", shown(args->from, *from)},
                        {"to", to_name},
                        {"rows", tables},
                        {"verify", check.to_json()}});
      return;
    }
    fmt::print("Copied {} events and {} items from {} to {}.\n", report.events, report.items,
               shown(args->from, *from), to_name);
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
