// The outbox: notifications made by the engine, and the record of delivering each
// (schema/sqlite/0002_signoff.sql, 0008_delivery.sql).
#include <commsflow/store.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

namespace {

constexpr const char* kColumns =
    "id, created_at, recipient, ref, kind, message, state, status, attempts, last_error, "
    "next_attempt_at, sent_at, sent_to";

OutboxEntry row_of(const store::Statement& q) {
  OutboxEntry e{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)};
  e.state = q.text(6);
  e.status = q.text(7);
  e.attempts = static_cast<int>(q.integer(8));
  e.last_error = q.text(9);
  e.next_attempt_at = q.text(10);
  e.sent_at = q.text(11);
  e.sent_to = q.text(12);
  return e;
}

std::vector<OutboxEntry> rows_of(store::Statement& q) {
  std::vector<OutboxEntry> out;
  while (q.step()) out.push_back(row_of(q));
  return out;
}

}  // namespace

std::int64_t SqliteStore::add_outbox(const OutboxEntry& e) {
  db_->cached(
         "INSERT INTO outbox(created_at, recipient, ref, kind, message, state) VALUES (?, ?, ?, "
         "?, ?, ?)")
      .bind(1, e.created_at)
      .bind(2, e.recipient)
      .bind(3, e.ref)
      .bind(4, e.kind)
      .bind(5, e.message)
      .bind(6, e.state)
      .run();
  return db_->last_insert_rowid();
}

std::vector<OutboxEntry> SqliteStore::outbox(std::string_view recipient, std::string_view ref) {
  // Only the conditions asked for go into the SQL, so that the planner takes outbox_by_recipient
  // or outbox_by_ref: written as `(?1 = '' OR recipient = ?1)` it reads the whole table.
  std::string sql = std::string("SELECT ") + kColumns + " FROM outbox";
  if (!recipient.empty()) sql += " WHERE recipient = ?1";
  if (!ref.empty()) sql += recipient.empty() ? " WHERE ref = ?2" : " AND ref = ?2";
  sql += " ORDER BY id";
  auto& q = db_->cached(sql);
  if (!recipient.empty()) q.bind(1, recipient);
  if (!ref.empty()) q.bind(2, ref);
  return rows_of(q);
}

std::vector<OutboxEntry> SqliteStore::outbox_due(std::string_view now, int limit) {
  auto& q = db_->cached(std::string("SELECT ") + kColumns +
                        " FROM outbox WHERE status = 'waiting' AND next_attempt_at <= ?1 ORDER BY "
                        "next_attempt_at, id LIMIT ?2");
  q.bind(1, now).bind(2, limit);
  return rows_of(q);
}

std::vector<OutboxEntry> SqliteStore::outbox_with_status(std::string_view status) {
  auto& q =
      db_->cached(std::string("SELECT ") + kColumns + " FROM outbox WHERE status = ? ORDER BY id");
  q.bind(1, status);
  return rows_of(q);
}

std::optional<OutboxEntry> SqliteStore::outbox_row(std::int64_t id) {
  auto& q = db_->cached(std::string("SELECT ") + kColumns + " FROM outbox WHERE id = ?");
  q.bind(1, id);
  auto rows = rows_of(q);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

void SqliteStore::record_delivery(const OutboxEntry& e) {
  db_->cached(
         "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, "
         "sent_at = ?, sent_to = ? WHERE id = ?")
      .bind(1, e.status)
      .bind(2, static_cast<std::int64_t>(e.attempts))
      .bind(3, e.last_error)
      .bind(4, e.next_attempt_at)
      .bind(5, e.sent_at)
      .bind(6, e.sent_to)
      .bind(7, e.id)
      .run();
}

bool SqliteStore::outbox_has(std::string_view ref, std::string_view kind) {
  auto& q = db_->cached("SELECT 1 FROM outbox WHERE ref = ? AND kind = ? LIMIT 1");
  q.bind(1, ref).bind(2, kind);
  const bool found = q.step();
  q.reset();
  return found;
}

}  // namespace commsflow::store
