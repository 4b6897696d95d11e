// The write-ahead log's batched writes (engine/store/sqlite/wal_batching_vfs.h): what a
// connection commits through the VFS is in the file when COMMIT returns, whatever the
// transaction's size; another connection sees exactly what was committed; a process that dies
// right after a COMMIT loses nothing; and a write that fails at the commit fails that
// transaction alone, leaving the database as it was and usable.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "store/sqlite/fault_vfs.h"
#include "store/sqlite/wal_batching_vfs.h"
#include "support.h"

using commsflow::test::TempDir;
namespace wal_batching = commsflow::store::wal_batching_vfs;
namespace faults = commsflow::store::fault_vfs;

namespace {

// One connection, opened through `vfs` (nullptr: the default VFS, as another program would).
class Connection {
 public:
  Connection(const std::filesystem::path& path, const char* vfs) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    if (rc != SQLITE_OK) FAIL("cannot open " << path << ": " << sqlite3_errstr(rc));
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql`; returns SQLite's result code (SQLITE_OK when it worked).
  int run(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  void must(const std::string& sql) {
    INFO(sql);
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    INFO(sqlite3_errmsg(db_));
    REQUIRE(rc == SQLITE_OK);
  }
  // The first column of the first row of `sql`, as text.
  std::string value(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Sets up `path` as the engine does: WAL, with the given synchronous setting.
void prepare(Connection& c, const char* synchronous) {
  c.must("PRAGMA journal_mode=WAL");
  c.must(std::string("PRAGMA synchronous=") + synchronous);
  c.must("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  c.must("CREATE INDEX IF NOT EXISTS t_by_body ON t(body)");
}

// `rows` rows of about 300 bytes each, ids from `first`, in one INSERT.
std::string insert_rows(int first, int rows) {
  return "WITH RECURSIVE n(id) AS (SELECT " + std::to_string(first) +
         " UNION ALL SELECT id + 1 FROM n WHERE id < " + std::to_string(first + rows - 1) +
         ") INSERT INTO t(id, body) SELECT id, printf('%.300c', char(65 + id % 26)) || id FROM n";
}

}  // namespace

TEST_CASE("WAL batching: each commit is whole and visible to another connection",
          "[wal_batching]") {
  TempDir dir;
  const auto path = dir / "batched.db";
  const char* synchronous = GENERATE("NORMAL", "FULL");
  INFO("synchronous=" << synchronous);
  Connection writer(path, wal_batching::name());
  prepare(writer, synchronous);
  // A small page cache, so that the large transactions spill pages into the log before their
  // commit, and a low checkpoint threshold, so that the log is checkpointed and restarted.
  writer.must("PRAGMA cache_size=20");
  writer.must("PRAGMA wal_autocheckpoint=50");
  Connection reader(path, nullptr);

  // Transactions of one row, of a few pages, and larger than what the VFS holds back (1 MiB).
  int next_id = 1;
  for (int rows : {1, 1, 20, 1, 400, 5000, 1, 3}) {
    writer.must("BEGIN IMMEDIATE");
    writer.must(insert_rows(next_id, rows));
    writer.must("UPDATE t SET body = body || '!' WHERE id = " + std::to_string(next_id));
    writer.must("COMMIT");
    next_id += rows;
    INFO("after a transaction of " << rows << " rows");
    CHECK(reader.value("SELECT count(*) FROM t") == std::to_string(next_id - 1));
    CHECK(reader.value("SELECT max(id) FROM t") == std::to_string(next_id - 1));
  }
  // The reader also sees a change that only rewrites pages already in the log.
  writer.must("UPDATE t SET body = 'changed' WHERE id = 2");
  CHECK(reader.value("SELECT body FROM t WHERE id = 2") == "changed");
  // A rolled-back transaction leaves nothing, even when it spilled pages into the log.
  writer.must("BEGIN IMMEDIATE");
  writer.must(insert_rows(next_id, 3000));
  writer.must("ROLLBACK");
  CHECK(reader.value("SELECT count(*) FROM t") == std::to_string(next_id - 1));
  CHECK(reader.value("PRAGMA integrity_check") == "ok");
  CHECK(writer.value("PRAGMA integrity_check") == "ok");
}

TEST_CASE("WAL batching: a process that dies right after COMMIT loses nothing", "[wal_batching]") {
  TempDir dir;
  const auto path = dir / "killed.db";
  {
    Connection setup(path, nullptr);
    prepare(setup, "NORMAL");
  }
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child commits and ends at once, closing nothing (as kill -9 would end it): only
    // what reached the file survives.
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, wal_batching::name()) ||
        sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) ||
        sqlite3_exec(db, ("BEGIN IMMEDIATE; " + insert_rows(1, 30) + "; COMMIT").c_str(), nullptr,
                     nullptr, nullptr)) {
      _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  Connection after(path, nullptr);
  CHECK(after.value("SELECT count(*) FROM t") == "30");
  CHECK(after.value("PRAGMA integrity_check") == "ok");
}

TEST_CASE("WAL batching: a write refused at the commit fails that transaction alone",
          "[wal_batching]") {
  faults::install();
  faults::reset();
  TempDir dir;
  const auto path = dir / "full.db";
  Connection writer(path, wal_batching::name());
  prepare(writer, "FULL");
  writer.must("BEGIN IMMEDIATE; " + insert_rows(1, 10) + "; COMMIT");

  // The disk fills during the next commit: its frames reach the file in one write, which fails.
  faults::fail_writes_after(1000);
  const int rc = writer.run("BEGIN IMMEDIATE; " + insert_rows(11, 50) + "; COMMIT");
  const auto refused = faults::refused_writes();
  faults::reset();
  CHECK((rc & 0xff) == SQLITE_FULL);
  CHECK(refused > 0);
  writer.run("ROLLBACK");  // SQLite may already have rolled back; either way nothing is left

  Connection reader(path, nullptr);
  CHECK(reader.value("SELECT count(*) FROM t") == "10");
  // The writer goes on: its next commit is whole.
  writer.must("BEGIN IMMEDIATE; " + insert_rows(11, 5) + "; COMMIT");
  CHECK(reader.value("SELECT count(*) FROM t") == "15");
  CHECK(reader.value("PRAGMA integrity_check") == "ok");
}

TEST_CASE("WAL batching: a rolled-back transaction's held pages never reach the log",
          "[wal_batching]") {
  TempDir dir;
  const auto path = dir / "rolled_back.db";
  // The other program: it writes through the default VFS, as the CLI would while `serve` runs.
  Connection other(path, nullptr);
  prepare(other, "NORMAL");
  other.must("BEGIN IMMEDIATE; " + insert_rows(1, 10) + "; COMMIT");
  other.must("CREATE TABLE appended(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  // An empty log, so that the rollback below finds no page of its in the log and reads none.
  other.must("PRAGMA wal_checkpoint(TRUNCATE)");

  Connection batched(path, wal_batching::name());
  batched.must("PRAGMA cache_size=20");  // the transaction spills pages into the log
  batched.must("PRAGMA wal_autocheckpoint=0");
  batched.must("BEGIN IMMEDIATE");
  // Rows in key order into a table without an index: the pages spilled are appended and never
  // read back, so the last of them are still held back (a few hundred KiB, under the limit).
  batched.must(
      "WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 600) "
      "INSERT INTO appended SELECT id, printf('%.300c', 'x') FROM n");
  batched.must("ROLLBACK");

  // The other program commits where the rolled-back pages would have gone; then the batched
  // connection reads, which is when anything it still held back would be written.
  other.must("BEGIN IMMEDIATE; " + insert_rows(1000, 30) + "; COMMIT");
  CHECK(batched.value("SELECT count(*) FROM t") == "40");

  Connection fresh(path, nullptr);
  CHECK(fresh.value("SELECT count(*) FROM t") == "40");
  CHECK(fresh.value("SELECT count(*) FROM t WHERE id >= 1000") == "30");
  CHECK(fresh.value("PRAGMA integrity_check") == "ok");
  fresh.must("PRAGMA wal_checkpoint(TRUNCATE)");
  CHECK(fresh.value("PRAGMA integrity_check") == "ok");
  CHECK(fresh.value("SELECT count(*) FROM t") == "40");
}
