#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/people.h>
#include <commsflow/words.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "workflow/family.h"
#include "workflow/field_values.h"

namespace commsflow {

namespace {

Json actor_json(const Actor& actor) {
  return Json{{"name", actor.name}, {"roles", actor.roles}};
}

std::optional<Refusal> role_refusal(const Actor& actor, const ActionSpec& action,
                                    const std::string& doing) {
  if (actor.holds_any(action.roles)) return std::nullopt;
  return Refusal{
      {fmt::format(
          "{} may not {}: that needs the role {} ({} has {})", actor.name, doing,
          fmt::join(action.roles, " or "), actor.name,
          actor.roles.empty() ? "no roles" : fmt::format("{}", fmt::join(actor.roles, ", ")))},
      /*forbidden=*/true};
}

// A guard returns true (allowed), false, a reason, or a list of reasons (empty: allowed).
std::vector<std::string> guard_reasons(const Json& result, const std::string& path,
                                       const std::string& what) {
  if (result.is_boolean()) {
    if (result.get<bool>()) return {};
    return {fmt::format("{} said no", what)};
  }
  // Reasons are prose for people: a time they quote is given in UK time.
  if (result.is_string()) return {times_in_words(result.get<std::string>())};
  if (result.is_array()) {
    std::vector<std::string> reasons;
    for (const auto& r : result) {
      if (!r.is_string()) {
        fail(ErrorKind::Script, "{}: {} must return true or a list of reasons (text), got {}", path,
             what, r.dump());
      }
      reasons.push_back(times_in_words(r.get<std::string>()));
    }
    return reasons;
  }
  fail(ErrorKind::Script, "{}: {} must return true or a list of reasons, got {}", path, what,
       result.is_null() ? "nothing" : result.dump());
}

struct Ruled {
  Json data;
  std::string to;
};

// Runs an action's guard, then its route (which state it leads to, on the data before the
// effect), then its effect (which sees the chosen state as ctx.to). Returns the new data and
// state, or the guard's refusal. `data_validated` says `data` has just passed validate_data, so the
// effect's output is checked again only where the effect changed it.
Outcome<Ruled> apply_rules(CompiledWorkflow& wf, const ActionSpec& action, const Json& data,
                           Json ctx, const std::string& from, const std::string& what,
                           bool data_validated) {
  const Definition& d = wf.definition;
  if (action.guard) {
    std::string label = "the guard of " + what;
    auto r = wf.script->ask(action.guard, data, ctx, label);
    auto reasons = guard_reasons(r.result, d.path, label);
    if (!reasons.empty()) return Refusal{std::move(reasons)};
  }
  Ruled out{data, action.to.empty() ? from : action.to.front()};
  if (action.route) {
    std::string label = "the route of " + what;
    auto r = wf.script->ask(action.route, data, ctx, label);
    if (!r.result.is_string() || std::find(action.to.begin(), action.to.end(),
                                           r.result.get<std::string>()) == action.to.end()) {
      fail(ErrorKind::Script, "{}: {} must return one of: {} (it returned {})", d.path, label,
           fmt::join(action.to, ", "), r.result.dump());
    }
    out.to = r.result.get<std::string>();
  }
  ctx["to"] = out.to;
  if (action.effect) {
    std::string label = "the effect of " + what;
    auto r = wf.script->call(action.effect, data, ctx, label);
    out.data =
        (r.result.is_object() || (r.result.is_array() && r.result.empty())) ? r.result : r.item;
    keep_engine_records(data, out.data);
    auto problems = validate_data(d.fields, out.data, true, data_validated ? &data : nullptr);
    if (!problems.empty()) {
      std::string message =
          fmt::format("{}: {} left data that does not fit the fields", d.path, label);
      for (const auto& p : problems) message += fmt::format("\n  {}: {}", p.field, p.message);
      throw Error(ErrorKind::Script, message);
    }
  }
  return out;
}

const FieldSpec* find_spec(const std::vector<FieldSpec>& fields, std::string_view name) {
  auto it = std::find_if(fields.begin(), fields.end(),
                         [&](const FieldSpec& f) { return f.name == name; });
  return it == fields.end() ? nullptr : &*it;
}

std::string action_list(const StateSpec* state) {
  if (!state || state->actions.empty()) return "none";
  std::vector<std::string> names;
  for (const auto& a : state->actions) names.push_back(a.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// Fields of type actor must name an existing actor holding the field's role.
void check_actor_fields(Store& store, const std::vector<FieldSpec>& fields, const Json& data,
                        std::vector<FieldProblem>& problems) {
  for (const auto& f : fields) {
    if (f.type != FieldType::Actor || !data.contains(f.name)) continue;
    std::string name = data[f.name].get<std::string>();
    auto actor = store.actor(name);
    if (!actor) {
      problems.push_back({f.name, fmt::format("there is no actor '{}'", name)});
    } else if (!f.role.empty() && !actor->has_role(f.role)) {
      problems.push_back({f.name, fmt::format("{} does not have the role {}", name, f.role)});
    }
  }
}

}  // namespace

Engine::Engine(Store& store, WorkflowRegistry& registry, const Clock& clock)
    : store_(store), registry_(registry), clock_(clock) {}

Actor Engine::require_actor(std::string_view name) {
  auto actor = store_.actor(name);
  if (!actor) {
    fail(ErrorKind::NotFound,
         "unknown actor '{}' (add one with `commsflow actor add {} --role ROLE`)", name, name);
  }
  if (actor->disabled) {
    fail(ErrorKind::BadInput, "{} is disabled and may not act (`commsflow actor enable {}`)", name,
         name);
  }
  return *actor;
}

std::int64_t Engine::append_event(Event& event) {
  return store_.append(event);
}

void Engine::check_revision(const Item& item, std::optional<std::int64_t> expected) {
  if (expected && *expected != item.revision) {
    fail(ErrorKind::Conflict,
         "{} has changed: you had revision {}, it is now at revision {} (state '{}', changed {}). "
         "Look at it again and retry.",
         item.ref, *expected, item.revision, item.state, item.updated_at);
  }
}

void Engine::record_change(Event& event, const Item& before, Item& item, const std::string& now) {
  event.changes = diff_changes(before.data, item.data);
  append_event(event);
  item.revision = before.revision + 1;
  item.updated_at = now;
  if (!store_.update_item(item, before.revision)) {
    fail(ErrorKind::Conflict, "{} was changed by someone else at the same time; look at it again",
         item.ref);
  }
}

Outcome<Item> Engine::submit(std::string_view workflow, std::string_view actor, const Json& inputs,
                             std::string_view parent) {
  auto tx = store_.begin_write();
  auto outcome = submit_in_transaction(workflow, actor, inputs, parent);
  if (!outcome) return outcome;
  // Work that arrives during an incident is paused by the same policy as work already open
  // (incidents are looked for only when the workflow has a policy).
  if (registry_.version(outcome.value().version).definition.incidents.holds) {
    auto paused = pause_by_policy(outcome.value(), active_incidents(), kSystemActor);
    if (!paused) return paused.refusal();
    if (paused.value()) outcome = item(outcome.value().ref);
  }
  tx->commit();
  return outcome;
}

Outcome<Item> Engine::act(const ActRequest& request) {
  auto tx = store_.begin_write();
  auto outcome = act_in_transaction(request);
  if (outcome) tx->commit();
  return outcome;
}

Outcome<Item> Engine::submit_in_transaction(std::string_view workflow, std::string_view actor_name,
                                            const Json& inputs, std::string_view parent_ref) {
  CompiledWorkflow& wf = registry_.current(workflow);
  Actor actor = require_actor(actor_name);
  return submit_as(wf, actor, inputs, parent_ref, format_datetime(clock_.now()));
}

Outcome<Item> Engine::submit_as(CompiledWorkflow& wf, const Actor& actor, Json inputs,
                                std::string_view parent_ref, const std::string& now) {
  const Definition& d = wf.definition;
  if (auto refusal = role_refusal(actor, d.submit, fmt::format("submit a {}", d.name))) {
    return *refusal;
  }
  if (!inputs.is_object() && !inputs.is_null()) {
    fail(ErrorKind::BadInput, "{}: input must be an object of fields", d.name);
  }

  Json data = inputs.is_null() ? Json::object() : std::move(inputs);
  for (const auto& f : d.fields) {
    if (!data.contains(f.name) && f.default_value) data[f.name] = *f.default_value;
  }
  auto problems = validate_data(d.fields, data, /*require_all=*/true);
  for (const auto& [key, _] : data.items()) {
    if (!key.empty() && key[0] == '_') problems.push_back({key, "is not a field of this workflow"});
  }
  check_actor_fields(store_, d.fields, data, problems);
  check_past_dates(d.fields, data, clock_.now(), problems);
  if (!problems.empty())
    throw Error::bad_fields(fmt::format("submit {}", d.name), std::move(problems));
  auto parent = check_parent(store_, registry_, d, std::string(parent_ref));
  if (!parent) return parent.refusal();

  Json ctx{{"workflow", d.name},
           {"ref", nullptr},
           {"state", nullptr},
           {"to", d.submit.to.empty() ? Json(d.initial) : Json(d.submit.to)},
           {"action", "submit"},
           {"actor", actor_json(actor)},
           {"payload", Json::object()},
           {"now", now}};
  if (!parent.value().is_null()) ctx["parent"] = parent.value();
  add_children(store_, d, "", ctx);
  auto ruled = apply_rules(wf, d.submit, data, ctx, d.initial, "submit", /*data_validated=*/true);
  if (!ruled) return ruled.refusal();

  int year = static_cast<int>(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(clock_.now())}.year());
  Item item;
  item.ref = fmt::format("{}-{}-{:04}", d.prefix, year, store_.next_ref_number(d.prefix, year));
  item.workflow = d.name;
  item.version = d.version;
  item.state = ruled.value().to;
  item.data = std::move(ruled.value().data);
  item.revision = 1;
  item.created_at = item.updated_at = now;
  item.parent = std::string(parent_ref);

  Event event;
  event.ref = item.ref;
  event.action = "submit";
  event.actor = actor.name;
  event.at = now;
  event.to_state = item.state;
  event.version = d.version;
  event.changes = diff_changes(Json::object(), item.data);
  event.parent = item.parent;
  append_event(event);
  store_.insert_item(item);
  return item;
}

Outcome<Item> Engine::act_in_transaction(const ActRequest& request, bool by_engine) {
  Item item = this->item(request.ref);
  check_revision(item, request.expected_revision);
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  const StateSpec* state = d.state(item.state);
  const ActionSpec* action = state ? state->action(request.action) : nullptr;
  if (!action) {
    if (d.is_final(item.state)) {
      return Refusal{
          {fmt::format("{} is closed (state '{}'): no more actions", item.ref, item.state)}};
    }
    if (const StateSpec* other = d.state_with_action(request.action)) {
      return Refusal{{fmt::format(
          "{} is in state '{}'; '{}' can only be taken in state '{}' (available now: {})", item.ref,
          item.state, request.action, other->name, action_list(state))}};
    }
    fail(ErrorKind::BadInput, "workflow '{}' has no action '{}' (available in state '{}': {})",
         d.name, request.action, item.state, action_list(state));
  }

  if (!valid_utf8(request.note)) fail_field("note", "is not valid UTF-8 text");
  if (auto control = control_character_in(request.note); !control.empty()) {
    fail_field("note", "contains the control character {}", control);
  }
  // The engine acting on a workflow's own rule (as "system") needs no role; people do.
  Actor actor = by_engine ? Actor{kSystemActor, {}} : require_actor(request.actor);
  if (auto refusal = role_refusal(actor, *action, fmt::format("{} {}", action->name, item.ref));
      refusal && !by_engine) {
    return *refusal;
  }

  if (!request.inputs.is_object() && !request.inputs.is_null()) {
    fail(ErrorKind::BadInput, "{}: input must be an object", item.ref);
  }
  const Json inputs = request.inputs.is_null() ? Json::object() : request.inputs;
  Json data = item.data;
  Json payload = Json::object();
  std::vector<FieldProblem> problems;
  for (const auto& [key, value] : inputs.items()) {
    bool is_data = std::find(action->sets.begin(), action->sets.end(), key) != action->sets.end();
    const FieldSpec* spec = is_data ? d.field(key) : find_spec(action->fields, key);
    if (!spec) {
      std::vector<std::string> takes = action->sets;
      for (const auto& f : action->fields) takes.push_back(f.name);
      problems.push_back(
          {key,
           fmt::format("is not an input of '{}' (it takes: {})", action->name,
                       takes.empty() ? "nothing" : fmt::format("{}", fmt::join(takes, ", ")))});
      continue;
    }
    std::string error;
    Json coerced = coerce_value(*spec, value, error);
    if (!error.empty()) {
      problems.push_back(problem_at(key, error));
    } else if (is_data) {
      if (coerced.is_null()) {
        data.erase(key);
      } else {
        data[key] = std::move(coerced);
      }
    } else if (!coerced.is_null()) {
      payload[key] = std::move(coerced);
    }
  }
  for (const auto& f : action->fields) {
    if (!payload.contains(f.name) && f.default_value) payload[f.name] = *f.default_value;
    // Text of spaces alone is no answer to a required question.
    const auto given = payload.find(f.name);
    const bool blank =
        given == payload.end() ||
        (given->is_string() &&
         given->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos);
    if (f.required && blank) problems.push_back({f.name, "is required"});
  }
  check_actor_fields(store_, d.fields, data, problems);
  check_actor_fields(store_, action->fields, payload, problems);
  check_past_dates(d.fields, data, clock_.now(), problems);
  check_past_dates(action->fields, payload, clock_.now(), problems);
  if (!problems.empty())
    throw Error::bad_fields(fmt::format("{} {}", action->name, item.ref), std::move(problems));

  std::string now = format_datetime(clock_.now());
  Json ctx{{"workflow", d.name},        {"ref", item.ref},
           {"state", item.state},       {"to", action->to},
           {"action", action->name},    {"actor", actor_json(actor)},
           {"payload", payload},        {"now", now},
           {"revision", item.revision}, {"note", request.note}};
  add_children(store_, d, item.ref, ctx);
  if (action->gate) {
    auto unmet = unmet_reasons(run_checklist(wf, *state, data, ctx));
    if (!unmet.empty()) return Refusal{std::move(unmet)};
  }
  auto ruled =
      apply_rules(wf, *action, data, ctx, item.state, fmt::format("action '{}'", action->name),
                  /*data_validated=*/false);
  if (!ruled) return ruled.refusal();

  Event event;
  event.ref = item.ref;
  event.action = action->name;
  event.actor = actor.name;
  event.at = now;
  event.from_state = item.state;
  event.to_state = ruled.value().to;
  event.version = item.version;
  event.payload = payload;
  event.note = request.note;

  const Item before = item;
  item.state = ruled.value().to;
  item.data = std::move(ruled.value().data);
  if (item.state != before.state) {
    on_state_change(wf, before, item, "");
  } else {
    reconsider_approval(wf, before, item, action->name, ctx["actor"], event.payload);
  }
  event.to_state = item.state;
  record_change(event, before, item, now);
  return item;
}

std::optional<Item> Engine::active_incident(std::string_view name) {
  for (Item& i : store_.items_with_data("incident", "name", name)) {
    if (!registry_.version(i.version).definition.is_final(i.state)) return std::move(i);
  }
  return std::nullopt;
}

std::vector<Json> Engine::active_incidents() {
  std::vector<Json> out;
  if (!store_.current_version("incident")) return out;
  for (const Item& i : store_.items(ItemFilter{"incident", "", -1})) {
    if (registry_.version(i.version).definition.is_final(i.state)) continue;
    out.push_back(Json{
        {"name", i.data.value("name", "")}, {"level", i.data.value("level", "")}, {"ref", i.ref}});
  }
  return out;
}

Outcome<bool> Engine::pause_by_policy(const Item& item, const std::vector<Json>& incidents,
                                      std::string_view actor) {
  const bool by_engine = actor == kSystemActor;
  if (incidents.empty()) return false;
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  const IncidentHooks& hooks = d.incidents;
  const StateSpec* state = d.state(item.state);
  if (!hooks.holds || !state || !state->action(hooks.pause)) return false;
  const std::string now = format_datetime(clock_.now());
  Json ctx{{"workflow", d.name}, {"ref", item.ref}, {"state", item.state}, {"now", now}};
  for (const Json& incident : incidents) {
    auto decision = wf.script->call(hooks.holds, item.data, std::vector<Json>{incident, ctx},
                                    "incidents.holds");
    if (!decision.result.is_boolean()) {
      fail(ErrorKind::Script, "{}: incidents.holds must return true or false, got {}", d.path,
           decision.result.dump());
    }
    if (!decision.result.get<bool>()) continue;
    auto paused = act_in_transaction(
        ActRequest{item.ref, hooks.pause, std::string(actor),
                   Json{{"incident_name", incident.at("name")}}, "", std::nullopt},
        by_engine);
    if (!paused) return paused.refusal();
    return true;
  }
  return false;
}

Outcome<IncidentResult> Engine::declare_incident(std::string_view name, std::string_view level,
                                                 std::string_view actor) {
  auto tx = store_.begin_write();
  if (auto active = active_incident(name)) {
    fail(ErrorKind::BadInput, "incident '{}' is already active ({})", name, active->ref);
  }
  auto incident = submit_in_transaction("incident", actor, Json{{"name", name}, {"level", level}});
  if (!incident) return incident.refusal();
  IncidentResult result{incident.value(), {}};
  const std::vector<Json> this_one{
      Json{{"name", name}, {"level", level}, {"ref", result.incident.ref}}};
  for (const Item& item : store_.items(ItemFilter{})) {
    auto paused = pause_by_policy(item, this_one, actor);
    if (!paused) return paused.refusal();
    if (paused.value()) result.affected.push_back(item.ref);
  }
  tx->commit();
  return result;
}

Outcome<IncidentResult> Engine::close_incident(std::string_view name, std::string_view actor) {
  auto tx = store_.begin_write();
  std::optional<Item> active = active_incident(name);
  if (!active) fail(ErrorKind::NotFound, "no active incident named '{}'", name);
  auto closed = act_in_transaction(
      ActRequest{active->ref, "close", std::string(actor), Json::object(), "", std::nullopt});
  if (!closed) return closed.refusal();
  IncidentResult result{closed.value(), {}};
  const std::vector<Json> still_active = active_incidents();
  for (const Item& item : store_.items(ItemFilter{})) {
    const IncidentHooks& hooks = registry_.version(item.version).definition.incidents;
    if (hooks.held_by.empty() || item.data.value(hooks.held_by, Json()) != name) continue;
    const StateSpec* state = registry_.version(item.version).definition.state(item.state);
    if (!state || !state->action(hooks.resume)) continue;
    auto resumed = act_in_transaction(ActRequest{item.ref, hooks.resume, std::string(actor),
                                                 Json{{"incident_name", name}}, "", std::nullopt});
    if (!resumed) return resumed.refusal();
    // An incident still active that would hold it takes it over: it stays paused, now by that
    // incident, and resumes only when that one closes.
    auto held = pause_by_policy(resumed.value(), still_active, kSystemActor);
    if (!held) return held.refusal();
    if (!held.value()) result.affected.push_back(item.ref);
  }
  tx->commit();
  return result;
}

Item Engine::item(std::string_view ref) {
  auto item = store_.item(ref);
  if (!item) fail(ErrorKind::NotFound, "no item {}", ref);
  return std::move(*item);
}

std::vector<Item> Engine::items(const ItemFilter& filter) {
  return store_.items(filter);
}

bool Engine::may_submit(const Actor& actor, std::string_view workflow) {
  return actor.holds_any(registry_.current(workflow).definition.submit.roles);
}

std::vector<AvailableAction> Engine::available_actions(const Item& item, const Actor* actor) {
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  std::vector<AvailableAction> out;
  const StateSpec* state = d.state(item.state);
  if (!state) return out;
  Json ctx{{"workflow", d.name},        {"ref", item.ref},
           {"state", item.state},       {"actor", nullptr},
           {"payload", Json::object()}, {"now", format_datetime(clock_.now())},
           {"revision", item.revision}, {"note", ""}};
  add_children(store_, d, item.ref, ctx);
  std::vector<std::string> unmet;
  if (std::any_of(state->actions.begin(), state->actions.end(),
                  [](const ActionSpec& a) { return a.gate; })) {
    unmet = unmet_reasons(run_checklist(wf, *state, item.data, ctx));
  }
  for (const auto& a : state->actions) {
    std::string to = a.to.empty() ? item.state : fmt::format("{}", fmt::join(a.to, "|"));
    AvailableAction available{a.name, a.label, to, a.roles, {}, a.sets, {}};
    available.allowed = actor && actor->holds_any(a.roles);
    for (const auto& f : a.fields) available.fields.push_back(f.name);
    if (a.gate) available.blocked_by = unmet;
    if (a.guard) {
      ctx["to"] = a.to;
      ctx["action"] = a.name;
      std::string label = fmt::format("the guard of action '{}'", a.name);
      auto r = wf.script->ask(a.guard, item.data, ctx, label);
      for (auto& reason : guard_reasons(r.result, d.path, label))
        available.blocked_by.push_back(std::move(reason));
    }
    out.push_back(std::move(available));
  }
  return out;
}

std::vector<ChecklistLine> Engine::checklist(const Item& item) {
  CompiledWorkflow& wf = registry_.version(item.version);
  const StateSpec* state = wf.definition.state(item.state);
  if (!state || !state->checklist) return {};
  Json ctx{{"workflow", wf.definition.name},
           {"ref", item.ref},
           {"state", item.state},
           {"actor", nullptr},
           {"payload", Json::object()},
           {"now", format_datetime(clock_.now())},
           {"revision", item.revision},
           {"note", ""}};
  add_children(store_, wf.definition, item.ref, ctx);
  return run_checklist(wf, *state, item.data, ctx);
}

std::vector<Event> Engine::history(std::string_view ref) {
  auto tx = store_.begin_read();
  item(ref);
  std::vector<Event> events;
  for (const auto& stored : store_.events_for(ref)) {
    events.push_back(Event::from_body(stored.seq, stored.body));
  }
  return events;
}

std::vector<WorkflowSummary> Engine::workflows() {
  auto tx = store_.begin_read();
  std::vector<WorkflowSummary> out;
  auto counts = store_.item_counts();
  for (const auto& [name, version] : store_.workflows()) {
    WorkflowSummary s;
    s.name = name;
    s.version = version;
    auto stored = store_.definition(version);
    s.path = stored ? stored->path : "";
    s.loaded_at = stored ? stored->loaded_at : "";
    s.title = registry_.version(version).definition.title;
    for (const auto& [item_version, state, count] : counts) {
      const Definition& d = registry_.version(item_version).definition;
      if (d.name == name && !d.is_final(state)) s.open_items += count;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Actor Engine::add_actor(std::string_view name, const std::vector<std::string>& roles,
                        std::string_view by, std::string_view display_name,
                        std::string_view email) {
  return People(store_, registry_, clock_).add(name, roles, by, display_name, email);
}

}  // namespace commsflow
