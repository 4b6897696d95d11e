#include "store/postgresql/ref_counters.h"

#include <commsflow/error.h>

namespace commsflow::store::pg {

std::int64_t RefCounters::next(Connection& db, std::string_view prefix, int year) {
  if (!active_) {
    fail(ErrorKind::Storage, "{}: a reference number was asked for outside a write transaction",
         db.name());
  }
  auto key = std::make_pair(std::string(prefix), year);
  auto found = counted_.find(key);
  if (found == counted_.end()) {
    Result r =
        db.run("SELECT last FROM ref_counters WHERE prefix = $1 AND year = $2", {prefix, year});
    found = counted_.emplace(std::move(key), r.rows() ? r.integer(0, 0) : 0).first;
  }
  return ++found->second;
}

void RefCounters::write(Connection& db) {
  for (const auto& [key, last] : counted_) {
    db.run(
        "INSERT INTO ref_counters(prefix, year, last) VALUES ($1, $2, $3) "
        "ON CONFLICT(prefix, year) DO UPDATE SET last = excluded.last",
        {key.first, key.second, last});
  }
  forget();
}

}  // namespace commsflow::store::pg
