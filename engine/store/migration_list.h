// Schema migrations: each backend's numbered files (schema/sqlite/, schema/postgresql/),
// embedded at build time by cmake/embed_migrations.cmake.
#pragma once

#include <vector>

namespace commsflow::store {

struct Migration {
  int number;
  const char* name;
  const char* sql;
};

// In ascending order of number.
const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgresql_migrations();

}  // namespace commsflow::store
