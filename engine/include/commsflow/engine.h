// The workflow engine: creates items and moves them through their workflow.
//
// Every state change is one transaction (BEGIN IMMEDIATE ... COMMIT): role check, Lua guard,
// Lua effect, data validation, the hash-chained event and the item update all happen inside it,
// so either all of it is written or none of it is.
//
// The parts that stand on this core each have their header: sign-off (signoff.h), incidents
// (incidents.h), import (import.h) and the queue (queue.h).
//
// Results: a refusal by a role check or a guard is returned as a Refusal (nothing written).
// Bad input, unknown items/actors/workflows, conflicts, storage failures and script failures
// throw commsflow::Error (nothing written).
//
// Not thread-safe; one Engine per Store.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/error.h>
#include <commsflow/event.h>
#include <commsflow/json.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace commsflow {

// An item reference as a person typed it, made the reference it names: references are upper
// case (a workflow's prefix is capitals, then year and number), so "med-2026-0001" names
// MED-2026-0001. Text with a colon (an account's "actor:NAME") is no item's and is left as it is.
std::string typed_reference(std::string text);

// Whether the one asking for a change may see the item as it stands. A change given one is
// carried out only when it says yes; otherwise the item is reported not found, as if it did
// not exist, before its revision or anything else about it is looked at. The server passes the
// reader's sight (read_access.h) this way rather than reading the item once more first.
using SeesItem = std::function<bool(const Item&)>;

struct ActRequest {
  std::string ref;
  std::string action;
  std::string actor;
  Json inputs = Json::object();  // field -> value (text is coerced to the field's type)
  std::string note;
  std::optional<std::int64_t> expected_revision;  // conflict if the item has moved on
};

struct AvailableAction {
  std::string name;
  std::string label;
  std::vector<std::string> to;  // the states it may lead to: one, several, or the present one
  std::vector<std::string> roles;
  std::vector<std::string> blocked_by;  // the guard's reasons, evaluated without an actor
  std::vector<std::string> sets;
  std::vector<std::string> fields;
  bool allowed = false;  // the actor asked about holds one of `roles` (false when none was given)

  // `to` as JSON gives it: "published", or "triaged|accepted" when the action chooses.
  std::string to_text() const;
};

// One line of a stage's checklist (see the state's `checklist` in the workflow).
struct ChecklistLine {
  std::string label;
  bool ok = false;
  std::string why;  // optional: what is missing, or why a line does not apply
};

struct WorkflowSummary {
  std::string name;
  std::string title;
  std::string version;
  std::string path;
  std::string loaded_at;
  std::int64_t open_items = 0;  // items of any version of this workflow not in a final state
  std::int64_t open_on_earlier_versions = 0;  // of those, the items on a version before `version`
};

// The actor the engine records for what it does by a workflow's own rules (timers firing, work
// paused by an incident's policy).
inline constexpr const char* kSystemActor = "system";

class Engine {
 public:
  Engine(Store& store, WorkflowRegistry& registry, const Clock& clock);

  // Creates an item of the workflow's current version in its initial state. `parent` (a ref,
  // or empty) makes it a child of that item, whose workflow must list this one in `children`.
  // Work that arrives during an incident is held by the workflow's policy (incidents.h).
  Outcome<Item> submit(std::string_view workflow, std::string_view actor, const Json& inputs,
                       std::string_view parent = {});
  // `sees`, when given: see SeesItem.
  Outcome<Item> act(const ActRequest& request, const SeesItem& sees = {});

  Item item(std::string_view ref);  // throws Error(NotFound)
  // The item a change is asked for: Error(NotFound) when there is none, or when `sees` is given
  // and says no.
  Item item_for_change(std::string_view ref, const SeesItem& sees);
  std::vector<Item> items(const ItemFilter& filter);
  // The actions of the item's state, each with the reasons it is blocked now and, when `actor`
  // is given, whether they hold a role it needs.
  std::vector<AvailableAction> available_actions(const Item& item, const Actor* actor = nullptr);
  // Whether `actor` holds a role that may start an item of the workflow's current version.
  bool may_submit(const Actor& actor, std::string_view workflow);
  // Why a new item of `workflow` could not belong to `parent_ref` now, whatever was given: it is
  // closed, at a state the workflow's `parent_states` leaves out, or no parent of such items.
  // Empty when it could (its submit guard, which reads what is given, may still say no). For
  // offering only what can be done.
  std::vector<std::string> child_blocked_by(std::string_view workflow,
                                            const std::string& parent_ref);
  // The checklist of the item's current state, met and unmet lines (empty when it has none).
  std::vector<ChecklistLine> checklist(const Item& item);
  std::vector<Event> history(std::string_view ref);  // throws Error(NotFound)
  std::vector<WorkflowSummary> workflows();

  // Adds the actor or grants it more roles, recorded in the chain as done `by` (see people.h).
  // Throws Error(BadInput) for an unknown role or name.
  Actor add_actor(std::string_view name, const std::vector<std::string>& roles,
                  std::string_view by = "operator", std::string_view display_name = {},
                  std::string_view email = {});

  Store& store() { return store_; }
  WorkflowRegistry& registry() { return registry_; }
  const Clock& clock() const { return clock_; }

  // The building blocks the parts that stand on the core use (sign-off, incidents, import,
  // queue): each runs inside a write transaction the caller holds and commits nothing.

  Outcome<Item> submit_in_transaction(std::string_view workflow, std::string_view actor,
                                      const Json& inputs, std::string_view parent = {});
  // The same once the workflow and actor are found, at time `now` (import looks them up once).
  Outcome<Item> submit_as(CompiledWorkflow& wf, const Actor& actor, Json inputs,
                          std::string_view parent, const std::string& now);
  // `by_engine`: the engine applying a workflow's own rule, recorded as kSystemActor, with no
  // role check (an incident's policy pausing work that arrives during it).
  Outcome<Item> act_in_transaction(const ActRequest& request, bool by_engine = false,
                                   const SeesItem& sees = {});
  // The actor of that name, able to act: Error(NotFound) or Error(BadInput) (disabled) if not.
  Actor require_actor(std::string_view name);
  // Error(Conflict) when the caller expected another revision of `item`.
  void check_revision(const Item& item, std::optional<std::int64_t> expected) const;
  // Records the change from `before` to `item`: sets event.changes, appends the event, and
  // writes the item one revision on, or throws Error(Conflict) if it moved meanwhile.
  void record_change(Event& event, const Item& before, Item& item, const std::string& now);

 private:
  Store& store_;
  WorkflowRegistry& registry_;
  const Clock& clock_;
};

}  // namespace commsflow
