// Notices (notices.h): an action's `notify`, and the queue's reminders and overdue notices run by
// `tick`. Held items (paused) are neither due soon nor overdue while held. "Once" is the outbox
// itself: who has a row of that kind telling of the item's due time has been told of it.
#include "workflow/notices.h"

#include <commsflow/registry.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

namespace commsflow {

namespace {

// The people `entries` name for `item`: the actor an actor field holds, or a role's holders
// (the role itself, "role:NAME", when nobody holds it). Sorted, each once.
std::vector<std::string> people_named(Store& store, const Definition& d, const Item& item,
                                      const std::vector<std::string>& entries) {
  std::vector<std::string> people;
  for (const auto& entry : entries) {
    if (d.field(entry)) {
      const std::string who = item.data.value(entry, std::string());
      if (!who.empty()) people.push_back(who);
    } else {
      auto holders = store.actors_with_role(entry);
      if (holders.empty()) holders.push_back(fmt::format("role:{}", entry));
      people.insert(people.end(), holders.begin(), holders.end());
    }
  }
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  return people;
}

void add_row(Store& store, const Item& item, const std::string& who, const std::string& kind,
             const std::string& message, const std::string& now, bool in_state) {
  OutboxEntry row{0, now, who, item.ref, kind, message};
  if (in_state) row.state = item.state;  // moved on, it is not sent
  store.add_outbox(row);
}

// Whether the queue's notice of `kind` still applies to `item` at `now_text`, read again inside
// the write transaction (an action may have paused, finished or moved it since the scan).
bool still_due(WorkflowRegistry& registry, const QueueSpec& q, const Item& item,
               const std::string& kind, const std::string& now_text, const std::string& soon_text) {
  const auto due = item.data.find(q.due_field);
  if (due == item.data.end() || !due->is_string() || q.holds(item.state)) return false;
  if (registry.version(item.version).definition.is_final(item.state)) return false;
  const std::string& at = due->get_ref<const std::string&>();
  return kind == "overdue" ? at < now_text : at >= now_text && at < soon_text;
}

// The queue's notices of one kind (due_soon, overdue) for the items `refs`, each in its own
// transaction: once for each due time (a due time moved by a pause or a new rating is told
// again), and only while it still applies.
void notify_items(Engine& engine, const Definition& current, const std::vector<std::string>& refs,
                  const std::string& kind, const std::vector<std::string>& entries,
                  const std::string& soon_text, std::vector<FiredTimer>& fired) {
  Store& store = engine.store();
  const std::string now = format_datetime(engine.clock().now());
  const QueueSpec& q = current.queue;
  for (const auto& ref : refs) {
    auto tx = store.begin_write();
    auto item = store.item(ref);
    if (!item || !still_due(engine.registry(), q, *item, kind, now, soon_text)) continue;
    const std::string due = uk_datetime(item->data.value(q.due_field, std::string()));
    // Each message ends with the due time it tells of, in words that name one moment (with the
    // zone in the hour the clocks go back): whoever has a row that does has been told of this
    // due time. Someone named since (a new assignee) is told too.
    std::vector<std::string> people = people_named(store, current, *item, entries);
    for (const auto& row : store.outbox("", ref)) {
      if (row.kind == kind && row.message.ends_with(due)) std::erase(people, row.recipient);
    }
    if (people.empty()) continue;  // nobody (else) to tell: asked again next time
    std::string title = item_title(*item);
    if (title.empty()) title = ref;
    const std::string message =
        kind == "overdue" ? fmt::format("{} \"{}\" is overdue: it was due {}", ref, title, due)
                          : fmt::format("{} \"{}\" is due {}", ref, title, due);
    for (const auto& who : people) add_row(store, *item, who, kind, message, now, true);
    tx->commit();
    // Told by name, or by the role's label where nobody held it ("role:triager").
    std::vector<std::string> told;
    for (const auto& who : people) told.push_back(who.starts_with("role:") ? who.substr(5) : who);
    fired.push_back(
        FiredTimer{ref, kind,
                   fmt::format("{} {}; told {}", kind == "overdue" ? "overdue since" : "due", due,
                               approvers_in_words(store, told, "and"))});
  }
}

}  // namespace

void notify_action(Engine& engine, const ActionSpec& action, const Item& before, const Item& after,
                   const Actor& actor) {
  if (action.notify.empty()) return;
  Store& store = engine.store();
  const Definition& d = engine.registry().version(after.version).definition;
  const std::string now = format_datetime(engine.clock().now());
  std::vector<std::string> told{actor.name};
  for (const auto& [entry, heading] : action.notify) {
    if (const FieldSpec* field = d.field(entry)) {
      // A person field tells only someone it names anew: assigning again tells nobody twice.
      const std::string was = before.data.value(entry, std::string());
      if (after.data.value(entry, std::string()) == was) continue;
      // Whom it named before is no longer to be told it was given to them, nor that it is due.
      for (OutboxEntry row :
           was.empty() ? std::vector<OutboxEntry>() : store.outbox(was, after.ref)) {
        if (row.status != "waiting" ||
            (row.kind != "notice" && row.kind != "due_soon" && row.kind != "overdue")) {
          continue;
        }
        row.status = "skipped";
        row.last_error = fmt::format("no longer needed: {} is now {}", field_label(*field),
                                     person_name(store, after.data.value(entry, std::string())));
        store.record_delivery(row);
      }
    }
    for (const auto& who : people_named(store, d, after, {entry})) {
      if (std::find(told.begin(), told.end(), who) != told.end()) continue;
      told.push_back(who);
      // Not tied to the state: accepting work assigned a moment ago still tells of it.
      add_row(store, after, who, "notice", heading, now, false);
    }
  }
}

void withdraw_stale_notices(Engine& engine, const Item& before, const Item& after) {
  const Definition& d = engine.registry().version(after.version).definition;
  const std::string& due_field = d.queue.due_field;
  const bool finished = after.state != before.state && d.is_final(after.state);
  const bool due_moved = !due_field.empty() && before.data.value(due_field, Json()) !=
                                                   after.data.value(due_field, Json());
  if (!finished && !due_moved) return;
  Store& store = engine.store();
  for (OutboxEntry row : store.outbox("", after.ref)) {
    if (row.status != "waiting") continue;
    if (finished && row.kind == "notice") {
      row.last_error = fmt::format("no longer needed: it is {}", state_label(d, after.state));
    } else if (due_moved && (row.kind == "due_soon" || row.kind == "overdue")) {
      const std::string due = after.data.value(due_field, std::string());
      row.last_error = due.empty()
                           ? "no longer needed: it has no due time now"
                           : fmt::format("no longer needed: it is due {} now", uk_datetime(due));
    } else {
      continue;
    }
    row.status = "skipped";
    store.record_delivery(row);
  }
}

void notify_due(Engine& engine, std::vector<FiredTimer>& fired) {
  Store& store = engine.store();
  WorkflowRegistry& registry = engine.registry();
  const TimePoint now = engine.clock().now();
  const std::string now_text = format_datetime(now);
  std::vector<std::pair<std::string, std::string>> current_versions;
  {
    auto tx = store.begin_read();
    current_versions = store.workflows();
  }
  for (const auto& [name, version] : current_versions) {
    const Definition& current = registry.version(version).definition;
    const QueueSpec& q = current.queue;
    if (q.due_field.empty() || (q.overdue_notify.empty() && q.remind_notify.empty())) continue;
    const std::string soon_text =
        q.remind_notify.empty() ? now_text
                                : format_datetime(now + std::chrono::seconds(q.remind_before));
    // Cheap keys first: only items due soon or past due are read whole.
    std::vector<std::string> due_soon, overdue;
    {
      auto tx = store.begin_read();
      store.for_each_item_keys(name, {q.due_field}, [&](const ItemKeys& k) {
        const DataValue& due = k.data[0];
        if (!due.is_string() || due.text >= soon_text || q.holds(k.state)) return;
        if (registry.version(k.version).definition.is_final(k.state)) return;
        (due.text < now_text ? overdue : due_soon).emplace_back(k.ref);
      });
    }
    if (!q.remind_notify.empty()) {
      notify_items(engine, current, due_soon, "due_soon", q.remind_notify, soon_text, fired);
    }
    if (!q.overdue_notify.empty()) {
      notify_items(engine, current, overdue, "overdue", q.overdue_notify, soon_text, fired);
    }
  }
}

}  // namespace commsflow
