#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/sha256.h>
#include <commsflow/uk_time.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include "workflow/field_values.h"

namespace commsflow {

namespace {

Refusal not_yours(std::string_view by, std::string_view what, std::string_view owner) {
  return Refusal{{fmt::format("{} may not change {}: only {} or an admin may", by, what, owner)},
                 /*forbidden=*/true};
}

}  // namespace

Actor People::require(std::string_view name) {
  auto actor = store_.actor(name);
  if (!actor) fail(ErrorKind::NotFound, "unknown actor '{}'", name);
  return *actor;
}

bool People::may_manage(std::string_view by, std::string_view owner) {
  if (by == kOperator || by == owner) return true;
  auto actor = store_.actor(by);
  return actor && !actor->disabled && actor->has_role("admin");
}

std::string operator_login() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  passwd entry{};
  passwd* found = nullptr;
  std::string buffer(4096, '\0');
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found) {
    return found->pw_name;
  }
  return fmt::format("uid {}", geteuid());
}

std::string typed_person_name(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  text = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_sign_in_name(std::string_view name) {
  static const std::regex name_re("[a-z0-9][a-z0-9_.-]{0,63}");
  return std::regex_match(name.begin(), name.end(), name_re);
}

std::optional<std::string> sign_in_name_of(Store& store, const std::string& typed) {
  const std::string wanted = lower(typed);
  std::optional<std::string> found;
  for (const auto& actor : store.actors()) {
    if (actor.display_name.empty() || lower(actor.display_name) != wanted) continue;
    if (found) return std::nullopt;
    found = actor.name;
  }
  return found;
}

void People::record(std::string_view name, std::string_view action, std::string_view by,
                    Json payload) {
  if (by == kOperator) payload["login"] = operator_login();
  Event event;
  event.ref = fmt::format("actor:{}", name);
  event.action = std::string(action);
  event.actor = std::string(by);
  event.at = now_;
  event.payload = std::move(payload);
  store_.append(event);
}

namespace {

void check_display_name(std::string_view display_name) {
  if (display_name.size() > 100) {
    fail(ErrorKind::BadInput, "--display-name: at most 100 characters (it has {})",
         display_name.size());
  }
  if (!valid_utf8(display_name))
    fail(ErrorKind::BadInput, "--display-name is not valid UTF-8 text");
  auto control = control_character_in(display_name, /*line_breaks=*/false);
  if (control.empty() && display_name.find('\t') != std::string_view::npos) control = "U+0009";
  if (!control.empty()) {
    fail(ErrorKind::BadInput, "--display-name contains the control character {}", control);
  }
}

// An address a relay will take: local@domain, the domain with a dot, nothing a header could
// be split on. Not every address RFC 5321 allows, but every one an NHS organisation issues.
void check_email(std::string_view email) {
  if (email.empty()) return;
  static const std::regex email_re(
      R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
      R"(@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})");
  const std::string text(email);
  if (email.size() > 254 || email.find('@') > 64 || !std::regex_match(text, email_re)) {
    fail(ErrorKind::BadInput, "--email: {:?} is not an email address (like olivia.officer@nhs.net)",
         email);
  }
}

}  // namespace

Actor People::add(std::string_view name, const std::vector<std::string>& roles, std::string_view by,
                  std::string_view display_name, std::string_view email) {
  check_display_name(display_name);
  check_email(email);
  std::string n(name);
  if (!is_sign_in_name(n)) {
    fail(ErrorKind::BadInput,
         "actor name '{}' must be 1-64 lower-case letters, digits, '.', '-' or '_'", name);
  }
  if (n == "system" || n == kOperator) {
    fail(ErrorKind::BadInput, "'{}' is reserved for the engine's own records", n);
  }
  if (roles.empty()) fail(ErrorKind::BadInput, "give {} at least one --role", name);
  auto known = registry_.known_roles();
  for (const auto& role : roles) {
    if (std::find(known.begin(), known.end(), role) == known.end()) {
      fail(ErrorKind::BadInput, "unknown role '{}' (known roles: {})", role,
           fmt::join(known, ", "));
    }
  }
  auto tx = store_.begin_write();
  // A sign-off step names its approvers by role or by name alike: a person named as a role
  // would decide (and read drafts) wherever the role may, whatever roles they hold. Only one who
  // holds that role may bear its name (an `admin` account that is an admin).
  if (std::find(known.begin(), known.end(), n) != known.end() &&
      std::find(roles.begin(), roles.end(), n) == roles.end() && !store_.actor(n)) {
    fail(ErrorKind::BadInput,
         "actor name '{}' is the name of a role they are not given: sign-off steps name roles and "
         "people alike, so someone called that would decide wherever the role may. Give them a "
         "name of their own (like firstname.lastname).",
         n);
  }
  now_ = format_datetime(clock_.now());
  const bool existed = store_.actor(n).has_value();
  std::vector<std::string> granted = store_.add_actor(Actor{n, roles}, now_);
  if (!existed) {
    Json payload{{"roles", granted}};
    if (!display_name.empty()) {
      store_.set_display_name(n, display_name);
      payload["display_name"] = display_name;
    }
    if (!email.empty()) {
      store_.set_email(n, email);
      payload["email"] = email;
    }
    record(n, "actor_added", by, std::move(payload));
  } else {
    for (const auto& role : granted) record(n, "role_granted", by, Json{{"role", role}});
    if (!display_name.empty() && store_.set_display_name(n, display_name)) {
      record(n, "display_name_set", by, Json{{"display_name", display_name}});
    }
    if (!email.empty() && store_.set_email(n, email)) {
      record(n, "email_set", by, Json{{"email", email}});
    }
  }
  Actor actor = *store_.actor(n);
  tx->commit();
  return actor;
}

Actor People::set_display_name(std::string_view name, std::string_view display_name,
                               std::string_view by) {
  check_display_name(display_name);
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  require(name);
  if (store_.set_display_name(name, display_name)) {
    record(name, "display_name_set", by, Json{{"display_name", display_name}});
  }
  Actor actor = *store_.actor(name);
  tx->commit();
  return actor;
}

Actor People::set_email(std::string_view name, std::string_view email, std::string_view by) {
  check_email(email);
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  require(name);
  if (store_.set_email(name, email)) record(name, "email_set", by, Json{{"email", email}});
  Actor actor = *store_.actor(name);
  tx->commit();
  return actor;
}

Actor People::remove_role(std::string_view name, std::string_view role, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  Actor actor = require(name);
  if (!actor.has_role(role)) {
    fail(ErrorKind::BadInput, "{} does not hold the role {} (roles: {})", name, role,
         fmt::join(actor.roles, ", "));
  }
  if (actor.roles.size() == 1) {
    fail(ErrorKind::BadInput,
         "{} is the last role of {}: a person keeps at least one role (to stop {} acting, "
         "use `commsflow actor disable {}`)",
         role, name, name, name);
  }
  if (role == name) {  // see add(): they would go on filling the role's steps by name
    fail(ErrorKind::BadInput,
         "{} is named as the role {}, so keeps it: sign-off steps that name the role would still "
         "take them for it (to stop {} acting, use `commsflow actor disable {}`)",
         name, role, name, name);
  }
  store_.remove_role(name, role);
  store_.accounts().delete_sessions_of(name);
  record(name, "role_removed", by, Json{{"role", role}});
  actor = require(name);
  tx->commit();
  return actor;
}

Actor People::disable(std::string_view name, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  require(name);
  if (!store_.set_disabled(name, now_)) {
    fail(ErrorKind::BadInput, "{} is already disabled", name);
  }
  store_.accounts().delete_sessions_of(name);
  record(name, "actor_disabled", by);
  // Their API tokens are revoked, not only refused while they are away: enabling them again
  // must not bring back a token that may have left with them.
  for (const ApiTokenRecord& token : store_.accounts().api_tokens(name)) {
    if (!token.revoked_at.empty() || token.expires_at <= now_) continue;
    store_.accounts().revoke_api_token(token.id, now_);
    record(name, "token_revoked", by, Json{{"token_id", token.id}});
  }
  Actor actor = require(name);
  tx->commit();
  return actor;
}

Actor People::enable(std::string_view name, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  require(name);
  if (!store_.set_disabled(name, "")) fail(ErrorKind::BadInput, "{} is not disabled", name);
  record(name, "actor_enabled", by);
  Actor actor = require(name);
  tx->commit();
  return actor;
}

void People::set_password_hash(std::string_view name, std::string_view hash, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  require(name);
  store_.accounts().set_password_hash(name, hash, now_);
  // Not the hash itself: its digest, so that verify can tell a hash changed or copied from
  // another account.
  record(name, "password_set", by, Json{{"password_digest", to_hex(sha256(hash))}});
  // A new password ends a lockout from failed sign-ins under the name (the key SignInThrottle,
  // engine/server/auth.cpp, counts them under): whoever set it means the person to sign in now.
  store_.accounts().clear_sign_in_failures(fmt::format("name:{}", name));
  tx->commit();
}

ApiTokenRecord People::create_api_token(std::string_view name, std::string_view token_digest,
                                        std::string_view token_name, std::chrono::seconds lifetime,
                                        std::string_view by) {
  if (lifetime <= std::chrono::seconds::zero()) {
    fail(ErrorKind::BadInput, "a token must last at least one day");
  }
  // Listed a line each: one name, on one line.
  if (token_name.size() > 100) {
    fail(ErrorKind::BadInput, "--name: at most 100 characters (it has {})", token_name.size());
  }
  if (!valid_utf8(token_name)) fail(ErrorKind::BadInput, "--name is not valid UTF-8 text");
  if (auto control = control_character_in(token_name, /*line_breaks=*/false); !control.empty()) {
    fail(ErrorKind::BadInput, "--name contains the control character {}", control);
  }
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  Actor actor = require(name);
  if (actor.disabled) fail(ErrorKind::BadInput, "{} is disabled: enable them first", name);
  Accounts& accounts = store_.accounts();
  std::int64_t id = accounts.create_api_token(token_digest, name, token_name, now_,
                                              format_datetime(*parse_datetime(now_) + lifetime));
  ApiTokenRecord token = *accounts.api_token(id);
  record(name, "token_created", by,
         Json{{"token_id", id},
              {"name", token.name},
              {"expires_at", token.expires_at},
              {"digest", std::string(token_digest)}});
  tx->commit();
  return token;
}

Outcome<ApiTokenRecord> People::revoke_api_token(std::int64_t id, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  Accounts& accounts = store_.accounts();
  auto token = accounts.api_token(id);
  if (!token) fail(ErrorKind::NotFound, "no API token has id {}", id);
  if (!may_manage(by, token->actor)) {
    return not_yours(by, fmt::format("token {}", id), token->actor);
  }
  if (!token->revoked_at.empty()) {
    fail(ErrorKind::BadInput, "token {} was already revoked {} (UK time)", id,
         uk_datetime(token->revoked_at));
  }
  accounts.revoke_api_token(id, now_);
  record(token->actor, "token_revoked", by, Json{{"token_id", id}});
  token = accounts.api_token(id);
  tx->commit();
  return *token;
}

Outcome<Delegation> People::revoke_delegation(std::int64_t id, std::string_view by) {
  auto tx = store_.begin_write();
  now_ = format_datetime(clock_.now());
  auto delegation = store_.delegation(id);
  if (!delegation) fail(ErrorKind::NotFound, "no delegation has id {}", id);
  if (by != delegation->to && !may_manage(by, delegation->from)) {
    return not_yours(by, fmt::format("delegation {}", id), delegation->from);
  }
  if (!delegation->revoked_at.empty()) {
    fail(ErrorKind::BadInput, "delegation {} was already revoked {} (UK time)", id,
         uk_datetime(delegation->revoked_at));
  }
  store_.revoke_delegation(id, now_);
  record(delegation->from, "delegation_revoked", by, Json{{"delegation_id", id}});
  delegation = store_.delegation(id);
  tx->commit();
  return *delegation;
}

void record_delegation(Store& store, const Delegation& d) {
  Event event;
  event.ref = fmt::format("actor:{}", d.from);
  event.action = "delegation_created";
  event.actor = d.created_by;
  event.at = d.created_at;
  event.payload = Json{{"delegation_id", d.id}, {"to", d.to}, {"role", d.role}, {"until", d.until}};
  if (d.created_by == kOperator) event.payload["login"] = operator_login();
  store.append(event);
}

}  // namespace commsflow
