// Store::open in the programs that link libpq: an SQLite file, or a PostgreSQL database by URL.
// The `commsflow` program has its own (cli/hand_over.cpp), which hands a URL over to
// commsflow-full.
#include <commsflow/store.h>

#include "store/postgresql/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace commsflow {

std::unique_ptr<Store> Store::open(const std::string& location, Options options) {
  if (is_url(location)) return std::make_unique<store::pg::PgStore>(location, options);
  return std::make_unique<store::SqliteStore>(std::filesystem::path(location), options);
}

}  // namespace commsflow
