// Sign-in records kept in the database: password hashes, browser sessions and API tokens.
//
// Only digests are stored: the caller hashes passwords (see credentials.h) and passes the
// SHA-256 digest of session and API tokens, never the tokens themselves. Each method is one
// statement. Changes to passwords and tokens are made through People (people.h), which records
// each in the hash chain in the same transaction; sessions are not in the chain.
//
// Each backend implements it over its Store's connection (Store::accounts()). Not thread-safe:
// an Accounts shares its Store's thread.
#pragma once

#include <commsflow/store.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

struct SessionRecord {
  std::string actor;
  std::string csrf;
  std::string expires_at;
  std::string created_at = {};
  std::string token_digest = {};
};

struct ApiTokenRecord {
  std::int64_t id = 0;
  std::string actor;
  std::string name;
  std::string created_at;
  std::string expires_at;
  std::string revoked_at;  // empty unless revoked
  std::string digest;      // SHA-256 of the token's value (the value itself is never stored)
};

class Accounts {
 public:
  virtual ~Accounts() = default;

  // Sets (or replaces) the actor's password hash and ends the actor's sessions. Call inside a
  // write transaction (People::set_password_hash).
  virtual void set_password_hash(std::string_view actor, std::string_view hash,
                                 std::string_view at) = 0;
  // The stored hash, or nullopt when the actor has no password (and so cannot sign in).
  virtual std::optional<std::string> password_hash(std::string_view actor) = 0;

  virtual void create_session(std::string_view token_digest, std::string_view actor,
                              std::string_view csrf, std::string_view created_at,
                              std::string_view expires_at) = 0;
  // The session if it exists, expires after `now` and its actor is enabled.
  virtual std::optional<SessionRecord> session(std::string_view token_digest,
                                               std::string_view now) = 0;
  // The actor's sessions that expire after `now`, newest first.
  virtual std::vector<SessionRecord> sessions_of(std::string_view actor, std::string_view now) = 0;
  virtual void delete_session(std::string_view token_digest) = 0;
  // Ends every session of the actor; returns how many.
  virtual std::int64_t delete_sessions_of(std::string_view actor) = 0;
  // Ends the actor's session with that digest, if it is theirs; true when one ended.
  virtual bool delete_session_of(std::string_view actor, std::string_view token_digest) = 0;
  // Ends every session of the actor but the one with that digest; returns how many.
  virtual std::int64_t delete_other_sessions(std::string_view actor,
                                             std::string_view keep_digest) = 0;
  // Removes sessions that expired at or before `now`; returns how many.
  virtual std::int64_t delete_expired_sessions(std::string_view now) = 0;

  // Records an API token for the actor and returns its id. Call inside a write transaction
  // (People::create_api_token).
  virtual std::int64_t create_api_token(std::string_view token_digest, std::string_view actor,
                                        std::string_view name, std::string_view at,
                                        std::string_view expires_at) = 0;
  // The actor the token belongs to, if the token is not revoked, expires after `now` and its
  // actor is enabled.
  virtual std::optional<std::string> api_token_actor(std::string_view token_digest,
                                                     std::string_view now) = 0;
  // The actor's tokens (every actor's when empty), by id.
  virtual std::vector<ApiTokenRecord> api_tokens(std::string_view actor) = 0;
  virtual std::optional<ApiTokenRecord> api_token(std::int64_t id) = 0;
  virtual void revoke_api_token(std::int64_t id, std::string_view at) = 0;

  // Failed sign-ins under `key` ("name:NAME", "address:IP"), shared by every server of the
  // database. Times are Unix milliseconds by the real clock.
  // Counts one more failure and returns how many there have been since the key was cleared.
  virtual int count_sign_in_failure(std::string_view key) = 0;
  virtual void lock_sign_in(std::string_view key, std::int64_t until_ms) = 0;
  // Until when the key is locked; 0 when it never was.
  virtual std::int64_t sign_in_locked_until(std::string_view key) = 0;
  virtual void clear_sign_in_failures(std::string_view key) = 0;
};

}  // namespace commsflow
