// SqliteStore's side of `commsflow copy`: whole tables read and written as text.
#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

void SqliteStore::read_rows(const CopiedTable& table,
                            const std::function<void(const Row&)>& visit) {
  auto& q = db_->cached(fmt::format("SELECT {} FROM {} ORDER BY {}", fmt::join(table.columns, ", "),
                                    table.name, table.order_by));
  Row row(table.columns.size());
  while (q.step()) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const int column = static_cast<int>(i);
      row[i] = q.is_null(column) ? std::nullopt : std::optional<std::string>(q.text(column));
    }
    visit(row);
  }
}

void SqliteStore::write_row(const CopiedTable& table, const Row& row) {
  std::vector<std::string> marks(table.columns.size(), "?");
  auto& q = db_->cached(fmt::format("INSERT INTO {}({}) VALUES ({})", table.name,
                                    fmt::join(table.columns, ", "), fmt::join(marks, ", ")));
  for (std::size_t i = 0; i < row.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (row[i]) {
      q.bind(index, *row[i]);
    } else {
      q.bind_null(index);
    }
  }
  q.run();
}

// SQLite's rowids follow the largest id of the table by themselves.
void SqliteStore::after_copy() {}

}  // namespace commsflow::store
