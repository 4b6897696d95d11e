// What every command shares: global options, and the store, registry and engine opened on
// first use. The clock is the system clock unless COMMSFLOW_NOW holds a datetime (for
// reproducible demos and tests).
#pragma once

#include <commsflow/clock.h>
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/read_access.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>

#include <filesystem>
#include <memory>
#include <string>

namespace commsflow::cli {

struct Options {
  std::string db = "commsflow.db";
  // Readers' --as: read as this person, with their permissions. Empty: the operator of the
  // database file, who sees everything.
  std::string read_as;
  std::string workflows = "workflows";
  bool json = false;
  int busy_timeout_ms = 5000;  // how long to wait for another process's write to finish
};

class Session {
 public:
  Options options;
  int exit_code = 0;

  const Clock& clock();
  // Opens the database (creating it when `create`) and loads the workflows, reporting files
  // that fail to load on stderr. Without `load_workflows` the folder is not read: the caller
  // syncs the registry itself (in a transaction it may roll back, as a dry run does). A store
  // opened for reading alone (see only_reads) is never synced: the versions stored in it serve.
  Engine& engine(bool create = false, bool load_workflows = true);
  // Opens the existing database without loading workflows: for commands that never load them
  // (audit, verify), which must not write, not even a changed workflow's new version.
  Store& store();
  // Said by a command that only reads (audit, verify, show, list...) before it opens anything:
  // a database file this user may only read is opened for reading (Store::Options::only_reads),
  // not refused, and engine() then leaves the workflow files unloaded (saying so on stderr).
  void only_reads() { only_reads_ = true; }
  // Error(Storage) when the database, read alone, was opened to write while it was read
  // (Store::changed_while_read): called by such a command before it reports what it read.
  void require_steady_read();
  // True once require_steady_read() has passed: everything the command reports was read by then,
  // so a write after it (while the output is paged, say) tears nothing.
  bool read_confirmed() const { return read_confirmed_; }
  // Why what was read may not be one consistent state (Store::changed_while_read), if it may not.
  std::optional<std::string> changed_while_read() const;
  // What the reader (options.read_as, or the operator) may see. Error(NotFound) for an
  // unknown name.
  ReadAccess access();
  Reader reader();
  // What `actor` may see, for a command that acts as them (`inbox --as`, what a change made).
  // Error(NotFound) for an unknown name.
  ReadAccess access_as(const std::string& actor);
  // `item` as `actor` may read it, to show them what their own change made: a requester is not
  // shown the team's fields by submitting. Nothing when they may not read it at all.
  std::optional<Item> seen_by(const std::string& actor, const Item& item);

  // Prints a refusal (exit code 1).
  void refused(const Refusal& refusal);
  // Warns on stderr of each workflow file that did not load.
  static void warn_not_loaded(const std::vector<Diagnostic>& problems);
  // Prints `value` as JSON (one line per document).
  void print_json(const Json& value);
  // The workflow files that did not load when the engine was opened (warned of on stderr).
  const std::vector<Diagnostic>& not_loaded() const { return not_loaded_; }

 private:
  std::unique_ptr<Store> open_store(bool create) const;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<WorkflowRegistry> registry_;
  std::unique_ptr<Engine> engine_;
  std::vector<Diagnostic> not_loaded_;
  bool only_reads_ = false;
  bool read_confirmed_ = false;
};

// `text` with every control character other than newline and tab written as \xNN, for human
// output: text someone else typed must not drive the reader's terminal (an ESC sequence can
// rewrite what the screen shows). JSON output needs no such care.
std::string printable(std::string_view text);
// The whole of a file the person named (`--data @file`, a document, an attachment, a workflow
// to check). Throws Error(BadInput) "cannot read <file>" if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace commsflow::cli
