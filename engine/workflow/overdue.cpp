// notify_overdue (signoff_records.h), run by `tick`: the people a workflow's queue names in
// `overdue_notify` are told once when an open item passes its due time. Held items (paused) are not
// overdue while held. "Once" is the outbox itself: an item with an `overdue` row gets no other.
#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "workflow/signoff_records.h"

namespace commsflow {

void notify_overdue(Engine& engine, std::vector<FiredTimer>& fired) {
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
    if (q.overdue_notify.empty() || q.due_field.empty()) continue;
    // Cheap keys first: only items past due are read whole.
    std::vector<std::string> overdue;
    {
      auto tx = store.begin_read();
      store.for_each_item_keys(name, {q.due_field}, [&](const ItemKeys& k) {
        const DataValue& due = k.data[0];
        if (!due.is_string() || due.text >= now_text || q.holds(k.state)) return;
        if (registry.version(k.version).definition.is_final(k.state)) return;
        overdue.emplace_back(k.ref);
      });
    }
    for (const auto& ref : overdue) {
      auto tx = store.begin_write();
      if (store.outbox_has(ref, "overdue")) continue;
      auto item = store.item(ref);
      if (!item) continue;
      std::vector<std::string> people;
      for (const auto& entry : q.overdue_notify) {
        if (current.field(entry)) {
          const std::string who = item->data.value(entry, std::string());
          if (!who.empty()) people.push_back(who);
        } else {
          auto holders = store.actors_with_role(entry);
          if (holders.empty()) holders.push_back(fmt::format("role:{}", entry));
          people.insert(people.end(), holders.begin(), holders.end());
        }
      }
      std::sort(people.begin(), people.end());
      people.erase(std::unique(people.begin(), people.end()), people.end());
      const std::string title = item->data.value("title", item->ref);
      const std::string due = uk_datetime(item->data.value(q.due_field, std::string()));
      for (const auto& who : people) {
        OutboxEntry row{
            0,   now_text,  who,
            ref, "overdue", fmt::format("{} \"{}\" is overdue: it was due {}", ref, title, due)};
        row.state = item->state;
        store.add_outbox(row);
      }
      tx->commit();
      fired.push_back(FiredTimer{
          ref, "overdue", fmt::format("overdue since {}; told {}", due, fmt::join(people, ", "))});
    }
  }
}

}  // namespace commsflow
