#include <commsflow/accounts.h>
#include <commsflow/error.h>

#include "store/database.h"

namespace commsflow {

namespace {

void require_actor(store::Database& db, std::string_view actor) {
  auto& q = db.cached("SELECT 1 FROM actors WHERE name = ?");
  q.bind(1, actor);
  bool found = q.step();
  q.reset();
  if (!found) fail(ErrorKind::NotFound, "unknown actor '{}'", actor);
}

}  // namespace

void Accounts::set_password_hash(std::string_view actor, std::string_view hash,
                                 std::string_view at) {
  store::Database& db = *store_.db_;
  store::Transaction tx(db, store::Transaction::Mode::Write);
  require_actor(db, actor);
  db.cached(
        "INSERT INTO passwords(actor, hash, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(actor) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at")
      .bind(1, actor)
      .bind(2, hash)
      .bind(3, at)
      .run();
  // A new password ends every session signed in with the old one.
  db.cached("DELETE FROM sessions WHERE actor = ?").bind(1, actor).run();
  tx.commit();
}

std::optional<std::string> Accounts::password_hash(std::string_view actor) {
  auto& q = store_.db_->cached("SELECT hash FROM passwords WHERE actor = ?");
  q.bind(1, actor);
  std::optional<std::string> out;
  if (q.step()) out = q.text(0);
  q.reset();
  return out;
}

void Accounts::create_session(std::string_view token_digest, std::string_view actor,
                              std::string_view csrf, std::string_view created_at,
                              std::string_view expires_at) {
  store_.db_
      ->cached(
          "INSERT INTO sessions(token_digest, actor, csrf, created_at, expires_at) "
          "VALUES (?, ?, ?, ?, ?)")
      .bind(1, token_digest)
      .bind(2, actor)
      .bind(3, csrf)
      .bind(4, created_at)
      .bind(5, expires_at)
      .run();
}

std::optional<SessionRecord> Accounts::session(std::string_view token_digest,
                                               std::string_view now) {
  auto& q = store_.db_->cached(
      "SELECT actor, csrf, expires_at FROM sessions WHERE token_digest = ? AND expires_at > ?");
  q.bind(1, token_digest).bind(2, now);
  std::optional<SessionRecord> out;
  if (q.step()) out = SessionRecord{q.text(0), q.text(1), q.text(2)};
  q.reset();
  return out;
}

void Accounts::delete_session(std::string_view token_digest) {
  store_.db_->cached("DELETE FROM sessions WHERE token_digest = ?").bind(1, token_digest).run();
}

std::int64_t Accounts::delete_expired_sessions(std::string_view now) {
  store_.db_->cached("DELETE FROM sessions WHERE expires_at <= ?").bind(1, now).run();
  return store_.db_->changes();
}

void Accounts::create_api_token(std::string_view token_digest, std::string_view actor,
                                std::string_view label, std::string_view at) {
  store::Database& db = *store_.db_;
  store::Transaction tx(db, store::Transaction::Mode::Write);
  require_actor(db, actor);
  db.cached("INSERT INTO api_tokens(token_digest, actor, label, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, token_digest)
      .bind(2, actor)
      .bind(3, label)
      .bind(4, at)
      .run();
  tx.commit();
}

std::optional<std::string> Accounts::api_token_actor(std::string_view token_digest) {
  auto& q = store_.db_->cached("SELECT actor FROM api_tokens WHERE token_digest = ?");
  q.bind(1, token_digest);
  std::optional<std::string> out;
  if (q.step()) out = q.text(0);
  q.reset();
  return out;
}

}  // namespace commsflow
