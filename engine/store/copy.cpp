#include <commsflow/copy.h>
#include <commsflow/error.h>

#include "store/copy_tables.h"

namespace commsflow {

namespace {

bool holds_nothing(Store& store) {
  return !store.chain_head() && store.actors().empty() && store.workflows().empty() &&
         store.items(ItemFilter{"", "", 1}).empty();
}

}  // namespace

CopyReport copy_database(Store& from, Store& to, std::string_view to_name) {
  auto writing = to.begin_write();
  if (!holds_nothing(to)) {
    fail(ErrorKind::BadInput,
         "--to: {} already holds workflows, people or history; copy only into a new, empty "
         "database. Nothing was copied.",
         to_name);
  }
  auto reading = from.begin_read();
  CopyReport report;
  for (const auto& table : store::copied_tables()) {
    std::int64_t rows = 0;
    from.read_rows(table, [&](const Store::Row& row) {
      to.write_row(table, row);
      ++rows;
    });
    report.rows.emplace_back(table.name, rows);
    if (table.name == "events") report.events = rows;
    if (table.name == "items") report.items = rows;
  }
  to.after_copy();
  reading->commit();
  writing->commit();
  return report;
}

}  // namespace commsflow
