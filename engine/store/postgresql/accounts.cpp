// PgAccounts: passwords, sessions and API tokens (mirroring engine/store/sqlite/accounts.cpp).
#include "store/postgresql/pg_store.h"

namespace commsflow::store::pg {

namespace {

constexpr const char* kTokenColumns =
    "SELECT id, actor, label, created_at, expires_at, coalesce(revoked_at, ''), token_digest "
    "FROM api_tokens ";

std::vector<ApiTokenRecord> tokens_of(const Result& r) {
  std::vector<ApiTokenRecord> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(ApiTokenRecord{r.integer(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
                                 r.text(row, 4), r.text(row, 5), r.text(row, 6)});
  }
  return out;
}

}  // namespace

void PgAccounts::set_password_hash(std::string_view actor, std::string_view hash,
                                   std::string_view at) {
  db_.run(
      "INSERT INTO passwords(actor, hash, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT(actor) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
      {actor, hash, at});
  // A new password ends every session signed in with the old one.
  delete_sessions_of(actor);
}

std::optional<std::string> PgAccounts::password_hash(std::string_view actor) {
  Result r = db_.run("SELECT hash FROM passwords WHERE actor = $1", {actor});
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

void PgAccounts::create_session(std::string_view token_digest, std::string_view actor,
                                std::string_view csrf, std::string_view created_at,
                                std::string_view expires_at) {
  db_.run(
      "INSERT INTO sessions(token_digest, actor, csrf, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      {token_digest, actor, csrf, created_at, expires_at});
}

std::optional<SessionRecord> PgAccounts::session(std::string_view token_digest,
                                                 std::string_view now) {
  Result r = db_.run(
      "SELECT s.actor, s.csrf, s.expires_at, s.created_at FROM sessions s "
      "JOIN actors a ON a.name = s.actor "
      "WHERE s.token_digest = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL",
      {token_digest, now});
  if (r.rows() == 0) return std::nullopt;
  return SessionRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3),
                       std::string(token_digest)};
}

std::vector<SessionRecord> PgAccounts::sessions_of(std::string_view actor, std::string_view now) {
  Result r = db_.run(
      "SELECT actor, csrf, expires_at, created_at, token_digest FROM sessions "
      "WHERE actor = $1 AND expires_at > $2 ORDER BY created_at DESC, token_digest",
      {actor, now});
  std::vector<SessionRecord> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(SessionRecord{r.text(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
                                r.text(row, 4)});
  }
  return out;
}

bool PgAccounts::delete_session_of(std::string_view actor, std::string_view token_digest) {
  return db_.run("DELETE FROM sessions WHERE actor = $1 AND token_digest = $2",
                 {actor, token_digest})
             .affected() > 0;
}

std::int64_t PgAccounts::delete_other_sessions(std::string_view actor,
                                               std::string_view keep_digest) {
  return db_
      .run("DELETE FROM sessions WHERE actor = $1 AND token_digest <> $2", {actor, keep_digest})
      .affected();
}

std::int64_t PgAccounts::delete_sessions_of(std::string_view actor) {
  return db_.run("DELETE FROM sessions WHERE actor = $1", {actor}).affected();
}

void PgAccounts::delete_session(std::string_view token_digest) {
  db_.run("DELETE FROM sessions WHERE token_digest = $1", {token_digest});
}

std::int64_t PgAccounts::delete_expired_sessions(std::string_view now) {
  return db_.run("DELETE FROM sessions WHERE expires_at <= $1", {now}).affected();
}

std::int64_t PgAccounts::create_api_token(std::string_view token_digest, std::string_view actor,
                                          std::string_view name, std::string_view at,
                                          std::string_view expires_at) {
  return db_
      .run(
          "INSERT INTO api_tokens(token_digest, actor, label, created_at, expires_at) "
          "VALUES ($1, $2, $3, $4, $5) RETURNING id",
          {token_digest, actor, name, at, expires_at})
      .integer(0, 0);
}

std::optional<std::string> PgAccounts::api_token_actor(std::string_view token_digest,
                                                       std::string_view now) {
  Result r = db_.run(
      "SELECT t.actor FROM api_tokens t JOIN actors a ON a.name = t.actor "
      "WHERE t.token_digest = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 "
      "AND a.disabled_at IS NULL",
      {token_digest, now});
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

std::vector<ApiTokenRecord> PgAccounts::api_tokens(std::string_view actor) {
  return tokens_of(
      db_.run(std::string(kTokenColumns) + "WHERE $1 = '' OR actor = $1 ORDER BY id", {actor}));
}

std::optional<ApiTokenRecord> PgAccounts::api_token(std::int64_t id) {
  auto found = tokens_of(db_.run(std::string(kTokenColumns) + "WHERE id = $1", {id}));
  if (found.empty()) return std::nullopt;
  return found.front();
}

void PgAccounts::revoke_api_token(std::int64_t id, std::string_view at) {
  db_.run("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", {at, id});
}

int PgAccounts::count_sign_in_failure(std::string_view key) {
  return static_cast<int>(
      db_.run("INSERT INTO sign_in_failures(key, failures) VALUES ($1, 1) ON CONFLICT(key) DO "
              "UPDATE SET failures = sign_in_failures.failures + 1 RETURNING failures",
              {key})
          .integer(0, 0));
}

void PgAccounts::lock_sign_in(std::string_view key, std::int64_t until_ms) {
  db_.run("UPDATE sign_in_failures SET locked_until_ms = $1 WHERE key = $2", {until_ms, key});
}

std::int64_t PgAccounts::sign_in_locked_until(std::string_view key) {
  Result r = db_.run("SELECT locked_until_ms FROM sign_in_failures WHERE key = $1", {key});
  return r.rows() ? r.integer(0, 0) : 0;
}

void PgAccounts::clear_sign_in_failures(std::string_view key) {
  db_.run("DELETE FROM sign_in_failures WHERE key = $1", {key});
}

}  // namespace commsflow::store::pg
