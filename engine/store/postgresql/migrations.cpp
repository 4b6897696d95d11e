#include "store/postgresql/migrations.h"

#include <commsflow/clock.h>
#include <commsflow/error.h>

#include "store/postgresql/connection.h"

namespace commsflow::store::pg {

namespace {

// The version recorded, 0 for a database with no tables; refuses one whose tables are not ours.
int applied_version(Connection& db) {
  if (!db.run("SELECT to_regclass('schema_migrations') IS NULL").text_view(0, 0).starts_with("t")) {
    return static_cast<int>(
        db.run("SELECT coalesce(max(version), 0) FROM schema_migrations").integer(0, 0));
  }
  const auto tables =
      db.run("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").integer(0, 0);
  if (tables > 0) {
    fail(ErrorKind::Storage,
         "{} has tables but is not a commsflow database (it has no schema_migrations table); "
         "refusing to change it",
         db.name());
  }
  return 0;
}

}  // namespace

int migrate(Connection& db, bool create, const std::vector<Migration>& migrations) {
  const int newest = migrations.empty() ? 0 : migrations.back().number;
  int current = 0;
  {
    Transaction read(db, Transaction::Mode::Read);
    current = applied_version(db);
    read.commit();
  }
  if (current == 0 && !create) {
    fail(ErrorKind::NotFound, "{} has no commsflow tables: create them with `commsflow init`",
         db.name());
  }
  if (current > newest) {
    fail(ErrorKind::Storage,
         "{} was written by a newer version of commsflow (schema version {}; this build knows up "
         "to {}). Upgrade commsflow to open it; nothing was changed.",
         db.name(), current, newest);
  }
  for (const Migration& m : migrations) {
    if (m.number <= current) continue;
    Transaction tx(db, Transaction::Mode::Write);
    // Another server may have migrated while we waited for the write lock.
    if (applied_version(db) >= m.number) continue;
    db.run_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at TEXT NOT NULL)");
    db.run_script(m.sql);
    db.run("INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)",
           {m.number, m.name, format_datetime(SystemClock().now())});
    tx.commit();
    current = m.number;
  }
  return current;
}

}  // namespace commsflow::store::pg
