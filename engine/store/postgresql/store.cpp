// PgStore: definitions, actors, references, items and the event log on PostgreSQL. The SQL
// mirrors engine/store/sqlite/store.cpp statement for statement.
#include <commsflow/error.h>
#include <commsflow/json_text.h>

#include "store/postgresql/migrations.h"
#include "store/postgresql/pg_store.h"

namespace commsflow::store::pg {

namespace {

// A transaction that also tells the reference counters where it begins and ends.
class PgTransaction final : public StoreTransaction {
 public:
  PgTransaction(Connection& db, Transaction::Mode mode, RefCounters& counters)
      : db_(db),
        counters_(counters),
        nested_(db.in_transaction()),
        writes_(mode == Transaction::Mode::Write),
        tx_(db, mode) {
    if (nested_) {
      counters_.enter_nested();
    } else if (writes_) {
      counters_.begin();
    }
  }
  ~PgTransaction() override {
    if (done_) return;
    if (nested_) {
      counters_.undo_nested();
    } else if (writes_) {
      counters_.forget();
    }
  }
  void commit() override {
    // A transaction an error spoiled writes nothing: tx_.commit() says so.
    if (!nested_ && writes_ && !db_.transaction_spoiled()) {
      try {
        counters_.write(db_);
      } catch (...) {
        counters_.forget();
        done_ = true;
        throw;
      }
    }
    tx_.commit();
    if (nested_) counters_.keep_nested();
    done_ = true;
  }

 private:
  Connection& db_;
  RefCounters& counters_;
  const bool nested_;
  const bool writes_;
  bool done_ = false;
  Transaction tx_;
};

constexpr const char* kItemColumns =
    "id, ref, workflow, version, state, data, revision, created_at, updated_at, "
    "coalesce(parent, '')";

Item item_at(const Result& r, int row) {
  Item item;
  item.id = r.integer(row, 0);
  item.ref = r.text(row, 1);
  item.workflow = r.text(row, 2);
  item.version = r.text(row, 3);
  item.state = r.text(row, 4);
  item.data = parse_stored_json(r.text_view(row, 5));
  item.revision = r.integer(row, 6);
  item.created_at = r.text(row, 7);
  item.updated_at = r.text(row, 8);
  item.parent = r.text(row, 9);
  return item;
}

std::vector<Item> items_of(const Result& r) {
  std::vector<Item> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) out.push_back(item_at(r, row));
  return out;
}

std::optional<Item> first_item(const Result& r) {
  if (r.rows() == 0) return std::nullopt;
  return item_at(r, 0);
}

StoredDefinition definition_at(const Result& r, int row) {
  StoredDefinition d{r.text(row, 0), r.text(row, 1), r.text(row, 2),
                     r.text(row, 3), r.text(row, 4), std::nullopt};
  if (!r.is_null(row, 5)) d.libraries.emplace();
  return d;
}

void read_libraries(Connection& db, StoredDefinition& d) {
  if (!d.libraries) return;
  Result r =
      db.run("SELECT module, source FROM definition_libraries WHERE version = $1", {d.version});
  for (int row = 0; row < r.rows(); ++row) d.libraries->emplace(r.text(row, 0), r.text(row, 1));
}

Param or_null(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

PgStore::PgStore(const std::string& url, Options options)
    : Store(url, 0),
      db_(std::make_unique<Connection>(url, options.busy_timeout_ms,
                                       options.durability == Durability::Full)),
      accounts_(*db_) {
  set_schema_version(migrate(*db_, options.create));
}

PgStore::~PgStore() = default;

std::string PgStore::name() const {
  return db_->name();
}

Accounts& PgStore::accounts() {
  return accounts_;
}

std::unique_ptr<StoreTransaction> PgStore::begin_write() {
  return std::make_unique<PgTransaction>(*db_, Transaction::Mode::Write, ref_counters_);
}

std::unique_ptr<StoreTransaction> PgStore::begin_read() {
  return std::make_unique<PgTransaction>(*db_, Transaction::Mode::Read, ref_counters_);
}

bool PgStore::in_transaction() const {
  // As on SQLite: false once the server has dropped the transaction (a lost connection),
  // although its StoreTransaction objects still exist.
  return db_->transaction_alive();
}

std::optional<StoredDefinition> PgStore::definition(std::string_view version) {
  Result r = db_->run(
      "SELECT version, name, path, source, loaded_at, libraries FROM definitions WHERE version = "
      "$1",
      {version});
  if (r.rows() == 0) return std::nullopt;
  StoredDefinition d = definition_at(r, 0);
  read_libraries(*db_, d);
  return d;
}

std::vector<StoredDefinition> PgStore::definitions_with_source(std::string_view source) {
  Result r = db_->run(
      "SELECT version, name, path, source, loaded_at, libraries FROM definitions WHERE source = "
      "$1 ORDER BY loaded_at DESC",
      {source});
  std::vector<StoredDefinition> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(definition_at(r, row));
  for (auto& d : out) read_libraries(*db_, d);
  return out;
}

void PgStore::save_definition(const StoredDefinition& d) {
  db_->run(
      "INSERT INTO definitions(version, name, path, source, loaded_at, libraries) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT(version) DO UPDATE SET libraries = "
      "excluded.libraries WHERE definitions.libraries IS NULL",
      {d.version, d.name, d.path, d.source, d.loaded_at,
       d.libraries ? Param(static_cast<std::int64_t>(d.libraries->size())) : Param(std::nullopt)});
  if (!d.libraries) return;
  for (const auto& [module, source] : *d.libraries) {
    db_->run(
        "INSERT INTO definition_libraries(version, module, source) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        {d.version, module, source});
  }
}

std::optional<std::string> PgStore::current_version(std::string_view workflow) {
  Result r = db_->run("SELECT version FROM workflows WHERE name = $1", {workflow});
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

void PgStore::set_current_version(std::string_view workflow, std::string_view version,
                                  std::string_view at) {
  db_->run(
      "INSERT INTO workflows(name, version, updated_at) VALUES ($1, $2, $3) ON CONFLICT(name) DO "
      "UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
      {workflow, version, at});
}

std::vector<std::pair<std::string, std::string>> PgStore::workflows() {
  Result r = db_->run("SELECT name, version FROM workflows ORDER BY name");
  std::vector<std::pair<std::string, std::string>> out;
  for (int row = 0; row < r.rows(); ++row) out.emplace_back(r.text(row, 0), r.text(row, 1));
  return out;
}

std::vector<std::tuple<std::string, std::string, std::int64_t>> PgStore::item_counts() {
  Result r = db_->run("SELECT version, state, count(*) FROM items GROUP BY version, state");
  std::vector<std::tuple<std::string, std::string, std::int64_t>> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.emplace_back(r.text(row, 0), r.text(row, 1), r.integer(row, 2));
  }
  return out;
}

std::optional<Actor> PgStore::actor(std::string_view name) {
  Result r = db_->run(
      "SELECT a.disabled_at IS NOT NULL, a.display_name, a.email, r.role FROM actors a "
      "LEFT JOIN actor_roles r ON r.actor = a.name WHERE a.name = $1 ORDER BY r.role",
      {name});
  if (r.rows() == 0) return std::nullopt;
  Actor actor{std::string(name), {}, r.text_view(0, 0) == "t", r.text(0, 1), r.text(0, 2)};
  for (int row = 0; row < r.rows(); ++row) {
    if (!r.is_null(row, 3)) actor.roles.push_back(r.text(row, 3));
  }
  return actor;
}

std::vector<Actor> PgStore::actors() {
  Result r = db_->run(
      "SELECT a.name, r.role, a.disabled_at IS NOT NULL, a.display_name, a.email FROM actors a "
      "LEFT JOIN actor_roles r ON r.actor = a.name ORDER BY a.name, r.role");
  std::vector<Actor> out;
  for (int row = 0; row < r.rows(); ++row) {
    std::string name = r.text(row, 0);
    if (out.empty() || out.back().name != name) {
      out.push_back(Actor{name, {}, r.text_view(row, 2) == "t", r.text(row, 3), r.text(row, 4)});
    }
    if (!r.is_null(row, 1)) out.back().roles.push_back(r.text(row, 1));
  }
  return out;
}

std::vector<std::string> PgStore::add_actor(const Actor& actor, std::string_view at) {
  db_->run("INSERT INTO actors(name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
           {actor.name, at});
  std::vector<std::string> granted;
  for (const auto& role : actor.roles) {
    Result r =
        db_->run("INSERT INTO actor_roles(actor, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                 {actor.name, role});
    if (r.affected() > 0) granted.push_back(role);
  }
  return granted;
}

bool PgStore::set_display_name(std::string_view actor, std::string_view display_name) {
  return db_->run(
                "UPDATE actors SET display_name = $1 WHERE name = $2 AND display_name IS "
                "DISTINCT FROM $1",
                {display_name, actor})
             .affected() > 0;
}

bool PgStore::set_email(std::string_view actor, std::string_view email) {
  return db_->run("UPDATE actors SET email = $1 WHERE name = $2 AND email IS DISTINCT FROM $1",
                  {email, actor})
             .affected() > 0;
}

bool PgStore::remove_role(std::string_view actor, std::string_view role) {
  return db_->run("DELETE FROM actor_roles WHERE actor = $1 AND role = $2", {actor, role})
             .affected() > 0;
}

bool PgStore::set_disabled(std::string_view actor, std::string_view at) {
  if (at.empty()) {
    return db_->run(
                  "UPDATE actors SET disabled_at = NULL WHERE name = $1 AND disabled_at IS NOT "
                  "NULL",
                  {actor})
               .affected() > 0;
  }
  return db_->run("UPDATE actors SET disabled_at = $1 WHERE name = $2 AND disabled_at IS NULL",
                  {at, actor})
             .affected() > 0;
}

std::int64_t PgStore::next_ref_number(std::string_view prefix, int year) {
  if (db_->in_transaction()) return ref_counters_.next(*db_, prefix, year);
  auto tx = begin_write();  // a number of its own, under the write lock
  const std::int64_t number = ref_counters_.next(*db_, prefix, year);
  tx->commit();
  return number;
}

std::optional<Item> PgStore::item(std::string_view ref) {
  return first_item(
      db_->run(fmt::format("SELECT {} FROM items WHERE ref = $1", kItemColumns), {ref}));
}

std::optional<Item> PgStore::item_by_id(std::int64_t id) {
  return first_item(
      db_->run(fmt::format("SELECT {} FROM items WHERE id = $1", kItemColumns), {id}));
}

std::vector<Item> PgStore::items(const ItemFilter& filter) {
  return items_of(db_->run(
      fmt::format("SELECT {} FROM items WHERE ($1 = '' OR workflow = $1) AND ($2 = '' OR state = "
                  "$2) AND ($4 = '' OR parent = $4) ORDER BY id LIMIT CASE WHEN $3::bigint < 0 "
                  "THEN NULL ELSE $3::bigint END",
                  kItemColumns),
      {filter.workflow, filter.state, filter.limit, filter.parent}));
}

void PgStore::insert_item(Item& item) {
  item.id = db_->run(
                   "INSERT INTO items(ref, workflow, version, state, data, revision, created_at, "
                   "updated_at, parent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                   {item.ref, item.workflow, item.version, item.state, json_text(item.data),
                    item.revision, item.created_at, item.updated_at, or_null(item.parent)})
                .integer(0, 0);
}

bool PgStore::update_item(const Item& item, std::int64_t expected_revision) {
  return db_->run(
                "UPDATE items SET state = $1, data = $2, revision = $3, updated_at = $4, version "
                "= $5 WHERE id = $6 AND revision = $7",
                {item.state, json_text(item.data), item.revision, item.updated_at, item.version,
                 item.id, expected_revision})
             .affected() == 1;
}

std::optional<StoredEvent> PgStore::last_event() {
  Result r = db_->run("SELECT seq, body, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (r.rows() == 0) return std::nullopt;
  return StoredEvent{r.integer(0, 0), r.text(0, 1), r.text(0, 2)};
}

std::optional<ChainLink> PgStore::chain_head() {
  Result r = db_->run("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (r.rows() == 0) return std::nullopt;
  return ChainLink{r.integer(0, 0), r.text(0, 1)};
}

// Called inside a write transaction, which holds the write lock (connection.h): no other append
// can read the same head, so the chain cannot fork; the primary key and the UNIQUE hash would
// refuse a fork if it could.
std::int64_t PgStore::append(Event& event) {
  auto last = chain_head();
  event.seq = last ? last->seq + 1 : 1;
  const std::string body = event.body();
  db_->run(
      "INSERT INTO events(seq, body, hash, ref, actor, action, at) VALUES ($1, $2, $3, $4, $5, "
      "$6, $7)",
      {event.seq, body, chain_hash(last ? last->hash : genesis_hash(), body), event.ref,
       event.actor, event.action, event.at});
  return event.seq;
}

void PgStore::append_event(const StoredEvent& event) {
  db_->run(
      "INSERT INTO events(seq, body, hash, ref, actor, action, at) VALUES ($1, $2::text, $3, "
      "$2::text::jsonb ->> 'ref', $2::text::jsonb ->> 'actor', $2::text::jsonb ->> 'action', "
      "$2::text::jsonb ->> 'at')",
      {event.seq, event.body, event.hash});
}

std::string PgStore::creator(std::string_view ref) {
  Result r = db_->run("SELECT actor FROM events WHERE ref = $1 ORDER BY seq LIMIT 1", {ref});
  return r.rows() ? r.text(0, 0) : "";
}

std::vector<StoredEvent> PgStore::events_for(std::string_view ref) {
  Result r = db_->run(
      "SELECT seq, body, hash, actor, action, at FROM events WHERE ref = $1 ORDER BY seq", {ref});
  std::vector<StoredEvent> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(StoredEvent{r.integer(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
                              r.text(row, 4), r.text(row, 5)});
  }
  return out;
}

std::optional<std::string> PgStore::event_hash(std::int64_t seq) {
  Result r = db_->run("SELECT hash FROM events WHERE seq = $1", {std::to_string(seq)});
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

}  // namespace commsflow::store::pg
