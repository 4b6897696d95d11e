#include "server/auth.h"

#include <commsflow/credentials.h>

#include <cctype>
#include <string_view>

namespace commsflow::server {

namespace {

std::string cookie_value(const httplib::Request& request, const std::string& name) {
  const std::string header = request.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
        part[name.size()] == '=') {
      return part.substr(name.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

std::optional<Actor> actor_named(Store& store, const std::string& name) {
  return store.actor(name);
}

}  // namespace

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

long long seconds_locked(Accounts& accounts, const std::string& key, std::int64_t now) {
  const std::int64_t left = accounts.sign_in_locked_until(key) - now;
  return left <= 0 ? 0 : (left + 999) / 1000;
}

}  // namespace

long long SignInThrottle::wait_seconds(Store& store, const std::string& name,
                                       const std::string& address) {
  const std::int64_t now = now_ms();
  return std::max(seconds_locked(store.accounts(), "name:" + name, now),
                  seconds_locked(store.accounts(), "address:" + address, now));
}

void SignInThrottle::fail_key(Accounts& accounts, const std::string& key, int allowed) {
  const int over = accounts.count_sign_in_failure(key) - allowed;
  if (over < 0) return;
  const std::chrono::seconds doubled = options_.lockout_base * (1LL << std::min(over, 20));
  const std::chrono::seconds wait = std::min(doubled, options_.lockout_max);
  accounts.lock_sign_in(key, now_ms() + std::chrono::milliseconds(wait).count());
}

void SignInThrottle::failed(Store& store, const std::string& name, const std::string& address) {
  auto tx = store.begin_write();
  fail_key(store.accounts(), "name:" + name, options_.failures_before_lockout);
  fail_key(store.accounts(), "address:" + address, options_.failures_before_address_lockout);
  tx->commit();
}

void SignInThrottle::succeeded(Store& store, const std::string& name) {
  store.accounts().clear_sign_in_failures("name:" + name);
}

SignInThrottle::Turn::Turn(SignInThrottle& throttle, std::string name_key, std::string address_key)
    : throttle_(throttle), name_key_(std::move(name_key)), address_key_(std::move(address_key)) {
  std::unique_lock<std::mutex> lock(throttle_.turns_mutex_);
  throttle_.turn_ended_.wait(lock, [&] {
    return !throttle_.in_turn_.count(name_key_) && !throttle_.in_turn_.count(address_key_);
  });
  throttle_.in_turn_.insert(name_key_);
  throttle_.in_turn_.insert(address_key_);
}

SignInThrottle::Turn::~Turn() {
  {
    std::lock_guard<std::mutex> lock(throttle_.turns_mutex_);
    throttle_.in_turn_.erase(name_key_);
    throttle_.in_turn_.erase(address_key_);
  }
  throttle_.turn_ended_.notify_all();
}

namespace {

// The token's actor on `store`, or nullopt (unknown, revoked, expired, or its actor disabled).
std::optional<Actor> token_actor(Store& store, const std::string& digest, const std::string& now) {
  auto name = store.accounts().api_token_actor(digest, now);
  if (!name) return std::nullopt;
  return actor_named(store, *name);
}

// Keeps Context::tokens in step with what a read of the database said of the token.
std::optional<Actor> noted(Context& context, const std::string& digest,
                           std::optional<Actor> actor) {
  if (actor) {
    context.tokens.remember(digest, *actor);
  } else {
    context.tokens.forget(digest);
  }
  return actor;
}

}  // namespace

std::string bearer_token(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return {};
  }
  return header.substr(kScheme.size());
}

std::optional<Principal> authenticate(Context& context, const httplib::Request& request,
                                      Purpose purpose) {
  if (const std::string bearer = bearer_token(request); !bearer.empty()) {
    std::string digest = token_digest(bearer);
    if (purpose == Purpose::Change) {
      if (auto known = context.tokens.find(digest)) return Principal{*known, "", "", digest};
    }
    std::optional<Actor> actor;
    {
      // On the sign-in connection, not the engine's: a request is known while changes hold the
      // engine, and it reads only what they committed.
      auto lock = context.lock_sign_in_store();
      actor = token_actor(context.sign_in_store(), digest, context.now());
    }
    actor = noted(context, digest, std::move(actor));
    if (!actor) return std::nullopt;
    return Principal{std::move(*actor), "", "", digest};
  }
  std::string token = cookie_value(request, kSessionCookie);
  if (token.empty()) return std::nullopt;
  std::string digest = token_digest(token);
  auto lock = context.lock_sign_in_store();
  Store& store = context.sign_in_store();
  auto session = store.accounts().session(digest, context.now());
  if (!session) return std::nullopt;
  auto found = actor_named(store, session->actor);
  if (!found) return std::nullopt;
  return Principal{*found, session->csrf, digest, ""};
}

std::optional<Actor> confirm_token(Context& context, const std::string& digest) {
  return noted(context, digest, token_actor(context.engine.store(), digest, context.now()));
}

bool csrf_ok(const Principal& principal, const httplib::Request& request) {
  if (principal.via_token()) return true;
  std::string given = request.has_param("csrf") ? request.get_param_value("csrf")
                                                : request.get_header_value("X-CSRF-Token");
  return !given.empty() && constant_time_equal(given, principal.csrf);
}

SignIn sign_in(Context& context, const std::string& name, const std::string& password,
               const std::string& address) {
  SignIn result;
  SignInThrottle::Turn turn(context.throttle, "name:" + name, "address:" + address);
  long long wait = 0;
  {
    auto guard = context.lock_sign_in_store();
    wait = context.throttle.wait_seconds(context.sign_in_store(), name, address);
  }
  if (wait > 0) {
    result.status = SignIn::Status::Throttled;
    result.retry_after = wait;
    context.log("sign-in refused for '{}' from {}: locked out for {} s after failed sign-ins", name,
                address, wait);
    return result;
  }
  std::optional<std::string> hash;
  // Why a sign-in fails, for the log only (the person is told the same whatever it is).
  std::string why = "wrong password";
  {
    auto lock = context.lock();
    // A disabled actor (a leaver) signs in no more than an unknown one.
    auto actor = actor_named(context.engine.store(), name);
    if (actor && !actor->disabled) hash = context.accounts().password_hash(name);
    if (!actor) {
      why = "no such person";
    } else if (actor->disabled) {
      why = "disabled";
    } else if (!hash) {
      why = fmt::format("no password set (`commsflow actor passwd {}`)", name);
    }
  }
  // Unknown names cost as much as wrong passwords, so timing does not reveal who exists.
  bool ok = verify_password(password, hash ? *hash : decoy_password_hash()) && hash;
  if (!ok) {
    {
      auto guard = context.lock_sign_in_store();
      context.throttle.failed(context.sign_in_store(), name, address);
    }
    context.log("sign-in failed for '{}' from {}: {}", name, address, why);
    return result;
  }
  {
    auto guard = context.lock_sign_in_store();
    context.throttle.succeeded(context.sign_in_store(), name);
  }
  result.status = SignIn::Status::Ok;
  result.token = random_token();
  auto lock = context.lock();
  Accounts& accounts = context.accounts();
  auto now = context.clock.now();
  accounts.delete_expired_sessions(format_datetime(now));
  accounts.create_session(token_digest(result.token), name, random_token(), format_datetime(now),
                          format_datetime(now + context.options.session_lifetime));
  return result;
}

void sign_out(Context& context, const Principal& principal) {
  if (principal.via_token()) return;
  auto lock = context.lock();
  context.accounts().delete_session(principal.session_digest);
}

std::string session_cookie(const std::string& token, std::chrono::seconds max_age, bool secure) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict{}; Max-Age={}", kSessionCookie,
                     token, secure ? "; Secure" : "", max_age.count());
}

std::string cleared_session_cookie(bool secure) {
  return fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict{}; Max-Age=0", kSessionCookie,
                     secure ? "; Secure" : "");
}

}  // namespace commsflow::server
