// Registration of the `commsflow` subcommands. Each callback runs its command and leaves the
// process exit code in session.exit_code; errors are thrown as commsflow::Error.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/session.h"

namespace commsflow::cli {

void add_admin_commands(CLI::App& app, Session& session);      // init, check, workflows, actor
void add_item_commands(CLI::App& app, Session& session);       // submit, act, show, list, history
void add_triage_commands(CLI::App& app, Session& session);     // queue, incident, import
void add_migration_commands(CLI::App& app, Session& session);  // migrate, retriage
// doc, decide, delegate, delegations, inbox, outbox, tick
void add_signoff_commands(CLI::App& app, Session& session);

// After a change made from the command line: a warning on stderr when `changed`'s history does
// not verify. Only closing an item is refused on a history altered outside commsflow (Engine::
// record_change); a change short of that is made, and whoever made it is told what it rests on.
// The exit code stays 0: the change was written.
void warn_if_changed_on_altered(Store& store, const Item& changed);

// Prints an item's document version, sign-off step, decisions and approval record, if any.
void print_signoff(Session& session, const Item& item);

void add_engagement_commands(CLI::App& app, Session& session);  // report

// What `show` adds for an item whose state has a checklist or whose workflow has children:
// {checklist: [{label, ok, why}], children: [item...]} (keys present only when they apply),
// and the same printed for people.
// Children are those the reader may see.
Json family_json(ReadAccess& access, const Item& item);
void print_family(ReadAccess& access, const Item& item);

// Adds `--as NAME` to a reading command (see Options::read_as).
void add_read_as(CLI::App* cmd, Session& session);
// Checks an option is a whole number of at least `least`, saying so in plain words when not.
CLI::Validator at_least(std::int64_t least);
// Reads an item reference as typed (typed_reference): `med-2026-0001` finds MED-2026-0001.
CLI::Validator as_reference();
// Reads a person's name as typed (typed_person_name): `--as Hannah.Head` is hannah.head.
CLI::Validator as_person();
// A decision as typed: "Approved with changes" is approved_with_changes (typed_decision).
CLI::Validator as_decision();
void add_audit_commands(CLI::App& app, Session& session);  // audit, verify

void add_account_commands(CLI::App& app, Session& session);  // actor passwd, token create
void add_serve_command(CLI::App& app, Session& session);     // serve
void add_deliver_command(CLI::App& app, Session& session);   // deliver
void add_copy_command(CLI::App& app, Session& session);      // copy

// Hashes and stores an actor's sign-in password. Throws Error(BadInput) if it is too short.
void set_password(Engine& engine, std::string_view actor, std::string_view password);

// The password `init --demo` gives every demo actor. For demonstrations only.
inline constexpr const char* kDemoPassword = "demo-password";

// Adds demo actors and items (for `init --demo`) to a database with no people and no items, all
// in one transaction; does nothing where they are already; Error(BadInput) on any other
// database, and Error(Script) when a shipped workflow it uses is not loaded, having added
// nothing.
void add_demo_data(Engine& engine);

}  // namespace commsflow::cli
