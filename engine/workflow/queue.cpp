// Engine::for_each_in_queue and Engine::queue: the open items of a workflow, filtered, ordered
// and paged while holding only a small record per item. The keys come from the store without
// parsing item data (Store::for_each_item_keys); only the items on the page are read whole.
#include <commsflow/engine.h>
#include <commsflow/error.h>

#include <algorithm>
#include <tuple>

namespace commsflow {

namespace {

// What ordering and paging need of one open item.
struct QueueEntry {
  std::int64_t id = 0;
  bool paused = false;
  int rating_rank = 3;  // red 0, amber 1, green 2, anything else 3
  std::string text;     // the due time ("~" for none, after any time), or the reference
};

int rating_rank(const DataValue& rating) {
  if (!rating.is_string()) return 3;
  return rating.text == "red" ? 0 : rating.text == "amber" ? 1 : rating.text == "green" ? 2 : 3;
}

bool triage_before(const QueueEntry& a, const QueueEntry& b) {
  return std::tie(a.paused, a.rating_rank, a.text, a.id) <
         std::tie(b.paused, b.rating_rank, b.text, b.id);
}

bool due_before(const QueueEntry& a, const QueueEntry& b) {
  return std::tie(a.text, a.paused, a.rating_rank, a.id) <
         std::tie(b.text, b.paused, b.rating_rank, b.id);
}

bool reference_before(const QueueEntry& a, const QueueEntry& b) {
  return std::tie(a.text, a.id) < std::tie(b.text, b.id);
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

}  // namespace

std::int64_t Engine::for_each_in_queue(const QueueQuery& query,
                                       const std::function<void(const Item&)>& visit) {
  if (query.offset < 0) fail(ErrorKind::BadInput, "offset: must be 0 or more");
  if (query.limit < -1) fail(ErrorKind::BadInput, "limit: must be 0 or more, or -1 for all");
  auto tx = store_.begin_read();
  FinalStates final_states(registry_);
  std::vector<QueueEntry> entries;
  enum Field { Rating, DueAt, Late };
  store_.for_each_item_keys(query.workflow, {"rating", "due_at", "late"}, [&](const ItemKeys& k) {
    if (final_states.is_final(k.version, k.state)) return;
    if (!query.rating.empty() &&
        !(k.data[Rating].is_string() && k.data[Rating].text == query.rating))
      return;
    if (query.late_only && !k.data[Late].is_true()) return;
    QueueEntry entry{k.id, k.state == "paused", rating_rank(k.data[Rating]), {}};
    if (query.order == QueueOrder::Reference) {
      entry.text = k.ref;
    } else {
      entry.text = k.data[DueAt].is_string() ? k.data[DueAt].text : "~";
    }
    entries.push_back(std::move(entry));
  });

  auto before = query.order == QueueOrder::Due         ? due_before
                : query.order == QueueOrder::Reference ? reference_before
                                                       : triage_before;
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
    auto item = store_.item_by_id(entries[static_cast<size_t>(i)].id);
    if (item) visit(*item);  // always there: the keys were read in this same transaction
  }
  return total;
}

QueuePage Engine::queue(const QueueQuery& query) {
  QueuePage page;
  page.total = for_each_in_queue(query, [&](const Item& item) { page.items.push_back(item); });
  return page;
}

}  // namespace commsflow
