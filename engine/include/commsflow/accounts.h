// Sign-in records kept in the database: password hashes, browser sessions and API tokens.
//
// Only digests are stored: the caller hashes passwords (see credentials.h) and passes the
// SHA-256 digest of session and API tokens, never the tokens themselves. Each method is one
// statement or one write transaction of its own, so it must not be called while the Store has
// another transaction open.
//
// Not thread-safe: an Accounts shares its Store's thread.
#pragma once

#include <commsflow/store.h>

#include <optional>
#include <string>
#include <string_view>

namespace commsflow {

struct SessionRecord {
  std::string actor;
  std::string csrf;
  std::string expires_at;
};

class Accounts {
 public:
  explicit Accounts(Store& store) : store_(store) {}

  // Sets (or replaces) the actor's password hash and ends the actor's sessions, in one
  // transaction. Throws Error(NotFound) for an unknown actor.
  void set_password_hash(std::string_view actor, std::string_view hash, std::string_view at);
  // The stored hash, or nullopt when the actor has no password (and so cannot sign in).
  std::optional<std::string> password_hash(std::string_view actor);

  void create_session(std::string_view token_digest, std::string_view actor, std::string_view csrf,
                      std::string_view created_at, std::string_view expires_at);
  // The session if it exists and expires after `now`.
  std::optional<SessionRecord> session(std::string_view token_digest, std::string_view now);
  void delete_session(std::string_view token_digest);
  // Removes sessions that expired at or before `now`; returns how many.
  std::int64_t delete_expired_sessions(std::string_view now);

  // Records an API token for the actor. Throws Error(NotFound) for an unknown actor.
  void create_api_token(std::string_view token_digest, std::string_view actor,
                        std::string_view label, std::string_view at);
  // The actor the token belongs to, if any.
  std::optional<std::string> api_token_actor(std::string_view token_digest);

 private:
  Store& store_;
};

}  // namespace commsflow
