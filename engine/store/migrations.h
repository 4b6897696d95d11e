// Schema migrations: the numbered files of schema/, embedded at build time.
#pragma once

#include <vector>

namespace commsflow::store {

class Database;

struct Migration {
  int number;
  const char* name;
  const char* sql;
};

// In ascending order of number.
const std::vector<Migration>& embedded_migrations();

// Checks the file is a commsflow database (or empty) of a version this build knows, switches it
// to WAL, then brings the database up to the newest embedded migration, each in its own transaction
// and recorded in schema_migrations. Throws Error(Storage) if the file was written by a newer
// version of commsflow, or is an SQLite database that is not a commsflow one.
// Returns the schema version in force afterwards.
int migrate(Database& db, const std::vector<Migration>& migrations = embedded_migrations());

}  // namespace commsflow::store
