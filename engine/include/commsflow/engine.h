// The workflow engine: creates items and moves them through their workflow.
//
// Every state change is one transaction (BEGIN IMMEDIATE ... COMMIT): role check, Lua guard,
// Lua effect, data validation, the hash-chained event and the item update all happen inside it,
// so either all of it is written or none of it is.
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
  std::string to;
  std::vector<std::string> roles;
  std::vector<std::string> blocked_by;  // the guard's reasons, evaluated without an actor
  std::vector<std::string> sets;
  std::vector<std::string> fields;
};

// One line of a stage's checklist (see the state's `checklist` in the workflow).
struct ChecklistLine {
  std::string label;
  bool ok = false;
  std::string why;  // optional: what is missing, or why a line does not apply
};

struct IncidentResult {
  Item incident;                      // the incident item (workflow "incident")
  std::vector<std::string> affected;  // refs paused (declare) or resumed (close)
};

// One row of an import: its line in the file and its fields.
struct ImportRow {
  std::int64_t line = 0;
  Json fields = Json::object();
};

struct WorkflowSummary {
  std::string name;
  std::string title;
  std::string version;
  std::string path;
  std::string loaded_at;
  std::int64_t open_items = 0;  // items of any version of this workflow not in a final state
};

class Engine {
 public:
  Engine(Store& store, WorkflowRegistry& registry, const Clock& clock);

  // Creates an item of the workflow's current version in its initial state. `parent` (a ref,
  // or empty) makes it a child of that item, whose workflow must list this one in `children`.
  Outcome<Item> submit(std::string_view workflow, std::string_view actor, const Json& inputs,
                       std::string_view parent = {});
  Outcome<Item> act(const ActRequest& request);

  // Declares an incident (an item of the "incident" workflow) and, in the same transaction,
  // pauses every open item whose workflow's incident_policy says so, through that workflow's
  // `pause` action with payload {incident_name = name}. A refusal of any of it refuses all of it.
  Outcome<IncidentResult> declare_incident(std::string_view name, std::string_view level,
                                           std::string_view actor);
  // Closes the named active incident and resumes exactly the items it paused (action `resume`
  // with payload {incident_name = name}); items paused for other reasons stay paused.
  Outcome<IncidentResult> close_incident(std::string_view name, std::string_view actor);

  // Submits every row in one transaction. If any row is bad or refused, nothing is imported and
  // Error(BadInput) lists every bad row as "line N: field: problem". `progress(done, total)` is
  // called as rows are processed. Returns the new references in row order.
  std::vector<std::string> import_items(std::string_view workflow, std::string_view actor,
                                        const std::vector<ImportRow>& rows,
                                        const std::function<void(size_t, size_t)>& progress = {});

  // Open items of a workflow in queue order: by rating (red, amber, green, none), then due time
  // (data.due_at), then reference; paused items last.
  std::vector<Item> queue(std::string_view workflow);

  Item item(std::string_view ref);  // throws Error(NotFound)
  std::vector<Item> items(const ItemFilter& filter);
  std::vector<AvailableAction> available_actions(const Item& item);
  // The checklist of the item's current state, met and unmet lines (empty when it has none).
  std::vector<ChecklistLine> checklist(const Item& item);
  std::vector<Event> history(std::string_view ref);  // throws Error(NotFound)
  std::vector<WorkflowSummary> workflows();

  // Adds the actor or grants it more roles. Throws Error(BadInput) for an unknown role or name.
  Actor add_actor(std::string_view name, const std::vector<std::string>& roles);

  Store& store() { return store_; }
  WorkflowRegistry& registry() { return registry_; }
  const Clock& clock() const { return clock_; }

 private:
  // The work of submit/act inside a write transaction the caller holds.
  Outcome<Item> submit_in_transaction(std::string_view workflow, std::string_view actor,
                                      const Json& inputs, std::string_view parent = {});
  Outcome<Item> act_in_transaction(const ActRequest& request);
  Actor require_actor(std::string_view name);
  // The incident of that name not yet in a final state, if any.
  std::optional<Item> active_incident(std::string_view name);
  std::int64_t append_event(Event& event);

  Store& store_;
  WorkflowRegistry& registry_;
  const Clock& clock_;
};

}  // namespace commsflow
