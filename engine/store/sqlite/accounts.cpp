#include <commsflow/accounts.h>
#include <commsflow/error.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

namespace {

constexpr const char* kTokenColumns =
    "SELECT id, actor, label, created_at, expires_at, coalesce(revoked_at, ''), token_digest "
    "FROM api_tokens ";

std::vector<ApiTokenRecord> tokens_from(store::Statement& q) {
  std::vector<ApiTokenRecord> out;
  while (q.step()) {
    out.push_back(ApiTokenRecord{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4),
                                 q.text(5), q.text(6)});
  }
  return out;
}

}  // namespace

void SqliteAccounts::set_password_hash(std::string_view actor, std::string_view hash,
                                       std::string_view at) {
  store::Database& db = db_;
  db.cached(
        "INSERT INTO passwords(actor, hash, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(actor) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at")
      .bind(1, actor)
      .bind(2, hash)
      .bind(3, at)
      .run();
  // A new password ends every session signed in with the old one.
  delete_sessions_of(actor);
}

std::optional<std::string> SqliteAccounts::password_hash(std::string_view actor) {
  auto& q = db_.cached("SELECT hash FROM passwords WHERE actor = ?");
  q.bind(1, actor);
  std::optional<std::string> out;
  if (q.step()) out = q.text(0);
  q.reset();
  return out;
}

void SqliteAccounts::create_session(std::string_view token_digest, std::string_view actor,
                                    std::string_view csrf, std::string_view created_at,
                                    std::string_view expires_at) {
  db_.cached(
         "INSERT INTO sessions(token_digest, actor, csrf, created_at, expires_at) "
         "VALUES (?, ?, ?, ?, ?)")
      .bind(1, token_digest)
      .bind(2, actor)
      .bind(3, csrf)
      .bind(4, created_at)
      .bind(5, expires_at)
      .run();
}

std::optional<SessionRecord> SqliteAccounts::session(std::string_view token_digest,
                                                     std::string_view now) {
  auto& q = db_.cached(
      "SELECT s.actor, s.csrf, s.expires_at, s.created_at FROM sessions s "
      "JOIN actors a ON a.name = s.actor "
      "WHERE s.token_digest = ? AND s.expires_at > ? AND a.disabled_at IS NULL");
  q.bind(1, token_digest).bind(2, now);
  std::optional<SessionRecord> out;
  if (q.step()) {
    out = SessionRecord{q.text(0), q.text(1), q.text(2), q.text(3), std::string(token_digest)};
  }
  q.reset();
  return out;
}

std::vector<SessionRecord> SqliteAccounts::sessions_of(std::string_view actor,
                                                       std::string_view now) {
  auto& q = db_.cached(
      "SELECT actor, csrf, expires_at, created_at, token_digest FROM sessions "
      "WHERE actor = ? AND expires_at > ? ORDER BY created_at DESC, token_digest");
  q.bind(1, actor).bind(2, now);
  std::vector<SessionRecord> out;
  while (q.step())
    out.push_back(SessionRecord{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)});
  return out;
}

bool SqliteAccounts::delete_session_of(std::string_view actor, std::string_view token_digest) {
  db_.cached("DELETE FROM sessions WHERE actor = ? AND token_digest = ?")
      .bind(1, actor)
      .bind(2, token_digest)
      .run();
  return db_.changes() > 0;
}

std::int64_t SqliteAccounts::delete_other_sessions(std::string_view actor,
                                                   std::string_view keep_digest) {
  db_.cached("DELETE FROM sessions WHERE actor = ? AND token_digest <> ?")
      .bind(1, actor)
      .bind(2, keep_digest)
      .run();
  return db_.changes();
}

std::int64_t SqliteAccounts::delete_sessions_of(std::string_view actor) {
  db_.cached("DELETE FROM sessions WHERE actor = ?").bind(1, actor).run();
  return db_.changes();
}

void SqliteAccounts::delete_session(std::string_view token_digest) {
  db_.cached("DELETE FROM sessions WHERE token_digest = ?").bind(1, token_digest).run();
}

std::int64_t SqliteAccounts::delete_expired_sessions(std::string_view now) {
  db_.cached("DELETE FROM sessions WHERE expires_at <= ?").bind(1, now).run();
  return db_.changes();
}

std::int64_t SqliteAccounts::create_api_token(std::string_view token_digest, std::string_view actor,
                                              std::string_view name, std::string_view at,
                                              std::string_view expires_at) {
  db_.cached(
         "INSERT INTO api_tokens(token_digest, actor, label, created_at, expires_at) "
         "VALUES (?, ?, ?, ?, ?)")
      .bind(1, token_digest)
      .bind(2, actor)
      .bind(3, name)
      .bind(4, at)
      .bind(5, expires_at)
      .run();
  return db_.last_insert_rowid();
}

std::optional<std::string> SqliteAccounts::api_token_actor(std::string_view token_digest,
                                                           std::string_view now) {
  auto& q = db_.cached(
      "SELECT t.actor FROM api_tokens t JOIN actors a ON a.name = t.actor "
      "WHERE t.token_digest = ? AND t.revoked_at IS NULL AND t.expires_at > ? "
      "AND a.disabled_at IS NULL");
  q.bind(1, token_digest).bind(2, now);
  std::optional<std::string> out;
  if (q.step()) out = q.text(0);
  q.reset();
  return out;
}

std::vector<ApiTokenRecord> SqliteAccounts::api_tokens(std::string_view actor) {
  auto& q = db_.cached(std::string(kTokenColumns) + "WHERE ?1 = '' OR actor = ?1 ORDER BY id");
  q.bind(1, actor);
  return tokens_from(q);
}

std::optional<ApiTokenRecord> SqliteAccounts::api_token(std::int64_t id) {
  auto& q = db_.cached(std::string(kTokenColumns) + "WHERE id = ?");
  q.bind(1, id);
  auto found = tokens_from(q);
  if (found.empty()) return std::nullopt;
  return found.front();
}

void SqliteAccounts::revoke_api_token(std::int64_t id, std::string_view at) {
  db_.cached("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .bind(1, at)
      .bind(2, id)
      .run();
}

int SqliteAccounts::count_sign_in_failure(std::string_view key) {
  auto& q = db_.cached(
      "INSERT INTO sign_in_failures(key, failures) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET "
      "failures = failures + 1 RETURNING failures");
  q.bind(1, key);
  q.step();
  const int failures = static_cast<int>(q.integer(0));
  q.reset();
  return failures;
}

void SqliteAccounts::lock_sign_in(std::string_view key, std::int64_t until_ms) {
  db_.cached("UPDATE sign_in_failures SET locked_until_ms = ? WHERE key = ?")
      .bind(1, until_ms)
      .bind(2, key)
      .run();
}

std::int64_t SqliteAccounts::sign_in_locked_until(std::string_view key) {
  auto& q = db_.cached("SELECT locked_until_ms FROM sign_in_failures WHERE key = ?");
  q.bind(1, key);
  const std::int64_t until = q.step() ? q.integer(0) : 0;
  q.reset();
  return until;
}

void SqliteAccounts::clear_sign_in_failures(std::string_view key) {
  db_.cached("DELETE FROM sign_in_failures WHERE key = ?").bind(1, key).run();
}

}  // namespace commsflow::store
