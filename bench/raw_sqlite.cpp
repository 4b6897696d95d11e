#include "raw_sqlite.h"

#include <stdexcept>

namespace commsflow::bench {

namespace {
[[noreturn]] void fail_sqlite(sqlite3* db, const char* doing) {
  throw std::runtime_error(std::string(doing) + ": " + sqlite3_errmsg(db));
}
}  // namespace

RawStatement::RawStatement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    fail_sqlite(db, "prepare");
  }
}

RawStatement::~RawStatement() {
  sqlite3_finalize(stmt_);
}

RawStatement& RawStatement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) !=
      SQLITE_OK) {
    fail_sqlite(db_, "bind");
  }
  return *this;
}

RawStatement& RawStatement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail_sqlite(db_, "bind");
  return *this;
}

bool RawStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  fail_sqlite(db_, "step");
}

void RawStatement::run() {
  while (step()) {
  }
  reset();
}

void RawStatement::reset() {
  sqlite3_reset(stmt_);
}

std::int64_t RawStatement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string RawStatement::text(int column) const {
  return std::string(view(column));
}

std::string_view RawStatement::view(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string_view();
}

RawDb::RawDb(const std::filesystem::path& path, bool full, bool create) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("open " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

RawDb::~RawDb() {
  sqlite3_close(db_);
}

void RawDb::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "failed";
    sqlite3_free(message);
    throw std::runtime_error(std::string(sql) + ": " + text);
  }
}

}  // namespace commsflow::bench
