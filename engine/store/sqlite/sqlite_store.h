// The SQLite backend: one file in WAL mode, over the thin RAII layer of database.h.
#pragma once

#include <commsflow/accounts.h>
#include <commsflow/store.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "store/copy_tables.h"
#include "store/sqlite/database.h"

namespace commsflow::store {

// Sign-in records in the SQLite file (accounts.cpp).
class SqliteAccounts final : public Accounts {
 public:
  explicit SqliteAccounts(Database& db) : db_(db) {}
  void set_password_hash(std::string_view actor, std::string_view hash,
                         std::string_view at) override;
  std::optional<std::string> password_hash(std::string_view actor) override;
  void create_session(std::string_view token_digest, std::string_view actor, std::string_view csrf,
                      std::string_view created_at, std::string_view expires_at) override;
  std::optional<SessionRecord> session(std::string_view token_digest,
                                       std::string_view now) override;
  std::vector<SessionRecord> sessions_of(std::string_view actor, std::string_view now) override;
  void delete_session(std::string_view token_digest) override;
  std::int64_t delete_sessions_of(std::string_view actor) override;
  bool delete_session_of(std::string_view actor, std::string_view token_digest) override;
  std::int64_t delete_other_sessions(std::string_view actor, std::string_view keep_digest) override;
  std::int64_t delete_expired_sessions(std::string_view now) override;
  std::int64_t create_api_token(std::string_view token_digest, std::string_view actor,
                                std::string_view name, std::string_view at,
                                std::string_view expires_at) override;
  std::optional<std::string> api_token_actor(std::string_view token_digest,
                                             std::string_view now) override;
  std::vector<ApiTokenRecord> api_tokens(std::string_view actor) override;
  std::optional<ApiTokenRecord> api_token(std::int64_t id) override;
  void revoke_api_token(std::int64_t id, std::string_view at) override;
  int count_sign_in_failure(std::string_view key) override;
  void lock_sign_in(std::string_view key, std::int64_t until_ms) override;
  std::int64_t sign_in_locked_until(std::string_view key) override;
  void clear_sign_in_failures(std::string_view key) override;

 private:
  Database& db_;
};

class SqliteStore final : public Store {
 public:
  // Opens the file (creating it when options.create) and migrates it to the newest schema.
  SqliteStore(const std::filesystem::path& path, Options options);
  ~SqliteStore() override;

  std::string name() const override;
  std::optional<std::string> changed_while_read() const override {
    return db_->changed_while_read();
  }
  bool reads_only() const override { return db_->read_only(); }
  std::unique_ptr<StoreTransaction> begin_write() override;
  std::unique_ptr<StoreTransaction> begin_read() override;
  bool in_transaction() const override;
  std::unique_ptr<StoreWriteBehind> write_behind() override;
  Accounts& accounts() override;
  std::optional<StoredDefinition> definition(std::string_view version) override;
  void save_definition(const StoredDefinition& definition) override;
  std::vector<StoredDefinition> definitions_with_source(std::string_view source) override;
  std::optional<std::string> current_version(std::string_view workflow) override;
  void set_current_version(std::string_view workflow, std::string_view version,
                           std::string_view at) override;
  std::vector<std::pair<std::string, std::string>> workflows() override;
  std::vector<std::tuple<std::string, std::string, std::int64_t>> item_counts() override;
  std::optional<Actor> actor(std::string_view name) override;
  std::vector<Actor> actors() override;
  std::vector<std::string> actors_with_role(std::string_view role) override;
  std::vector<std::string> add_actor(const Actor& actor, std::string_view at) override;
  bool set_display_name(std::string_view actor, std::string_view display_name) override;
  bool set_email(std::string_view actor, std::string_view email) override;
  bool remove_role(std::string_view actor, std::string_view role) override;
  bool set_disabled(std::string_view actor, std::string_view at) override;
  std::int64_t next_ref_number(std::string_view prefix, int year) override;
  std::optional<Item> item(std::string_view ref) override;
  std::optional<Item> item_by_id(std::int64_t id) override;
  std::vector<Item> items(const ItemFilter& filter) override;
  void for_each_item_keys(std::string_view workflow, const std::vector<std::string>& data_fields,
                          const std::function<void(const ItemKeys&)>& visit) override;
  void insert_item(Item& item) override;
  bool update_item(const Item& item, std::int64_t expected_revision) override;
  void insert_document_version(std::int64_t item_id, const DocumentVersion& version) override;
  std::optional<DocumentVersion> document_version(std::int64_t item_id,
                                                  std::int64_t version) override;
  std::vector<DocumentVersion> document_versions(std::int64_t item_id) override;
  void for_each_document_version(
      const std::function<void(std::int64_t item_id, const DocumentVersion&)>& visit) override;
  void add_delegation(Delegation& delegation) override;
  std::vector<Delegation> delegations(std::string_view to_actor) override;
  std::vector<Delegation> delegations_in_force(std::string_view today) override;
  std::optional<Delegation> delegation(std::int64_t id) override;
  void revoke_delegation(std::int64_t id, std::string_view at) override;
  std::int64_t add_outbox(const OutboxEntry& entry) override;
  std::vector<OutboxEntry> outbox(std::string_view recipient, std::string_view ref) override;
  std::vector<OutboxEntry> outbox_due(std::string_view now, int limit) override;
  std::vector<OutboxEntry> outbox_with_status(std::string_view status) override;
  std::optional<OutboxEntry> outbox_row(std::int64_t id) override;
  void record_delivery(const OutboxEntry& entry) override;
  bool outbox_has(std::string_view ref, std::string_view kind) override;
  void clear_timers(std::int64_t item_id) override;
  void delete_timer(std::int64_t timer_id) override;
  void add_timer(std::int64_t item_id, std::string_view action, std::string_view due_at,
                 const Json& payload) override;
  std::vector<Timer> due_timers(std::string_view now) override;
  std::vector<Timer> timers_for(std::int64_t item_id) override;
  std::optional<StoredEvent> last_event() override;
  std::optional<ChainLink> chain_head() override;
  void append_event(const StoredEvent& event) override;
  std::int64_t append(Event& event) override;
  std::vector<StoredEvent> events_for(std::string_view ref) override;
  std::optional<std::string> event_hash(std::int64_t seq) override;
  std::string creator(std::string_view ref) override;
  void for_each_item_row(const std::function<void(const ItemRowView& row)>& visit) override;
  void for_each_event(const std::function<void(const EventRowView& row)>& visit) override;
  void for_each_matching_event(
      const EventFilter& filter,
      const std::function<void(std::int64_t seq, std::string_view body, std::string_view hash,
                               std::string_view workflow)>& visit) override;

  void read_rows(const CopiedTable& table, const std::function<void(const Row&)>& visit) override;
  void write_row(const CopiedTable& table, const Row& row) override;
  void after_copy() override;

 private:
  friend class SqliteWriteBehind;
  void stop_writing_behind();

  std::unique_ptr<Database> db_;
  SqliteAccounts accounts_;
  // While writing behind (write_behind()): what the rows queued so far make, known here before
  // the writer has made them. Each is read from the database when first needed.
  struct Ahead {
    std::map<std::pair<std::string, int>, std::int64_t> ref_counters;  // prefix, year -> last
    std::optional<std::int64_t> last_seq;                              // the newest event's
    std::optional<std::int64_t> last_item_id;                          // the newest item's
  };
  std::optional<Ahead> ahead_;
};

}  // namespace commsflow::store
