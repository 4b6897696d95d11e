// Approved means approved: what keeps every approval of record true to the text and the
// conditions it was given on.
//
// Approvals "stand" while the item is in a sign-off step (the steps passed, `_chain`, and the
// decisions of the current step) or rests in the state the chain's approval left it in
// (`_approved.steps`, with `_approved.state` naming that state). A new document version voids
// every standing approval and sends the item back to the step its policy names; a change to an
// approval condition asks the workflow's `approval.on_change` where the item goes, if anywhere.
// Voided decisions are kept in the new step's `_signoff.void`, and the event says what happened.
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <fmt/format.h>

#include <algorithm>

#include "workflow/script_context.h"
#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

// The steps passed whose approvals stand (empty when none do).
Json standing_steps(const Definition& d, const Item& item) {
  const StateSpec* state = d.state(item.state);
  if (state && state->signoff) return item.data.value("_chain", Json::array());
  const Json approved = item.data.value("_approved", Json());
  if (approved.is_object() && approved.value("state", "") == item.state) {
    return approved.value("steps", Json::array());
  }
  return Json::array();
}

bool approves(const std::string& result) {
  return result == "approved" || result == "approved_with_changes";
}

// Where a new version sends the item: the policy of the current step, or of the last step passed
// once the chain is over. Empty when no approval stands and the item is not in a step.
std::string target_for_new_version(const Definition& d, const Item& item, const Json& passed) {
  const StateSpec* state = d.state(item.state);
  const bool in_step = state && state->signoff;
  const StateSpec* policy_step = in_step ? state : nullptr;
  if (!in_step) {
    if (passed.empty()) return {};
    policy_step = d.state(passed.back().value("step", ""));
  }
  const std::string policy =
      policy_step && policy_step->signoff ? policy_step->signoff->on_new_version : "restart";
  if (policy != "restart" && policy != "first_approval") return policy;
  if (policy == "first_approval") {
    for (const auto& step : passed) {
      if (approves(step.value("result", ""))) return step.value("step", "");
    }
  }
  if (!passed.empty()) return passed.front().value("step", "");
  return item.state;
}

// Moves the item to `target`, voiding the current step's decisions and those of `passed` from
// index `keep` on (kept in the new step's `void`); passed steps before `keep` stay in `_chain`.
// Starts `target` when it is a sign-off step.
void send_back(Engine& engine, CompiledWorkflow& wf, Item& item, const Json& passed,
               const std::string& target, std::size_t keep, Json& payload) {
  const Definition& d = wf.definition;
  Json& data = item.data;
  // Decisions voided before (kept in the step's `void`), then this step's, then the passed steps'.
  Json voided =
      data.contains("_signoff") ? data["_signoff"].value("void", Json::array()) : Json::array();
  const std::size_t earlier_void = voided.size();
  if (data.contains("_signoff")) {
    for (Json decision : flatten_decisions(data["_signoff"])) {
      decision["step"] = item.state;
      voided.push_back(std::move(decision));
    }
  }
  Json kept = Json::array();
  std::vector<std::string> voided_steps;
  for (std::size_t i = 0; i < passed.size(); ++i) {
    if (i < keep) {
      kept.push_back(passed[i]);
      continue;
    }
    voided_steps.push_back(passed[i].value("step", ""));
    for (Json decision : passed[i].value("decisions", Json::array())) {
      decision["step"] = passed[i].value("step", "");
      voided.push_back(std::move(decision));
    }
  }
  data.erase("_approved");
  data.erase("_signoff");
  data.erase("_chain");
  item.state = target;
  const StateSpec* to = d.state(target);
  if (to && to->signoff) {
    // The due rule and the routes may read the steps that still stand.
    if (!kept.empty()) data["_chain"] = kept;
    start_step(engine, wf, item, *to);
    if (!voided.empty()) data["_signoff"]["void"] = voided;
  } else {
    engine.store().clear_timers(item.id);
  }
  payload["back_to"] = target;
  payload["voided"] = voided.size() - earlier_void;
  if (!voided_steps.empty()) payload["voided_steps"] = voided_steps;
}

}  // namespace

void void_for_new_version(Engine& engine, CompiledWorkflow& wf, Item& item, Json& payload) {
  const Definition& d = wf.definition;
  const Json passed = standing_steps(d, item);
  const std::string target = target_for_new_version(d, item, passed);
  if (target.empty()) {
    // Not in the chain and no approval stands: an approval of an earlier version, if any, no
    // longer applies.
    item.data.erase("_approved");
    return;
  }
  send_back(engine, wf, item, passed, target, 0, payload);
}

void reconsider_approval(Engine& engine, CompiledWorkflow& wf, const Item& before, Item& item,
                         std::string_view action, const Json& actor, Json& payload) {
  const Definition& d = wf.definition;
  if (d.approval.conditions.empty()) return;
  Json changed = Json::object();
  Json was = Json::object();
  std::vector<std::string> names;
  for (const auto& name : d.approval.conditions) {
    const Json old_value = before.data.value(name, Json());
    const Json new_value = item.data.value(name, Json());
    if (old_value == new_value) continue;
    names.push_back(name);
    changed[name] = Json{{"from", old_value}, {"to", new_value}};
    was[name] = old_value;
  }
  if (names.empty()) return;
  const Json passed = standing_steps(d, item);
  const bool decided_here =
      item.data.contains("_signoff") && !flatten_decisions(item.data["_signoff"]).empty();
  if (passed.empty() && !decided_here) return;

  payload["conditions_changed"] = changed;
  std::vector<std::string> passed_names;
  for (const auto& step : passed) passed_names.push_back(step.value("step", ""));
  std::string target;
  if (d.approval.on_change) {
    Json ctx = script_context(d, &item, format_datetime(engine.clock().now()),
                              {{"action", action},
                               {"actor", actor},
                               {"changed", names},
                               {"was", was},
                               {"passed", passed_names}});
    const std::string what = "approval.on_change";
    Json result = wf.script->ask(d.approval.on_change, item.data, ctx, what).result;
    if (result.is_string() && d.state(result.get<std::string>())) {
      target = result.get<std::string>();
    } else if (!(result.is_boolean() && result.get<bool>()) && !result.is_null()) {
      fail(ErrorKind::Script,
           "{}: {} must return true (the approvals stand) or the state to go back to, got {}",
           d.path, what, result.dump());
    }
  } else {
    target = passed.empty() ? item.state : passed.front().value("step", "");
  }
  if (target.empty()) {
    payload["approval"] = "stands";
    return;
  }
  // Steps passed before the target keep their approvals; the target and every step after it
  // decide again. A target the chain has not passed is added after the steps that stand.
  std::size_t keep = passed_names.size();
  auto at = std::find(passed_names.begin(), passed_names.end(), target);
  if (at != passed_names.end()) keep = static_cast<std::size_t>(at - passed_names.begin());
  send_back(engine, wf, item, passed, target, keep, payload);
}

}  // namespace commsflow
