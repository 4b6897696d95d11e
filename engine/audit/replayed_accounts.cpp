#include "audit/replayed_accounts.h"

#include <commsflow/accounts.h>
#include <commsflow/sha256.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace commsflow {

namespace {

constexpr std::string_view kAccountPrefix = "actor:";

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

}  // namespace

bool is_account_ref(std::string_view ref) {
  return ref.starts_with(kAccountPrefix);
}

void ReplayedAccounts::add_token(const std::string& actor, const Json& t) {
  tokens_[t.value("token_id", std::int64_t{0})] =
      Token{actor, t.value("name", ""), t.value("expires_at", ""), t.value("digest", ""),
            t.value("revoked", false)};
}

void ReplayedAccounts::add_delegation(const std::string& from, const Json& d) {
  delegations_[d.value("delegation_id", std::int64_t{0})] =
      Given{from, d.value("to", ""), d.value("role", ""), d.value("until", ""),
            d.value("revoked", false)};
}

void ReplayedAccounts::apply(const Event& e) {
  const std::string name = e.ref.substr(kAccountPrefix.size());
  const Json& p = e.payload;
  Account& account = actors_[name];
  if (e.action == "account_recorded") {
    for (const auto& role : p.value("roles", Json::array()))
      account.roles.insert(role.get<std::string>());
    account.disabled = p.value("disabled", false);
    account.password = p.value("password", false);
    account.display_name = p.value("display_name", "");
    account.email = p.value("email", "");
    for (const auto& t : p.value("tokens", Json::array())) add_token(name, t);
    for (const auto& d : p.value("delegations", Json::array())) add_delegation(name, d);
  } else if (e.action == "actor_added") {
    for (const auto& role : p.value("roles", Json::array()))
      account.roles.insert(role.get<std::string>());
    account.display_name = p.value("display_name", "");
    account.email = p.value("email", "");
  } else if (e.action == "display_name_set") {
    account.display_name = p.value("display_name", "");
  } else if (e.action == "email_set") {
    account.email = p.value("email", "");
  } else if (e.action == "role_granted") {
    account.roles.insert(p.value("role", ""));
  } else if (e.action == "role_removed") {
    account.roles.erase(p.value("role", ""));
  } else if (e.action == "actor_disabled") {
    account.disabled = true;
  } else if (e.action == "actor_enabled") {
    account.disabled = false;
  } else if (e.action == "password_set") {
    account.password = true;
    account.password_digest = p.value("password_digest", "");
  } else if (e.action == "token_created") {
    add_token(name, p);
  } else if (e.action == "token_revoked") {
    tokens_[p.value("token_id", std::int64_t{0})].revoked = true;
  } else if (e.action == "delegation_created") {
    add_delegation(name, p);
  } else if (e.action == "delegation_revoked") {
    delegations_[p.value("delegation_id", std::int64_t{0})].revoked = true;
  }
}

void ReplayedAccounts::compare(Store& store, std::vector<VerifyProblem>& problems) const {
  auto problem = [&](const std::string& actor, std::string message) {
    problems.push_back(VerifyProblem{0, std::string(kAccountPrefix) + actor, std::move(message)});
  };
  Accounts& accounts = store.accounts();

  std::set<std::string> seen;
  for (const Actor& actor : store.actors()) {
    seen.insert(actor.name);
    auto it = actors_.find(actor.name);
    if (it == actors_.end()) {
      problem(actor.name,
              fmt::format("actor {} is in the actors table but no event added them", actor.name));
      continue;
    }
    const Account& replayed = it->second;
    std::set<std::string> roles(actor.roles.begin(), actor.roles.end());
    if (roles != replayed.roles) {
      problem(
          actor.name,
          fmt::format("actor_roles: {} holds {} but the events say {}", actor.name,
                      roles.empty() ? "(none)" : fmt::format("{}", fmt::join(roles, ", ")),
                      replayed.roles.empty() ? "(none)"
                                             : fmt::format("{}", fmt::join(replayed.roles, ", "))));
    }
    if (actor.disabled != replayed.disabled) {
      problem(actor.name, fmt::format("actors: {} is {} but the events say {}", actor.name,
                                      actor.disabled ? "disabled" : "enabled",
                                      replayed.disabled ? "disabled" : "enabled"));
    }
    if (actor.display_name != replayed.display_name) {
      problem(actor.name, fmt::format("actors: {} is shown as '{}' but the events say '{}'",
                                      actor.name, actor.display_name, replayed.display_name));
    }
    if (actor.email != replayed.email) {
      problem(actor.name, fmt::format("actors: {} has the email address '{}' but the events say "
                                      "'{}'",
                                      actor.name, actor.email, replayed.email));
    }
    const std::optional<std::string> hash = accounts.password_hash(actor.name);
    if (hash.has_value() != replayed.password) {
      problem(actor.name,
              fmt::format("passwords: {} has a password: {}; the events say {}", actor.name,
                          yes_no(hash.has_value()), yes_no(replayed.password)));
    } else if (hash && !replayed.password_digest.empty() &&
               !is_hex_of(replayed.password_digest, sha256(*hash))) {
      problem(actor.name, fmt::format("passwords: {}'s password is not the one last set through "
                                      "commsflow: its stored hash was changed, or copied from "
                                      "another account",
                                      actor.name));
    }
  }
  for (const auto& [name, account] : actors_) {
    if (!seen.count(name)) {
      problem(name, fmt::format("events add actor {} but the actors table has no such row", name));
    }
  }

  std::set<std::int64_t> seen_tokens;
  for (const ApiTokenRecord& t : accounts.api_tokens("")) {
    seen_tokens.insert(t.id);
    auto it = tokens_.find(t.id);
    if (it == tokens_.end()) {
      problem(t.actor,
              fmt::format("api_tokens: token {} of {} was not created by an event", t.id, t.actor));
      continue;
    }
    const Token& r = it->second;
    if (t.actor != r.actor || t.name != r.name || t.expires_at != r.expires_at ||
        t.digest != r.digest || t.revoked_at.empty() == r.revoked) {
      problem(t.actor, fmt::format("api_tokens: token {} differs from its events (actor {}, "
                                   "expires {}, {}; the events say actor {}, expires {}, {})",
                                   t.id, t.actor, t.expires_at,
                                   t.revoked_at.empty() ? "not revoked" : "revoked", r.actor,
                                   r.expires_at, r.revoked ? "revoked" : "not revoked"));
    }
  }
  for (const auto& [id, token] : tokens_) {
    if (!seen_tokens.count(id)) {
      problem(token.actor, fmt::format("api_tokens: token {} of {} is missing", id, token.actor));
    }
  }

  std::set<std::int64_t> seen_delegations;
  for (const Delegation& d : store.delegations("")) {
    seen_delegations.insert(d.id);
    auto it = delegations_.find(d.id);
    if (it == delegations_.end()) {
      problem(d.from, fmt::format("delegations: delegation {} ({} to {}) was not created by an "
                                  "event",
                                  d.id, d.from, d.to));
      continue;
    }
    const Given& r = it->second;
    if (d.from != r.from || d.to != r.to || d.role != r.role || d.until != r.until ||
        d.revoked_at.empty() == r.revoked) {
      problem(d.from, fmt::format("delegations: delegation {} is {} to {} as {} until {}{}; the "
                                  "events say {} to {} as {} until {}{}",
                                  d.id, d.from, d.to, d.role, d.until,
                                  d.revoked_at.empty() ? "" : " (revoked)", r.from, r.to, r.role,
                                  r.until, r.revoked ? " (revoked)" : ""));
    }
  }
  for (const auto& [id, given] : delegations_) {
    if (!seen_delegations.count(id)) {
      problem(given.from, fmt::format("delegations: delegation {} is missing", id));
    }
  }
}

}  // namespace commsflow
