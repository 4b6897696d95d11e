// The commsflow database, behind one interface with two backends: an SQLite file in WAL mode
// (the default: engine/store/sqlite/) and a PostgreSQL database (engine/store/postgresql/).
// All SQL lives under engine/store/.
//
// A Store owns one connection and is not thread-safe; open one per thread or process. Every
// method throws commsflow::Error (Storage, or Conflict when the database stayed busy past the
// busy timeout) and leaves the database unchanged on failure, provided callers group their
// writes in a transaction from `begin_write()`, which is what the Engine does.
#pragma once

#include <commsflow/store_rows.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace commsflow {

class Accounts;
namespace store {
struct CopiedTable;
}

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  // Makes every write since begin_write() durable; without it, destruction rolls back.
  virtual void commit() = 0;
};

// Held while an import adds many new items: their rows, their events and their reference
// numbers are then written on a thread of their own, in order, while the caller prepares the
// next ones, so that a second processor core does the writing. Only inside a write transaction,
// and only for rows it adds: any other use of the store first waits for the writes queued so
// far, and a failure among them is thrown by that use and by the transaction's commit().
class StoreWriteBehind {
 public:
  virtual ~StoreWriteBehind() = default;  // waits for what is still queued
};

class Store {
 public:
  enum class Durability { Normal, Full };
  struct Options {
    // Create the schema if missing (and the SQLite file); otherwise a database never initialised
    // is an error naming `commsflow init`.
    bool create = false;
    Durability durability = Durability::Full;
    int busy_timeout_ms = 5000;
    // For a command that only reads (audit, verify, the source of a copy): an SQLite file this
    // user may not write, or in a folder they may not write (a copy on read-only media, another
    // user's file), is opened for reading alone rather than refused. Then nothing is written,
    // not even the schema brought up to date, and a file that needs that is refused. Ignored
    // for PostgreSQL, where the role's grants decide.
    bool only_reads = false;
  };

  // Opens the database at `location` and migrates it to the newest schema: a PostgreSQL
  // database when `location` is a postgresql:// (or postgres://) URL, else an SQLite file at
  // that path. Refuses a database from a newer version of commsflow and one that is not a
  // commsflow database.
  static std::unique_ptr<Store> open(const std::string& location, Options options);
  // True when `location` names a PostgreSQL database rather than a file.
  static bool is_url(std::string_view location);

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Where it was opened from (a path or URL), to open another connection to the same database.
  const std::string& location() const { return location_; }
  // How people see it: the file's name, or the server and database without any password.
  virtual std::string name() const = 0;
  int schema_version() const { return schema_version_; }
  // Opened with Options::only_reads on a file read alone (no one had it open): why what was read
  // may not be one consistent state, when someone opened it to write meanwhile. A command that
  // only reads asks before it reports. Nothing for every other store.
  virtual std::optional<std::string> changed_while_read() const { return std::nullopt; }
  // True when Options::only_reads opened it for reading alone (this user may not write it):
  // nothing may be written, not even a changed workflow file's new version.
  virtual bool reads_only() const { return false; }

  // Write transactions take the write lock at once (BEGIN IMMEDIATE on SQLite, an advisory
  // lock on PostgreSQL), so writers take turns and the chain cannot fork. Begun while another is
  // open on this Store, either is a savepoint inside it: its commit() keeps its writes for the
  // outer transaction to commit, and rolling it back undoes only its own.
  virtual std::unique_ptr<StoreTransaction> begin_write() = 0;
  virtual std::unique_ptr<StoreTransaction> begin_read() = 0;
  // True while a transaction is open. After some storage failures (a full disk, an I/O error)
  // the database rolls back the whole transaction, savepoints and all: then this turns false
  // although the StoreTransaction objects still exist.
  virtual bool in_transaction() const = 0;
  // Writes behind the caller until the result is destroyed (see StoreWriteBehind); null from a
  // backend that writes as it goes (PostgreSQL).
  virtual std::unique_ptr<StoreWriteBehind> write_behind() { return nullptr; }

  // Sign-in records: passwords, sessions and API tokens (accounts.h), on this connection.
  virtual Accounts& accounts() = 0;

  // Definitions
  virtual std::optional<StoredDefinition> definition(std::string_view version) = 0;
  // Stores a version and its modules. If the version exists, only records its modules when it
  // was stored before modules were recorded.
  virtual void save_definition(const StoredDefinition& definition) = 0;
  // Every stored version whose file text is exactly `source`, with its modules.
  virtual std::vector<StoredDefinition> definitions_with_source(std::string_view source) = 0;
  virtual std::optional<std::string> current_version(std::string_view workflow) = 0;
  virtual void set_current_version(std::string_view workflow, std::string_view version,
                                   std::string_view at) = 0;
  // (workflow name, current version) for every workflow ever loaded, by name.
  virtual std::vector<std::pair<std::string, std::string>> workflows() = 0;
  // (version, state, count) over all items.
  virtual std::vector<std::tuple<std::string, std::string, std::int64_t>> item_counts() = 0;

  // Actors
  virtual std::optional<Actor> actor(std::string_view name) = 0;
  virtual std::vector<Actor> actors() = 0;
  // Names of the enabled actors holding `role`, by name (engine/store/*/signoff_store.cpp).
  virtual std::vector<std::string> actors_with_role(std::string_view role) = 0;
  // Creates the actor if needed and grants the roles (already held roles are kept). Returns
  // the roles it did not hold before.
  virtual std::vector<std::string> add_actor(const Actor& actor, std::string_view at) = 0;
  // Sets the display name; false when it was already that.
  virtual bool set_display_name(std::string_view actor, std::string_view display_name) = 0;
  // Sets the email address; false when it was already that.
  virtual bool set_email(std::string_view actor, std::string_view email) = 0;
  // Takes the role away; false when the actor did not hold it.
  virtual bool remove_role(std::string_view actor, std::string_view role) = 0;
  // Disables the actor from `at`, or enables it when `at` is empty. False when already so.
  virtual bool set_disabled(std::string_view actor, std::string_view at) = 0;

  // References: the next number for prefix-year, starting at 1, never reused.
  virtual std::int64_t next_ref_number(std::string_view prefix, int year) = 0;

  // Items
  virtual std::optional<Item> item(std::string_view ref) = 0;
  virtual std::optional<Item> item_by_id(std::int64_t id) = 0;
  virtual std::vector<Item> items(const ItemFilter& filter) = 0;
  // Calls `visit` for every item of `workflow`, in no particular order, with its keys and the
  // named top-level fields of its data (names without '"'; engine/store/*/item_keys.cpp). Reads no
  // more than that, so a caller can order and filter many items holding only small records. Call
  // inside a read transaction, then fetch the chosen items with item_by_id() in the same
  // transaction.
  virtual void for_each_item_keys(std::string_view workflow,
                                  const std::vector<std::string>& data_fields,
                                  const std::function<void(const ItemKeys&)>& visit) = 0;
  virtual void insert_item(Item& item) = 0;  // sets item.id
  // Writes the item only if its stored revision is still `expected_revision`.
  virtual bool update_item(const Item& item, std::int64_t expected_revision) = 0;

  // Documents (engine/store/*/signoff_store.cpp)
  virtual void insert_document_version(std::int64_t item_id, const DocumentVersion& version) = 0;
  virtual std::optional<DocumentVersion> document_version(std::int64_t item_id,
                                                          std::int64_t version) = 0;
  virtual std::vector<DocumentVersion> document_versions(std::int64_t item_id) = 0;  // oldest first
  // Calls `visit` for every stored version of every item (for verification).
  virtual void for_each_document_version(
      const std::function<void(std::int64_t item_id, const DocumentVersion&)>& visit) = 0;

  // Delegations
  virtual void add_delegation(Delegation& delegation) = 0;  // sets delegation.id
  // All when `to_actor` is empty.
  virtual std::vector<Delegation> delegations(std::string_view to_actor) = 0;
  // Delegations not revoked whose `until` is `today` or later (dates as stored), by id.
  virtual std::vector<Delegation> delegations_in_force(std::string_view today) = 0;
  virtual std::optional<Delegation> delegation(std::int64_t id) = 0;
  virtual void revoke_delegation(std::int64_t id, std::string_view at) = 0;

  // Outbox (engine/store/*/outbox_rows.cpp)
  virtual std::int64_t add_outbox(const OutboxEntry& entry) = 0;  // returns its id
  virtual std::vector<OutboxEntry> outbox(std::string_view recipient, std::string_view ref) = 0;
  // Rows waiting whose next attempt is due at `now` (UTC text), oldest first, at most `limit`.
  virtual std::vector<OutboxEntry> outbox_due(std::string_view now, int limit) = 0;
  // Rows with that status, oldest first.
  virtual std::vector<OutboxEntry> outbox_with_status(std::string_view status) = 0;
  virtual std::optional<OutboxEntry> outbox_row(std::int64_t id) = 0;
  // Writes the delivery columns of row `entry.id` (status, attempts, last_error,
  // next_attempt_at, sent_at, sent_to).
  virtual void record_delivery(const OutboxEntry& entry) = 0;
  // Whether a row of that kind was ever made for the item (sent or not).
  virtual bool outbox_has(std::string_view ref, std::string_view kind) = 0;

  // Timers
  virtual void clear_timers(std::int64_t item_id) = 0;
  virtual void delete_timer(std::int64_t timer_id) = 0;
  virtual void add_timer(std::int64_t item_id, std::string_view action, std::string_view due_at,
                         const Json& payload) = 0;
  // Timers due at or before `now`, soonest first.
  virtual std::vector<Timer> due_timers(std::string_view now) = 0;
  virtual std::vector<Timer> timers_for(std::int64_t item_id) = 0;

  // Events
  virtual std::optional<StoredEvent> last_event() = 0;
  // The seq and hash of the last event, without its body: what appending the next one needs.
  virtual std::optional<ChainLink> chain_head() = 0;
  // Writes `event` as it is, its indexed columns read from its body: for copies and tests that
  // write bodies directly. append() is the engine's way.
  virtual void append_event(const StoredEvent& event) = 0;
  // Appends `event` at the chain's head: sets event.seq and writes it with its chain hash.
  // Call inside a write transaction. Returns the seq.
  virtual std::int64_t append(Event& event) = 0;
  virtual std::vector<StoredEvent> events_for(std::string_view ref) = 0;
  // The stored hash of event `seq`, nullopt when there is none: what checking one item's events
  // against the chain needs, without reading the whole log.
  virtual std::optional<std::string> event_hash(std::int64_t seq) = 0;
  // The actor of the event that created the item (its submitter), empty when it has none.
  virtual std::string creator(std::string_view ref) = 0;
  // Calls `visit` for each item row in id order without reading its data as JSON, so that a
  // walk over every item holds one row at a time. Call inside a read transaction.
  virtual void for_each_item_row(const std::function<void(const ItemRowView& row)>& visit) = 0;
  // Calls `visit` for each event row in sequence order.
  virtual void for_each_event(const std::function<void(const EventRowView& row)>& visit) = 0;
  // Calls `visit` for each event matching `filter`, in sequence order, with the name of the
  // workflow its definition version belongs to (empty if that definition is missing). Uses the
  // indexes on the events' ref, actor and time. Call inside a read transaction for a consistent
  // snapshot.
  virtual void for_each_matching_event(
      const EventFilter& filter,
      const std::function<void(std::int64_t seq, std::string_view body, std::string_view hash,
                               std::string_view workflow)>& visit) = 0;

  // Copying a whole database (copy.h): every row of a table, and writing rows as they were.
  // Values are text (an integer as its digits; bytes as they are); nullopt is NULL.
  using Row = std::vector<std::optional<std::string>>;
  // Calls `visit` for every row of `table`, its columns in the table's order, in its order_by.
  virtual void read_rows(const store::CopiedTable& table,
                         const std::function<void(const Row&)>& visit) = 0;
  virtual void write_row(const store::CopiedTable& table, const Row& row) = 0;
  // After rows were written with their ids: ids generated from now on follow the largest.
  virtual void after_copy() = 0;

 protected:
  Store(std::string location, int schema_version)
      : location_(std::move(location)), schema_version_(schema_version) {}
  void set_schema_version(int version) { schema_version_ = version; }

 private:
  std::string location_;
  int schema_version_ = 0;
};

}  // namespace commsflow
