// for_each_in_queue and queue_page (queue.h): the open items of a workflow, filtered, ordered
// and paged while holding only a small record per item. The keys come from the store without
// parsing item data (Store::for_each_item_keys); only the items on the page are read whole. The
// order is the workflow's: its current version's `queue` (QueueSpec in definition.h).
#include <commsflow/error.h>
#include <commsflow/queue.h>

#include <algorithm>
#include <charconv>
#include <tuple>

namespace commsflow {

namespace {

// One key of the order: `rank` first (a tier's place, held or not, a value or none), then a
// number, then text.
struct SortKey {
  std::size_t rank = 0;
  double number = 0;
  std::string text;

  bool operator<(const SortKey& o) const {
    return std::tie(rank, number, text) < std::tie(o.rank, o.number, o.text);
  }
};

// What ordering and paging need of one open item.
struct QueueEntry {
  std::int64_t id = 0;
  std::vector<SortKey> keys;  // in the order of the query
};

// A field's value as a key: numbers by value, text by its characters; none after both.
SortKey value_key(const DataValue& v) {
  if (v.type == "integer" || v.type == "real") {
    double number = 0;
    std::from_chars(v.text.data(), v.text.data() + v.text.size(), number);
    return SortKey{0, number, {}};
  }
  if (v.is_string()) return SortKey{0, 0, std::string(v.text)};
  return SortKey{1, 0, {}};
}

// Whether a state is final in a version, remembering the few versions a workflow has.
class FinalStates {
 public:
  explicit FinalStates(WorkflowRegistry& registry) : registry_(registry) {}
  bool is_final(std::string_view version, std::string_view state) {
    auto it = std::find_if(seen_.begin(), seen_.end(),
                           [&](const auto& seen) { return seen.first == version; });
    if (it == seen_.end()) {
      seen_.emplace_back(std::string(version), &registry_.version(version).definition);
      it = std::prev(seen_.end());
    }
    return it->second->is_final(state);
  }

 private:
  WorkflowRegistry& registry_;
  std::vector<std::pair<std::string, const Definition*>> seen_;
};

// The keys to order by, "hold", "tier", "ref" or a field name, for the query's order.
std::vector<std::string> order_keys(const QueueSpec& spec, QueueOrder order) {
  if (order == QueueOrder::Reference) return {"ref"};
  std::vector<std::string> keys;
  if (order == QueueOrder::Due && !spec.due_field.empty()) keys.push_back(spec.due_field);
  keys.insert(keys.end(), spec.sort.begin(), spec.sort.end());
  return keys;
}

}  // namespace

std::int64_t for_each_in_queue(Engine& engine, const QueueQuery& query,
                               const std::function<void(const Item&)>& visit) {
  Store& store = engine.store();
  WorkflowRegistry& registry = engine.registry();
  if (query.offset < 0) fail_field("offset", "must be 0 or more");
  if (query.limit < -1) fail_field("limit", "must be 0 or more, or -1 for all");
  auto tx = store.begin_read();
  static const QueueSpec kNoQueue;
  const QueueSpec& spec = store.current_version(query.workflow)
                              ? registry.current(query.workflow).definition.queue
                              : kNoQueue;
  const std::vector<std::string> keys = order_keys(spec, query.order);

  // The fields to read: the tier and late flag when filtering, then each field ordered by.
  std::vector<std::string> fields;
  auto field_index = [&](const std::string& name) {
    auto it = std::find(fields.begin(), fields.end(), name);
    if (it != fields.end()) return static_cast<std::size_t>(it - fields.begin());
    fields.push_back(name);
    return fields.size() - 1;
  };
  const bool by_tier = !spec.tier_field.empty();
  const bool filter_tier = !query.tier.empty();
  const bool filter_late = query.late_only;
  std::size_t tier_at = by_tier ? field_index(spec.tier_field) : 0;
  std::size_t late_at = filter_late && !spec.late_field.empty() ? field_index(spec.late_field) : 0;
  std::vector<std::size_t> key_at;
  for (const auto& key : keys) {
    key_at.push_back(key == "hold" || key == "tier" || key == "ref" ? 0 : field_index(key));
  }

  FinalStates final_states(registry);
  std::vector<QueueEntry> entries;
  store.for_each_item_keys(query.workflow, fields, [&](const ItemKeys& k) {
    if (final_states.is_final(k.version, k.state)) return;
    const DataValue* tier = by_tier ? &k.data[tier_at] : nullptr;
    if (filter_tier && !(tier && tier->is_string() && tier->text == query.tier)) return;
    if (filter_late && (spec.late_field.empty() || !k.data[late_at].is_true())) return;
    QueueEntry entry{k.id, {}};
    entry.keys.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == "hold") {
        entry.keys.push_back(SortKey{spec.holds(k.state) ? 1u : 0u, 0, {}});
      } else if (keys[i] == "tier") {
        auto place = std::find_if(spec.tiers.begin(), spec.tiers.end(), [&](const QueueTier& t) {
          return tier && tier->is_string() && tier->text == t.value;
        });
        entry.keys.push_back(SortKey{static_cast<std::size_t>(place - spec.tiers.begin()), 0, {}});
      } else if (keys[i] == "ref") {
        entry.keys.push_back(SortKey{0, 0, std::string(k.ref)});
      } else {
        entry.keys.push_back(value_key(k.data[key_at[i]]));
      }
    }
    entries.push_back(std::move(entry));
  });

  auto before = [](const QueueEntry& a, const QueueEntry& b) {
    return std::tie(a.keys, a.id) < std::tie(b.keys, b.id);
  };
  auto total = static_cast<std::int64_t>(entries.size());
  std::int64_t begin = std::min(query.offset, total);
  std::int64_t end = query.limit < 0 || query.limit >= total - begin ? total : begin + query.limit;
  // Only the entries up to the end of the page need to be in order.
  if (end == total) {
    std::sort(entries.begin(), entries.end(), before);
  } else {
    std::partial_sort(entries.begin(), entries.begin() + end, entries.end(), before);
  }
  for (std::int64_t i = begin; i < end; ++i) {
    auto item = store.item_by_id(entries[static_cast<size_t>(i)].id);
    if (item) visit(*item);  // always there: the keys were read in this same transaction
  }
  return total;
}

QueuePage queue_page(Engine& engine, const QueueQuery& query) {
  QueuePage page;
  page.total =
      for_each_in_queue(engine, query, [&](const Item& item) { page.items.push_back(item); });
  return page;
}

}  // namespace commsflow
