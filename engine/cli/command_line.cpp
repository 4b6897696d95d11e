// The `commsflow` command line: parses the arguments and runs the command they name.
#include <commsflow/command_line.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/hand_over.h"

namespace {

constexpr const char* kDescription =
    "commsflow: workflows for NHS communications and engagement teams.\n"
    "Workflows are Lua files (see --workflows); state lives in one SQLite file\n"
    "or a PostgreSQL database (see --db).\n\n"
    "Exit codes: 0 ok; 1 refused by a rule or role check, or the item changed meanwhile;\n"
    "2 bad input or usage (the field or file is named); 3 storage or workflow script failure.\n"
    "Nothing is written unless the exit code is 0.";

// The innermost command the user named, e.g. `actor` in `commsflow actor frobnicate`.
CLI::App* innermost_command(CLI::App& app) {
  CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  return command;
}

// A usage error in plain words. CLI11 says only "A subcommand is required" for a mistyped
// command; name the word that was not understood and the commands there are.
std::string usage_message(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* command = innermost_command(app);
  if (command->get_require_subcommand_min() == 0 || !command->get_subcommands().empty()) {
    return e.what();
  }
  std::vector<std::string> names;
  const CLI::App& parent = *command;
  for (const CLI::App* sub : parent.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  std::string path = command->get_name();
  for (const CLI::App* p = command->get_parent(); p; p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  for (const auto& arg : app.remaining(true)) {
    if (!arg.empty() && arg[0] != '-') {
      return fmt::format("unknown command '{}' (`{}` commands: {})", arg, path,
                         fmt::join(names, ", "));
    }
  }
  return fmt::format("`{}` needs a command: {}", path, fmt::join(names, ", "));
}

}  // namespace

namespace commsflow::cli {

std::filesystem::path own_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : path;
}

namespace {

// The command line run once. A command that needs what this program does not link sets
// `handed` (with whether --json was given) and returns, having written nothing.
int run_here(int argc, char** argv, std::optional<std::pair<HandOver, bool>>& handed) {
  using commsflow::Error;
  commsflow::cli::Session session;
  CLI::App app{kDescription, "commsflow"};
  std::string version_help = "Print the version and exit";
  app.add_flag("--version", version_help);  // answered below, before parsing
  app.require_subcommand(1);
  app.fallthrough();
  app.option_defaults()->always_capture_default();
  app.add_option("--db", session.options.db,
                 "The database: an SQLite file, or a postgresql:// URL (see README, PostgreSQL)")
      ->envname("COMMSFLOW_DB");
  app.add_option("--workflows", session.options.workflows, "Folder of workflow .lua files")
      ->envname("COMMSFLOW_WORKFLOWS");
  app.add_flag("--json", session.options.json, "Print JSON for scripts instead of text");
  app.add_option("--busy-timeout", session.options.busy_timeout_ms,
                 "Milliseconds to wait while another process is writing before giving up (exit 1)")
      ->envname("COMMSFLOW_BUSY_TIMEOUT")
      ->check(CLI::Range(0, 600'000));
  commsflow::cli::add_admin_commands(app, session);
  commsflow::cli::add_item_commands(app, session);
  commsflow::cli::add_triage_commands(app, session);
  commsflow::cli::add_migration_commands(app, session);
  commsflow::cli::add_signoff_commands(app, session);
  commsflow::cli::add_engagement_commands(app, session);
  commsflow::cli::add_audit_commands(app, session);
  commsflow::cli::add_account_commands(app, session);
  commsflow::cli::add_serve_command(app, session);
  commsflow::cli::add_deliver_command(app, session);
  commsflow::cli::add_copy_command(app, session);

  // --json counts even when parsing stopped before its value was stored.
  auto json = [&] { return session.options.json || app.get_option("--json")->count() > 0; };
  // With --json, as the API gives it: `fields` maps each input at fault to what is wrong.
  auto report = [&](const char* code, const std::string& message, int exit_code,
                    const std::vector<commsflow::FieldProblem>& fields = {}) {
    if (json()) {
      commsflow::Json error{{"code", code}, {"message", message}};
      if (!fields.empty()) {
        commsflow::Json by_field = commsflow::Json::object();
        for (const auto& f : fields) by_field[f.field] = f.message;
        error["fields"] = std::move(by_field);
      }
      session.print_json(commsflow::Json{{"error", std::move(error)}});
    } else {
      std::cerr << "error: " << message << "\n";
    }
    return exit_code;
  };

  // A read of a file read alone that someone opened to write meanwhile (Store::changed_while_read)
  // fails the command, however its error showed: a torn read can look like any fault.
  auto torn = [&](const std::string& why) {
    return report(to_string(commsflow::ErrorKind::Storage), why, 3);
  };

  // --version among the options before the command answers at once: CLI11 would first ask for
  // a command. After a command it is that command's own (decide --version N).
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--version") {
      std::cout << "commsflow " COMMSFLOW_VERSION "\n";
      return 0;
    }
    const auto named = [&](const CLI::App* command) { return command->get_name() == arg; };
    if (!std::as_const(app).get_subcommands(named).empty()) break;
  }
  try {
    app.parse(argc, argv);
  } catch (const HandOver& h) {
    handed.emplace(h, json());
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = usage_message(app, e);
    if (!json()) message += "\nRun with --help for more information.";
    return report(to_string(commsflow::ErrorKind::BadInput), message, 2);
  } catch (const Error& e) {
    // A file read alone that someone wrote to meanwhile can read as damaged: said as it is.
    if (auto changed = session.changed_while_read()) return torn(*changed);
    // The engine names the input at fault as the field ("parent: no item X"); here a few of
    // those inputs are options.
    std::string message = e.what();
    auto option_for = [](const std::string& field) -> std::string {
      if (field == "parent" || field == "note" || field == "comment" || field == "until") {
        return "--" + field;
      }
      if (field == "content") return "--file";  // the document's text, given with `doc put`
      if (field == "on_behalf_of") return "--on-behalf-of";
      return {};
    };
    for (const auto& problem : e.fields()) {
      const std::string option = option_for(problem.field);
      if (option.empty()) continue;
      if (message.starts_with(problem.field + ":")) {  // said alone: "parent: no item X"
        message = option + message.substr(problem.field.size());
      }
      // Or, for the parent of a new item, in the list of its problems: "  parent: ...". (The
      // others are option names only when said alone: a workflow may have a field "note".)
      const std::string listed = "\n  " + problem.field + ": ";
      if (auto at = message.find(listed); problem.field == "parent" && at != std::string::npos) {
        message.replace(at, listed.size(), "\n  " + option + ": ");
      }
    }
    return report(to_string(e.kind()), message, commsflow::exit_code_for(e.kind()), e.fields());
  } catch (const commsflow::Json::exception& e) {
    if (auto changed = session.changed_while_read()) return torn(*changed);
    // Input JSON is parsed and checked before use; one escaping the engine is a defect.
    return report("internal", fmt::format("internal error, nothing was changed: {}", e.what()), 3);
  } catch (const std::exception& e) {
    if (auto changed = session.changed_while_read()) return torn(*changed);
    return report(to_string(commsflow::ErrorKind::Storage), e.what(), 3);
  }
  // A file read alone that someone wrote to meanwhile: what was printed may be torn, so the
  // command fails after it, on stderr in JSON too, so that stdout keeps one document. A command
  // that confirmed its read before printing (Session::require_steady_read: audit, verify, list)
  // is not failed by a write while its output is paged.
  if (auto changed = session.changed_while_read(); changed && !session.read_confirmed()) {
    if (json()) {
      std::cerr << commsflow::Json{{"error", {{"code", "storage"}, {"message", *changed}}}}.dump(2)
                << "\n";
    } else {
      std::cerr << "error: " << *changed << "\n";
    }
    return 3;
  }
  return session.exit_code;
}

// Replaces this process with commsflow-full, beside this program, given the same arguments;
// returns an exit code only when that cannot be done.
int hand_over(char** argv, const HandOver& h, bool json) {
  // Set in commsflow-full's environment: a program that hands over again is not commsflow-full
  // (a packaging mistake), and is not run round and round.
  static constexpr const char* kHandedOver = "COMMSFLOW_HANDED_OVER";
  const std::filesystem::path self = own_executable();
  const std::filesystem::path full = self.parent_path() / "commsflow-full";
  std::string why;
  if (self.empty()) {
    why = "this program's own path could not be read";
  } else if (std::getenv(kHandedOver)) {
    why = fmt::format("{} handed the command back", full.string());
  } else {
    std::cout.flush();
    std::fflush(stdout);
    setenv(kHandedOver, "1", 1);
    execv(full.c_str(), argv);
    why = fmt::format("it could not be run from {} ({})", full.string(), std::strerror(errno));
  }
  const std::string message = fmt::format(
      "this command needs {}, which only commsflow-full has (the same program with PostgreSQL, "
      "email and the web server); {}: install it beside {}",
      h.needs, why, self.empty() ? std::string("commsflow") : self.filename().string());
  if (json) {
    const Json error{{"code", to_string(ErrorKind::Storage)}, {"message", message}};
    std::cout << Json{{"error", error}}.dump(2) << "\n";
  } else {
    std::cerr << "error: " << message << "\n";
  }
  return 3;
}

}  // namespace

int run_command_line(int argc, char** argv) {
  std::optional<std::pair<HandOver, bool>> handed;
  const int code = run_here(argc, argv, handed);  // what it opened is closed again by now
  if (handed) return hand_over(argv, handed->first, handed->second);
  // Output that never arrived (a full disk, a closed file) is a failure, not a success: a chain
  // head or a register meant for the minutes must not be lost under exit 0.
  std::cout.flush();
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    const int why = errno;
    const std::string reason =
        why != 0 ? std::strerror(why) : "a full disk, or an output that was closed";
    // A command that failed keeps its own exit code and message (already on stderr).
    if (code != 0) {
      std::cerr << fmt::format("error: its output could not be written either ({})\n", reason);
      return code;
    }
    std::cerr << fmt::format(
        "error: the command ran to its end (any change it made is saved), but its output could "
        "not be written ({})\n",
        reason);
    return 3;
  }
  return code;
}

}  // namespace commsflow::cli
