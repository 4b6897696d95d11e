#include "store/sqlite/migrations.h"

#include <commsflow/clock.h>
#include <commsflow/error.h>

#include "store/sqlite/account_baseline.h"
#include "store/sqlite/database.h"

namespace commsflow::store {

namespace {

constexpr int kAccountsInChain = 6;  // schema/sqlite/0006_accounts_in_chain.sql

bool has_table(Database& db, const char* name) {
  auto& q = db.cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  q.bind(1, name);
  bool found = q.step();
  q.reset();
  return found;
}

int applied_version(Database& db) {
  if (!has_table(db, "schema_migrations")) return 0;
  auto& q = db.cached("SELECT coalesce(max(version), 0) FROM schema_migrations");
  q.step();
  int version = static_cast<int>(q.integer(0));
  q.reset();
  return version;
}

// The first problem `PRAGMA quick_check` finds, or empty when the file is sound. (It may also
// throw Error(Storage) for damage SQLite meets on the way.)
std::string damage(Database& db) {
  auto& q = db.cached("PRAGMA quick_check(1)");
  std::string result = q.step() ? q.text(0) : "";
  q.reset();
  return result == "ok" ? "" : result;
}

}  // namespace

int migrate(Database& db, const std::vector<Migration>& migrations) {
  const int newest = migrations.empty() ? 0 : migrations.back().number;

  int current = 0;
  {
    Transaction read(db, Transaction::Mode::Read);
    if (has_table(db, "schema_migrations")) {
      current = applied_version(db);
    } else {
      auto& q = db.cached("SELECT count(*) FROM sqlite_schema");
      q.step();
      bool empty = q.integer(0) == 0;
      q.reset();
      if (!empty) {
        fail(ErrorKind::Storage,
             "{} is an SQLite database but not a commsflow one (it has no schema_migrations "
             "table); refusing to change it",
             db.path().string());
      }
    }
    read.commit();
  }

  if (current > newest) {
    // A damaged page can read as a huge schema version: check before blaming the version.
    if (std::string problem = damage(db); !problem.empty()) {
      fail(ErrorKind::Storage,
           "database {}: the file is damaged ({}); restore it from a backup. Nothing was changed.",
           db.path().string(), problem);
    }
    fail(ErrorKind::Storage,
         "{} was written by a newer version of commsflow (schema version {}; this build knows up "
         "to {}). Upgrade commsflow to open it; nothing was changed.",
         db.path().string(), current, newest);
  }
  if (db.read_only()) {
    if (current == 0) {
      fail(ErrorKind::Storage, "{} holds no commsflow database: it is empty", db.path().string());
    }
    if (current < newest) {
      fail(ErrorKind::Storage,
           "{} is from an earlier version of commsflow (schema version {}; this one reads {}): "
           "one who may only read it cannot bring it up to date. Open it once as someone who may "
           "write it (any command does)",
           db.path().string(), current, newest);
    }
    return current;
  }
  db.exec("PRAGMA journal_mode=WAL");  // persistent; a no-op when already in WAL mode

  for (const Migration& m : migrations) {
    if (m.number <= current) continue;
    Transaction tx(db, Transaction::Mode::Write);
    // Another process may have migrated while we waited for the write lock.
    if (applied_version(db) >= m.number) continue;
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at TEXT NOT NULL)");
    db.exec(m.sql);
    const std::string now = format_datetime(SystemClock().now());
    // The accounts that exist when changes to accounts begin to be chained are recorded as
    // they stand, so verify can check the account tables from here on.
    if (m.number == kAccountsInChain) record_existing_accounts(db, now);
    db.cached("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)")
        .bind(1, m.number)
        .bind(2, m.name)
        .bind(3, now)
        .run();
    db.exec(fmt::format("PRAGMA user_version = {}", m.number));
    tx.commit();
    current = m.number;
  }
  return current;
}

}  // namespace commsflow::store
