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
  // (events_by_ref or events_by_actor); a handful of shapes end up cached.
  std::vector<std::string> where;
  std::vector<std::string_view> values;
  auto add_to = [&](std::vector<std::string>& conditions, std::string_view value,
                    const char* condition) {
    if (value.empty()) return;
    values.push_back(value);
    conditions.push_back(fmt::format(fmt::runtime(condition), values.size()));
  };
  auto add = [&](std::string_view value, const char* condition) {
    add_to(where, value, condition);
  };
  add(filter.ref, "e.ref = ?{0}");
  add(filter.actor, "(e.actor = ?{0} OR json_extract(e.body, '$.on_behalf_of') = ?{0})");
  add(filter.workflow, "d.name = ?{0}");
  add(filter.action, "e.action = ?{0}");
  // Dates through events_by_actor(actor, at), one range per actor: the recursive part jumps
  // from each actor in the index to the next, so it reads one index entry per actor rather
  // than the log. (Written as `e.at >= ?` the planner walks the whole log.) An event without
  // an actor column is looked for too, so that the answer stays exact.
  std::vector<std::string> times;
  add_to(times, filter.from, "at >= ?{0}");
  add_to(times, filter.to, "at < ?{0}");
  if (!times.empty()) {
    const std::string in_dates = fmt::format("{}", fmt::join(times, " AND "));
    where.push_back(fmt::format(
        "e.seq IN (WITH RECURSIVE actors(name) AS (SELECT min(actor) FROM events UNION ALL "
        "SELECT (SELECT min(actor) FROM events WHERE actor > name) FROM actors WHERE name IS "
        "NOT NULL) SELECT seq FROM events WHERE actor IN (SELECT name FROM actors) AND {0} "
        "UNION ALL SELECT seq FROM events WHERE actor IS NULL AND {0})",
        in_dates));
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
