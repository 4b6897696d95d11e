// Who is asking: sessions (browser cookie), API tokens (Authorization: Bearer) and sign-in.
//
// The session cookie `cf_session` holds a random token; the database keeps only its digest.
// It is HttpOnly (scripts cannot read it) and SameSite=Strict (other sites cannot send it), and
// expires after ServerOptions::session_lifetime. Each session has its own CSRF token, which
// every state-changing form (field `csrf`) and cookie-authenticated API call (header
// X-CSRF-Token) must carry. Bearer tokens are not sent by browsers on their own, so API calls
// made with them need no CSRF token.
//
// Thread-safe: authenticate() reads on the sign-in connection under its own mutex (see
// Context::sign_in_store); the others take the engine mutex where they touch the database.
//
// A change sent with a known API token is let through on Context::tokens, without a read; the
// change then confirms the token in its own transaction (confirm_token, from calls.cpp), so it
// is made only if the token is still good when it is made.
#pragma once

#include <optional>
#include <string>

#include "server/context.h"

namespace commsflow::server {

inline constexpr const char* kSessionCookie = "cf_session";

inline constexpr const char* kUnauthorizedMessage =
    "sign in first, or send an API token as `Authorization: Bearer <token>`";
// For a request that sent a token that was not taken.
inline constexpr const char* kTokenRefusedMessage =
    "the API token was not accepted: it is unknown, has expired or was revoked, or its owner's "
    "account is disabled (`commsflow token list --as NAME` shows a person's tokens)";

// The token in a request's `Authorization: Bearer <token>` header (the scheme in any case, as
// HTTP allows); empty when there is none.
std::string bearer_token(const httplib::Request& request);

struct Principal {
  Actor actor;
  std::string csrf;            // empty for bearer tokens
  std::string session_digest;  // empty for bearer tokens
  std::string token_digest;    // empty for sessions
  bool via_token() const { return session_digest.empty(); }
};

// What the request is for. A Change may be let in on a cached token: only for requests whose
// every change goes through calls.h, which confirms the token.
enum class Purpose { Read, Change };

// The signed-in actor for a request, or nullopt.
std::optional<Principal> authenticate(Context& context, const httplib::Request& request,
                                      Purpose purpose = Purpose::Read);

// The API token's actor as the engine's store has it now, or nullopt when the token is unknown,
// revoked or expired or its actor disabled; Context::tokens is brought up to date either way.
// For a change's work only: it reads on the engine's connection, inside the change's
// transaction, so the engine mutex (or the writer) must be held. On SQLite nothing else can
// revoke the token until that transaction commits; on PostgreSQL a revocation committed while
// the change runs counts from the next change on.
std::optional<Actor> confirm_token(Context& context, const std::string& digest);

// True if the request may change state: a bearer token, or the session's CSRF token in the form
// field `csrf` or the X-CSRF-Token header.
bool csrf_ok(const Principal& principal, const httplib::Request& request);

struct SignIn {
  enum class Status { Ok, Wrong, Throttled } status = Status::Wrong;
  std::string token;          // the new session's cookie value (Ok)
  long long retry_after = 0;  // seconds (Throttled)
};
// Checks the password (Argon2id, outside the engine mutex) and opens a session.
SignIn sign_in(Context& context, const std::string& name, const std::string& password,
               const std::string& address);
void sign_out(Context& context, const Principal& principal);

// Set-Cookie values that set and clear the session cookie.
// Secure (sent over HTTPS only) when `secure`.
std::string session_cookie(const std::string& token, std::chrono::seconds max_age, bool secure);
std::string cleared_session_cookie(bool secure);

}  // namespace commsflow::server
