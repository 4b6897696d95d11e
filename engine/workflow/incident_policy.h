// How a workflow's incident policy (IncidentHooks in definition.h) holds an item: used by the
// core when work arrives, by import, and by declaring and closing incidents (incidents.h). Runs
// inside the caller's write transaction.
#pragma once

#include <commsflow/engine.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// Every incident not yet closed, as a policy sees it: {name, level, ref}.
std::vector<Json> active_incidents(Engine& engine);

// Whether two incident names are one incident's: names match whatever their case and the spaces
// around them, so "storm bert" is the Storm Bert already open, not a second incident beside it
// (and "storm éowyn" is Storm Éowyn).
bool same_incident_name(std::string_view a, std::string_view b);

// Pauses `item` (its workflow's `incidents.pause` action, by `actor`, or by the engine when that
// is kSystemActor) for the first of `incidents` its workflow's `incidents.holds` says should hold
// it. True when it was paused.
Outcome<bool> pause_by_policy(Engine& engine, const Item& item, const std::vector<Json>& incidents,
                              std::string_view actor);

// What the policy asks of work that a change (an action, or a move to a new version) turned
// from `before` into `after`, while `incidents` are active: its `pause`, when the change brought
// it under an incident's policy (a rating lowered during a major incident); its `resume`, when
// it is held by an incident whose policy the change took it out from under (a rating raised).
// Work someone resumed or left running by hand is left alone: only a change in what the policy
// says moves it.
struct PolicyChange {
  std::string action;  // the workflow's incidents.pause or incidents.resume
  std::string incident_name;
  std::string remark;  // for people: "paused, as Storm Bert now holds it"
};
std::optional<PolicyChange> policy_change(Engine& engine, const Item& before, const Item& after,
                                          const std::vector<Json>& incidents);
// Takes the change's action on `ref`, by the engine, in the caller's transaction.
Outcome<Item> apply_policy_change(Engine& engine, const std::string& ref,
                                  const PolicyChange& change);

}  // namespace commsflow
