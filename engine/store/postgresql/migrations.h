// Migrating a PostgreSQL database: the numbered files of schema/postgresql/.
#pragma once

#include <vector>

#include "store/migration_list.h"

namespace commsflow::store::pg {

class Connection;

// Checks the database is a commsflow one (or has no tables, when `create`) of a version this
// build knows, then
// brings it up to the newest migration, each in its own transaction under the write lock (so
// servers starting together migrate once) and recorded in schema_migrations. Throws
// Error(Storage) if the database was written by a newer version of commsflow, or holds tables
// but is not a commsflow database, and Error(NotFound) if it has no tables and not `create`.
// Returns the schema version in force afterwards.
int migrate(Connection& db, bool create,
            const std::vector<Migration>& migrations = postgresql_migrations());

}  // namespace commsflow::store::pg
