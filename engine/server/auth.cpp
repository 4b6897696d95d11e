#include "server/auth.h"

#include <commsflow/credentials.h>

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

long long SignInThrottle::wait_for(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return 0;
  auto left = it->second.locked_until - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  return std::chrono::ceil<std::chrono::seconds>(left).count();
}

long long SignInThrottle::wait_seconds(const std::string& name, const std::string& address) {
  std::lock_guard<std::mutex> guard(mutex_);
  return std::max(wait_for("name:" + name), wait_for("address:" + address));
}

void SignInThrottle::fail_key(const std::string& key, int allowed) {
  State& state = by_key_[key];
  ++state.failures;
  int over = state.failures - allowed;
  if (over < 0) return;
  std::chrono::seconds wait = options_.lockout_base * (1LL << std::min(over, 20));
  state.locked_until = std::chrono::steady_clock::now() + std::min(wait, options_.lockout_max);
}

void SignInThrottle::failed(const std::string& name, const std::string& address) {
  std::lock_guard<std::mutex> guard(mutex_);
  fail_key("name:" + name, options_.failures_before_lockout);
  fail_key("address:" + address, options_.failures_before_address_lockout);
}

void SignInThrottle::succeeded(const std::string& name) {
  std::lock_guard<std::mutex> guard(mutex_);
  by_key_.erase("name:" + name);
}

std::optional<Principal> authenticate(Context& context, const httplib::Request& request) {
  std::string bearer = request.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  // On the sign-in connection, not the engine's: a request is known while changes hold the
  // engine, and it reads only what they committed.
  auto lock = context.lock_sign_in_store();
  Store& store = context.sign_in_store();
  if (bearer.size() > prefix.size() && bearer.compare(0, prefix.size(), prefix) == 0) {
    auto actor =
        store.accounts().api_token_actor(token_digest(bearer.substr(prefix.size())), context.now());
    if (!actor) return std::nullopt;
    auto found = actor_named(store, *actor);
    if (!found) return std::nullopt;
    return Principal{*found, "", ""};
  }
  std::string token = cookie_value(request, kSessionCookie);
  if (token.empty()) return std::nullopt;
  std::string digest = token_digest(token);
  auto session = store.accounts().session(digest, context.now());
  if (!session) return std::nullopt;
  auto found = actor_named(store, session->actor);
  if (!found) return std::nullopt;
  return Principal{*found, session->csrf, digest};
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
  if (long long wait = context.throttle.wait_seconds(name, address); wait > 0) {
    result.status = SignIn::Status::Throttled;
    result.retry_after = wait;
    return result;
  }
  std::optional<std::string> hash;
  {
    auto lock = context.lock();
    // A disabled actor (a leaver) signs in no more than an unknown one.
    auto actor = actor_named(context.engine.store(), name);
    if (actor && !actor->disabled) hash = context.accounts().password_hash(name);
  }
  // Unknown names cost as much as wrong passwords, so timing does not reveal who exists.
  bool ok = verify_password(password, hash ? *hash : decoy_password_hash()) && hash;
  if (!ok) {
    context.throttle.failed(name, address);
    context.log("sign-in failed for '{}'", name);
    return result;
  }
  context.throttle.succeeded(name);
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
