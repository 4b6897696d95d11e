// Signoff::delegate: letting someone decide for another person in a role, until a date.
#include <commsflow/people.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

namespace commsflow {

Outcome<Delegation> Signoff::delegate(std::string_view from, std::string_view to,
                                      std::string_view role, std::string_view until,
                                      std::string_view by) {
  if (!parse_date(until)) {
    fail_field("until", "must be a date like 2026-12-31, got '{}'", until);
  }
  const std::string today = uk_today(engine_.clock().now());
  if (until < today) {
    fail_field("until", "{} is in the past (today is {})", until, today);
  }
  if (from == to) fail(ErrorKind::BadInput, "{} cannot delegate to themselves", from);
  auto tx = engine_.store().begin_write();
  Actor giver = engine_.require_actor(from);
  Actor delegate_actor = engine_.require_actor(to);
  Actor author = engine_.require_actor(by);
  if (author.name != giver.name && !author.has_role("admin")) {
    return Refusal{
        {fmt::format("{} may not delegate for {}: only {} or an admin may", by, from, from)},
        /*forbidden=*/true};
  }
  if (!giver.has_role(role)) {
    return Refusal{
        {fmt::format("{} does not hold the role {}, so cannot delegate it", from, role)}};
  }
  Delegation delegation{0,
                        giver.name,
                        delegate_actor.name,
                        std::string(role),
                        std::string(until),
                        author.name,
                        format_datetime(engine_.clock().now())};
  engine_.store().add_delegation(delegation);
  record_delegation(engine_.store(), delegation);
  tx->commit();
  return delegation;
}

}  // namespace commsflow
