// How a workflow's incident policy (IncidentHooks in definition.h) holds an item: used by the
// core when work arrives, by import, and by declaring and closing incidents (incidents.h). Runs
// inside the caller's write transaction.
#pragma once

#include <commsflow/engine.h>

#include <string_view>
#include <vector>

namespace commsflow {

// Every incident not yet closed, as a policy sees it: {name, level, ref}.
std::vector<Json> active_incidents(Engine& engine);

// Pauses `item` (its workflow's `incidents.pause` action, by `actor`, or by the engine when that
// is kSystemActor) for the first of `incidents` its workflow's `incidents.holds` says should hold
// it. True when it was paused.
Outcome<bool> pause_by_policy(Engine& engine, const Item& item, const std::vector<Json>& incidents,
                              std::string_view actor);

}  // namespace commsflow
