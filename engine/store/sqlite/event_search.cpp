// SqliteStore::for_each_matching_event: the audit's filtered walk over the event log.
#include <commsflow/store.h>
#include <fmt/format.h>

#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace commsflow::store {

void SqliteStore::for_each_matching_event(
    const EventFilter& filter,
    const std::function<void(std::int64_t, std::string_view, std::string_view, std::string_view)>&
        visit) {
  // Only the conditions asked for go into the SQL, so the planner can pick the index that fits
  // (events_by_ref, events_by_actor or events_by_at); a handful of shapes end up cached.
  std::vector<std::string> where;
  std::vector<std::string_view> values;
  auto add = [&](std::string_view value, const char* condition) {
    if (value.empty()) return;
    values.push_back(value);
    where.push_back(fmt::format(fmt::runtime(condition), values.size()));
  };
  add(filter.ref, "e.ref = ?{0}");
  add(filter.actor, "(e.actor = ?{0} OR json_extract(e.body, '$.on_behalf_of') = ?{0})");
  add(filter.workflow, "d.name = ?{0}");
  add(filter.action, "e.action = ?{0}");
  // Times through a subquery on events_by_at: written as `e.at >= ?` the planner prefers walking
  // the whole log in sequence order to an index range it cannot size.
  if (!filter.from.empty() && !filter.to.empty()) {
    values.push_back(filter.from);
    values.push_back(filter.to);
    where.push_back(fmt::format("e.seq IN (SELECT seq FROM events WHERE at >= ?{} AND at < ?{})",
                                values.size() - 1, values.size()));
  } else {
    add(filter.from, "e.seq IN (SELECT seq FROM events WHERE at >= ?{0})");
    add(filter.to, "e.seq IN (SELECT seq FROM events WHERE at < ?{0})");
  }
  std::string sql =
      "SELECT e.seq, e.body, e.hash, coalesce(d.name, '') FROM events e LEFT JOIN definitions d "
      "ON d.version = json_extract(e.body, '$.version')";
  if (!where.empty()) sql += fmt::format(" WHERE {}", fmt::join(where, " AND "));
  sql += " ORDER BY e.seq";

  auto& q = db_->cached(sql);
  for (size_t i = 0; i < values.size(); ++i) q.bind(static_cast<int>(i + 1), values[i]);
  while (q.step()) visit(q.integer(0), q.text_view(1), q.text_view(2), q.text_view(3));
}

}  // namespace commsflow::store
