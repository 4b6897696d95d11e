// The Lua rules of an action: its guard, its route and its effect, run in that order inside the
// caller's transaction, and the role check before them. Used by the core (submit, act, the
// actions offered) and by sign-off (a step's guard).
#pragma once

#include <commsflow/definition.h>
#include <commsflow/error.h>
#include <commsflow/json.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>

#include <optional>
#include <string>
#include <vector>

namespace commsflow {

// The Refusal (forbidden) for `actor`, who holds none of `action`'s roles, naming them. Callers
// check Actor::holds_any first, so the words are made only for a refusal.
Refusal role_refusal(const Actor& actor, const ActionSpec& action, const std::string& doing);

// The same for creating an item of `d`, which needs one of d.submit's roles.
Refusal submit_refusal(const Actor& actor, const Definition& d);
// The fields a person may give when creating an item of `d`: submit's `sets`, or without it
// every field.
std::vector<std::string> submit_takes(const Definition& d);

// What a guard returned as reasons for people (empty: allowed). A guard returns true (allowed),
// false ("`what` said no"), a reason, or a list of reasons (empty: allowed); a time a reason
// quotes is put in UK time. Anything else is Error(Script) naming `path` and `what`.
std::vector<std::string> guard_reasons(const Json& result, const std::string& path,
                                       const std::string& what);

struct Ruled {
  Json data;
  std::string to;
};

// Runs an action's guard, then its route (which state it leads to, on the data before the
// effect), then its effect (which sees the chosen state as ctx.to). Returns the new data and
// state, or the guard's refusal. `data_validated` says `data` has just passed validate_data, so
// the effect's output is checked again only where the effect changed it.
Outcome<Ruled> apply_rules(CompiledWorkflow& wf, const ActionSpec& action, Json data, Json ctx,
                           const std::string& from, const std::string& what, bool data_validated);

}  // namespace commsflow
