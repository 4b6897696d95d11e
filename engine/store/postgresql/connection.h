// Thin RAII over libpq: a connection, its query results and transactions.
//
// Not thread-safe: one Connection per thread. Each statement is prepared once per session (by
// its SQL text; again after the connection is reopened) and then run with text parameters. Every
// failure throws commsflow::Error: Conflict when the database stayed locked past the lock timeout
// or PostgreSQL gave up on a deadlock or serialization failure, Storage otherwise (Cause::DiskFull
// for a full disk), with a message naming the database (never its password) and what was being
// done.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace commsflow::store::pg {

// One statement parameter: text, an integer, or NULL.
class Param {
 public:
  Param(std::string_view text) : value_(text) {}  // NOLINT: a parameter list reads as values
  Param(const std::string& text) : value_(text) {}
  Param(const char* text) : value_(text) {}
  Param(std::int64_t number) : value_(std::to_string(number)) {}
  Param(int number) : value_(std::to_string(number)) {}
  Param(std::nullopt_t) {}
  const char* c_str() const { return value_ ? value_->c_str() : nullptr; }

 private:
  std::optional<std::string> value_;
};

// The rows of a statement. Text of NULL is empty.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  std::string_view text_view(int row, int column) const;
  std::string text(int row, int column) const { return std::string(text_view(row, column)); }
  std::int64_t integer(int row, int column) const;
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;
  const PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects to `url` (a libpq connection URL). Waits at most `lock_timeout_ms` for a lock
  // before failing with Conflict. With `synchronous` false, COMMIT returns before the WAL is
  // flushed (synchronous_commit off): a crash of the database server may lose the last
  // commits, never corrupt or half-write one, as SQLite's synchronous=NORMAL.
  Connection(const std::string& url, int lock_timeout_ms, bool synchronous = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result run(const std::string& sql, const std::vector<Param>& params = {});
  // Calls `visit(result, row)` for each row of the query, fetched through a cursor a thousand
  // rows at a time, so a walk over a long table holds one batch. Runs inside a transaction (a
  // read transaction of its own when none is open); `visit` may run other statements.
  void for_each_row(const std::string& sql, const std::vector<Param>& params,
                    const std::function<void(const Result&, int row)>& visit);
  // Runs several statements with no parameters (a migration).
  void run_script(const std::string& sql);

  // Starts an outermost transaction with `begin` (BEGIN ...), sending it again on a new
  // connection when the connection turns out to be lost.
  void begin(const std::string& begin);
  // True while a Transaction is open on this connection, including one an error has spoiled or
  // whose connection was lost (until it is rolled back).
  bool in_transaction() const { return open_transactions_ > 0; }
  // True while a Transaction is open and the server still holds it: false once the connection
  // was lost under it (the server then rolled it back).
  bool transaction_alive() const;
  // True when an error spoiled the open transaction outside any savepoint: its COMMIT can only
  // roll it back.
  bool transaction_spoiled() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }
  // The database as people may see it: host or socket, port and name, without a password.
  const std::string& name() const { return name_; }
  [[noreturn]] void throw_error(const PGresult* result, std::string_view doing) const;

 private:
  friend class Transaction;
  // True while the server has a transaction open on this session (libpq's view).
  bool session_in_transaction() const;
  // A connection can be lost: the server restarted, or an administrator or a proxy cut it. A
  // statement that finds it so fails (its outcome unknown: it may have been run), as does the
  // transaction it was part of. Outside any transaction, the next statement opens the
  // connection again first: nothing of a transaction was on the old one, so nothing is lost.
  // Inside one, it is never reopened: the rest of the transaction must not run on its own.
  void reopen_if_lost();
  // Opens the connection again, with this connection's settings.
  void reconnect();
  void apply_settings();

  PGconn* conn_ = nullptr;
  int lock_timeout_ms_;
  bool synchronous_;
  std::string name_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  int cursors_ = 0;                                        // cursors opened, to name the next
  // Transactions open, outermost and nested. Counted here rather than asked of libpq, which
  // knows no transaction once the connection is lost: a nested transaction begun then must
  // fail, never start afresh on a new connection with half of the outer one's work behind it.
  int open_transactions_ = 0;
};

// BEGIN on construction; ROLLBACK on destruction unless `commit()` succeeded. A write
// transaction first takes the database's write lock (a transaction-scoped advisory lock), so
// writers take turns as they do on SQLite: what a writer reads is what it changes, and the
// event chain cannot fork. A read transaction sees one snapshot (REPEATABLE READ). Opened
// inside another transaction on the same connection it is a SAVEPOINT within it.
class Transaction {
 public:
  enum class Mode { Read, Write };
  Transaction(Connection& db, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  void close();  // counts this transaction as ended on the connection

  Connection& db_;
  bool nested_ = false;
  bool open_ = true;
};

}  // namespace commsflow::store::pg
