// Migrating an SQLite file: the numbered files of schema/sqlite/.
#pragma once

#include <vector>

#include "store/migration_list.h"

namespace commsflow::store {

class Database;

// Checks the file is a commsflow database (or empty) of a version this build knows, switches it
// to WAL, then brings the database up to the newest embedded migration, each in its own transaction
// and recorded in schema_migrations. Throws Error(Storage) if the file was written by a newer
// version of commsflow, or is an SQLite database that is not a commsflow one.
// Returns the schema version in force afterwards.
int migrate(Database& db, const std::vector<Migration>& migrations = sqlite_migrations());

}  // namespace commsflow::store
