// Two programs, one command line (see engine/CMakeLists.txt): `commsflow-full` links PostgreSQL,
// email and the web server; `commsflow` links none of them and starts in a fraction of the time.
// Where a command run as `commsflow` needs one of them, a stand-in (hand_over.cpp) throws
// HandOver before anything is written; run_command_line then replaces the process with
// commsflow-full, beside it, with the same arguments and environment.
#pragma once

#include <commsflow/server.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/session.h"

namespace commsflow::cli {

// What the command needs that this program does not have, in words: "PostgreSQL".
struct HandOver {
  std::string needs;
};

// `commsflow serve`'s options, as given.
struct ServeArgs {
  server::ServerOptions options;
  std::string assets;
  int reload_seconds = 5;
  int session_minutes = 8 * 60;
  std::string group_commit = "on";
  std::string mail_config;
};

// Serves until SIGTERM or Ctrl-C (serve_run.cpp), or throws HandOver (hand_over.cpp).
void serve(Session& session, ServeArgs& args);

// This program's file (/proc/self/exe); empty when it cannot be read.
std::filesystem::path own_executable();

}  // namespace commsflow::cli
