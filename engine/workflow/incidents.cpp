// Declaring and closing incidents (incidents.h), and the policy that holds work while one is
// active (incident_policy.h).
#include <commsflow/incidents.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "workflow/action_rules.h"
#include "workflow/field_values.h"
#include "workflow/incident_policy.h"
#include "workflow/script_context.h"

namespace commsflow {

namespace {

// The incident of that name not yet in a final state, if any: the one named exactly so, or else
// the first of the same name (same_incident_name), as a database may hold two open incidents
// whose names differ only in case from before such names were one.
std::optional<Item> active_incident(Engine& engine, std::string_view name) {
  if (!engine.store().current_version("incident")) return std::nullopt;
  std::optional<Item> same;
  for (Item& i : engine.store().items(ItemFilter{"incident", "", -1})) {
    const std::string its_name = i.data.value("name", "");
    if (!same_incident_name(its_name, name)) continue;
    if (engine.registry().version(i.version).definition.is_final(i.state)) continue;
    if (its_name == name) return std::move(i);
    if (!same) same = std::move(i);
  }
  return same;
}

// The bytes of the UTF-8 sequence `lead` begins; 1 for a byte that begins none.
std::size_t sequence_length(unsigned char lead) {
  if (lead >> 5 == 0x6) return 2;
  if (lead >> 4 == 0xE) return 3;
  if (lead >> 3 == 0x1E) return 4;
  return 1;
}

// How a name is compared: without the spaces around it, each letter in lower case as Unicode
// has it (É as é, in the C.UTF-8 locale's tables). Bytes that are not UTF-8 stand for themselves.
std::u32string name_key(std::string_view text) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  const auto lower = [](char32_t c) -> char32_t {
    if (utf8) return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8));
    return c < 0x80 ? static_cast<char32_t>(std::tolower(static_cast<int>(c))) : c;
  };
  const std::string bare = trim(text);
  std::u32string key;
  for (std::size_t i = 0; i < bare.size();) {
    const auto lead = static_cast<unsigned char>(bare[i]);
    std::size_t length = sequence_length(lead);
    if (i + length > bare.size()) length = 1;
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      code = (code << 6) | (static_cast<unsigned char>(bare[i + k]) & 0x3F);
    }
    key.push_back(lower(code));
    i += length;
  }
  return key;
}

// What the workflow's incidents.holds says of `item` for `incident`; false when it has none.
bool policy_holds(Engine& engine, const Item& item, const Json& incident) {
  CompiledWorkflow& wf = engine.registry().version(item.version);
  const Definition& d = wf.definition;
  if (!d.incidents.holds) return false;
  const Json ctx = script_context(d, &item, format_datetime(engine.clock().now()));
  auto decision = wf.script->call(d.incidents.holds, item.data, std::vector<Json>{incident, ctx},
                                  "incidents.holds");
  if (!decision.result.is_boolean()) {
    fail(ErrorKind::Script, "{}: incidents.holds must return true or false, got {}", d.path,
         decision.result.dump());
  }
  return decision.result.get<bool>();
}

}  // namespace

bool same_incident_name(std::string_view a, std::string_view b) {
  return a == b || name_key(a) == name_key(b);
}

std::vector<Json> active_incidents(Engine& engine) {
  std::vector<Json> out;
  if (!engine.store().current_version("incident")) return out;
  for (const Item& i : engine.store().items(ItemFilter{"incident", "", -1})) {
    if (engine.registry().version(i.version).definition.is_final(i.state)) continue;
    out.push_back(Json{
        {"name", i.data.value("name", "")}, {"level", i.data.value("level", "")}, {"ref", i.ref}});
  }
  return out;
}

Outcome<bool> pause_by_policy(Engine& engine, const Item& item, const std::vector<Json>& incidents,
                              std::string_view actor) {
  const bool by_engine = actor == kSystemActor;
  if (incidents.empty()) return false;
  const Definition& d = engine.registry().version(item.version).definition;
  const IncidentHooks& hooks = d.incidents;
  const StateSpec* state = d.state(item.state);
  if (!hooks.holds || !state || !state->action(hooks.pause)) return false;
  for (const Json& incident : incidents) {
    if (!policy_holds(engine, item, incident)) continue;
    auto paused = engine.act_in_transaction(
        ActRequest{item.ref, hooks.pause, std::string(actor),
                   Json{{"incident_name", incident.at("name")}}, "", std::nullopt},
        by_engine);
    if (!paused) return paused.refusal();
    return true;
  }
  return false;
}

std::optional<PolicyChange> policy_change(Engine& engine, const Item& before, const Item& after,
                                          const std::vector<Json>& incidents) {
  const Definition& d = engine.registry().version(after.version).definition;
  const IncidentHooks& hooks = d.incidents;
  const StateSpec* state = d.state(after.state);
  if (!hooks.holds || incidents.empty() || !state) return std::nullopt;
  const Json held_by = hooks.held_by.empty() ? Json() : after.data.value(hooks.held_by, Json());
  if (held_by.is_string() && !held_by.get<std::string>().empty()) {
    if (!state->action(hooks.resume)) return std::nullopt;
    for (const Json& incident : incidents) {
      if (incident.value("name", "") != held_by.get<std::string>()) continue;
      if (policy_holds(engine, after, incident) || !policy_holds(engine, before, incident)) break;
      // Another active incident whose policy holds it keeps it paused, as on a close.
      for (const Json& other : incidents) {
        if (&other != &incident && policy_holds(engine, after, other)) return std::nullopt;
      }
      return PolicyChange{
          hooks.resume, held_by.get<std::string>(),
          fmt::format("resumed, as {} no longer holds it", held_by.get<std::string>())};
    }
    return std::nullopt;
  }
  if (!state->action(hooks.pause)) return std::nullopt;
  for (const Json& incident : incidents) {
    if (policy_holds(engine, after, incident) && !policy_holds(engine, before, incident)) {
      const std::string name = incident.value("name", "");
      return PolicyChange{hooks.pause, name, fmt::format("paused, as {} now holds it", name)};
    }
  }
  return std::nullopt;
}

Outcome<Item> apply_policy_change(Engine& engine, const std::string& ref,
                                  const PolicyChange& change) {
  return engine.act_in_transaction(
      ActRequest{ref, change.action, std::string(kSystemActor),
                 Json{{"incident_name", change.incident_name}}, "", std::nullopt},
      /*by_engine=*/true);
}

Outcome<IncidentResult> declare_incident(Engine& engine, std::string_view name,
                                         std::string_view level, std::string_view actor) {
  const std::string bare_name = trim(name);  // " Storm Bert" is Storm Bert
  name = bare_name;
  auto tx = engine.store().begin_write();
  // One who may not declare an incident learns nothing of those active: refused for the role
  // before the name is looked up.
  const Actor declarer = engine.require_actor(actor);
  if (!engine.may_submit(declarer, "incident")) {
    return submit_refusal(declarer, engine.registry().current("incident").definition);
  }
  if (auto active = active_incident(engine, name)) {
    return Refusal{{fmt::format("incident '{}' is already active ({})",
                                active->data.value("name", std::string(name)), active->ref)}};
  }
  auto incident =
      engine.submit_in_transaction("incident", actor, Json{{"name", name}, {"level", level}});
  if (!incident) return incident.refusal();
  IncidentResult result{incident.value(), {}, {}, {}};
  const std::vector<Json> this_one{
      Json{{"name", name}, {"level", level}, {"ref", result.incident.ref}}};
  for (const Item& item : engine.store().items(ItemFilter{})) {
    auto paused = pause_by_policy(engine, item, this_one, actor);
    if (!paused) return paused.refusal();
    if (paused.value()) result.affected.push_back(item.ref);
  }
  tx->commit();
  return result;
}

std::string still_paused_words(const std::vector<std::string>& held,
                               const std::vector<std::string>& held_for) {
  return fmt::format("{} item(s) stay paused, now for {}, still active", held.size(),
                     fmt::join(held_for, ", "));
}

Outcome<IncidentResult> close_incident(Engine& engine, std::string_view name,
                                       std::string_view actor, std::string_view note,
                                       std::optional<std::int64_t> expected_revision,
                                       const SeesItem& sees) {
  auto tx = engine.store().begin_write();
  std::optional<Item> active = active_incident(engine, name);
  // Or by its reference, which `incident list` shows first.
  if (auto by_ref = active ? std::nullopt : engine.store().item(typed_reference(std::string(name)));
      by_ref && by_ref->workflow == kIncidentWorkflow &&
      !engine.registry().version(by_ref->version).definition.is_final(by_ref->state)) {
    active = std::move(by_ref);
  }
  if (!active || (sees && !sees(*active))) {
    fail(ErrorKind::NotFound, "no active incident named '{}'", name);
  }
  const std::string active_name = active->data.value("name", std::string(name));
  auto closed = engine.act_in_transaction(ActRequest{active->ref, std::string(kIncidentClose),
                                                     std::string(actor), Json::object(),
                                                     std::string(note), expected_revision});
  if (!closed) return closed.refusal();
  IncidentResult result{closed.value(), {}, {}, {}};
  const std::vector<Json> still_active = active_incidents(engine);
  for (const Item& item : engine.store().items(ItemFilter{})) {
    const Definition& d = engine.registry().version(item.version).definition;
    const IncidentHooks& hooks = d.incidents;
    if (hooks.held_by.empty() || item.data.value(hooks.held_by, Json()) != active_name) continue;
    const StateSpec* state = d.state(item.state);
    if (!state || !state->action(hooks.resume)) continue;
    auto resumed = engine.act_in_transaction(ActRequest{item.ref, hooks.resume, std::string(actor),
                                                        Json{{"incident_name", active_name}}, "",
                                                        std::nullopt});
    if (!resumed) return resumed.refusal();
    // An incident still active that would hold it takes it over: it stays paused, now by that
    // incident, and resumes only when that one closes.
    auto held = pause_by_policy(engine, resumed.value(), still_active, kSystemActor);
    if (!held) return held.refusal();
    if (!held.value()) {
      result.affected.push_back(item.ref);
      continue;
    }
    result.held.push_back(item.ref);
    const std::string by = engine.store().item(item.ref)->data.value(hooks.held_by, std::string());
    if (std::find(result.held_for.begin(), result.held_for.end(), by) == result.held_for.end())
      result.held_for.push_back(by);
  }
  tx->commit();
  return result;
}

}  // namespace commsflow
