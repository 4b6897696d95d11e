// PgStore for sign-off: document versions, delegations, timers and the outbox (mirroring
// engine/store/sqlite/signoff_store.cpp and outbox_rows.cpp).
#include <commsflow/error.h>

#include "store/postgresql/hex.h"
#include "store/postgresql/pg_store.h"

namespace commsflow::store::pg {

namespace {

constexpr const char* kVersionColumns = "item_id, version, hash, content, author, created_at";

DocumentVersion version_at(const Result& r, int row) {
  return DocumentVersion{r.integer(row, 1), r.text(row, 2), r.text(row, 3),
                         r.text(row, 4),    r.text(row, 5), {}};
}

void read_attachments(Connection& db, std::int64_t item_id, DocumentVersion& v) {
  Result r = db.run(
      // Attachment content is bytes (BYTEA): it travels as hex text, which any byte survives.
      "SELECT name, hash, encode(content, 'hex') FROM document_attachments WHERE item_id = $1 "
      "AND version = $2 ORDER BY name",
      {item_id, v.version});
  for (int row = 0; row < r.rows(); ++row) {
    v.attachments.push_back(
        Attachment{r.text(row, 0), r.text(row, 1), from_hex(r.text_view(row, 2))});
  }
}

constexpr const char* kDelegationColumns =
    "SELECT id, from_actor, to_actor, role, until, created_by, created_at, "
    "coalesce(revoked_at, '') FROM delegations ";

std::vector<Delegation> delegations_of(const Result& r) {
  std::vector<Delegation> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(Delegation{r.integer(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
                             r.text(row, 4), r.text(row, 5), r.text(row, 6), r.text(row, 7)});
  }
  return out;
}

std::vector<Timer> timers_of(const Result& r) {
  std::vector<Timer> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(Timer{r.integer(row, 0), r.integer(row, 1), r.text(row, 2), r.text(row, 3),
                        r.text(row, 4), Json::parse(r.text_view(row, 5), nullptr, false)});
  }
  return out;
}

constexpr const char* kOutboxColumns =
    "SELECT id, created_at, recipient, ref, kind, message, state, status, attempts, last_error, "
    "next_attempt_at, sent_at, sent_to FROM outbox ";

std::vector<OutboxEntry> outbox_of(const Result& r) {
  std::vector<OutboxEntry> out;
  for (int row = 0; row < r.rows(); ++row) {
    OutboxEntry e{r.integer(row, 0), r.text(row, 1), r.text(row, 2),
                  r.text(row, 3),    r.text(row, 4), r.text(row, 5)};
    e.state = r.text(row, 6);
    e.status = r.text(row, 7);
    e.attempts = static_cast<int>(r.integer(row, 8));
    e.last_error = r.text(row, 9);
    e.next_attempt_at = r.text(row, 10);
    e.sent_at = r.text(row, 11);
    e.sent_to = r.text(row, 12);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

void PgStore::insert_document_version(std::int64_t item_id, const DocumentVersion& v) {
  db_->run(
      "INSERT INTO document_versions(item_id, version, hash, content, author, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {item_id, v.version, v.hash, v.content, v.author, v.created_at});
  for (const auto& a : v.attachments) {
    db_->run(
        "INSERT INTO document_attachments(item_id, version, name, hash, content) VALUES ($1, $2, "
        "$3, $4, decode($5, 'hex'))",
        {item_id, v.version, a.name, a.hash, to_hex(a.content)});
  }
}

std::optional<DocumentVersion> PgStore::document_version(std::int64_t item_id,
                                                         std::int64_t version) {
  Result r =
      db_->run(fmt::format("SELECT {} FROM document_versions WHERE item_id = $1 AND version = $2",
                           kVersionColumns),
               {item_id, version});
  if (r.rows() == 0) return std::nullopt;
  DocumentVersion v = version_at(r, 0);
  read_attachments(*db_, item_id, v);
  return v;
}

std::vector<DocumentVersion> PgStore::document_versions(std::int64_t item_id) {
  Result r =
      db_->run(fmt::format("SELECT {} FROM document_versions WHERE item_id = $1 ORDER BY version",
                           kVersionColumns),
               {item_id});
  std::vector<DocumentVersion> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(version_at(r, row));
  for (auto& v : out) read_attachments(*db_, item_id, v);
  return out;
}

void PgStore::for_each_document_version(
    const std::function<void(std::int64_t, const DocumentVersion&)>& visit) {
  db_->for_each_row(
      fmt::format("SELECT {} FROM document_versions ORDER BY item_id, version", kVersionColumns),
      {}, [&](const Result& r, int row) {
        DocumentVersion v = version_at(r, row);
        read_attachments(*db_, r.integer(row, 0), v);
        visit(r.integer(row, 0), v);
      });
}

void PgStore::add_delegation(Delegation& d) {
  d.id = db_->run(
                "INSERT INTO delegations(from_actor, to_actor, role, until, created_by, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                {d.from, d.to, d.role, d.until, d.created_by, d.created_at})
             .integer(0, 0);
}

std::vector<Delegation> PgStore::delegations(std::string_view to_actor) {
  return delegations_of(db_->run(
      std::string(kDelegationColumns) + "WHERE $1 = '' OR to_actor = $1 ORDER BY id", {to_actor}));
}

std::vector<Delegation> PgStore::delegations_in_force(std::string_view today) {
  return delegations_of(db_->run(
      std::string(kDelegationColumns) + "WHERE until >= $1 AND revoked_at IS NULL ORDER BY id",
      {today}));
}

std::optional<Delegation> PgStore::delegation(std::int64_t id) {
  auto found = delegations_of(db_->run(std::string(kDelegationColumns) + "WHERE id = $1", {id}));
  if (found.empty()) return std::nullopt;
  return found.front();
}

void PgStore::revoke_delegation(std::int64_t id, std::string_view at) {
  db_->run("UPDATE delegations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", {at, id});
}

std::vector<std::string> PgStore::actors_with_role(std::string_view role) {
  Result r = db_->run(
      "SELECT r.actor FROM actor_roles r JOIN actors a ON a.name = r.actor "
      "WHERE r.role = $1 AND a.disabled_at IS NULL ORDER BY r.actor",
      {role});
  std::vector<std::string> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(r.text(row, 0));
  return out;
}

void PgStore::clear_timers(std::int64_t item_id) {
  db_->run("DELETE FROM timers WHERE item_id = $1", {item_id});
}

void PgStore::delete_timer(std::int64_t timer_id) {
  db_->run("DELETE FROM timers WHERE id = $1", {timer_id});
}

void PgStore::add_timer(std::int64_t item_id, std::string_view action, std::string_view due_at,
                        const Json& payload) {
  db_->run("INSERT INTO timers(item_id, action, due_at, payload) VALUES ($1, $2, $3, $4)",
           {item_id, action, due_at, payload.dump()});
}

std::vector<Timer> PgStore::due_timers(std::string_view now) {
  return timers_of(db_->run(
      "SELECT t.id, t.item_id, i.ref, t.action, t.due_at, t.payload FROM timers t JOIN items i ON "
      "i.id = t.item_id WHERE t.due_at <= $1 ORDER BY t.due_at, t.id",
      {now}));
}

std::vector<Timer> PgStore::timers_for(std::int64_t item_id) {
  return timers_of(db_->run(
      "SELECT t.id, t.item_id, i.ref, t.action, t.due_at, t.payload FROM timers t JOIN items i ON "
      "i.id = t.item_id WHERE t.item_id = $1 ORDER BY t.due_at, t.id",
      {item_id}));
}

std::int64_t PgStore::add_outbox(const OutboxEntry& e) {
  return db_
      ->run(
          "INSERT INTO outbox(created_at, recipient, ref, kind, message, state) VALUES ($1, $2, "
          "$3, $4, $5, $6) RETURNING id",
          {e.created_at, e.recipient, e.ref, e.kind, e.message, e.state})
      .integer(0, 0);
}

std::vector<OutboxEntry> PgStore::outbox(std::string_view recipient, std::string_view ref) {
  return outbox_of(db_->run(std::string(kOutboxColumns) +
                                "WHERE ($1 = '' OR recipient = $1) AND ($2 = '' OR ref = $2) "
                                "ORDER BY id",
                            {recipient, ref}));
}

std::vector<OutboxEntry> PgStore::outbox_due(std::string_view now, int limit) {
  return outbox_of(db_->run(std::string(kOutboxColumns) +
                                "WHERE status = 'waiting' AND next_attempt_at <= $1 ORDER BY "
                                "next_attempt_at, id LIMIT $2",
                            {now, limit}));
}

std::vector<OutboxEntry> PgStore::outbox_with_status(std::string_view status) {
  return outbox_of(
      db_->run(std::string(kOutboxColumns) + "WHERE status = $1 ORDER BY id", {status}));
}

std::optional<OutboxEntry> PgStore::outbox_row(std::int64_t id) {
  auto rows = outbox_of(db_->run(std::string(kOutboxColumns) + "WHERE id = $1", {id}));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

void PgStore::record_delivery(const OutboxEntry& e) {
  db_->run(
      "UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4, "
      "sent_at = $5, sent_to = $6 WHERE id = $7",
      {e.status, e.attempts, e.last_error, e.next_attempt_at, e.sent_at, e.sent_to, e.id});
}

bool PgStore::outbox_has(std::string_view ref, std::string_view kind) {
  return db_->run("SELECT 1 FROM outbox WHERE ref = $1 AND kind = $2 LIMIT 1", {ref, kind}).rows() >
         0;
}

}  // namespace commsflow::store::pg
