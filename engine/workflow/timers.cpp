// Signoff::tick: the timers of sign-off steps (remind before the due time, escalate at it),
// each fired in its own transaction, then the queues' reminders and overdue notices
// (notices.cpp).
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "workflow/notices.h"
#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

Outcome<Item> fire_timer(Engine& engine, const Timer& timer, FiredTimer& fired) {
  Item item = engine.item(timer.ref);
  CompiledWorkflow& wf = engine.registry().version(item.version);
  const StateSpec* state = wf.definition.state(item.state);
  engine.store().delete_timer(timer.id);
  const std::string step = timer.payload.value("step", "");
  if (!state || !state->signoff || step != item.state) return item;  // the step has passed

  const SignoffSpec& spec = *state->signoff;
  Store& store = engine.store();
  Item before = item;
  const std::string now = format_datetime(engine.clock().now());
  Json& signoff = item.data["_signoff"];
  std::vector<std::string> pending;
  for (const auto& g : spec.groups) {
    const Json& record = signoff["groups"][g.name];
    if (record.contains("result")) continue;
    for (const auto& e : open_entries(g, record["decisions"], "", {})) pending.push_back(e);
  }
  Event event;
  // Said in UK time: these messages are read by people (the e-mails, `tick`).
  const std::string due = uk_datetime(signoff.value("due_at", ""));
  if (timer.action == "remind") {
    const std::set<std::string> told =
        notify_step(engine, item, *state, "reminder", pending,
                    fmt::format("reminder: your decision is due by {}", due));
    fired.ref = item.ref;
    fired.action = timer.action;
    if (told.empty()) {
      // Only the author, or nobody able, could be asked: nothing is recorded as sent.
      fired.message = fmt::format(
          "nobody to remind of the decision due {}: those who may decide wrote the text, have "
          "decided, or may not decide now",
          due);
      return item;
    }
    signoff["reminded_at"] = now;
    fired.message = fmt::format(
        "reminded {} of the decision due {}",
        approvers_in_words(store, std::vector<std::string>(told.begin(), told.end()), "and"), due);
  } else {
    signoff["escalated_at"] = now;
    signoff["overdue"] = true;
    if (spec.escalate_to.empty()) {
      fired.message = fmt::format("overdue since {}; no fallback approver is named", due);
      notify_step(engine, item, *state, "escalation", pending,
                  fmt::format("overdue: the decision was due by {}", due));
    } else {
      fired.message = fmt::format("overdue since {}; escalated to {}", due,
                                  approvers_in_words(store, spec.escalate_to, "and"));
      const std::set<std::string> fallback =
          notify_step(engine, item, *state, "escalation", spec.escalate_to,
                      fmt::format("escalated to you: the decision was due by {} and {} has not "
                                  "decided; you may decide in their place",
                                  due, approvers_in_words(store, pending, "or")));
      // Those who were asked are told it has gone further, and that they may still decide.
      notify_step(engine, item, *state, "escalated", pending,
                  fmt::format("overdue: the decision was due by {}, and {} may now decide in "
                              "your place; you may still decide",
                              due, approvers_in_words(store, spec.escalate_to, "or")),
                  fallback);
    }
  }
  fired.ref = item.ref;
  fired.action = timer.action;
  event.ref = item.ref;
  event.action = timer.action;
  event.actor = "system";
  event.at = now;
  event.from_state = item.state;
  event.to_state = item.state;
  event.version = item.version;
  event.payload = Json{{"step", step}, {"due_at", signoff.value("due_at", "")}};
  // Whom it went to, as the step said then: the register reads it from here, not from the
  // workflow as it is now.
  if (timer.action != "remind" && !spec.escalate_to.empty()) {
    event.payload["escalated_to"] = spec.escalate_to;
  }
  engine.record_change(event, before, item, now);
  return item;
}

}  // namespace

std::vector<FiredTimer> Signoff::tick() {
  std::vector<Timer> due;
  {
    auto tx = engine_.store().begin_read();
    due = engine_.store().due_timers(format_datetime(engine_.clock().now()));
  }
  std::vector<FiredTimer> fired;
  for (const Timer& timer : due) {
    auto tx = engine_.store().begin_write();
    // Another process may have fired or cleared it meanwhile.
    auto still = engine_.store().timers_for(timer.item_id);
    if (std::none_of(still.begin(), still.end(),
                     [&](const Timer& t) { return t.id == timer.id; })) {
      continue;
    }
    FiredTimer result;
    fire_timer(engine_, timer, result);
    tx->commit();
    if (!result.ref.empty()) fired.push_back(std::move(result));
  }
  notify_due(engine_, fired);
  return fired;
}

}  // namespace commsflow
