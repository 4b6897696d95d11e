// Registration of the `commsflow` subcommands. Each callback runs its command and leaves the
// process exit code in session.exit_code; errors are thrown as commsflow::Error.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/session.h"

namespace commsflow::cli {

void add_admin_commands(CLI::App& app, Session& session);   // init, check, workflows, actor
void add_item_commands(CLI::App& app, Session& session);    // submit, act, show, list, history
void add_triage_commands(CLI::App& app, Session& session);  // queue, incident, import
void add_audit_commands(CLI::App& app, Session& session);   // audit, verify

// Adds demo actors and items (for `init --demo`); does nothing if there are items already.
void add_demo_data(Engine& engine);

}  // namespace commsflow::cli
