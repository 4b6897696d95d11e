// Incidents, standing on the engine's core: declaring one pauses the open work its workflows'
// policies say it should hold, and closing it resumes exactly that work.
//
// A workflow opts in with `incidents = { holds = function(item, incident, ctx), pause = ...,
// resume = ..., held_by = ... }` (IncidentHooks in definition.h); incidents themselves are items
// of the workflow named "incident". Each call is one transaction: a refusal of any part refuses
// all of it.
#pragma once

#include <commsflow/engine.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// The workflow whose items are incidents. Engine::submit of one declares it, and Engine::act
// `close` on one closes it, as declare_incident and close_incident do: an incident made or closed
// any other way would hold no work, or leave its work held for good.
inline constexpr std::string_view kIncidentWorkflow = "incident";
inline constexpr std::string_view kIncidentClose = "close";

struct IncidentResult {
  Item incident;                      // the incident item (workflow "incident")
  std::vector<std::string> affected;  // refs paused (declare) or resumed (close)
  // close: refs another incident still active took over (they stay paused, now for it), and
  // the names of those incidents, each once.
  std::vector<std::string> held;
  std::vector<std::string> held_for;
};

// Declares an incident and, in the same transaction, pauses every open item whose workflow's
// `incidents.holds` says so, through that workflow's `incidents.pause` action with payload
// {incident_name = name}. Refused when an incident of that name (in any case) is active.
Outcome<IncidentResult> declare_incident(Engine& engine, std::string_view name,
                                         std::string_view level, std::string_view actor);
// Closes the named active incident and resumes exactly the items it paused (the items whose
// `incidents.held_by` field names it take `incidents.resume` with payload {incident_name =
// name}); items paused for other reasons stay paused, and an item another active incident
// would hold stays paused by that one.
// `note` and `expected_revision` are those of the incident's own close action (ActRequest).
// With `sees`, an incident the actor may not see is not found, as a name that is none.
// "3 item(s) stay paused, now for Storm Bert, still active": what closing an incident did not
// resume, for people.
std::string still_paused_words(const std::vector<std::string>& held,
                               const std::vector<std::string>& held_for);

Outcome<IncidentResult> close_incident(Engine& engine, std::string_view name,
                                       std::string_view actor, std::string_view note = {},
                                       std::optional<std::int64_t> expected_revision = {},
                                       const SeesItem& sees = {});

}  // namespace commsflow
