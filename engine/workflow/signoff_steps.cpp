// Starting and passing sign-off steps as an item moves (signoff_records.h): the step's record,
// its due time and timers, and the approval of record when the chain is passed.
#include <commsflow/engine.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "workflow/script_context.h"
#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

std::vector<std::string> escalated_entries(const SignoffSpec& spec, const Json& signoff) {
  return signoff.contains("escalated_at") ? spec.escalate_to : std::vector<std::string>{};
}

namespace {

// The quorum the workflow asks of `group` for this item as its step starts: a whole number of at
// least 1, else Error(Script) naming the step.
int quorum_for(CompiledWorkflow& wf, const Item& item, const StateSpec& state,
               const ApproverGroupSpec& group, TimePoint now) {
  const Definition& d = wf.definition;
  Json ctx = script_context(d, &item, format_datetime(now),
                            {{"state", state.name}, {"step", state.name}, {"group", group.name}});
  const std::string what = fmt::format("the quorum of step '{}'", state.name);
  const Json n = wf.script->call(group.quorum_of, item.data, ctx, what).result;
  if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > 1000) {
    fail(ErrorKind::Script, "{}: {} returned {}, which is not a whole number from 1 to 1000",
         d.path, what, n.dump());
  }
  return n.get<int>();
}

}  // namespace

void start_step(Engine& engine, CompiledWorkflow& wf, Item& item, const StateSpec& state) {
  const SignoffSpec& spec = *state.signoff;
  const Definition& d = wf.definition;
  const TimePoint now = engine.clock().now();
  Json signoff{{"step", state.name}, {"started_at", format_datetime(now)}};
  Json groups = Json::object();
  for (const auto& g : spec.groups) {
    groups[g.name] = Json{{"decisions", Json::array()}};
    if (g.quorum_of) groups[g.name]["quorum"] = quorum_for(wf, item, state, g, now);
  }
  signoff["groups"] = std::move(groups);

  std::optional<TimePoint> due;
  if (spec.due) {
    Json ctx = script_context(d, &item, format_datetime(now),
                              {{"state", state.name},
                               {"step", state.name},
                               {"document", item.data.value("_document", Json())}});
    std::string what = fmt::format("the due time of step '{}'", state.name);
    Json result = wf.script->call(spec.due, item.data, ctx, what).result;
    if (result.is_number()) {
      due = now + std::chrono::seconds(static_cast<std::int64_t>(result.get<double>()));
    } else if (result.is_string()) {
      due = parse_datetime(result.get<std::string>());
      if (!due) {
        fail(ErrorKind::Script, "{}: {} returned '{}', which is not a datetime", d.path, what,
             result.get<std::string>());
      }
    } else if (!result.is_null()) {
      fail(ErrorKind::Script, "{}: {} must return a datetime, a number of seconds or nil, got {}",
           d.path, what, result.dump());
    }
  }
  engine.store().clear_timers(item.id);
  Json timer_payload{{"step", state.name}};
  if (due) {
    signoff["due_at"] = format_datetime(*due);
    auto remind_at = *due - std::chrono::seconds(spec.remind_before);
    if (spec.remind_before > 0 && remind_at > now) {
      engine.store().add_timer(item.id, "remind", format_datetime(remind_at), timer_payload);
    }
    engine.store().add_timer(item.id, "escalate", format_datetime(*due), timer_payload);
  }
  item.data["_signoff"] = std::move(signoff);
  // Every step the item has reached, kept through a new version and a return to drafting: those
  // who decide in any of them keep reading the item (ReadAccess::is_decider), so a reviewer who
  // asked for changes follows the redraft they asked for.
  Json& reached = item.data["_reached"];
  if (!reached.is_array()) reached = Json::array();
  if (std::find(reached.begin(), reached.end(), Json(state.name)) == reached.end()) {
    reached.push_back(state.name);
  }

  std::vector<std::string> entries;
  for (const auto& g : spec.groups)
    entries.insert(entries.end(), g.approvers.begin(), g.approvers.end());
  std::string due_text = due ? fmt::format(", due {} (UK time)", uk_datetime(*due)) : "";
  auto doc = item.data.value("_document", Json::object());
  const std::set<std::string> asked =
      notify_step(engine, item, state, "decision_needed", entries,
                  fmt::format("your decision is needed on document version {}{}",
                              doc.value("version", 0), due_text));
  // Nobody who may decide can be asked (no one holds the approvers' roles, or only the version's
  // author does, who may not decide on it): the step is escalated at once rather than left to
  // wait unseen until it is overdue.
  const bool nobody = std::all_of(asked.begin(), asked.end(),
                                  [](const std::string& who) { return who.starts_with("role:"); });
  if (nobody && !spec.escalate_to.empty()) {
    item.data["_signoff"]["escalated_at"] = format_datetime(now);
    notify_step(engine, item, state, "escalation", spec.escalate_to,
                fmt::format("escalated to you at once: no {} can be asked to decide on document "
                            "version {} (nobody holds the role, or only its author does, who may "
                            "not decide on it); you may decide in their place{}",
                            approvers_in_words(engine.store(), entries, "or"),
                            doc.value("version", 0), due_text));
  }
}

void on_state_change(Engine& engine, CompiledWorkflow& wf, const Item& before, Item& after,
                     std::string_view outcome) {
  const Definition& d = wf.definition;
  const StateSpec* from = d.state(before.state);
  const StateSpec* to = d.state(after.state);
  Json& data = after.data;
  const bool passed = from && from->signoff && (outcome == "approved" || outcome == "not_relevant");
  if (passed) {
    // Appended in place: copying the chain out and back cost more than the rest of the step.
    Json step{{"step", from->name},
              {"result", data["_signoff"].value("result", std::string(outcome))},
              {"at", format_datetime(engine.clock().now())},
              {"decisions", flatten_decisions(data["_signoff"])}};
    Json& chain = data["_chain"];
    if (chain.is_null()) chain = Json::array();
    chain.push_back(std::move(step));
  } else {
    data.erase("_chain");
  }
  data.erase("_signoff");
  // Sent back for changes: the step and the version it asked changes to, until the item is changed
  // (forget_answered_return) or goes into a sign-off step again. A workflow's guard reads it to
  // refuse sending the same thing back for review.
  if (to && to->signoff) data.erase("_returned");
  if (from && from->signoff && outcome == "changes_required") {
    data["_returned"] =
        Json{{"step", from->name},
             {"document_version", data.value("_document", Json::object()).value("version", 0)},
             {"at", format_datetime(engine.clock().now())}};
  }
  // An approval stands while the item rests where the chain left it, and once it has gone on to
  // an end (issued, withdrawn); taken back to work (a redraft), it no longer does, and the item
  // must pass the chain again.
  if (auto approved = data.find("_approved"); approved != data.end() && approved->is_object() &&
                                              approved->value("state", "") == before.state &&
                                              !(to && to->final)) {
    data.erase(approved);
  }
  // start_step clears the timers itself.
  if (from && from->signoff && !(to && to->signoff)) engine.store().clear_timers(after.id);

  if (to && to->signoff) {
    start_step(engine, wf, after, *to);
  } else if (passed) {
    // The approval of record: the version, the conditions it was given under, every step, and
    // the state it rests in (where a new version or a changed condition can still reach it).
    auto doc = data.value("_document", Json::object());
    Json conditions = Json::object();
    for (const auto& name : d.approval.conditions) conditions[name] = data.value(name, Json());
    data["_approved"] = Json{
        {"document_version", doc.value("version", 0)}, {"document_hash", doc.value("hash", "")},
        {"at", format_datetime(engine.clock().now())}, {"state", after.state},
        {"conditions", std::move(conditions)},         {"steps", std::move(data["_chain"])}};
    data.erase("_chain");
  }
}

void forget_answered_return(const Item& before, Item& after) {
  auto returned = after.data.find("_returned");
  if (returned == after.data.end() || !before.data.contains("_returned")) return;
  for (const auto& [key, value] : after.data.items()) {
    const bool engine_record = key.starts_with("_") && key != "_document";
    if (!engine_record && before.data.value(key, Json()) != value) {
      after.data.erase(returned);
      return;
    }
  }
  for (const auto& [key, value] : before.data.items()) {
    if (!key.starts_with("_") && !after.data.contains(key)) {
      after.data.erase(returned);
      return;
    }
  }
}

}  // namespace commsflow
