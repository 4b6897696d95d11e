// Thin RAII over the SQLite C API: a connection, prepared statements and transactions.
//
// Not thread-safe: one Database per thread (its own write-behind thread aside, which it waits
// for before any other use; see start_write_behind). Every failure throws commsflow::Error of kind
// Storage (or Conflict for a busy database) whose message names the database file.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace commsflow::store {

class Database;
class WriteBehind;

// A prepared statement. Reset and cleared by `reset()`; finalized on destruction.
class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind_null(int index);

  // Advances; true while a row is available.
  bool step();
  // Runs to completion, expecting no rows.
  void run();
  void reset();

  std::string text(int column) const;
  std::string_view text_view(int column) const;  // valid until the next step/reset
  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  // Which of `columns` (names, in column order from `first`) is the first stored as neither
  // text nor null, with its type: "ref (a blob)"; empty when there is none. Valid until the
  // next call.
  std::string_view first_not_text(int first, std::initializer_list<std::string_view> columns);

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
  std::string not_text_;
};

enum class Durability { Normal, Full };

// Whether this user may `mode` (R_OK, W_OK) the file or folder at `path` (an empty path is the
// current folder): what decides how a database one may only read is opened.
bool may_access(const std::filesystem::path& path, int mode);

class Database {
 public:
  // Opens (creating when `create`) the file in WAL mode with the busy timeout. `read_only`
  // opens it for reading alone (Store::Options::only_reads).
  Database(const std::filesystem::path& path, bool create, int busy_timeout_ms,
           Durability durability, bool read_only = false);
  bool read_only() const { return read_only_; }
  // For a file read alone without its log (no one had it open): why what was read may not be
  // one consistent state, when someone opened it to write meanwhile. Nothing otherwise.
  std::optional<std::string> changed_while_read() const;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  // A cached prepared statement, reset and ready to bind. Valid for the Database's lifetime,
  // but only one user at a time: do not hold it across a call that may prepare the same SQL.
  // Looked up by the text as given: a literal costs no std::string on the way in.
  Statement& cached(std::string_view sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  // True while a transaction is open on the connection. SQLite ends one itself on some failures
  // (SQLITE_FULL, SQLITE_IOERR, ...), savepoints and all: this tells whether that happened.
  bool in_transaction() const;
  const std::filesystem::path& path() const { return path_; }
  // Throws Error naming the database, what it was doing and advice; Error::Cause::DiskFull for
  // SQLITE_FULL (and then the next transaction's end checkpoints the write-ahead log).
  [[noreturn]] void throw_error(int rc, std::string_view doing);

  // Write-behind (write_behind.h), inside a transaction: jobs given to `defer` run on a thread
  // of their own, in order, and any other use of the connection from this thread first waits
  // for them all. A failure among them is thrown by that next use (so the commit fails) until
  // the transaction rolls back. Stopping runs what is still queued.
  void start_write_behind();
  void stop_write_behind();
  void defer(std::function<void()> job);

 private:
  friend class Transaction;
  // Waits for the write-behind thread (unless called from it); then throws its failure when
  // `rethrow`.
  void settle(bool rethrow);
  // The read-only open (Store::Options::only_reads): throws Error(Storage) saying why not.
  void open_for_reading(int busy_timeout_ms);
  void checkpoint_after_full_disk();
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  bool read_only_ = false;
  bool immutable_ = false;               // read alone, as SQLite's immutable file
  std::array<std::int64_t, 4> stamp_{};  // the file and its log, when opened immutable
  bool disk_was_full_ = false;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> cache_;
  std::unique_ptr<WriteBehind> behind_;
  std::exception_ptr deferred_failure_;  // until the transaction rolls back
  friend class Statement;
};

// BEGIN on construction (IMMEDIATE for writes, so the write lock is taken before any read);
// ROLLBACK on destruction unless `commit()` succeeded. Opened inside another transaction on the
// same connection it is a SAVEPOINT within it (a dry run wraps real work in one it rolls back).
class Transaction {
 public:
  enum class Mode { Read, Write };
  Transaction(Database& db, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool nested_ = false;
  bool open_ = true;
};

}  // namespace commsflow::store
