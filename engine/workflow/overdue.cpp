// Engine::notify_overdue, run by `tick`: the people a workflow's queue names in `overdue_notify`
// are told once when an open item passes its due time. Held items (paused) are not overdue
// while held. "Once" is the outbox itself: an item with an `overdue` row gets no other.
#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <fmt/format.h>

namespace commsflow {

void Engine::notify_overdue(std::vector<FiredTimer>& fired) {
  const TimePoint now = clock_.now();
  const std::string now_text = format_datetime(now);
  std::vector<std::pair<std::string, std::string>> current_versions;
  {
    auto tx = store_.begin_read();
    current_versions = store_.workflows();
  }
  for (const auto& [name, version] : current_versions) {
    const Definition& current = registry_.version(version).definition;
    const QueueSpec& q = current.queue;
    if (q.overdue_notify.empty() || q.due_field.empty()) continue;
    // Cheap keys first: only items past due are read whole.
    std::vector<std::string> overdue;
    {
      auto tx = store_.begin_read();
      store_.for_each_item_keys(name, {q.due_field}, [&](const ItemKeys& k) {
        const DataValue& due = k.data[0];
        if (!due.is_string() || due.text >= now_text || q.holds(k.state)) return;
        if (registry_.version(k.version).definition.is_final(k.state)) return;
        overdue.emplace_back(k.ref);
      });
    }
    for (const auto& ref : overdue) {
      auto tx = store_.begin_write();
      if (store_.outbox_has(ref, "overdue")) continue;
      auto item = store_.item(ref);
      if (!item) continue;
      std::vector<std::string> people;
      for (const auto& entry : q.overdue_notify) {
        if (current.field(entry)) {
          const std::string who = item->data.value(entry, std::string());
          if (!who.empty()) people.push_back(who);
        } else {
          auto holders = store_.actors_with_role(entry);
          if (holders.empty()) holders.push_back(fmt::format("role:{}", entry));
          people.insert(people.end(), holders.begin(), holders.end());
        }
      }
      std::sort(people.begin(), people.end());
      people.erase(std::unique(people.begin(), people.end()), people.end());
      const std::string title = item->data.value("title", item->ref);
      const std::string due = item->data.value(q.due_field, std::string());
      for (const auto& who : people) {
        OutboxEntry row{
            0,   now_text,  who,
            ref, "overdue", fmt::format("{} \"{}\" is overdue: it was due {}", ref, title, due)};
        row.state = item->state;
        store_.add_outbox(row);
      }
      tx->commit();
      fired.push_back(FiredTimer{
          ref, "overdue", fmt::format("overdue since {}; told {}", due, fmt::join(people, ", "))});
    }
  }
}

}  // namespace commsflow
