// Test fixtures: temporary folders, workflow files, an engine over a fresh database, and running
// the real `commsflow` binary.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_database.h"

namespace commsflow::test {

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `text` to path()/name (creating folders), returning the full path.
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// The shipped workflows folder of the source tree.
std::filesystem::path shipped_workflows();

// A workflow used across tests: draft -> review -> approved/draft, with a guard, an effect,
// a payload field and a `sets` field. Roles: comms_officer submits and sends, head_of_comms
// approves or returns.
extern const char* const kReviewWorkflow;

// A database in a temp folder with a workflows/ folder, a fixed clock, the registry synced and
// actors olivia (comms_officer), hannah (head_of_comms) and rita (requester).
struct Fixture {
  explicit Fixture(const std::string& workflow_source = kReviewWorkflow,
                   const std::string& file_name = "review.lua");
  TempDir dir;
  std::filesystem::path db_path;  // the SQLite file, when not testing PostgreSQL
  TestDatabase database{db_path = dir / "test.db"};
  const std::string& db = database.location();  // the file or the PostgreSQL URL
  std::filesystem::path workflows;
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;

  // Submits a review item as olivia with a title; REQUIREs success.
  Item submit(const std::string& title = "Winter campaign");
  // Acts; REQUIREs success.
  Item act(const std::string& ref, const std::string& action, const std::string& actor,
           Json inputs = Json::object());
  // Closes and reopens the database and registry (as a new process would).
  void reopen();
};

// The database of a folder the CLI works in: "commsflow.db" (the CLI's default, in the folder),
// or, when testing PostgreSQL, the URL of a database made for the folder and kept until the tests
// end. run_cli and ServeChild give it to the command as COMMSFLOW_DB.
std::string folder_database(const std::filesystem::path& folder);

// An engine in this process over a folder the CLI works in too (run_cli's defaults: the database
// commsflow.db and the workflows/ folder). Long scenarios are set up through it in milliseconds,
// and the CLI is run where the test is about the CLI. Each call takes the time it runs at.
struct LocalEngine {
  // Opens the folder's database; `create` makes it (as `commsflow init` would) when missing.
  explicit LocalEngine(const std::filesystem::path& folder, bool create = false);
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;

  // Submit and act at `now` (ISO 8601 UTC); REQUIRE success and return the item.
  Item submit(const std::string& workflow, const std::string& actor, const Json& inputs,
              const std::string& now, const std::string& parent = "");
  Item act(const std::string& ref, const std::string& action, const std::string& actor,
           const Json& inputs, const std::string& now, const std::string& note = "");
  // The item as stored now.
  Item item(const std::string& ref) const;
};

// The answers of a shipped comms request (workflows/comms_request.lua): internal work for Estates,
// every criterion at its lowest except `impact` and `reputational_risk` as given.
Json comms_request_fields(const std::string& title, const std::string& impact,
                          const std::string& reputational_risk = "low");

// "field=value" pairs as the inputs object `--set field=value` makes (values stay text; the engine
// coerces them to the fields' types).
Json inputs_of(const std::vector<std::string>& pairs);

// `commsflow [global_args] serve --port 0 [serve_args]` as a child in `folder`, with
// COMMSFLOW_NOW set to `now` (the real clock when empty): serving once constructed, on port().
// Its log (standard error) is read as it comes, so it never fills the pipe. Killed with SIGKILL
// by kill_hard() or on destruction.
class ServeChild {
 public:
  ServeChild(const std::filesystem::path& folder, const std::vector<std::string>& global_args,
             const std::string& now = "", const std::vector<std::string>& serve_args = {});
  ~ServeChild() { kill_hard(); }
  ServeChild(const ServeChild&) = delete;
  ServeChild& operator=(const ServeChild&) = delete;
  int port() const { return port_; }
  void kill_hard();
  // What the server has logged so far (all of it, once killed).
  std::string log() const;

 private:
  int pid_ = 0;
  int log_ = -1;
  int port_ = 0;
  std::thread reader_;
  mutable std::mutex log_mutex_;
  std::string log_text_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the commsflow binary with `args` in folder `cwd`, with COMMSFLOW_NOW fixed unless `now`
// is empty. Standard input is `input` (empty: /dev/null).
RunResult run_cli(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                  const std::string& now = "2026-03-02T09:00:00Z", const std::string& input = "");

// Runs `f`, which must throw Error(Script); returns the message.
std::string script_error(const std::function<void()>& f);

// The whole content of a file.
std::string read_bytes(const std::filesystem::path& path);

// The first column of the first row of a query run directly on a database (a file or a URL), as
// text.
std::string query_text(const std::string& db, const std::string& sql);

// Executes SQL on a database (a file or a URL) directly, bypassing the engine (for tampering
// tests).
void raw_sql(const std::string& db, const std::string& sql);

}  // namespace commsflow::test
