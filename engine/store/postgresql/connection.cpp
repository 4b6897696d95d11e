#include "store/postgresql/connection.h"

#include <commsflow/error.h>

#include <charconv>

namespace commsflow::store::pg {

namespace {

// SQLSTATEs a person meets as "busy, try again": a lock not granted within lock_timeout, a
// deadlock, a serialization failure, a statement cancelled by its timeout.
bool is_conflict(std::string_view state) {
  return state == "55P03" || state == "40P01" || state == "40001" || state == "57014";
}

std::string advice_for(std::string_view state) {
  if (is_conflict(state)) return " (another process held the database for too long; try again)";
  if (state == "53100")
    return " (the database server's disk is full; free some space and try again)";
  if (state.starts_with("08"))
    return " (the connection to the database server was lost; try again)";
  if (state == "42501") return " (the database role lacks a privilege it needs)";
  return "";
}

// libpq's message without its trailing newline, on one line.
std::string one_line(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text;
}

// The parameters as libpq takes them: one C string (or null for NULL) each.
std::vector<const char*> values_of(const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.c_str());
  return values;
}

}  // namespace

std::string_view Result::text_view(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  return {value, static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t Result::integer(int row, int column) const {
  std::string_view text = text_view(row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::int64_t Result::affected() const {
  const char* count = PQcmdTuples(result_.get());
  return count && *count ? std::stoll(count) : 0;
}

Connection::Connection(const std::string& url, int lock_timeout_ms, bool synchronous)
    : conn_(PQconnectdb(url.c_str())),
      lock_timeout_ms_(lock_timeout_ms),
      synchronous_(synchronous) {
  const char* db = conn_ ? PQdb(conn_) : nullptr;
  const char* host = conn_ ? PQhost(conn_) : nullptr;
  const char* port = conn_ ? PQport(conn_) : nullptr;
  name_ = fmt::format("postgresql database {} on {}:{}", db ? db : "?", host ? host : "?",
                      port ? port : "?");
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string detail = conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    fail(ErrorKind::Storage, "cannot open {}: {}", name_, detail);
  }
  // Notices (a migration's "table created") are not for people; errors come back as results.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  apply_settings();
}

void Connection::apply_settings() {
  run_script(fmt::format(
      "SET lock_timeout = {}; SET client_min_messages = warning; SET synchronous_commit = {}",
      std::max(lock_timeout_ms_, 1), synchronous_ ? "on" : "off"));
}

void Connection::reconnect() {
  PQreset(conn_);     // keeps the notice processor
  prepared_.clear();  // prepared statements belong to the old session
  if (PQstatus(conn_) != CONNECTION_OK) {
    fail(ErrorKind::Storage, "{}: the connection was lost and cannot be opened again: {}", name_,
         one_line(PQerrorMessage(conn_)));
  }
  apply_settings();
}

void Connection::reopen_if_lost() {
  if (open_transactions_ == 0 && PQstatus(conn_) == CONNECTION_BAD) reconnect();
}

void Connection::begin(const std::string& begin) {
  reopen_if_lost();  // a server still unreachable fails here, once
  try {
    run(begin);
  } catch (const Error&) {
    if (PQstatus(conn_) != CONNECTION_BAD) throw;  // an answer, not a lost connection
    run(begin);  // BEGIN changes nothing, so it is safe to send again, on a new connection
  }
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Result Connection::run(const std::string& sql, const std::vector<Param>& params) {
  reopen_if_lost();
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string statement = fmt::format("s{}", prepared_.size() + 1);
    Result prepared(PQprepare(conn_, statement.c_str(), sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      throw_error(prepared.get(), fmt::format("preparing \"{}\"", sql.substr(0, 60)));
    }
    found = prepared_.emplace(sql, std::move(statement)).first;
  }
  const std::vector<const char*> values = values_of(params);
  Result result(PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw_error(result.get(), fmt::format("running \"{}\"", sql.substr(0, 60)));
  }
  return result;
}

void Connection::for_each_row(const std::string& sql, const std::vector<Param>& params,
                              const std::function<void(const Result&, int)>& visit) {
  constexpr int kBatch = 1000;
  Transaction tx(*this, Transaction::Mode::Read);
  const std::string cursor = fmt::format("walk{}", ++cursors_);
  const std::vector<const char*> values = values_of(params);
  // DECLARE cannot be prepared: it is sent with its parameters each time.
  Result declared(
      PQexecParams(conn_, fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", cursor, sql).c_str(),
                   static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  if (PQresultStatus(declared.get()) != PGRES_COMMAND_OK) {
    throw_error(declared.get(), fmt::format("running \"{}\"", sql.substr(0, 60)));
  }
  const std::string fetch = fmt::format("FETCH {} FROM {}", kBatch, cursor);
  while (true) {
    Result batch(PQexec(conn_, fetch.c_str()));
    if (PQresultStatus(batch.get()) != PGRES_TUPLES_OK) {
      throw_error(batch.get(), fmt::format("reading \"{}\"", sql.substr(0, 60)));
    }
    for (int row = 0; row < batch.rows(); ++row) visit(batch, row);
    if (batch.rows() < kBatch) break;
  }
  run_script(fmt::format("CLOSE {}", cursor));
  tx.commit();
}

void Connection::run_script(const std::string& sql) {
  reopen_if_lost();
  Result result(PQexec(conn_, sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw_error(result.get(), fmt::format("running \"{}\"", sql.substr(0, 60)));
  }
}

bool Connection::transaction_alive() const {
  return in_transaction() && session_in_transaction();
}

bool Connection::session_in_transaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void Connection::throw_error(const PGresult* result, std::string_view doing) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : (PQstatus(conn_) == CONNECTION_BAD ? "08006" : "");
  std::string detail =
      one_line(result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result)
                                                       : PQerrorMessage(conn_));
  throw Error(is_conflict(sqlstate) ? ErrorKind::Conflict : ErrorKind::Storage,
              fmt::format("{}: {} while {}{}", name_, detail, doing, advice_for(sqlstate)),
              sqlstate == "53100" ? Error::Cause::DiskFull : Error::Cause::None);
}

// The write lock's key: any constant the database's other users do not take ("commsflo").
constexpr std::int64_t kWriteLock = 0x636f6d6d73666c6f;

Transaction::Transaction(Connection& db, Mode mode) : db_(db), nested_(db.in_transaction()) {
  if (nested_) {
    db_.run("SAVEPOINT nested");
  } else if (mode == Mode::Write) {
    db_.begin("BEGIN");
    try {
      db_.run("SELECT pg_advisory_xact_lock($1)", {kWriteLock});
    } catch (...) {
      // A lost connection needs no ROLLBACK: the server rolled the transaction back itself.
      if (db_.session_in_transaction()) db_.run_script("ROLLBACK");
      throw;
    }
  } else {
    db_.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  ++db_.open_transactions_;
}

Transaction::~Transaction() {
  if (!open_) return;
  close();
  try {
    // The session's transaction is gone already when the connection was lost, or when the
    // outer transaction ended under a nested one (a failed COMMIT).
    if (!db_.session_in_transaction()) return;
    db_.run_script(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
  } catch (...) {
    // The connection may be lost; the server then rolls the transaction back itself.
  }
}

void Transaction::close() {
  open_ = false;
  --db_.open_transactions_;
}

void Transaction::commit() {
  Result done = db_.run(nested_ ? "RELEASE nested" : "COMMIT");
  close();
  // PostgreSQL answers COMMIT of a transaction an error spoiled with ROLLBACK, not an error.
  if (!nested_ && std::string_view(PQcmdStatus(const_cast<PGresult*>(done.get()))) != "COMMIT") {
    fail(ErrorKind::Storage,
         "{}: nothing was written: an earlier statement failed and the transaction was rolled back",
         db_.name());
  }
}

}  // namespace commsflow::store::pg
