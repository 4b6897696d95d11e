// PgStore's walks over many rows (item keys for the queue, every item, every event, the
// audit's filtered events), each read through a cursor (Connection::for_each_row).
#include <fmt/format.h>

#include "store/postgresql/pg_store.h"

namespace commsflow::store::pg {

void PgStore::for_each_item_keys(std::string_view workflow,
                                 const std::vector<std::string>& data_fields,
                                 const std::function<void(const ItemKeys&)>& visit) {
  // Each field as SQLite's json_type() and json_extract() give it (store_rows.h, DataValue):
  // the type named as SQLite names it, and a true or false as 1 or 0. Names are bound.
  std::string columns;
  std::vector<Param> params{workflow};
  for (const auto& field : data_fields) {
    params.emplace_back(field);
    const std::string v = fmt::format("(data::jsonb -> ${})", params.size());
    columns += fmt::format(
        ", CASE jsonb_typeof({0}) WHEN 'string' THEN 'text' WHEN 'number' THEN CASE WHEN "
        "{0}::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END WHEN 'boolean' THEN {0}::text "
        "ELSE jsonb_typeof({0}) END, CASE jsonb_typeof({0}) WHEN 'boolean' THEN CASE WHEN "
        "{0} = 'true' THEN '1' ELSE '0' END ELSE {0} #>> '{{}}' END",
        v);
  }
  ItemKeys keys;
  keys.data.resize(data_fields.size());
  db_->for_each_row(
      fmt::format("SELECT id, ref, version, state{} FROM items WHERE workflow = $1", columns),
      params, [&](const Result& r, int row) {
        keys.id = r.integer(row, 0);
        keys.ref = r.text_view(row, 1);
        keys.version = r.text_view(row, 2);
        keys.state = r.text_view(row, 3);
        for (std::size_t i = 0; i < data_fields.size(); ++i) {
          const int column = 4 + 2 * static_cast<int>(i);
          keys.data[i].type = r.text_view(row, column);
          keys.data[i].text = r.text_view(row, column + 1);
        }
        visit(keys);
      });
}

void PgStore::for_each_item_row(const std::function<void(const ItemRowView&)>& visit) {
  db_->for_each_row(
      "SELECT id, ref, workflow, version, state, data, revision, created_at, updated_at, "
      "coalesce(parent, '') FROM items ORDER BY id",
      {}, [&](const Result& r, int row) {
        // PostgreSQL's columns are typed: their values are text, and not_text is always empty.
        visit(ItemRowView{r.integer(row, 0), r.text_view(row, 1), r.text_view(row, 2),
                          r.text_view(row, 3), r.text_view(row, 4), r.text_view(row, 5),
                          r.integer(row, 6), r.text_view(row, 7), r.text_view(row, 8),
                          r.text_view(row, 9), std::string_view()});
      });
}

void PgStore::for_each_event(const std::function<void(const EventRowView& row)>& visit) {
  db_->for_each_row(
      "SELECT seq, body, hash, ref, actor, action, at FROM events ORDER BY seq", {},
      [&](const Result& r, int row) {
        visit(EventRowView{r.integer(row, 0), r.text_view(row, 1), r.text_view(row, 2),
                           r.text_view(row, 3), r.text_view(row, 4), r.text_view(row, 5),
                           r.text_view(row, 6), std::string_view()});
      });
}

void PgStore::for_each_matching_event(
    const EventFilter& filter,
    const std::function<void(std::int64_t, std::string_view, std::string_view, std::string_view)>&
        visit) {
  // Only the conditions asked for go into the SQL, so the planner sees which index fits.
  std::vector<std::string> where;
  std::vector<Param> params;
  auto add = [&](const std::string& value, const char* condition) {
    if (value.empty()) return;
    params.emplace_back(value);
    where.push_back(fmt::format(fmt::runtime(condition), params.size()));
  };
  add(filter.ref, "e.ref = ${0}");
  add(filter.actor, "(e.actor = ${0} OR e.body::jsonb ->> 'on_behalf_of' = ${0})");
  add(filter.workflow, "d.name = ${0}");
  add(filter.action, "e.action = ${0}");
  add(filter.from, "e.at >= ${0}");
  add(filter.to, "e.at < ${0}");
  std::string sql =
      "SELECT e.seq, e.body, e.hash, coalesce(d.name, '') FROM events e LEFT JOIN definitions d "
      "ON d.version = e.body::jsonb ->> 'version'";
  if (!where.empty()) sql += fmt::format(" WHERE {}", fmt::join(where, " AND "));
  sql += " ORDER BY e.seq";
  db_->for_each_row(sql, params, [&](const Result& r, int row) {
    visit(r.integer(row, 0), r.text_view(row, 1), r.text_view(row, 2), r.text_view(row, 3));
  });
}

}  // namespace commsflow::store::pg
