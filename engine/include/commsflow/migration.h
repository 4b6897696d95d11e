// Moving open items to their workflow's current version, after the workflow's Lua has changed
// (`commsflow migrate` and `commsflow retriage`).
//
// An item keeps the version it started on until it is migrated. Migrating it: its state keeps its
// name if the current version still has it, or goes where the new version's
// `migrate.states` maps it; the new version's `migrate.data` function, if any, runs on it (and
// may return remarks); its data must then fit the new version's fields. Each migrated item gets
// one event, action "migrate", with the versions and remarks in its payload, so the history and
// `verify` account for the move.
//
// All or nothing: if any item in scope cannot move (a state the new version neither has nor
// maps, or data that does not fit), nothing moves and the refusal names every such item and
// why. Items in final states and items already on the current version are left as they are.
#pragma once

#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/json.h>
#include <commsflow/workflow_loader.h>

#include <string>
#include <vector>

namespace commsflow {

struct FieldChange {
  std::string field;
  Json before;  // null: absent
  Json after;   // null: removed
};

// What moving one item does (or, in a dry run, would do).
struct ItemMigration {
  std::string ref;
  std::string workflow;
  std::string from_version;
  std::string to_version;
  std::string from_state;
  std::string to_state;
  std::vector<FieldChange> changes;  // every data field that changes, in name order
  std::vector<std::string> remarks;  // returned by the new version's migrate.data
  // The new version's migrate.watch: the fields `retriage` reports.
  std::vector<std::string> watched;

  // True when a watched field changes or the workflow made a remark about the item.
  bool worth_listing() const;
  Json to_json() const;
};

struct MigrationRequest {
  std::string ref;       // one item, or
  std::string workflow;  // every open item of this workflow, or (both empty) of every workflow
  std::string actor;     // recorded on each event
  // Only workflows whose current version declares migrate.watch (`retriage`: those that rate
  // their items).
  bool watching_only = false;
  bool dry_run = false;  // moves made and rolled back: the database is left exactly as it was
};

struct MigrationResult {
  std::vector<ItemMigration> items;
};

// Loads the workflows folder and migrates, in one write transaction (rolled back for a dry run).
// Throws Error(NotFound) for an unknown item or workflow, Error(Script) when a workflow file does
// not load (naming each problem) or migrate.data fails; returns a Refusal naming every item that
// cannot move.
Outcome<MigrationResult> migrate(Engine& engine, const MigrationRequest& request);

}  // namespace commsflow
