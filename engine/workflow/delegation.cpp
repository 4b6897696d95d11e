// Signoff::delegate: letting someone decide for another person in a role, until a date.
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "workflow/field_values.h"

namespace commsflow {

Outcome<Delegation> Signoff::delegate(std::string_view from, std::string_view to,
                                      std::string_view role, std::string_view until_given,
                                      std::string_view by) {
  // Written as people write dates ("31/12/2026"), as in fields.
  const std::string until = date_as_iso(trim(until_given));
  if (!parse_date(until)) {
    if (std::string missing = no_such_day(until); !missing.empty())
      fail_field("until", "{}", missing);
    fail_field("until", "must be a date like 31/12/2026, got '{}'", until_given);
  }
  const std::string today = uk_today(engine_.clock().now());
  if (until < today) {
    fail_field("until", "{} is in the past (today is {})", uk_date(until), uk_date(today));
  }
  // Cover for an absence, renewed if it runs on: a year at most, so that a year mistyped (2099)
  // does not hand someone's decisions on for good.
  const std::string latest = format_date(*parse_date(today) + std::chrono::days(366));
  if (until > latest) {
    fail_field("until", "{} is more than a year away: a delegation lasts until {} at the latest",
               uk_date(until), uk_date(latest));
  }
  Store& store = engine_.store();
  if (from == to) {
    fail(ErrorKind::BadInput, "{} cannot delegate to themselves", person_name(store, from));
  }
  auto tx = store.begin_write();
  // Who records it acts (a leaver may not); the two people it names are input.
  const Actor author = by == kOperator ? Actor{kOperator, {"admin"}} : engine_.require_actor(by);
  auto named = [&](std::string_view name, const char* field, const char* as) {
    auto actor = store.actor(name);
    if (!actor) fail_field(field, "there is no person who signs in as '{}'", name);
    if (actor->disabled)
      fail(ErrorKind::BadInput, "{} is disabled, so {}", actor->shown_name(), as);
    return *actor;
  };
  const Actor giver = named(from, "from", "has nothing to delegate");
  if (author.name != giver.name && !author.has_role("admin")) {
    return Refusal{
        {fmt::format("{} may not delegate for {}: only {} or an admin may", person_name(store, by),
                     person_name(store, from), person_name(store, from))},
        /*forbidden=*/true};
  }
  const Actor delegate_actor = named(to, "to", "cannot be delegated to");
  if (!giver.has_role(role)) {
    return Refusal{{fmt::format("{} does not hold the role {}, so cannot delegate it",
                                person_name(store, from), readable_label(role))}};
  }
  const std::vector<std::string> deciding = deciding_roles(giver);
  if (std::find(deciding.begin(), deciding.end(), role) == deciding.end()) {
    return Refusal{{fmt::format("{} decides in no sign-off step, so there is nothing to delegate",
                                readable_label(role))}};
  }
  // The same delegation twice would list twice and be revoked twice: one that already covers it
  // is said so. A later `until` is a new delegation (an extension).
  for (const auto& d : store.delegations(delegate_actor.name)) {
    if (d.from == giver.name && d.role == role && d.revoked_at.empty() && d.until >= until) {
      return Refusal{
          {fmt::format("{} may already decide for {} as {} until the end of {} (delegation {})",
                       person_name(store, d.to), person_name(store, d.from), readable_label(role),
                       uk_date(d.until), d.id)}};
    }
  }
  Delegation delegation{0,
                        giver.name,
                        delegate_actor.name,
                        std::string(role),
                        std::string(until),
                        author.name,
                        format_datetime(engine_.clock().now())};
  store.add_delegation(delegation);
  record_delegation(store, delegation);
  tx->commit();
  return delegation;
}

std::vector<std::string> Signoff::deciding_roles(const Actor& actor) {
  std::set<std::string> deciding;
  for (const auto& [name, version] : engine_.store().workflows()) {
    for (const auto& state : engine_.registry().version(version).definition.states) {
      if (!state.signoff) continue;
      for (const auto& g : state.signoff->groups)
        deciding.insert(g.approvers.begin(), g.approvers.end());
      deciding.insert(state.signoff->escalate_to.begin(), state.signoff->escalate_to.end());
    }
  }
  // A step that names them decides through any of their roles (delegation_covers).
  if (deciding.count(actor.name)) return actor.roles;
  std::vector<std::string> out;
  for (const auto& role : actor.roles) {
    if (deciding.count(role)) out.push_back(role);
  }
  return out;
}

}  // namespace commsflow
