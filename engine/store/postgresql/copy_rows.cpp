// PgStore's side of `commsflow copy`: whole tables read and written as text, bytes as hex.
#include <fmt/format.h>

#include "store/postgresql/hex.h"
#include "store/postgresql/pg_store.h"

namespace commsflow::store::pg {

namespace {

std::string column_read(const CopiedTable& table, const std::string& column) {
  return column == table.bytes_column ? fmt::format("encode({}, 'hex')", column) : column;
}

}  // namespace

void PgStore::read_rows(const CopiedTable& table, const std::function<void(const Row&)>& visit) {
  std::vector<std::string> columns;
  for (const auto& c : table.columns) columns.push_back(column_read(table, c));
  Row row(table.columns.size());
  db_->for_each_row(fmt::format("SELECT {} FROM {} ORDER BY {}", fmt::join(columns, ", "),
                                table.name, table.order_by),
                    {}, [&](const Result& r, int at) {
                      for (std::size_t i = 0; i < row.size(); ++i) {
                        const int column = static_cast<int>(i);
                        if (r.is_null(at, column)) {
                          row[i] = std::nullopt;
                        } else if (table.columns[i] == table.bytes_column) {
                          row[i] = from_hex(r.text_view(at, column));
                        } else {
                          row[i] = r.text(at, column);
                        }
                      }
                      visit(row);
                    });
}

void PgStore::write_row(const CopiedTable& table, const Row& row) {
  std::vector<std::string> values;
  std::vector<Param> params;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const bool bytes = table.columns[i] == table.bytes_column;
    values.push_back(bytes ? fmt::format("decode(${}, 'hex')", i + 1) : fmt::format("${}", i + 1));
    if (!row[i]) {
      params.emplace_back(std::nullopt);
    } else {
      params.emplace_back(bytes ? to_hex(*row[i]) : *row[i]);
    }
  }
  db_->run(fmt::format("INSERT INTO {}({}) VALUES ({})", table.name, fmt::join(table.columns, ", "),
                       fmt::join(values, ", ")),
           params);
}

void PgStore::after_copy() {
  for (const auto& table : copied_tables()) {
    if (table.identity.empty()) continue;
    db_->run(
        fmt::format("SELECT setval(pg_get_serial_sequence('{0}', '{1}'), coalesce(max({1}), "
                    "0) + 1, false) FROM {0}",
                    table.name, table.identity));
  }
}

}  // namespace commsflow::store::pg
