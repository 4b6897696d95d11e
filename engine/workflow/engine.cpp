#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/incidents.h>
#include <commsflow/people.h>
#include <commsflow/read_access.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>
#include <commsflow/words.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <regex>
#include <utility>

#include "workflow/action_rules.h"
#include "workflow/family.h"
#include "workflow/field_values.h"
#include "workflow/incident_policy.h"
#include "workflow/notices.h"
#include "workflow/script_context.h"
#include "workflow/signoff_records.h"

namespace commsflow {

namespace {

// True for an action's name as workflows write it: lower-case letters, digits and '_'.
bool is_action_name(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The action of `state` someone meant, typed as the app shows it: its label ("Send for review"),
// or its name in any case. Null when none is, or when a label is shared.
const ActionSpec* typed_action(const StateSpec& state, std::string_view typed) {
  const std::string wanted = as_name(typed);
  const ActionSpec* found = nullptr;
  for (const ActionSpec& action : state.actions) {
    if (action.name == wanted) return &action;
    if (as_name(action.label) != wanted) continue;
    if (found) return nullptr;
    found = &action;
  }
  return found;
}

// A person given as typed: their sign-in name in any case ("Olivia.Officer"), or the name they
// are shown by when no one else has it ("Olivia Officer"). Given back as typed when no one is, for
// check_actor_fields to say so.
std::string stored_person_name(Store& store, const std::string& typed) {
  if (store.actor(typed)) return typed;
  const std::string name = typed_person_name(typed);
  if (store.actor(name)) return name;
  return sign_in_name_of(store, typed).value_or(typed);
}

const FieldSpec* find_spec(const std::vector<FieldSpec>& fields, std::string_view name) {
  auto it = std::find_if(fields.begin(), fields.end(),
                         [&](const FieldSpec& f) { return f.name == name; });
  return it == fields.end() ? nullptr : &*it;
}

// The actions of `state` as people see them: "Assign, Pause or Decline".
std::string action_list(const Definition& d, const StateSpec* state) {
  if (!state || state->actions.empty()) return "none";
  std::vector<std::string> labels;
  for (const auto& a : state->actions) labels.push_back(action_label(d, a.name));
  return listed(labels, "or");
}

// The states of `d` that have `action` (by name or label, as typed_action takes it), in order.
std::vector<std::string> states_with(const Definition& d, std::string_view action) {
  std::vector<std::string> out;
  for (const auto& s : d.states) {
    if (typed_action(s, action)) out.push_back(s.name);
  }
  return out;
}

// Fields of type actor must name an existing, enabled actor holding the field's role. A person
// typed as people write them is written in `data` by their sign-in name (stored_person_name).
void check_actor_fields(Store& store, const std::vector<FieldSpec>& fields, Json& data,
                        std::vector<FieldProblem>& problems) {
  for (const auto& f : fields) {
    if (f.type != FieldType::Actor || !data.contains(f.name) || !data[f.name].is_string()) continue;
    std::string name = data[f.name] = stored_person_name(store, data[f.name].get<std::string>());
    auto actor = store.actor(name);
    if (!actor) {
      problems.push_back({f.name, fmt::format("there is no actor '{}'", name)});
    } else if (!f.role.empty() && !actor->has_role(f.role)) {
      problems.push_back({f.name, fmt::format("{} does not have the role {}", actor->shown_name(),
                                              readable_label(f.role))});
    } else if (actor->disabled) {
      problems.push_back({f.name, fmt::format("{} is disabled and cannot be given work", name)});
    }
  }
}

// Inputs a person may not give when creating an item: fields the workflow's submit `sets` leaves
// out. Without `sets`, every field may be given.
std::vector<FieldProblem> submit_input_problems(const Definition& d, const Json& inputs) {
  std::vector<FieldProblem> problems;
  const auto& sets = d.submit.sets;
  if (sets.empty()) return problems;
  for (const auto& [key, _] : inputs.items()) {
    if (!d.field(key) || std::find(sets.begin(), sets.end(), key) != sets.end()) continue;
    problems.push_back({key, fmt::format("is set by the workflow, not when an item is created "
                                         "(submit takes: {})",
                                         fmt::join(sets, ", "))});
  }
  return problems;
}

}  // namespace

std::string typed_reference(std::string text) {
  if (text.find(':') != std::string::npos) return text;
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Engine::Engine(Store& store, WorkflowRegistry& registry, const Clock& clock)
    : store_(store), registry_(registry), clock_(clock) {}

Actor Engine::require_actor(std::string_view name) {
  auto actor = store_.actor(name);
  if (!actor) {
    // Typed as the person is shown ("Tom Triage"): said which name to give instead.
    if (auto known = sign_in_name_of(store_, std::string(name))) {
      fail(ErrorKind::NotFound, "unknown actor '{}': give the name they sign in with, {}", name,
           *known);
    }
    if (!is_sign_in_name(name)) {
      fail(ErrorKind::NotFound,
           "unknown actor '{}': give the name a person signs in with (`commsflow actor list`)",
           name);
    }
    fail(ErrorKind::NotFound,
         "unknown actor '{}' (add one with `commsflow actor add {} --role ROLE`)", name, name);
  }
  if (actor->disabled) {
    fail(ErrorKind::Forbidden, "{} is disabled and may not act (`commsflow actor enable {}`)", name,
         name);
  }
  return *actor;
}

void Engine::check_revision(const Item& item, std::optional<std::int64_t> expected) const {
  if (expected && *expected != item.revision) {
    const Definition& d = registry_.version(item.version).definition;
    // A form sent twice, or a page left open while someone else finished the item: said as what
    // happened, not as a retry that cannot succeed.
    if (d.is_final(item.state)) {
      fail(ErrorKind::Conflict,
           "{} is already {} (since {} UK time): nothing more was done, as nothing more can be",
           item.ref, state_label(d, item.state), uk_datetime(item.updated_at));
    }
    fail(ErrorKind::Conflict,
         "{} has changed: you had revision {}, it is now at revision {} ({}, changed {} UK "
         "time). Look at it again and retry.",
         item.ref, *expected, item.revision,
         state_label(registry_.version(item.version).definition, item.state),
         uk_datetime(item.updated_at));
  }
}

void Engine::record_change(Event& event, const Item& before, Item& item, const std::string& now) {
  // An item is not closed (a statement issued, a chain's last decision) on a history changed
  // outside commsflow: an approval forged in the file must not be acted on. Checked here, where
  // every change is written (actions, decisions, timers, migrations), once per item, at its end.
  const Definition& d = registry_.version(item.version).definition;
  if (item.state != before.state && d.is_final(item.state)) {
    if (auto altered = item_history_problems(store_, before); !altered.empty()) {
      fail_altered(
          "{}: its history does not verify ({}), so it is not taken to '{}' on it: restore the "
          "database from a backup; `commsflow verify` lists every problem",
          item.ref, altered.front(), state_label(d, item.state));
    }
  }
  forget_answered_return(before, item);
  event.changes = diff_changes(before.data, item.data);
  withdraw_stale_notices(*this, before, item);
  store_.append(event);
  item.revision = before.revision + 1;
  item.updated_at = now;
  if (!store_.update_item(item, before.revision)) {
    fail(ErrorKind::Conflict, "{} was changed by someone else at the same time; look at it again",
         item.ref);
  }
}

std::string AvailableAction::to_text() const {
  return fmt::format("{}", fmt::join(to, "|"));
}

Outcome<Item> Engine::submit(std::string_view workflow, std::string_view actor, const Json& inputs,
                             std::string_view parent) {
  const auto declares = [](const Json& in) {
    if (!in.is_object()) return false;
    for (const auto& [key, value] : in.items()) {
      if ((key != "name" && key != "level") || !value.is_string()) return false;
    }
    return true;
  };
  // Anything else given is refused by the normal path below, naming it.
  if (workflow == kIncidentWorkflow && parent.empty() && declares(inputs)) {
    auto declared =
        declare_incident(*this, inputs.value("name", ""), inputs.value("level", ""), actor);
    if (!declared) return declared.refusal();
    return std::move(declared.value().incident);
  }
  auto tx = store_.begin_write();
  auto outcome = submit_in_transaction(workflow, actor, inputs, parent);
  if (!outcome) return outcome;
  // Work that arrives during an incident is paused by the same policy as work already open
  // (incidents are looked for only when the workflow has a policy).
  if (registry_.version(outcome.value().version).definition.incidents.holds) {
    auto paused = pause_by_policy(*this, outcome.value(), active_incidents(*this), kSystemActor);
    if (!paused) return paused.refusal();
    if (paused.value()) outcome = item(outcome.value().ref);
  }
  tx->commit();
  return outcome;
}

Outcome<Item> Engine::act(const ActRequest& request, const SeesItem& sees) {
  // An action typed as the app shows it ("Close", "Send for review") is taken by its name from
  // here on, where the incident's hooks are told apart by name.
  if (!is_action_name(request.action)) {
    if (auto item = store_.item(request.ref)) {
      const StateSpec* state = registry_.version(item->version).definition.state(item->state);
      if (const ActionSpec* named = state ? typed_action(*state, request.action) : nullptr) {
        ActRequest renamed = request;
        renamed.action = named->name;
        return act(renamed, sees);
      }
    }
  }
  if (request.action == kIncidentClose) {
    auto incident = store_.item(request.ref);
    const bool plain = request.inputs.is_null() || request.inputs.empty();
    if (incident && incident->workflow == kIncidentWorkflow && plain &&
        (!sees || sees(*incident)) &&
        !registry_.version(incident->version).definition.is_final(incident->state)) {
      auto closed = close_incident(*this, incident->data.value("name", ""), request.actor,
                                   request.note, request.expected_revision);
      if (!closed) return closed.refusal();
      return std::move(closed.value().incident);
    }
  }
  auto tx = store_.begin_write();
  const std::optional<Item> before = store_.item(request.ref);
  auto outcome = act_in_transaction(request, /*by_engine=*/false, sees);
  if (!outcome) return outcome;
  // A change during an incident is held or let go by the same policy as work that arrives (a
  // rating lowered during a major incident pauses the request); the policy's own actions, taken
  // by hand, are left as they are.
  const IncidentHooks& hooks = registry_.version(outcome.value().version).definition.incidents;
  if (before && hooks.holds && request.action != hooks.pause && request.action != hooks.resume) {
    if (auto change = policy_change(*this, *before, outcome.value(), active_incidents(*this))) {
      outcome = apply_policy_change(*this, request.ref, *change);
      if (!outcome) return outcome;
    }
  }
  tx->commit();
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
  if (!actor.holds_any(d.submit.roles)) return submit_refusal(actor, d);
  if (!inputs.is_object() && !inputs.is_null()) {
    fail(ErrorKind::BadInput, "{}: input must be an object of fields", d.name);
  }

  Json data = inputs.is_null() ? Json::object() : std::move(inputs);
  // Fields outside submit's `sets` are the workflow's to set (a rating, who overrode it): a
  // person creating an item may not give them.
  std::vector<FieldProblem> not_given = submit_input_problems(d, data);
  // Null is no answer (`--set field=`, an emptied API member): the default stands in for it.
  for (const auto& f : d.fields) {
    const auto given = data.find(f.name);
    if ((given == data.end() || given->is_null()) && f.default_value) {
      data[f.name] = *f.default_value;
    }
  }
  auto problems = validate_data(d.fields, data, /*require_all=*/true);
  for (const auto& [key, _] : data.items()) {
    if (!key.empty() && key[0] == '_') problems.push_back({key, "is not a field of this workflow"});
  }
  problems.insert(problems.end(), not_given.begin(), not_given.end());
  check_actor_fields(store_, d.fields, data, problems);
  check_past_dates(d.fields, data, clock_.now(), problems);
  check_future_dates(d.fields, data, clock_.now(), problems);
  check_date_horizons(d.fields, data, clock_.now(), problems);
  if (auto missing = missing_parent(registry_, d, std::string(parent_ref))) {
    problems.push_back(std::move(*missing));
  }
  if (!problems.empty())
    throw Error::bad_fields(fmt::format("submit {}", d.name), std::move(problems));
  auto parent = check_parent(store_, registry_, d, std::string(parent_ref));
  if (!parent) return parent.refusal();

  Json ctx = script_context(d, nullptr, now,
                            {{"to", d.submit.to.empty() ? Json(d.initial) : Json(d.submit.to)},
                             {"action", "submit"},
                             {"actor", actor_context(actor)},
                             {"payload", Json::object()}});
  if (!parent.value().is_null()) ctx["parent"] = parent.value();
  add_children(store_, d, "", ctx);
  auto ruled = apply_rules(wf, d.submit, std::move(data), std::move(ctx), d.initial, "submit",
                           /*data_validated=*/true);
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
  event.parent = item.parent;
  // A new item's changes are all its data (diff_changes from nothing): lent to the event while
  // its body is written rather than copied.
  event.changes = std::move(item.data);
  store_.append(event);
  item.data = std::move(event.changes);
  store_.insert_item(item);
  return item;
}

Outcome<Item> Engine::act_in_transaction(const ActRequest& request, bool by_engine,
                                         const SeesItem& sees) {
  Item item = item_for_change(request.ref, sees);
  check_revision(item, request.expected_revision);
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  const StateSpec* state = d.state(item.state);
  const ActionSpec* action = state ? state->action(request.action) : nullptr;
  if (!action && state) action = typed_action(*state, request.action);
  if (!action) {
    if (d.is_final(item.state)) {
      return Refusal{{fmt::format("{} is closed (\"{}\"): no more actions", item.ref,
                                  state_label(d, item.state))}};
    }
    if (auto others = states_with(d, request.action); !others.empty()) {
      return Refusal{
          {fmt::format("{} is at \"{}\"; '{}' can be taken only at {} (available now: {})",
                       item.ref, state_label(d, item.state), request.action,
                       states_in_words(d, others), action_list(d, state))}};
    }
    fail(ErrorKind::BadInput, "{} has no action '{}' (available at \"{}\": {})", item.ref,
         request.action, state_label(d, item.state), action_list(d, state));
  }

  if (!valid_utf8(request.note)) fail_field("note", "is not valid UTF-8 text");
  if (auto control = control_character_in(request.note); !control.empty()) {
    fail_field("note", "contains the control character {}", control);
  }
  // The engine acting on a workflow's own rule (as "system") needs no role; people do.
  Actor actor = by_engine ? Actor{kSystemActor, {}} : require_actor(request.actor);
  if (!by_engine && !actor.holds_any(action->roles)) {
    return role_refusal(actor, *action,
                        fmt::format("take \"{}\" on {}", action_label(d, action->name), item.ref));
  }

  if (!request.inputs.is_object() && !request.inputs.is_null()) {
    fail(ErrorKind::BadInput, "{}: input must be an object", item.ref);
  }
  static const Json kNoInputs = Json::object();
  const Json& inputs = request.inputs.is_null() ? kNoInputs : request.inputs;
  Json data = item.data;
  Json payload = Json::object();
  Json given_data = Json::object();  // the item fields this request sets
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
    const size_t known = problems.size();
    Json coerced = coerce_field(*spec, value, key, problems);
    if (problems.size() != known) continue;  // each problem is reported
    if (spec->type == FieldType::Actor && coerced.is_string()) {
      coerced = stored_person_name(store_, coerced.get<std::string>());
    }
    if (is_data) {
      if (coerced.is_null()) {
        // A field every item must have is changed, never emptied.
        if (spec->required) {
          problems.push_back({key, "is required, so it can be changed but not emptied"});
          continue;
        }
        data.erase(key);
      } else {
        given_data[key] = coerced;
        data[key] = std::move(coerced);
      }
    } else if (!coerced.is_null()) {
      payload[key] = std::move(coerced);
    }
  }
  for (const auto& f : action->fields) {
    if (!payload.contains(f.name) && f.default_value) payload[f.name] = *f.default_value;
    const auto given = payload.find(f.name);
    const bool unanswered = given == payload.end() || blank(*given);
    // A value given but refused above is reported once, as that.
    const bool refused = std::any_of(problems.begin(), problems.end(), [&](const FieldProblem& p) {
      return p.field == f.name || p.field.starts_with(f.name + "[") ||
             p.field.starts_with(f.name + ".");
    });
    if (f.required && unanswered && !refused) problems.push_back({f.name, "is required"});
    // Required by another input's answer, or by an item field's.
    for (const auto& [other, values] : f.required_if) {
      if (!unanswered || refused) break;
      const Json answer = payload.contains(other) ? payload[other] : data.value(other, Json());
      const FieldSpec* named = action->field(other) ? action->field(other) : d.field(other);
      if (auto said = required_when(values, answer, named, other)) {
        problems.push_back({f.name, std::move(*said)});
        break;
      }
    }
    // Only spaces typed is no answer: the workflow's rules, and the record, see none.
    if (given != payload.end() && blank(*given)) payload.erase(given);
  }
  // `required` holds once the action is taken: checked with the other inputs, or after the
  // effect when there is one (it may fill the field, or empty it).
  auto unfilled = [&](const Json& after, std::vector<FieldProblem>& found) {
    auto reported = [&](const std::string& name) {
      return std::any_of(found.begin(), found.end(),
                         [&](const FieldProblem& p) { return p.field == name; });
    };
    for (const auto& name : action->required_sets) {
      if (unanswered(after, name) && !reported(name)) found.push_back({name, "is required"});
    }
    // An item field this action sets is required, too, when every item must have it or when
    // another field's answer says so (apply_rules leaves these to be said here).
    for (const auto& name : action->sets) {
      const FieldSpec* f = d.field(name);
      if (!f || !unanswered(after, name) || reported(name)) continue;
      if (f->required) {
        found.push_back({name, "is required"});
        continue;
      }
      for (const auto& [other, values] : f->required_if) {
        if (auto said = required_when(values, after.value(other, Json()), d.field(other), other)) {
          found.push_back({name, std::move(*said)});
          break;
        }
      }
    }
  };
  if (!action->effect) unfilled(data, problems);
  // Only the people named now: one named earlier who has since left or lost the role must not
  // block every later action on the item.
  check_actor_fields(store_, d.fields, given_data, problems);
  check_actor_fields(store_, action->fields, payload, problems);
  check_past_dates(d.fields, data, clock_.now(), problems);
  check_past_dates(action->fields, payload, clock_.now(), problems);
  // A deadline given again as it was (a form sends back every box) is not given anew.
  Json given_anew = Json::object();
  for (const auto& [key, value] : given_data.items()) {
    if (item.data.value(key, Json()) != value) given_anew[key] = value;
  }
  check_future_dates(d.fields, given_anew, clock_.now(), problems);
  check_future_dates(action->fields, payload, clock_.now(), problems);
  check_date_horizons(d.fields, given_anew, clock_.now(), problems);
  check_date_horizons(action->fields, payload, clock_.now(), problems);
  // A pause "for" an incident is ended by closing it (IncidentHooks): it must name one that is
  // open, or a pause of a triager's own would be taken for the incident's.
  if (action->name == d.incidents.pause) {
    const auto named = payload.find("incident_name");
    if (named != payload.end() && blank(*named)) {
      payload.erase(named);  // nothing given: a pause of the triager's own
    } else if (named != payload.end() && named->is_string()) {
      std::vector<std::string> open;
      for (const Json& i : active_incidents(*this)) open.push_back(i.value("name", ""));
      const std::string given = named->get<std::string>();
      auto same = std::find(open.begin(), open.end(), given);  // the one so named, if any
      if (same == open.end()) {
        same = std::find_if(open.begin(), open.end(), [&](const std::string& name) {
          return same_incident_name(name, given);
        });
      }
      if (same != open.end()) {
        *named = *same;  // as the incident was declared, which closing it looks for
      } else {
        problems.push_back(
            {"incident_name",
             fmt::format("no incident named '{}' is open ({}); leave it empty to pause for a "
                         "reason of your own",
                         named->get<std::string>(),
                         open.empty() ? std::string("none is")
                                      : fmt::format("open now: {}", fmt::join(open, ", ")))});
      }
    }
  }
  if (!problems.empty())
    throw Error::bad_fields(fmt::format("{} {}", action->name, item.ref), std::move(problems));
  // Nothing goes on (an issue, say) with text that is no longer the text approved.
  require_document_intact(store_, item);

  std::string now = format_datetime(clock_.now());
  Json ctx = script_context(d, &item, now,
                            {{"to", action->to},
                             {"action", action->name},
                             {"actor", actor_context(actor)},
                             {"payload", payload},
                             {"note", request.note}});
  add_children(store_, d, item.ref, ctx);
  if (action->gate) {
    auto unmet = unmet_reasons(run_checklist(wf, *state, data, ctx));
    if (!unmet.empty()) return Refusal{std::move(unmet)};
  }
  auto ruled = apply_rules(wf, *action, std::move(data), ctx, item.state,
                           fmt::format("action '{}'", action->name), /*data_validated=*/false);
  if (!ruled) return ruled.refusal();
  // A change that changes nothing (assigning the one already assigned) is refused, not recorded
  // and notified again: every field given is as it was, and nothing else moves or is said.
  if (!given_data.empty() && given_anew.empty() && payload.empty() && blank(Json(request.note)) &&
      ruled.value().to == item.state && ruled.value().data == item.data) {
    if (given_data.size() > 3) {  // a whole form sent back as it was
      return Refusal{{fmt::format("nothing to change: the {} fields given are as they were",
                                  given_data.size())}};
    }
    std::vector<std::string> already;
    for (const auto& [key, value] : given_data.items()) {
      const FieldSpec& f = *d.field(key);
      already.push_back(
          fmt::format("{} is already {}", field_label(f), value_in_words(store_, f, value)));
    }
    return Refusal{{fmt::format("nothing to change: {}", fmt::join(already, "; "))}};
  }
  // Said after the workflow's own reasons, which say more; the engine's word is final.
  if (action->releases) {
    if (auto refused = release_refused(d, item, payload); !refused.empty()) {
      return Refusal{{std::move(refused)}};
    }
  }
  if (action->effect) {
    std::vector<FieldProblem> after_effect;
    unfilled(ruled.value().data, after_effect);
    if (!after_effect.empty()) {
      throw Error::bad_fields(fmt::format("{} {}", action->name, item.ref),
                              std::move(after_effect));
    }
  }

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

  // The item as it was, its data moved rather than copied: `item` takes the new data.
  const Item before = [&] {
    Json old_data = std::exchange(item.data, Json());
    Item was = item;
    was.data = std::move(old_data);
    return was;
  }();
  item.data = std::move(ruled.value().data);
  item.state = ruled.value().to;
  if (item.state != before.state) {
    on_state_change(*this, wf, before, item, "");
  } else {
    reconsider_approval(*this, wf, before, item, action->name, ctx["actor"], event.payload);
  }
  event.to_state = item.state;
  notify_action(*this, *action, before, item, actor);
  record_change(event, before, item, now);
  return item;
}

Item Engine::item(std::string_view ref) {
  auto item = store_.item(ref);
  if (!item) fail(ErrorKind::NotFound, "no item {}", ref);
  return std::move(*item);
}

Item Engine::item_for_change(std::string_view ref, const SeesItem& sees) {
  Item found = item(ref);
  if (sees && !sees(found)) item_not_found(ref);
  return found;
}

std::vector<Item> Engine::items(const ItemFilter& filter) {
  return store_.items(filter);
}

bool Engine::may_submit(const Actor& actor, std::string_view workflow) {
  return actor.holds_any(registry_.current(workflow).definition.submit.roles);
}

std::vector<std::string> Engine::child_blocked_by(std::string_view workflow,
                                                  const std::string& parent_ref) {
  try {
    auto parent =
        check_parent(store_, registry_, registry_.current(workflow).definition, parent_ref);
    return parent ? std::vector<std::string>{} : parent.refusal().reasons;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::BadInput) throw;
    // Not a parent of this workflow's items (its version lists no such child).
    return {e.summary()};
  }
}

namespace {

// What people are told when a guard or checklist of `item`'s workflow fails while the item is
// read: the fault, with its file named within the workflows folder, and what moves the item on
// when it runs another version than the current one. Reading the item never fails for it.
std::string workflow_fault(WorkflowRegistry& registry, const Item& item, const Error& error) {
  const std::string text = registry.within_dir(error.what());
  const std::string& workflow = registry.version(item.version).definition.name;
  const bool other = registry.current(workflow).definition.version != item.version;
  return fmt::format("the workflow could not check this: {}{}", text,
                     other ? fmt::format(" ({} runs a version of {} other than the current one: "
                                         "`commsflow migrate {}` moves it to the current one)",
                                         item.ref, workflow, item.ref)
                           : std::string(" (tell whoever looks after the workflow files)"));
}

}  // namespace

std::vector<AvailableAction> Engine::available_actions(const Item& item, const Actor* actor) {
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  std::vector<AvailableAction> out;
  const StateSpec* state = d.state(item.state);
  if (!state) return out;
  Json ctx = script_context(d, &item, format_datetime(clock_.now()),
                            {{"actor", nullptr}, {"payload", Json::object()}, {"note", ""}});
  add_children(store_, d, item.ref, ctx);
  std::vector<std::string> unmet;
  if (std::any_of(state->actions.begin(), state->actions.end(),
                  [](const ActionSpec& a) { return a.gate; })) {
    try {
      unmet = unmet_reasons(run_checklist(wf, *state, item.data, ctx));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::Script) throw;
      unmet = {workflow_fault(registry_, item, e)};
    }
  }
  for (const auto& a : state->actions) {
    AvailableAction available{
        a.name, a.label, a.to.empty() ? std::vector{item.state} : a.to, a.roles, {}, a.sets, {}};
    available.allowed = actor && actor->holds_any(a.roles);
    for (const auto& f : a.fields) available.fields.push_back(f.name);
    if (a.gate) available.blocked_by = unmet;
    if (a.guard) {
      ctx["to"] = a.to;
      ctx["action"] = a.name;
      std::string label = fmt::format("the guard of action '{}'", a.name);
      try {
        auto r = wf.script->ask(a.guard, item.data, ctx, label);
        for (auto& reason : guard_reasons(r.result, d.path, label))
          available.blocked_by.push_back(std::move(reason));
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::Script) throw;
        available.blocked_by.push_back(workflow_fault(registry_, item, e));
      }
    }
    out.push_back(std::move(available));
  }
  return out;
}

std::vector<ChecklistLine> Engine::checklist(const Item& item) {
  CompiledWorkflow& wf = registry_.version(item.version);
  const StateSpec* state = wf.definition.state(item.state);
  if (!state || !state->checklist) return {};
  Json ctx = script_context(wf.definition, &item, format_datetime(clock_.now()),
                            {{"actor", nullptr}, {"payload", Json::object()}, {"note", ""}});
  add_children(store_, wf.definition, item.ref, ctx);
  try {
    return run_checklist(wf, *state, item.data, ctx);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Script) throw;
    return {ChecklistLine{"The checklist", false, workflow_fault(registry_, item, e)}};
  }
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
      if (d.name != name || d.is_final(state)) continue;
      s.open_items += count;
      if (item_version != version) s.open_on_earlier_versions += count;
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
