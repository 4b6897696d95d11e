// The commsflow database: one SQLite file in WAL mode.
//
// A Store owns one connection and is not thread-safe; open one per thread or process. Every
// method throws commsflow::Error (Storage, or Conflict when the database stayed busy past the
// busy timeout) and leaves the database unchanged on failure, provided callers group their
// writes in a transaction from `begin_write()`, which is what the Engine does.
#pragma once

#include <commsflow/event.h>
#include <commsflow/json.h>
#include <commsflow/library_sources.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

namespace store {
class Database;
}

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
  Json to_json() const;
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
};

// One row of the event log as it is stored: the body that was hashed and its hash, and the
// columns written beside them for the indexes, which verify() checks against the body. Views
// valid during the call that gives them; a column that is NULL is empty.
struct EventRowView {
  std::int64_t seq = 0;
  std::string_view body, hash;
  std::string_view ref, actor, action, at;
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
// One notification: one email to one person (schema/0008_delivery.sql).
struct OutboxEntry {
  std::int64_t id = 0;
  std::string created_at;
  std::string recipient;  // an actor's name, or "role:NAME" when nobody held the role
  std::string ref;
  std::string kind;  // decision_needed, reminder, escalation, overdue
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

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  // Makes every write since begin_write() durable; without it, destruction rolls back.
  virtual void commit() = 0;
};

class Store {
 public:
  enum class Durability { Normal, Full };
  struct Options {
    bool create = false;  // create the file if missing; otherwise a missing file is an error
    Durability durability = Durability::Full;
    int busy_timeout_ms = 5000;
  };

  // Opens the database and migrates it to the newest schema. Refuses a file from a newer
  // version of commsflow and an SQLite file that is not a commsflow database.
  Store(const std::filesystem::path& path, Options options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const;
  int schema_version() const { return schema_version_; }

  // Write transactions take the write lock at once (BEGIN IMMEDIATE). Begun while another is
  // open on this Store, either is a savepoint inside it: its commit() keeps its writes for the
  // outer transaction to commit, and rolling it back undoes only its own.
  std::unique_ptr<StoreTransaction> begin_write();
  std::unique_ptr<StoreTransaction> begin_read();
  // True while a transaction is open. After some storage failures (a full disk, an I/O error)
  // SQLite rolls back the whole transaction, savepoints and all: then this turns false although
  // the StoreTransaction objects still exist.
  bool in_transaction() const;

  // Definitions
  std::optional<StoredDefinition> definition(std::string_view version);
  // Stores a version and its modules. If the version exists, only records its modules when it
  // was stored before modules were recorded.
  void save_definition(const StoredDefinition& definition);
  // Every stored version whose file text is exactly `source`, with its modules.
  std::vector<StoredDefinition> definitions_with_source(std::string_view source);
  std::optional<std::string> current_version(std::string_view workflow);
  void set_current_version(std::string_view workflow, std::string_view version,
                           std::string_view at);
  // (workflow name, current version) for every workflow ever loaded, by name.
  std::vector<std::pair<std::string, std::string>> workflows();
  // (version, state, count) over all items.
  std::vector<std::tuple<std::string, std::string, std::int64_t>> item_counts();

  // Actors
  std::optional<Actor> actor(std::string_view name);
  std::vector<Actor> actors();
  // Names of the enabled actors holding `role`, by name (engine/store/signoff_store.cpp).
  std::vector<std::string> actors_with_role(std::string_view role);
  // Creates the actor if needed and grants the roles (already held roles are kept). Returns
  // the roles it did not hold before.
  std::vector<std::string> add_actor(const Actor& actor, std::string_view at);
  // Sets the display name; false when it was already that.
  bool set_display_name(std::string_view actor, std::string_view display_name);
  // Sets the email address; false when it was already that.
  bool set_email(std::string_view actor, std::string_view email);
  // Takes the role away; false when the actor did not hold it.
  bool remove_role(std::string_view actor, std::string_view role);
  // Disables the actor from `at`, or enables it when `at` is empty. False when already so.
  bool set_disabled(std::string_view actor, std::string_view at);

  // References: the next number for prefix-year, starting at 1, never reused.
  std::int64_t next_ref_number(std::string_view prefix, int year);

  // Items
  std::optional<Item> item(std::string_view ref);
  std::optional<Item> item_by_id(std::int64_t id);
  std::vector<Item> items(const ItemFilter& filter);
  // Items (of `workflow`, or any when empty) whose data.<key> equals `value`.
  std::vector<Item> items_with_data(std::string_view workflow, std::string_view key,
                                    std::string_view value);
  // Calls `visit` for every item of `workflow`, in no particular order, with its keys and the
  // named top-level fields of its data (names without '"'; engine/store/item_keys.cpp). Reads no
  // more than that, so a caller can order and filter many items holding only small records. Call
  // inside a read transaction, then fetch the chosen items with item_by_id() in the same
  // transaction.
  void for_each_item_keys(std::string_view workflow, const std::vector<std::string>& data_fields,
                          const std::function<void(const ItemKeys&)>& visit);
  void insert_item(Item& item);  // sets item.id
  // Writes the item only if its stored revision is still `expected_revision`.
  bool update_item(const Item& item, std::int64_t expected_revision);

  // Documents (engine/store/signoff_store.cpp)
  void insert_document_version(std::int64_t item_id, const DocumentVersion& version);
  std::optional<DocumentVersion> document_version(std::int64_t item_id, std::int64_t version);
  std::vector<DocumentVersion> document_versions(std::int64_t item_id);  // oldest first
  // Calls `visit` for every stored version of every item (for verification).
  void for_each_document_version(
      const std::function<void(std::int64_t item_id, const DocumentVersion&)>& visit);

  // Delegations
  void add_delegation(Delegation& delegation);                     // sets delegation.id
  std::vector<Delegation> delegations(std::string_view to_actor);  // all when empty
  // Delegations not revoked whose `until` is `today` or later (dates as stored), by id.
  std::vector<Delegation> delegations_in_force(std::string_view today);
  std::optional<Delegation> delegation(std::int64_t id);
  void revoke_delegation(std::int64_t id, std::string_view at);

  // Outbox (engine/store/outbox_rows.cpp)
  std::int64_t add_outbox(const OutboxEntry& entry);  // returns its id
  std::vector<OutboxEntry> outbox(std::string_view recipient, std::string_view ref);
  // Rows waiting whose next attempt is due at `now` (UTC text), oldest first, at most `limit`.
  std::vector<OutboxEntry> outbox_due(std::string_view now, int limit);
  // Rows with that status, oldest first.
  std::vector<OutboxEntry> outbox_with_status(std::string_view status);
  std::optional<OutboxEntry> outbox_row(std::int64_t id);
  // Writes the delivery columns of row `entry.id` (status, attempts, last_error,
  // next_attempt_at, sent_at, sent_to).
  void record_delivery(const OutboxEntry& entry);
  // Whether a row of that kind was ever made for the item (sent or not).
  bool outbox_has(std::string_view ref, std::string_view kind);

  // Timers
  void clear_timers(std::int64_t item_id);
  void delete_timer(std::int64_t timer_id);
  void add_timer(std::int64_t item_id, std::string_view action, std::string_view due_at,
                 const Json& payload);
  // Timers due at or before `now`, soonest first.
  std::vector<Timer> due_timers(std::string_view now);
  std::vector<Timer> timers_for(std::int64_t item_id);

  // Events
  std::optional<StoredEvent> last_event();
  // The seq and hash of the last event, without its body: what appending the next one needs.
  std::optional<ChainLink> chain_head();
  // Writes `event` as it is, its indexed columns read from its body: for copies and tests that
  // write bodies directly. append() is the engine's way.
  void append_event(const StoredEvent& event);
  // Appends `event` at the chain's head: sets event.seq and writes it with its chain hash.
  // Call inside a write transaction. Returns the seq.
  std::int64_t append(Event& event);
  std::vector<StoredEvent> events_for(std::string_view ref);
  // The actor of the event that created the item (its submitter), empty when it has none.
  std::string creator(std::string_view ref);
  // Calls `visit` for each item row in id order without reading its data as JSON, so that a
  // walk over every item holds one row at a time. Call inside a read transaction.
  void for_each_item_row(const std::function<void(const ItemRowView& row)>& visit);
  // Calls `visit` for each event row in sequence order.
  void for_each_event(const std::function<void(const EventRowView& row)>& visit);
  // Calls `visit` for each event matching `filter`, in sequence order, with the name of the
  // workflow its definition version belongs to (empty if that definition is missing). Uses the
  // indexes on the events' ref, actor and time. Call inside a read transaction for a consistent
  // snapshot.
  void for_each_matching_event(
      const EventFilter& filter,
      const std::function<void(std::int64_t seq, std::string_view body, std::string_view hash,
                               std::string_view workflow)>& visit);

 private:
  friend class Accounts;  // sign-in records (accounts.h) share the connection
  std::unique_ptr<store::Database> db_;
  int schema_version_ = 0;
};

}  // namespace commsflow
