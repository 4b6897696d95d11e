// SqliteStore::for_each_item_row: every item row, one at a time, its data left as the stored text.
#include <commsflow/store.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

void SqliteStore::for_each_item_row(const std::function<void(const ItemRowView&)>& visit) {
  auto& q = db_->cached(
      "SELECT id, ref, workflow, version, state, data, revision, created_at, updated_at, "
      "coalesce(parent, '') FROM items ORDER BY id");
  while (q.step()) {
    std::string_view not_text =
        q.first_not_text(1, {"ref", "workflow", "version", "state", "data"});
    if (not_text.empty()) not_text = q.first_not_text(7, {"created_at", "updated_at", "parent"});
    visit(ItemRowView{q.integer(0), q.text_view(1), q.text_view(2), q.text_view(3), q.text_view(4),
                      q.text_view(5), q.integer(6), q.text_view(7), q.text_view(8), q.text_view(9),
                      not_text});
  }
}

}  // namespace commsflow::store
