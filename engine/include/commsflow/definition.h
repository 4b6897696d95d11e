// The model of a workflow definition, as read from a Lua file.
//
// A Definition is plain data: the Lua functions it names (guards, effects) are referred to by
// `ScriptFunction` handles that only the script runtime that produced them can call.
#pragma once

#include <commsflow/json.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace commsflow {

// A Lua function held by a WorkflowScript; 0 means "none".
using ScriptFunction = int;

enum class FieldType {
  Text,
  Choice,
  Boolean,
  Integer,
  Number,
  Date,
  DateTime,
  List,
  Record,
  Actor
};

const char* to_string(FieldType type);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::Text;
  bool required = false;
  std::string label;                                 // for forms; defaults to the name
  std::vector<std::string> options;                  // choice
  std::map<std::string, std::string> option_labels;  // choice: what people see for a value
  std::optional<double> min, max;  // integer/number value, text length, list length
  std::optional<Json> default_value;
  std::shared_ptr<FieldSpec> item;  // list: the type of each element
  std::vector<FieldSpec> fields;    // record: its fields
  std::string role;                 // actor: the role the named actor must hold (optional)
  bool past = false;                // date/datetime: something that has happened, never future
  bool future = false;  // date/datetime: still to come when given (a deadline), checked only then
  // date/datetime: when given, at most this many days from today either way, so that a year
  // mistyped (2062 for 2026) is asked about; checked only then. 0: any date.
  int within_days = 0;
  // integer: a length of time in these units ("seconds" or "minutes"), which people see in
  // hours and minutes; empty for a plain number.
  std::string unit;
  // Required when another field has one of the listed values: {field, values}.
  std::vector<std::pair<std::string, std::vector<std::string>>> required_if;
  // When an answer is needed although the field is not required, in words for forms ("Needed when
  // Our responsibility is Lead or Partner"): the workflow's `needed_when`, else made from
  // `required_if` once the definition is read (say_when_needed). Empty: optional.
  std::string needed_when;
  int line = 0;

  // Text without a `max`, or with one over 500 characters, may hold line breaks (a text area on
  // the web); shorter text is one line.
  bool multiline() const { return type == FieldType::Text && (!max || *max > 500); }
};

struct ActionSpec {
  std::string name;
  // Where the action leads. Empty: the item stays in its state. Several: `route` picks one.
  std::vector<std::string> to;
  ScriptFunction route = 0;
  std::vector<std::string> roles;
  std::string label;
  ScriptFunction guard = 0;
  ScriptFunction effect = 0;
  std::vector<FieldSpec> fields;  // payload, passed to guard and effect as ctx.payload
  std::vector<std::string> sets;  // item fields the action may set from its input
  // Lua `required`: of `sets`, the fields that must have a value once the action is taken
  // (given now, or already there).
  std::vector<std::string> required_sets;
  // Lua `notify = { assignee = "Assigned to you" }`: who is told by email once the action is
  // taken, and the email's heading. Each key is an actor field of the item (told when the action
  // leaves it naming someone it did not name before) or a role (its holders); never the person
  // acting. In source order.
  std::vector<std::pair<std::string, std::string>> notify;
  bool gate = false;  // refused while any line of its state's checklist is unmet
  // Lua `releases = true`: the action puts out the item's document (a statement issued). The
  // engine refuses it unless an approval of record stands for the current version, unaltered,
  // and records that version and its SHA-256 in the action's event.
  bool releases = false;
  // For an action that ends or discards work: the question the web app asks before taking it
  // (shown as a warning button with a confirmation step). Empty: taken at once.
  std::string confirm;
  // What the success banner says was done, after the item's reference: "assigned to
  // {assignee}", each {name} an item or action field, given in words. Empty: "<label> done".
  std::string done;
  int line = 0;
  int to_line = 0;
  int roles_line = 0;

  const FieldSpec* field(std::string_view name) const;  // one of `fields`, or null
};

// Where one outcome of a sign-off step leads: one state, or several with a `route` to pick.
struct OutcomeSpec {
  std::vector<std::string> to;
  ScriptFunction route = 0;
  int line = 0;
};

// One set of approvers within a sign-off step. A step has one group, or several that must all
// reach a result (parallel sign-off, e.g. clinical and legal at once).
struct ApproverGroupSpec {
  std::string name;
  // Each entry is a role, or the name of one actor.
  std::vector<std::string> approvers;
  // "all": every entry decides; "any": the first decision ends the group; "quorum": `quorum`
  // decisions by different people; "primary": the decision of the entry `primary` ends it.
  std::string rule = "any";
  int quorum = 0;
  std::string primary;
  int line = 0;
  // Lua `quorum = function(item, ctx) ... end`: the quorum for this item, asked when the step
  // starts and kept in its record (`_signoff.groups.NAME.quorum`): one decision per partner
  // organisation the statement names, say.
  ScriptFunction quorum_of = 0;
};

// A state in which named approvers decide on the item's current document version.
struct SignoffSpec {
  std::vector<ApproverGroupSpec> groups;
  ScriptFunction due = 0;          // (item, ctx) -> datetime text, seconds from now, or nil
  ScriptFunction guard = 0;        // (item, ctx) -> true or reasons; ctx.decision is the decision
  std::int64_t remind_before = 0;  // seconds before the due time; 0: no reminder
  std::vector<std::string> escalate_to;  // roles or actors who may decide once overdue
  OutcomeSpec approved;                  // approved and approved_with_changes
  OutcomeSpec changes_required;
  OutcomeSpec not_relevant;  // defaults to `approved`
  // Where a new document version sends the item while it is in this step (or, for the chain's
  // last step, once the chain has approved it). Every decision of the chain so far is voided
  // either way, so every approval of record is on the version approved. "restart": the first
  // step of the chain; "first_approval": the first step that approved an earlier version (steps
  // before it, which found the text not relevant, drop out of the record); any other value
  // names the state the item returns to.
  std::string on_new_version = "restart";
};

// The fields an approval is given under (`approval = { conditions = { ... }, on_change = fn }`):
// those that choose the chain or the release. Their values are recorded in the approval, and an
// action that changes one while approvals stand asks `on_change` (item, ctx) what follows:
// true (the approvals stand; the change is audited) or the sign-off step the item goes back to.
// Without `on_change`, any change restarts the chain.
struct ApprovalSpec {
  std::vector<std::string> conditions;
  ScriptFunction on_change = 0;
  int line = 0;
};

// Who may see something of an item: holders of `roles`, and with `deciders` the people who may
// decide in a sign-off step the item is in or has passed (by name or role, their delegates in
// force, and those it escalates to).
struct ReaderSpec {
  std::vector<std::string> roles;
  bool deciders = false;
  bool matches_roles_only() const { return !deciders; }
};

// Who may see the workflow's items (`read = { ... }`); admins and the operator see everything.
// Without `read`, everyone who may act in the workflow (any action's roles, the document's,
// every approver) sees its items, and so does each item's submitter.
struct ReadSpec {
  ReaderSpec items;        // see every item, and every field not restricted below
  bool submitter = false;  // the person who submitted an item sees it...
  // ...but only these fields of it (with its state and times) when the list is not empty; the
  // history they see holds no notes or inputs, only state changes and the changes to these.
  std::vector<std::string> submitter_fields;
  // Fields only these readers see, whoever else sees the item.
  std::vector<std::pair<std::string, ReaderSpec>> fields;
  // The document's text: only these readers see it until the item is approved (`_approved`),
  // then everyone who sees the item. Unset: everyone who sees the item, always.
  std::optional<ReaderSpec> draft;
  int line = 0;
};

struct StateSpec {
  std::string name;
  std::string label;
  bool final = false;
  // (item, ctx) -> list of {label, ok, why}: what the stage needs before it can close.
  ScriptFunction checklist = 0;
  std::vector<ActionSpec> actions;  // in source order
  std::optional<SignoffSpec> signoff;
  int line = 0;

  const ActionSpec* action(std::string_view name) const;
};

// A named report: (item, ctx) -> Markdown text.
struct ReportSpec {
  std::string name;
  ScriptFunction render = 0;
  int line = 0;
};

// How open items of earlier versions move to this one (`commsflow migrate`, `retriage`).
//   migrate = { states = { old = "new" }, data = function(item, ctx) ... end, watch = { ... } }
// A state this version still has keeps its name; `states` maps the others. `data` runs on each
// item as it moves (ctx.from_state, ctx.from_version), may change it, and may return remarks to
// show with it. `watch` names the fields whose changes `retriage` lists.
struct MigrateSpec {
  std::vector<std::pair<std::string, std::string>> states;  // old -> new, in source order
  ScriptFunction data = 0;
  std::vector<std::string> watch;
  int line = 0;
};

// How the workflow's open items are queued (`commsflow queue`, the web queue):
//   queue = { tier = "rating", tiers = { { value = "red", label = "Red", colour = "red" }, ... },
//             hold = { "paused" }, due = "due_at", late = "late", late_reason = "late_reason",
//             sort = { "hold", "tier", "due_at" }, overdue_notify = { "assignee", "triager" } }
// `sort` orders the queue key by key: "hold" puts items in a `hold` state last, "tier" orders by
// the place of the `tier` field's value in `tiers` (other values after), and a field name orders
// by that field's value (numbers by value, text by its characters; items without it last). The
// item's submission order breaks ties. Every key is optional; a workflow without `queue` is
// queued in submission order.
struct QueueTier {
  std::string value;
  std::string label;
  std::string colour;  // an NHS tag colour: red, orange, yellow, green, ...
};

struct QueueSpec {
  std::string tier_field;
  std::vector<QueueTier> tiers;  // in queue order
  std::vector<std::string> hold_states;
  std::string due_field;
  std::string late_field;
  std::string late_reason_field;
  std::vector<std::string> sort;  // "hold", "tier" or field names
  // Who is told, once, when an open item (not held) passes its due time: actor fields of the
  // item ("assignee") or roles ("triager").
  std::vector<std::string> overdue_notify;
  // Who is told, once, `remind_before` seconds before an open item (not held) is due; the same
  // kinds of names as overdue_notify. 0: nobody is reminded.
  std::int64_t remind_before = 0;
  std::vector<std::string> remind_notify;
  int line = 0;

  const QueueTier* tier(std::string_view value) const;
  bool holds(std::string_view state) const;
};

// How incidents hold the workflow's work (`commsflow incident declare|close`):
//   incidents = { holds = function(item, incident, ctx) return true end, pause = "pause",
//                 resume = "resume", held_by = "paused_by_incident" }
// On a declaration, each open item in a state with the `pause` action is offered to `holds`
// (incident = {name, level, ref}); when it returns true the engine takes `pause` with payload
// {incident_name = name}. When that incident closes, every item whose `held_by` field names it
// takes `resume` with the same payload.
struct IncidentHooks {
  ScriptFunction holds = 0;
  std::string pause;
  std::string resume;
  std::string held_by;
  int line = 0;
};

struct Definition {
  std::string name;
  std::string title;
  std::string prefix;
  std::string path;                // as loaded, used in messages
  std::string version;             // see version_id in registry.h
  std::vector<std::string> roles;  // roles the workflow declares beyond the standard ones
  std::vector<FieldSpec> fields;   // in source order
  std::string initial;
  ActionSpec submit;        // creating an item: roles, guard, effect, optional to/route
  IncidentHooks incidents;  // no `holds`: incidents leave its items alone
  QueueSpec queue;
  ApprovalSpec approval;
  ReadSpec read;
  // Items may carry a versioned document (`document = { roles = { ... } }`): who may put a
  // new version. Empty when the workflow has no document.
  std::vector<std::string> document_roles;
  std::string document_label;
  std::vector<StateSpec> states;  // in source order
  // Workflows whose items may belong to items of this one; their items are passed to guards,
  // checklists and reports as ctx.children (loaded only when this list is not empty).
  std::vector<std::string> children;
  std::string parent;  // when set, every item of this workflow belongs to one of it
  // When not empty: the parent's states in which an item may be added to it (check_parent
  // refuses, and the web offers it, in no other).
  std::vector<std::string> parent_states;
  std::vector<ReportSpec> reports;  // by name
  MigrateSpec migrate;
  int line = 0;

  const StateSpec* state(std::string_view name) const;
  const FieldSpec* field(std::string_view name) const;
  // The first state holding an action of that name, or nullptr.
  const StateSpec* state_with_action(std::string_view action) const;
  bool is_final(std::string_view state) const;
};

// A label for people from an identifier, used where a workflow gives none: "comms_review" is
// "Comms review".
std::string readable_label(std::string_view identifier);

// A field's label: its own, or readable_label of its name.
std::string field_label(const FieldSpec& field);
// What people see for a value of a choice field: its label in `labels`, or readable_label.
std::string option_label(const FieldSpec& field, std::string_view value);

// The label of a state of `d` (its own, or readable_label of the name for a state it lacks).
std::string state_label(const Definition& d, std::string_view state);

// The label of an action of `d` (the first state's that has it; "submit" for creating an item),
// or readable_label of the name.
std::string action_label(const Definition& d, std::string_view action);

// Roles every workflow may use without declaring them.
const std::vector<std::string>& standard_roles();
// True when the approver entry `entry` of a step of `d` is a role (a standard one or one `d`
// declares), not a person's name: then only those who hold it fill it, whoever is named so.
bool names_role(const Definition& d, std::string_view entry);

}  // namespace commsflow
