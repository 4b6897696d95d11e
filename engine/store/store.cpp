// Opening a Store by location, and what the backends share about rows.
#include <commsflow/store.h>

#include <algorithm>

#include "store/postgresql/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace commsflow {

bool Store::is_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::unique_ptr<Store> Store::open(const std::string& location, Options options) {
  if (is_url(location)) return std::make_unique<store::pg::PgStore>(location, options);
  return std::make_unique<store::SqliteStore>(std::filesystem::path(location), options);
}

Json Item::to_json() const {
  Json j{{"ref", ref},
         {"workflow", workflow},
         {"version", version},
         {"state", state},
         {"data", data},
         {"revision", revision},
         {"created_at", created_at},
         {"updated_at", updated_at}};
  if (!parent.empty()) j["parent"] = parent;
  return j;
}

bool Actor::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Actor::holds_any(const std::vector<std::string>& wanted) const {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& role) { return has_role(role); });
}

}  // namespace commsflow
