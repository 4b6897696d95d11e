#include <commsflow/error.h>
#include <commsflow/json_text.h>
#include <commsflow/store.h>
#include <unistd.h>  // W_OK

#include <algorithm>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

namespace {

class SqliteTransaction final : public StoreTransaction {
 public:
  SqliteTransaction(store::Database& db, store::Transaction::Mode mode) : tx_(db, mode) {}
  void commit() override { tx_.commit(); }

 private:
  store::Transaction tx_;
};

Item read_item(store::Statement& q) {
  Item item;
  item.id = q.integer(0);
  item.ref = q.text(1);
  item.workflow = q.text(2);
  item.version = q.text(3);
  item.state = q.text(4);
  item.data = parse_stored_json(q.text_view(5));
  item.revision = q.integer(6);
  item.created_at = q.text(7);
  item.updated_at = q.text(8);
  item.parent = q.text(9);
  return item;
}

constexpr const char* kItemColumns =
    "id, ref, workflow, version, state, data, revision, created_at, updated_at, "
    "coalesce(parent, '')";

}  // namespace

namespace {

std::unique_ptr<Database> open_file(const std::filesystem::path& path, Store::Options options) {
  std::error_code unreachable;
  const auto status = std::filesystem::status(path, unreachable);
  if (unreachable && unreachable != std::errc::no_such_file_or_directory) {
    fail(ErrorKind::Storage, "cannot reach database {}: {} (the folder it is in, or one above)",
         path.string(), unreachable.message());
  }
  if (!options.create && !std::filesystem::exists(status)) {
    fail(ErrorKind::NotFound, "no database at {}: create one with `commsflow init`", path.string());
  }
  if (std::filesystem::is_directory(status)) {
    fail(ErrorKind::BadInput, "{} is a folder: name the database file in it", path.string());
  }
  // SQLite needs the folder too: it makes the -wal and -shm files beside the database.
  const bool read_only = options.only_reads && !options.create &&
                         (!may_access(path, W_OK) || !may_access(path.parent_path(), W_OK));
  return std::make_unique<Database>(
      path, options.create, options.busy_timeout_ms,
      options.durability == Store::Durability::Full ? Durability::Full : Durability::Normal,
      read_only);
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& path, Options options)
    : Store(path.string(), 0), db_(open_file(path, options)), accounts_(*db_) {
  set_schema_version(migrate(*db_));
}

SqliteStore::~SqliteStore() = default;

std::string SqliteStore::name() const {
  return db_->path().filename().string();
}

Accounts& SqliteStore::accounts() {
  return accounts_;
}

std::unique_ptr<StoreTransaction> SqliteStore::begin_write() {
  return std::make_unique<SqliteTransaction>(*db_, store::Transaction::Mode::Write);
}

std::unique_ptr<StoreTransaction> SqliteStore::begin_read() {
  return std::make_unique<SqliteTransaction>(*db_, store::Transaction::Mode::Read);
}

bool SqliteStore::in_transaction() const {
  return db_->in_transaction();
}

class SqliteWriteBehind final : public StoreWriteBehind {
 public:
  explicit SqliteWriteBehind(SqliteStore& store) : store_(store) {}
  ~SqliteWriteBehind() override { store_.stop_writing_behind(); }

 private:
  SqliteStore& store_;
};

std::unique_ptr<StoreWriteBehind> SqliteStore::write_behind() {
  db_->start_write_behind();
  ahead_.emplace();
  return std::make_unique<SqliteWriteBehind>(*this);
}

void SqliteStore::stop_writing_behind() {
  db_->stop_write_behind();
  ahead_.reset();
}

namespace {

// The definition row at the statement's current row (columns as selected below) with its modules.
StoredDefinition definition_at(store::Statement& q) {
  StoredDefinition d{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), std::nullopt};
  if (!q.is_null(5)) d.libraries.emplace();
  return d;
}

void read_libraries(store::Database& db, StoredDefinition& d) {
  if (!d.libraries) return;
  auto& q = db.cached("SELECT module, source FROM definition_libraries WHERE version = ?");
  q.bind(1, d.version);
  while (q.step()) d.libraries->emplace(q.text(0), q.text(1));
  q.reset();
}

}  // namespace

std::optional<StoredDefinition> SqliteStore::definition(std::string_view version) {
  auto& q = db_->cached(
      "SELECT version, name, path, source, loaded_at, libraries FROM definitions WHERE version = "
      "?");
  q.bind(1, version);
  if (!q.step()) return std::nullopt;
  StoredDefinition d = definition_at(q);
  q.reset();
  read_libraries(*db_, d);
  return d;
}

std::vector<StoredDefinition> SqliteStore::definitions_with_source(std::string_view source) {
  auto& q = db_->cached(
      "SELECT version, name, path, source, loaded_at, libraries FROM definitions WHERE source = ? "
      "ORDER BY loaded_at DESC");
  q.bind(1, source);
  std::vector<StoredDefinition> out;
  while (q.step()) out.push_back(definition_at(q));
  q.reset();
  for (auto& d : out) read_libraries(*db_, d);
  return out;
}

void SqliteStore::save_definition(const StoredDefinition& d) {
  auto& insert =
      db_->cached(
             "INSERT INTO definitions(version, name, path, source, loaded_at, libraries) "
             "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(version) DO UPDATE SET libraries = "
             "excluded.libraries WHERE definitions.libraries IS NULL")
          .bind(1, d.version)
          .bind(2, d.name)
          .bind(3, d.path)
          .bind(4, d.source)
          .bind(5, d.loaded_at);
  if (d.libraries) {
    insert.bind(6, static_cast<std::int64_t>(d.libraries->size()));
  } else {
    insert.bind_null(6);
  }
  insert.run();
  if (!d.libraries) return;
  for (const auto& [module, source] : *d.libraries) {
    db_->cached(
           "INSERT OR IGNORE INTO definition_libraries(version, module, source) VALUES (?, ?, ?)")
        .bind(1, d.version)
        .bind(2, module)
        .bind(3, source)
        .run();
  }
}

std::optional<std::string> SqliteStore::current_version(std::string_view workflow) {
  auto& q = db_->cached("SELECT version FROM workflows WHERE name = ?");
  q.bind(1, workflow);
  if (!q.step()) return std::nullopt;
  std::string version = q.text(0);
  q.reset();
  return version;
}

void SqliteStore::set_current_version(std::string_view workflow, std::string_view version,
                                      std::string_view at) {
  db_->cached(
         "INSERT INTO workflows(name, version, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO "
         "UPDATE SET version = excluded.version, updated_at = excluded.updated_at")
      .bind(1, workflow)
      .bind(2, version)
      .bind(3, at)
      .run();
}

std::vector<std::pair<std::string, std::string>> SqliteStore::workflows() {
  std::vector<std::pair<std::string, std::string>> out;
  auto& q = db_->cached("SELECT name, version FROM workflows ORDER BY name");
  while (q.step()) out.emplace_back(q.text(0), q.text(1));
  return out;
}

std::vector<std::tuple<std::string, std::string, std::int64_t>> SqliteStore::item_counts() {
  std::vector<std::tuple<std::string, std::string, std::int64_t>> out;
  auto& q = db_->cached("SELECT version, state, count(*) FROM items GROUP BY version, state");
  while (q.step()) out.emplace_back(q.text(0), q.text(1), q.integer(2));
  return out;
}

std::optional<Actor> SqliteStore::actor(std::string_view name) {
  auto& exists =
      db_->cached("SELECT disabled_at IS NOT NULL, display_name, email FROM actors WHERE name = ?");
  exists.bind(1, name);
  if (!exists.step()) return std::nullopt;
  Actor actor{std::string(name), {}, exists.integer(0) != 0, exists.text(1), exists.text(2)};
  exists.reset();
  auto& q = db_->cached("SELECT role FROM actor_roles WHERE actor = ? ORDER BY role");
  q.bind(1, name);
  while (q.step()) actor.roles.push_back(q.text(0));
  return actor;
}

std::vector<Actor> SqliteStore::actors() {
  std::vector<Actor> out;
  auto& q = db_->cached(
      "SELECT a.name, r.role, a.disabled_at IS NOT NULL, a.display_name, a.email FROM actors a "
      "LEFT JOIN actor_roles r ON r.actor = a.name ORDER BY a.name, r.role");
  while (q.step()) {
    std::string name = q.text(0);
    if (out.empty() || out.back().name != name) {
      out.push_back(Actor{name, {}, q.integer(2) != 0, q.text(3), q.text(4)});
    }
    if (!q.is_null(1)) out.back().roles.push_back(q.text(1));
  }
  return out;
}

std::vector<std::string> SqliteStore::add_actor(const Actor& actor, std::string_view at) {
  db_->cached("INSERT OR IGNORE INTO actors(name, created_at) VALUES (?, ?)")
      .bind(1, actor.name)
      .bind(2, at)
      .run();
  std::vector<std::string> granted;
  for (const auto& role : actor.roles) {
    db_->cached("INSERT OR IGNORE INTO actor_roles(actor, role) VALUES (?, ?)")
        .bind(1, actor.name)
        .bind(2, role)
        .run();
    if (db_->changes() > 0) granted.push_back(role);
  }
  return granted;
}

bool SqliteStore::set_display_name(std::string_view actor, std::string_view display_name) {
  db_->cached("UPDATE actors SET display_name = ? WHERE name = ? AND display_name IS NOT ?")
      .bind(1, display_name)
      .bind(2, actor)
      .bind(3, display_name)
      .run();
  return db_->changes() > 0;
}

bool SqliteStore::set_email(std::string_view actor, std::string_view email) {
  db_->cached("UPDATE actors SET email = ? WHERE name = ? AND email IS NOT ?")
      .bind(1, email)
      .bind(2, actor)
      .bind(3, email)
      .run();
  return db_->changes() > 0;
}

bool SqliteStore::remove_role(std::string_view actor, std::string_view role) {
  db_->cached("DELETE FROM actor_roles WHERE actor = ? AND role = ?")
      .bind(1, actor)
      .bind(2, role)
      .run();
  return db_->changes() > 0;
}

bool SqliteStore::set_disabled(std::string_view actor, std::string_view at) {
  if (at.empty()) {
    db_->cached("UPDATE actors SET disabled_at = NULL WHERE name = ? AND disabled_at IS NOT NULL")
        .bind(1, actor)
        .run();
  } else {
    db_->cached("UPDATE actors SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL")
        .bind(1, at)
        .bind(2, actor)
        .run();
  }
  return db_->changes() > 0;
}

namespace {

// The counter's last number given, or 0 when it has given none.
std::int64_t ref_counter(Database& db, std::string_view prefix, int year) {
  auto& read = db.cached("SELECT last FROM ref_counters WHERE prefix = ? AND year = ?");
  read.bind(1, prefix).bind(2, year);
  const std::int64_t last = read.step() ? read.integer(0) : 0;
  read.reset();
  return last;
}

void set_ref_counter(Database& db, std::string_view prefix, int year, std::int64_t last) {
  db.cached(
        "INSERT INTO ref_counters(prefix, year, last) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(prefix, year) DO UPDATE SET last = excluded.last")
      .bind(1, prefix)
      .bind(2, year)
      .bind(3, last)
      .run();
}

}  // namespace

std::int64_t SqliteStore::next_ref_number(std::string_view prefix, int year) {
  // Read, then write, inside the caller's write transaction (so nobody can give the same number
  // meanwhile). Not one statement with RETURNING: SQLite keeps RETURNING rows in a temporary
  // table made for each execution, and that was most of the cost of numbering an imported row.
  if (!ahead_) {
    const std::int64_t next = ref_counter(*db_, prefix, year) + 1;
    set_ref_counter(*db_, prefix, year, next);
    return next;
  }
  auto key = std::make_pair(std::string(prefix), year);
  auto it = ahead_->ref_counters.find(key);
  if (it == ahead_->ref_counters.end()) {
    it = ahead_->ref_counters.emplace(key, ref_counter(*db_, prefix, year)).first;
  }
  const std::int64_t next = ++it->second;
  db_->defer([db = db_.get(), prefix = std::move(key.first), year, next] {
    set_ref_counter(*db, prefix, year, next);
  });
  return next;
}

std::optional<Item> SqliteStore::item(std::string_view ref) {
  static const std::string sql = fmt::format("SELECT {} FROM items WHERE ref = ?", kItemColumns);
  auto& q = db_->cached(sql);
  q.bind(1, ref);
  if (!q.step()) return std::nullopt;
  Item item = read_item(q);
  q.reset();
  return item;
}

std::optional<Item> SqliteStore::item_by_id(std::int64_t id) {
  static const std::string sql = fmt::format("SELECT {} FROM items WHERE id = ?", kItemColumns);
  auto& q = db_->cached(sql);
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  Item item = read_item(q);
  q.reset();
  return item;
}

std::vector<Item> SqliteStore::items(const ItemFilter& filter) {
  // Only the conditions asked for go into the SQL, so that the planner takes items_by_workflow
  // for a workflow: written as `(?1 = '' OR workflow = ?1)` it reads the whole table.
  std::string sql = fmt::format("SELECT {} FROM items WHERE 1", kItemColumns);
  if (!filter.workflow.empty()) sql += " AND workflow = ?1";
  if (!filter.state.empty()) sql += " AND state = ?2";
  if (!filter.parent.empty()) sql += " AND parent = ?3";
  sql += " ORDER BY id LIMIT ?4";
  auto& q = db_->cached(sql);
  if (!filter.workflow.empty()) q.bind(1, filter.workflow);
  if (!filter.state.empty()) q.bind(2, filter.state);
  if (!filter.parent.empty()) q.bind(3, filter.parent);
  q.bind(4, filter.limit);
  std::vector<Item> out;
  while (q.step()) out.push_back(read_item(q));
  return out;
}

namespace {

// An items row as written, its data already JSON text: what a write behind the caller keeps.
struct ItemRowText {
  std::int64_t id;  // 0: the next rowid
  std::string ref, workflow, version, state, data;
  std::int64_t revision;
  std::string created_at, updated_at, parent;
};

ItemRowText row_text(const Item& item, std::int64_t id) {
  return {id,
          item.ref,
          item.workflow,
          item.version,
          item.state,
          json_text(item.data),
          item.revision,
          item.created_at,
          item.updated_at,
          item.parent};
}

void insert_item_row(Database& db, const ItemRowText& row) {
  auto& insert = db.cached(
      "INSERT INTO items(id, ref, workflow, version, state, data, revision, created_at, "
      "updated_at, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''))");
  if (row.id != 0) {
    insert.bind(1, row.id);
  } else {
    insert.bind_null(1);
  }
  insert.bind(2, row.ref)
      .bind(3, row.workflow)
      .bind(4, row.version)
      .bind(5, row.state)
      .bind(6, row.data)
      .bind(7, row.revision)
      .bind(8, row.created_at)
      .bind(9, row.updated_at)
      .bind(10, row.parent)
      .run();
}

}  // namespace

void SqliteStore::insert_item(Item& item) {
  if (!ahead_) {
    insert_item_row(*db_, row_text(item, 0));
    item.id = db_->last_insert_rowid();
    return;
  }
  // The id is what SQLite would give the row (the next rowid), given here: were it taken
  // meanwhile, the insert fails rather than the item getting another.
  if (!ahead_->last_item_id) {
    auto& q = db_->cached("SELECT coalesce(max(id), 0) FROM items");
    q.step();
    ahead_->last_item_id = q.integer(0);
    q.reset();
  }
  item.id = ++*ahead_->last_item_id;
  db_->defer([db = db_.get(), row = row_text(item, item.id)] { insert_item_row(*db, row); });
}

bool SqliteStore::update_item(const Item& item, std::int64_t expected_revision) {
  db_->cached(
         "UPDATE items SET state = ?, data = ?, revision = ?, updated_at = ?, version = ? WHERE "
         "id = ? AND revision = ?")
      .bind(1, item.state)
      .bind(2, json_text(item.data))
      .bind(3, item.revision)
      .bind(4, item.updated_at)
      .bind(5, item.version)
      .bind(6, item.id)
      .bind(7, expected_revision)
      .run();
  return db_->changes() == 1;
}

std::optional<StoredEvent> SqliteStore::last_event() {
  auto& q = db_->cached("SELECT seq, body, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  StoredEvent e{q.integer(0), q.text(1), q.text(2)};
  q.reset();
  return e;
}

std::optional<ChainLink> SqliteStore::chain_head() {
  auto& q = db_->cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  ChainLink head{q.integer(0), q.text(1)};
  q.reset();
  return head;
}

namespace {

// The event row after `last`, its hash chained to last's. The indexed columns are bound from the
// values the body was made from, so nothing is parsed again to write them
// (schema/sqlite/0009_event_columns.sql).
void insert_event(Database& db, const std::optional<ChainLink>& last, std::int64_t seq,
                  std::string_view body, std::string_view ref, std::string_view actor,
                  std::string_view action, std::string_view at) {
  db.cached(
        "INSERT INTO events(seq, body, hash, ref, actor, action, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, seq)
      .bind(2, body)
      .bind(3, chain_hash(last ? last->hash : genesis_hash(), body))
      .bind(4, ref)
      .bind(5, actor)
      .bind(6, action)
      .bind(7, at)
      .run();
}

}  // namespace

std::int64_t SqliteStore::append(Event& event) {
  if (!ahead_) {
    auto last = chain_head();
    event.seq = last ? last->seq + 1 : 1;
    insert_event(*db_, last, event.seq, event.body(), event.ref, event.actor, event.action,
                 event.at);
    return event.seq;
  }
  if (!ahead_->last_seq) {
    auto last = chain_head();
    ahead_->last_seq = last ? last->seq : 0;
  }
  event.seq = ++*ahead_->last_seq;
  // The body is made here, from the event as it is now; the writer chains it to the head.
  db_->defer([this, seq = event.seq, body = event.body(), ref = event.ref, actor = event.actor,
              action = event.action, at = event.at] {
    auto last = chain_head();
    if ((last ? last->seq : 0) + 1 != seq) {
      throw Error(ErrorKind::Storage,
                  fmt::format("database {}: event {} was to follow event {}, but the log ends at "
                              "{}: nothing was written",
                              db_->path().string(), seq, seq - 1, last ? last->seq : 0));
    }
    insert_event(*db_, last, seq, body, ref, actor, action, at);
  });
  return event.seq;
}

void SqliteStore::append_event(const StoredEvent& event) {
  db_->cached(
         "INSERT INTO events(seq, body, hash, ref, actor, action, at) "
         "VALUES (?1, ?2, ?3, json_extract(?2, '$.ref'), json_extract(?2, '$.actor'), "
         "json_extract(?2, '$.action'), json_extract(?2, '$.at'))")
      .bind(1, event.seq)
      .bind(2, event.body)
      .bind(3, event.hash)
      .run();
}

std::string SqliteStore::creator(std::string_view ref) {
  auto& q = db_->cached("SELECT actor FROM events WHERE ref = ? ORDER BY seq LIMIT 1");
  q.bind(1, ref);
  std::string actor = q.step() ? q.text(0) : "";
  q.reset();
  return actor;
}

std::vector<StoredEvent> SqliteStore::events_for(std::string_view ref) {
  auto& q = db_->cached(
      "SELECT seq, body, hash, actor, action, at FROM events WHERE ref = ? ORDER BY seq");
  q.bind(1, ref);
  std::vector<StoredEvent> out;
  while (q.step()) {
    out.push_back(StoredEvent{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)});
  }
  return out;
}

std::optional<std::string> SqliteStore::event_hash(std::int64_t seq) {
  auto& q = db_->cached("SELECT hash FROM events WHERE seq = ?");
  q.bind(1, seq);
  if (!q.step()) return std::nullopt;
  std::string hash = q.text(0);
  q.reset();
  return hash;
}

void SqliteStore::for_each_event(const std::function<void(const EventRowView& row)>& visit) {
  auto& q = db_->cached("SELECT seq, body, hash, ref, actor, action, at FROM events ORDER BY seq");
  while (q.step()) {
    const std::string_view not_text =
        q.first_not_text(1, {"body", "hash", "ref", "actor", "action", "at"});
    visit(EventRowView{q.integer(0), q.text_view(1), q.text_view(2), q.text_view(3), q.text_view(4),
                       q.text_view(5), q.text_view(6), not_text});
  }
}

}  // namespace commsflow::store
