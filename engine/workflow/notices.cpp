// Notices (notices.h): an action's `notify`, and the queue's reminders and overdue notices run by
// `tick`. Held items (paused) are neither due soon nor overdue while held. "Once" is the outbox
// itself: an item with a row of that kind gets no other.
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
             const std::string& message, const std::string& now) {
  OutboxEntry row{0, now, who, item.ref, kind, message};
  row.state = item.state;
  store.add_outbox(row);
}

// The queue's notice of one kind (due_soon, overdue) for the items `refs`, each in its own
// transaction, unless the item has one of that kind already.
void notify_items(Engine& engine, const Definition& current, const std::vector<std::string>& refs,
                  const std::string& kind, const std::vector<std::string>& entries,
                  std::vector<FiredTimer>& fired) {
  Store& store = engine.store();
  const std::string now = format_datetime(engine.clock().now());
  const std::string& due_field = current.queue.due_field;
  for (const auto& ref : refs) {
    auto tx = store.begin_write();
    if (store.outbox_has(ref, kind)) continue;
    auto item = store.item(ref);
    if (!item) continue;
    const std::vector<std::string> people = people_named(store, current, *item, entries);
    std::string title = item_title(*item);
    if (title.empty()) title = ref;
    const std::string due = uk_datetime(item->data.value(due_field, std::string()));
    const std::string message =
        kind == "overdue" ? fmt::format("{} \"{}\" is overdue: it was due {}", ref, title, due)
                          : fmt::format("{} \"{}\" is due {}", ref, title, due);
    for (const auto& who : people) add_row(store, *item, who, kind, message, now);
    tx->commit();
    fired.push_back(
        FiredTimer{ref, kind,
                   fmt::format("{} {}; told {}", kind == "overdue" ? "overdue since" : "due", due,
                               fmt::join(people, ", "))});
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
    // A person field tells only someone it names anew: assigning again tells nobody twice.
    if (d.field(entry) &&
        after.data.value(entry, std::string()) == before.data.value(entry, std::string())) {
      continue;
    }
    for (const auto& who : people_named(store, d, after, {entry})) {
      if (std::find(told.begin(), told.end(), who) != told.end()) continue;
      told.push_back(who);
      add_row(store, after, who, "notice", heading, now);
    }
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
    if (!q.remind_notify.empty())
      notify_items(engine, current, due_soon, "due_soon", q.remind_notify, fired);
    if (!q.overdue_notify.empty())
      notify_items(engine, current, overdue, "overdue", q.overdue_notify, fired);
  }
}

}  // namespace commsflow
