// SqliteStore::for_each_item_keys: an item's id, reference, version, state and a few data fields,
// read with SQLite's JSON functions so that ordering a long list never parses or holds whole items.
#include <commsflow/store.h>
#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

void SqliteStore::for_each_item_keys(std::string_view workflow,
                                     const std::vector<std::string>& data_fields,
                                     const std::function<void(const ItemKeys&)>& visit) {
  // Field paths are bound, never spliced: ?2, ?3, ... hold '$."name"' for each field.
  std::string columns;
  for (size_t i = 0; i < data_fields.size(); ++i) {
    columns += fmt::format(", json_type(data, ?{0}), json_extract(data, ?{0})", i + 2);
  }
  auto& q = db_->cached(
      fmt::format("SELECT id, ref, version, state{} FROM items WHERE workflow = ?1", columns));
  q.bind(1, workflow);
  for (size_t i = 0; i < data_fields.size(); ++i) {
    q.bind(static_cast<int>(i + 2), fmt::format("$.\"{}\"", data_fields[i]));
  }
  ItemKeys keys;
  keys.data.resize(data_fields.size());
  while (q.step()) {
    keys.id = q.integer(0);
    keys.ref = q.text_view(1);
    keys.version = q.text_view(2);
    keys.state = q.text_view(3);
    for (size_t i = 0; i < data_fields.size(); ++i) {
      int column = 4 + 2 * static_cast<int>(i);
      keys.data[i].type = q.text_view(column);
      keys.data[i].text = q.text_view(column + 1);
    }
    visit(keys);
  }
}

}  // namespace commsflow::store
