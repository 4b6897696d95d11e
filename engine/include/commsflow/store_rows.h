// The rows a Store reads and writes, as plain values: what the engine and the backends share.
#pragma once

#include <commsflow/event.h>
#include <commsflow/json.h>
#include <commsflow/library_sources.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

struct Item {
  std::int64_t id = 0;
  std::string ref;
  std::string workflow;
  std::string version;
  std::string state;
  Json data = Json::object();
  std::int64_t revision = 0;
  std::string created_at;
  std::string updated_at;
  std::string parent;  // ref of the item this one belongs to; empty for none

  // {ref, workflow, version, state, data, revision, created_at, updated_at[, parent]}
  Json to_json() const&;
  // The same, moving the item's text and data rather than copying them.
  Json to_json() &&;
};

// One item row as stored, with its data column as the JSON text written; the views are valid
// only during the visit that receives it (Store::for_each_item_row).
struct ItemRowView {
  std::int64_t id = 0;
  std::string_view ref;
  std::string_view workflow;
  std::string_view version;
  std::string_view state;
  std::string_view data;
  std::int64_t revision = 0;
  std::string_view created_at;
  std::string_view updated_at;
  std::string_view parent;  // empty for none
  // The first of the text columns above stored as neither text nor null, e.g. "state (a
  // blob)"; empty when there is none. SQLite keeps a blob in any column, and a search compares
  // types: an item whose ref is a blob is found by no search for its ref.
  std::string_view not_text;
};

struct Actor {
  std::string name;
  std::vector<std::string> roles;
  bool disabled = false;          // a leaver: may not sign in or act, still named in history
  std::string display_name = {};  // how people see them ("Olivia Officer"); empty: the name
  std::string email = {};         // where notifications go; empty: none (personal data)
  bool has_role(std::string_view role) const;
  // True when the actor holds at least one of `roles`: the check every role-gated step makes.
  bool holds_any(const std::vector<std::string>& roles) const;
  // The display name, or the name when there is none.
  const std::string& shown_name() const { return display_name.empty() ? name : display_name; }
};

struct StoredDefinition {
  std::string version;
  std::string name;
  std::string path;
  std::string source;
  std::string loaded_at;
  // The lib modules the version was loaded with; nullopt for versions stored before modules
  // were recorded, which run whatever lib/ holds.
  std::optional<LibrarySources> libraries;
};

// The position of an event in the hash chain: its seq and its hash (64 hex digits).
struct ChainLink {
  std::int64_t seq = 0;
  std::string hash;
};

struct StoredEvent {
  std::int64_t seq = 0;
  std::string body;
  std::string hash;
  // The columns beside the body that the indexes use (events_for fills them; empty elsewhere).
  std::string actor{}, action{}, at{};
};

// One row of the event log as it is stored: the body that was hashed and its hash, and the
// columns written beside them for the indexes, which verify() checks against the body. Views
// valid during the call that gives them; a column that is NULL is empty.
struct EventRowView {
  std::int64_t seq = 0;
  std::string_view body, hash;
  std::string_view ref, actor, action, at;
  std::string_view not_text;  // as in ItemRowView: e.g. "actor (a blob)"; empty when none
};

struct Attachment {
  std::string name;
  std::string hash;  // hex SHA-256 of content
  std::string content;
};

// One version of an item's document. Never changed once stored.
struct DocumentVersion {
  std::int64_t version = 0;  // 1, 2, ... per item
  std::string hash;          // hex SHA-256 of the content (or of the manifest, with attachments)
  std::string content;
  std::string author;
  std::string created_at;
  std::vector<Attachment> attachments;
};

// `to` may decide in `from`'s place for `role` until the end of the day `until`.
struct Delegation {
  std::int64_t id = 0;
  std::string from;
  std::string to;
  std::string role;
  std::string until;  // a date, 2026-12-31
  std::string created_by;
  std::string created_at;
  std::string revoked_at = {};  // set when revoked before `until`
};

// A notification: `recipient` (an actor, or "role:NAME") must act on `ref`, for `kind`.
// One notification: one email to one person (schema/sqlite/0008_delivery.sql).
struct OutboxEntry {
  std::int64_t id = 0;
  std::string created_at;
  std::string recipient;  // an actor's name, or "role:NAME" when nobody held the role
  std::string ref;
  // decision_needed, reminder, escalation, escalated, changes_required (sign-off steps); due_soon,
  // overdue (queues); notice (an action's `notify`: the message is the email's heading)
  std::string kind;
  std::string message;
  std::string state = {};  // the item's state when it was made: moved on, it is not sent
  // Delivery: waiting, sent, failed (gave up) or skipped (no longer needed).
  std::string status = "waiting";
  int attempts = 0;
  std::string last_error = {};
  std::string next_attempt_at = {};  // empty: at once
  std::string sent_at = {};
  std::string sent_to = {};  // the address it went to
};

// A stored due time: at `due_at` the engine fires `action` on the item as actor `system`.
struct Timer {
  std::int64_t id = 0;
  std::int64_t item_id = 0;
  std::string ref;
  std::string action;
  std::string due_at;
  Json payload = Json::object();
};

// Which events an audit wants. Every non-empty field narrows the result; all empty: every event.
struct EventFilter {
  std::string ref;
  std::string actor;     // who acted, or on whose behalf a delegate acted
  std::string workflow;  // the workflow of the definition version the event ran under
  std::string action;
  std::string from;  // at >= from, an ISO 8601 UTC time as stored (2026-03-31T09:00:00Z)
  std::string to;    // at < to (exclusive), same form
};

struct ItemFilter {
  std::string workflow;  // empty: any
  std::string state;     // empty: any
  std::int64_t limit = -1;
  std::string parent = {};  // empty: any; otherwise only the children of this ref
};

// One field of an item's data as SQLite's JSON functions see it, without parsing the whole item.
struct DataValue {
  // json_type(): text, true, false, null, integer, real, object or array; empty when absent.
  std::string_view type;
  std::string_view text;  // a string's value; the SQL text of any other value
  bool is_string() const { return type == "text"; }
  bool is_true() const { return type == "true"; }
};

// What Store::for_each_item_keys reads of an item. The views are valid only during the visit.
struct ItemKeys {
  std::int64_t id = 0;
  std::string_view ref;
  std::string_view version;
  std::string_view state;
  std::vector<DataValue> data;  // one per requested field, in the order requested
};

}  // namespace commsflow
