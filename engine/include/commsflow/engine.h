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

// A decision in a sign-off step (see decision_names(): approved, approved_with_changes,
// changes_required, not_relevant).
struct DecideRequest {
  std::string ref;
  std::string decision;
  std::string actor;
  std::string comment;
  std::string on_behalf_of;  // optional: whose delegation to use when more than one applies
  std::optional<std::int64_t> expected_revision;
};

enum class QueueOrder {
  Workflow,   // the workflow's `queue.sort`, then submission order (see QueueSpec)
  Due,        // the `queue.due` field first (none last), then the workflow's order
  Reference,  // by reference
};

// Which part of a workflow's queue to read, filtered then ordered then paged.
struct QueueQuery {
  QueueQuery() = default;
  explicit QueueQuery(std::string workflow_name) : workflow(std::move(workflow_name)) {}

  std::string workflow;
  std::string tier;        // empty: any; otherwise only items whose `queue.tier` field is this
  bool late_only = false;  // only items whose `queue.late` field is true
  QueueOrder order = QueueOrder::Workflow;
  std::int64_t offset = 0;  // how many matching items to skip
  std::int64_t limit = -1;  // at most this many items; -1: all
};

struct QueuePage {
  std::int64_t total = 0;  // items matching the query, on every page together
  std::vector<Item> items;
};

struct PutDocumentRequest {
  std::string ref;
  std::string actor;
  std::string content;
  std::vector<Attachment> attachments;  // hashes are computed by the engine
  std::string note;
  std::optional<std::int64_t> expected_revision;
};

// A timer that `tick` fired: the item, the timer's action and what it did.
struct FiredTimer {
  std::string ref;
  std::string action;  // remind, escalate, or overdue (a queued item past its due time)
  std::string message;
};

// An item waiting for an actor's decision.
struct PendingDecision {
  Item item;
  std::string step;
  std::string due_at;        // empty when the step has no due time
  std::string on_behalf_of;  // set when the actor would decide as a delegate
  std::vector<std::string> groups;
};

struct AvailableAction {
  std::string name;
  std::string label;
  std::string to;
  std::vector<std::string> roles;
  std::vector<std::string> blocked_by;  // the guard's reasons, evaluated without an actor
  std::vector<std::string> sets;
  std::vector<std::string> fields;
  bool allowed = false;  // the actor asked about holds one of `roles` (false when none was given)
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

// One row of an import: its line in the file and its fields, or why it could not be read.
struct ImportRow {
  std::int64_t line = 0;
  Json fields = Json::object();
  std::string problem = {};  // set when the row could not be read: it is reported, never submitted
};

// Where an import's rows come from, one at a time, so that a large file is never held whole
// (see import_rows.h for CSV). Not thread-safe.
class ImportSource {
 public:
  virtual ~ImportSource() = default;
  // Fills `row` with the next row and returns true, or returns false after the last one.
  // Throws Error(BadInput) naming the line when the rest of the input cannot be read.
  virtual bool next(ImportRow& row) = 0;
  // The share of the input read so far, from 0 to 1.
  virtual double fraction_read() const = 0;
};

// Told after each row of an import: rows processed so far and the share of the input read.
using ImportProgress = std::function<void(size_t rows, double fraction)>;

struct WorkflowSummary {
  std::string name;
  std::string title;
  std::string version;
  std::string path;
  std::string loaded_at;
  std::int64_t open_items = 0;  // items of any version of this workflow not in a final state
};

// The actor the engine records for what it does by a workflow's own rules (timers firing, work
// paused by an incident's policy).
inline constexpr const char* kSystemActor = "system";

class Engine {
 public:
  Engine(Store& store, WorkflowRegistry& registry, const Clock& clock);

  // Creates an item of the workflow's current version in its initial state. `parent` (a ref,
  // or empty) makes it a child of that item, whose workflow must list this one in `children`.
  Outcome<Item> submit(std::string_view workflow, std::string_view actor, const Json& inputs,
                       std::string_view parent = {});
  Outcome<Item> act(const ActRequest& request);

  // Declares an incident (an item of the "incident" workflow) and, in the same transaction,
  // pauses every open item whose workflow's `incidents.holds` says so, through that workflow's
  // `incidents.pause` action with payload {incident_name = name}. A refusal of any of it refuses
  // all of it.
  Outcome<IncidentResult> declare_incident(std::string_view name, std::string_view level,
                                           std::string_view actor);
  // Closes the named active incident and resumes exactly the items it paused (the items whose
  // `incidents.held_by` field names it take `incidents.resume` with payload {incident_name =
  // name}); items paused for other reasons stay paused.
  Outcome<IncidentResult> close_incident(std::string_view name, std::string_view actor);

  // Submits every row in one transaction, reading them one at a time (engine/workflow/import.cpp).
  // If any row is bad, unreadable or refused, nothing is imported and Error(BadInput) lists every
  // bad row as "line N: field: problem" (when the source cannot read on, what it read until then).
  // Each row is triaged exactly as Engine::submit would. Returns the new references in row order.
  std::vector<std::string> import_items(std::string_view workflow, std::string_view actor,
                                        ImportSource& rows, const ImportProgress& progress = {});
  // The same over rows already in memory.
  std::vector<std::string> import_items(std::string_view workflow, std::string_view actor,
                                        const std::vector<ImportRow>& rows,
                                        const ImportProgress& progress = {});

  // The queue (engine/workflow/queue.cpp): the open items (not in a final state of their
  // version) of a workflow, in the order its current version's `queue` declares (QueueSpec in
  // definition.h). Only small keys of every item are held; items are read one at a time.
  //
  // Calls `visit` with each item of the query's page, in order, inside one read transaction, and
  // returns how many items match the query (ignoring offset and limit). Throws Error(BadInput)
  // for a negative offset or a limit below -1. A workflow with no items has an empty queue.
  std::int64_t for_each_in_queue(const QueueQuery& query,
                                 const std::function<void(const Item&)>& visit);
  // The same, collected: for a page of the queue (a small limit), not for all of it.
  QueuePage queue(const QueueQuery& query);

  Item item(std::string_view ref);  // throws Error(NotFound)
  std::vector<Item> items(const ItemFilter& filter);
  // The actions of the item's state, each with the reasons it is blocked now and, when `actor`
  // is given, whether they hold a role it needs.
  std::vector<AvailableAction> available_actions(const Item& item, const Actor* actor = nullptr);
  // Whether `actor` holds a role that may start an item of the workflow's current version.
  bool may_submit(const Actor& actor, std::string_view workflow);
  // The checklist of the item's current state, met and unmet lines (empty when it has none).
  std::vector<ChecklistLine> checklist(const Item& item);
  std::vector<Event> history(std::string_view ref);  // throws Error(NotFound)
  std::vector<WorkflowSummary> workflows();

  // Sign-off (engine/workflow/signoff.cpp).
  //
  // Records a decision on the item's current document version in its current sign-off step.
  // Refused when the item is not in a sign-off step, the actor may not decide there (directly or
  // as a delegate), the actor wrote the current version, they already decided, or the step's
  // Lua guard says no. When the decision completes the step, the item moves where the step's
  // outcome leads, in the same transaction.
  Outcome<Item> decide(const DecideRequest& request);
  // Stores a new version of the item's document. Refused in a final state, for an actor without
  // a document role, or for content identical to the current version. In the chain, or once it
  // has approved the item, every approval of an earlier version is voided and the item goes
  // back to the step the on_new_version policy names (by default the start of the chain).
  Outcome<Item> put_document(const PutDocumentRequest& request);
  std::vector<DocumentVersion> documents(std::string_view ref);  // oldest first
  // Lets `to` decide for `from` in `role` until the end of `until`. `by` must be `from` or an
  // admin. Refused or Error(BadInput) naming the problem.
  Outcome<Delegation> delegate(std::string_view from, std::string_view to, std::string_view role,
                               std::string_view until, std::string_view by);
  // Fires every timer due by now, each in its own transaction, as actor `system`.
  std::vector<FiredTimer> tick();
  // Items in a sign-off step waiting for `actor`'s decision, soonest due first.
  std::vector<PendingDecision> inbox(std::string_view actor);
  std::vector<OutboxEntry> outbox(std::string_view recipient, std::string_view ref);

  // Adds the actor or grants it more roles, recorded in the chain as done `by` (see people.h).
  // Throws Error(BadInput) for an unknown role or name.
  Actor add_actor(std::string_view name, const std::vector<std::string>& roles,
                  std::string_view by = "operator", std::string_view display_name = {},
                  std::string_view email = {});

  Store& store() { return store_; }
  WorkflowRegistry& registry() { return registry_; }
  const Clock& clock() const { return clock_; }

 private:
  // The work of submit/act inside a write transaction the caller holds.
  Outcome<Item> submit_in_transaction(std::string_view workflow, std::string_view actor,
                                      const Json& inputs, std::string_view parent = {});
  // The same once the workflow and actor are found, at time `now` (import looks them up once).
  Outcome<Item> submit_as(CompiledWorkflow& wf, const Actor& actor, Json inputs,
                          std::string_view parent, const std::string& now);
  // `by_engine`: the engine applying a workflow's own rule, recorded as kSystemActor, with no
  // role check (an incident's policy pausing work that arrives during it).
  Outcome<Item> act_in_transaction(const ActRequest& request, bool by_engine = false);
  Actor require_actor(std::string_view name);
  // The incident of that name not yet in a final state, if any.
  std::optional<Item> active_incident(std::string_view name);
  // Every incident not yet closed, as the policy sees it: {name, level, ref}.
  std::vector<Json> active_incidents();
  // Pauses `item` (its workflow's `incidents.pause` action, by `actor`, or by the engine when that
  // is kSystemActor) for the first of `incidents` its workflow's `incidents.holds` says should hold
  // it. True when it was paused.
  Outcome<bool> pause_by_policy(const Item& item, const std::vector<Json>& incidents,
                                std::string_view actor);
  std::int64_t append_event(Event& event);
  // Error(Conflict) when the caller expected another revision of `item`.
  static void check_revision(const Item& item, std::optional<std::int64_t> expected);
  // Records the change from `before` to `item`: sets event.changes, appends the event, and
  // writes the item one revision on, or throws Error(Conflict) if it moved meanwhile.
  void record_change(Event& event, const Item& before, Item& item, const std::string& now);
  // Keeps the engine's sign-off records in step when an item moves from `before.state` to
  // `after.state`: starts a sign-off step (due time, timers, notifications), records a passed
  // step (`outcome` "approved" or "not_relevant") and the final approval, or clears them.
  // Changes `after.data`; call before the event is built.
  void on_state_change(CompiledWorkflow& wf, const Item& before, Item& after,
                       std::string_view outcome);
  void start_step(CompiledWorkflow& wf, Item& item, const StateSpec& state);

  // Approvals of record (engine/workflow/approval.cpp).
  //
  // A new document version: voids every standing approval of the chain and sends the item to
  // the step its on_new_version policy names, recording `back_to`, `voided` and `voided_steps`
  // in `payload`. Outside the chain it only drops an approval that no longer applies.
  void void_for_new_version(CompiledWorkflow& wf, Item& item, Json& payload);
  // After an action that left the item in its state: when it changed an approval condition
  // while approvals stand, records `conditions_changed` and either `approval: "stands"` or
  // where the workflow's approval.on_change (default: the chain's start) sent the item.
  void reconsider_approval(CompiledWorkflow& wf, const Item& before, Item& item,
                           std::string_view action, const Json& actor, Json& payload);
  // Moves the item to `target`, voiding the current step's decisions and those of `passed`
  // from index `keep` on (kept in the new step's `void`); passed steps before `keep` stay in
  // `_chain`. Starts `target` when it is a sign-off step.
  void send_back(CompiledWorkflow& wf, Item& item, const Json& passed, const std::string& target,
                 std::size_t keep, Json& payload);
  // Adds an outbox row for each person who may fill one of `entries`, except the author of the
  // item's current document version (who may not decide on it) and anyone acting only for them.
  void notify_step(const Item& item, const StateSpec& state, std::string_view kind,
                   const std::vector<std::string>& entries, const std::string& why);
  // The actors who fill `entry` (a name or a role) and their delegates in force, leaving out
  // `excluded` and delegations from them; "role:NAME" when nobody holds the role.
  std::vector<std::string> recipients(std::string_view entry, std::string_view excluded);
  Outcome<Item> fire_timer(const Timer& timer, FiredTimer& fired);
  // For each workflow whose queue names `overdue_notify`: an open item past its due time (not
  // held) gets, once, an `overdue` outbox row for each person named (engine/workflow/overdue.cpp).
  void notify_overdue(std::vector<FiredTimer>& fired);

  Store& store_;
  WorkflowRegistry& registry_;
  const Clock& clock_;
};

}  // namespace commsflow
