// Store methods for sign-off: document versions, delegations and timers (the outbox is in
// outbox_rows.cpp).
#include <commsflow/error.h>
#include <commsflow/store.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

void SqliteStore::insert_document_version(std::int64_t item_id, const DocumentVersion& v) {
  db_->cached(
         "INSERT INTO document_versions(item_id, version, hash, content, author, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, item_id)
      .bind(2, v.version)
      .bind(3, v.hash)
      .bind(4, v.content)
      .bind(5, v.author)
      .bind(6, v.created_at)
      .run();
  for (const auto& a : v.attachments) {
    db_->cached(
           "INSERT INTO document_attachments(item_id, version, name, hash, content) VALUES (?, ?, "
           "?, ?, ?)")
        .bind(1, item_id)
        .bind(2, v.version)
        .bind(3, a.name)
        .bind(4, a.hash)
        .bind(5, a.content)
        .run();
  }
}

namespace {

constexpr const char* kVersionColumns = "item_id, version, hash, content, author, created_at";

DocumentVersion read_version(store::Statement& q) {
  return DocumentVersion{q.integer(1), q.text(2), q.text(3), q.text(4), q.text(5), {}};
}

// Attachments are read separately so that a version statement is never held across another.
void read_attachments(store::Database& db, std::int64_t item_id, DocumentVersion& v) {
  auto& q = db.cached(
      "SELECT name, hash, content FROM document_attachments WHERE item_id = ? AND version = ? "
      "ORDER BY name");
  q.bind(1, item_id).bind(2, v.version);
  while (q.step()) v.attachments.push_back(Attachment{q.text(0), q.text(1), q.text(2)});
}

}  // namespace

std::optional<DocumentVersion> SqliteStore::document_version(std::int64_t item_id,
                                                             std::int64_t version) {
  auto& q = db_->cached(fmt::format(
      "SELECT {} FROM document_versions WHERE item_id = ? AND version = ?", kVersionColumns));
  q.bind(1, item_id).bind(2, version);
  if (!q.step()) return std::nullopt;
  DocumentVersion v = read_version(q);
  q.reset();
  read_attachments(*db_, item_id, v);
  return v;
}

std::vector<DocumentVersion> SqliteStore::document_versions(std::int64_t item_id) {
  std::vector<DocumentVersion> out;
  auto& q = db_->cached(fmt::format(
      "SELECT {} FROM document_versions WHERE item_id = ? ORDER BY version", kVersionColumns));
  q.bind(1, item_id);
  while (q.step()) out.push_back(read_version(q));
  for (auto& v : out) read_attachments(*db_, item_id, v);
  return out;
}

void SqliteStore::for_each_document_version(
    const std::function<void(std::int64_t, const DocumentVersion&)>& visit) {
  std::vector<std::pair<std::int64_t, DocumentVersion>> all;
  auto& q = db_->cached(
      fmt::format("SELECT {} FROM document_versions ORDER BY item_id, version", kVersionColumns));
  while (q.step()) all.emplace_back(q.integer(0), read_version(q));
  for (auto& [item_id, v] : all) {
    read_attachments(*db_, item_id, v);
    visit(item_id, v);
  }
}

void SqliteStore::add_delegation(Delegation& d) {
  db_->cached(
         "INSERT INTO delegations(from_actor, to_actor, role, until, created_by, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, d.from)
      .bind(2, d.to)
      .bind(3, d.role)
      .bind(4, d.until)
      .bind(5, d.created_by)
      .bind(6, d.created_at)
      .run();
  d.id = db_->last_insert_rowid();
}

namespace {

constexpr const char* kDelegationColumns =
    "SELECT id, from_actor, to_actor, role, until, created_by, created_at, "
    "coalesce(revoked_at, '') FROM delegations ";

// Every row of a query selecting kDelegationColumns.
std::vector<Delegation> delegations_from(store::Statement& q) {
  std::vector<Delegation> out;
  while (q.step()) {
    out.push_back(Delegation{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                             q.text(6), q.text(7)});
  }
  return out;
}

}  // namespace

std::vector<Delegation> SqliteStore::delegations(std::string_view to_actor) {
  auto& q =
      db_->cached(std::string(kDelegationColumns) + "WHERE ?1 = '' OR to_actor = ?1 ORDER BY id");
  q.bind(1, to_actor);
  return delegations_from(q);
}

std::vector<Delegation> SqliteStore::delegations_in_force(std::string_view today) {
  auto& q = db_->cached(std::string(kDelegationColumns) +
                        "WHERE until >= ? AND revoked_at IS NULL ORDER BY id");
  q.bind(1, today);
  return delegations_from(q);
}

std::optional<Delegation> SqliteStore::delegation(std::int64_t id) {
  auto& q = db_->cached(std::string(kDelegationColumns) + "WHERE id = ?");
  q.bind(1, id);
  auto found = delegations_from(q);
  if (found.empty()) return std::nullopt;
  return found.front();
}

void SqliteStore::revoke_delegation(std::int64_t id, std::string_view at) {
  db_->cached("UPDATE delegations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .bind(1, at)
      .bind(2, id)
      .run();
}

std::vector<std::string> SqliteStore::actors_with_role(std::string_view role) {
  auto& q = db_->cached(
      "SELECT r.actor FROM actor_roles r JOIN actors a ON a.name = r.actor "
      "WHERE r.role = ? AND a.disabled_at IS NULL ORDER BY r.actor");
  q.bind(1, role);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

void SqliteStore::clear_timers(std::int64_t item_id) {
  db_->cached("DELETE FROM timers WHERE item_id = ?").bind(1, item_id).run();
}

void SqliteStore::delete_timer(std::int64_t timer_id) {
  db_->cached("DELETE FROM timers WHERE id = ?").bind(1, timer_id).run();
}

void SqliteStore::add_timer(std::int64_t item_id, std::string_view action, std::string_view due_at,
                            const Json& payload) {
  db_->cached("INSERT INTO timers(item_id, action, due_at, payload) VALUES (?, ?, ?, ?)")
      .bind(1, item_id)
      .bind(2, action)
      .bind(3, due_at)
      .bind(4, payload.dump())
      .run();
}

namespace {

std::vector<Timer> read_timers(store::Statement& q) {
  std::vector<Timer> out;
  while (q.step()) {
    out.push_back(Timer{q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4),
                        Json::parse(q.text_view(5), nullptr, false)});
  }
  return out;
}

}  // namespace

std::vector<Timer> SqliteStore::due_timers(std::string_view now) {
  auto& q = db_->cached(
      "SELECT t.id, t.item_id, i.ref, t.action, t.due_at, t.payload FROM timers t JOIN items i ON "
      "i.id = t.item_id WHERE t.due_at <= ? ORDER BY t.due_at, t.id");
  q.bind(1, now);
  return read_timers(q);
}

std::vector<Timer> SqliteStore::timers_for(std::int64_t item_id) {
  auto& q = db_->cached(
      "SELECT t.id, t.item_id, i.ref, t.action, t.due_at, t.payload FROM timers t JOIN items i ON "
      "i.id = t.item_id WHERE t.item_id = ? ORDER BY t.due_at, t.id");
  q.bind(1, item_id);
  return read_timers(q);
}

}  // namespace commsflow::store
