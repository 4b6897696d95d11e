#include "store/sqlite/database.h"

#include <commsflow/error.h>
#include <unistd.h>

#include <array>

#include "store/sqlite/wal_batching_vfs.h"
#include "store/sqlite/write_behind.h"

namespace commsflow::store {

namespace {

ErrorKind kind_for(int rc) {
  int primary = rc & 0xff;
  return (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? ErrorKind::Conflict
                                                              : ErrorKind::Storage;
}

std::string advice_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return " (another process held the database for too long; try again)";
    case SQLITE_FULL:
      return " (the disk is full; free some space and try again)";
    case SQLITE_READONLY:
      return " (the database or its folder is read-only)";
    case SQLITE_CANTOPEN:
      return " (the file or its folder cannot be opened)";
    case SQLITE_NOTADB:
      return " (the file is not an SQLite database)";
    case SQLITE_CORRUPT:
      return " (the database file is damaged)";
    default:
      return "";
  }
}

}  // namespace

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->throw_error(rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_->throw_error(rc, "binding a value");
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_->throw_error(rc, "binding a value");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  db_->throw_error(rc, fmt::format("running \"{}\"", sql.substr(0, 60)));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  return std::string(text_view(column));
}

std::string_view Statement::text_view(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!p) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::first_not_text(int first,
                                           std::initializer_list<std::string_view> columns) {
  int column = first;
  for (std::string_view name : columns) {
    const int type = sqlite3_column_type(stmt_, column++);
    if (type == SQLITE_TEXT || type == SQLITE_NULL) continue;
    const char* stored = type == SQLITE_BLOB      ? "a blob"
                         : type == SQLITE_INTEGER ? "an integer"
                                                  : "a real number";
    not_text_ = fmt::format("{} ({})", name, stored);
    return not_text_;
  }
  return {};
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Database::Database(const std::filesystem::path& path, bool create, int busy_timeout_ms,
                   Durability durability, bool read_only)
    : path_(path), read_only_(read_only) {
  if (read_only) {
    open_for_reading(busy_timeout_ms);
    return;
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  std::error_code absent;
  // An empty file made beforehand (`copy --to` one, say) becomes a new database as well.
  const bool is_new = create && (!std::filesystem::exists(path, absent) ||
                                 std::filesystem::file_size(path, absent) == 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, wal_batching_vfs::name());
  if (rc == SQLITE_OK && is_new) {
    // It will hold password hashes and people's addresses: for its owner only, whatever the
    // umask. SQLite gives its -wal and -shm files the database file's mode.
    std::error_code ignored;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace, ignored);
  }
  if (rc != SQLITE_OK) {
    std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorKind::Storage, "cannot open database {}: {}{}", path.string(), detail,
         advice_for(rc));
  }
  if (sqlite3_db_readonly(db_, "main") == 1) {
    // SQLite falls back to reading a file it may not write. Refuse before the first read: that
    // read would leave -wal and -shm files with the database's read-only mode, which would
    // still block writing after the user fixed the database file itself.
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorKind::Storage,
         "cannot write database {}: the file is read-only for this user (give write access to it "
         "and its folder)",
         path.string());
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  try {
    // The first read of the file: a non-database fails here with SQLITE_NOTADB. WAL is switched
    // on by migrate(), only once the file is known to be a commsflow database.
    exec("SELECT count(*) FROM sqlite_schema");
    exec(durability == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

namespace {

// An SQLite URI for `path`: RFC 3986 escapes for what a URI path gives meaning, and an empty
// authority before an absolute path (so that //x is not read as a host named x).
std::string file_uri(const std::filesystem::path& path, bool immutable) {
  const std::string text = path.string();
  std::string uri = text.starts_with('/') ? "file://" : "file:";
  for (unsigned char ch : text) {
    if (ch == '%' || ch == '?' || ch == '#' || ch < 0x20 || ch >= 0x7f) {
      uri += fmt::format("%{:02X}", ch);
    } else {
      uri += static_cast<char>(ch);
    }
  }
  return immutable ? uri + "?immutable=1" : uri;
}

// What says whether the file or its log was written to: compared after reading it as immutable.
using Stamp = std::array<std::int64_t, 4>;
Stamp stamp_of(const std::filesystem::path& path) {
  const auto of = [](const std::filesystem::path& p) -> std::pair<std::int64_t, std::int64_t> {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    if (ec) return {-1, 0};
    return {static_cast<std::int64_t>(size),
            std::filesystem::last_write_time(p, ec).time_since_epoch().count()};
  };
  const auto [size, written] = of(path);
  const auto [log_size, log_written] = of(path.string() + "-wal");
  return {size, written, log_size, log_written};
}

}  // namespace

bool may_access(const std::filesystem::path& path, int mode) {
  return ::access(path.empty() ? "." : path.c_str(), mode) == 0;
}

void Database::open_for_reading(int busy_timeout_ms) {
  const std::filesystem::path wal = path_.string() + "-wal", shm = path_.string() + "-shm";
  // Whoever has the database open keeps a -wal and a -shm file beside it. Where the folder may
  // not be written, SQLite reads through them: one consistent snapshot, nothing created. Where
  // it may, SQLite would make a -wal and -shm of the reader's own had the last writer just
  // closed, and those would go on blocking writers; so there, and wherever there is no log, the
  // file is read alone, as immutable, and changed_while_read() says whether anyone wrote to it
  // meanwhile. A log with changes in it that cannot be read through is refused: reading the
  // file alone would miss them.
  std::error_code ec;
  const bool has_wal = std::filesystem::exists(wal, ec);
  const bool has_shm = std::filesystem::exists(shm, ec);
  const bool log_has_changes = has_wal && std::filesystem::file_size(wal, ec) > 0 && !ec;
  const bool folder_writable = may_access(path_.parent_path(), W_OK);
  const bool through_log =
      has_wal && has_shm && !folder_writable && may_access(wal, R_OK) && may_access(shm, R_OK);
  if (!through_log && log_has_changes) {
    fail(ErrorKind::Storage,
         "cannot read database {}: it has changes in its write-ahead log ({}) that {}; someone "
         "who may write the database must open it once (any command does), or copy it with "
         "`commsflow copy`, and you can read that",
         path_.string(), wal.filename().string(),
         !may_access(wal, R_OK) ? "you may not read"
         : folder_writable      ? "cannot be read safely by one who may not write the database, "
                                  "in a folder they may write"
         : !has_shm             ? "can be read only with its -shm file, which is not there"
                                : "can be read only with its -shm file, which you may not read");
  }
  immutable_ = !through_log;
  if (immutable_) stamp_ = stamp_of(path_);
  int rc = sqlite3_open_v2(file_uri(path_, immutable_).c_str(), &db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // The first read: a non-database fails here (SQLITE_NOTADB).
    rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  }
  if (rc == SQLITE_OK) return;
  const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  sqlite3_close(db_);
  db_ = nullptr;
  if (auto changed = changed_while_read()) fail(ErrorKind::Storage, "{}", *changed);
  fail(ErrorKind::Storage, "cannot read database {}: {}{}", path_.string(), detail, advice_for(rc));
}

std::optional<std::string> Database::changed_while_read() const {
  if (!read_only_ || !immutable_ || stamp_of(path_) == stamp_) return std::nullopt;
  return fmt::format(
      "database {} was opened by someone who may write it while it was being read, so what was "
      "read may not be one consistent state; run the command again, or read a copy made with "
      "`commsflow copy`",
      path_.string());
}

Database::~Database() {
  cache_.clear();
  if (db_) sqlite3_close(db_);
}

void Database::exec(std::string_view sql) {
  settle(false);  // a ROLLBACK must run whatever the deferred writes did
  std::string s(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(kind_for(rc),
                fmt::format("database {}: {}{}", path_.string(), detail, advice_for(rc)));
  }
}

Statement& Database::cached(std::string_view sql) {
  if (behind_ || deferred_failure_) settle(true);
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return *it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_error(rc, fmt::format("preparing \"{}\"", sql.substr(0, 60)));
  auto [pos, _] = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, stmt));
  return *pos->second;
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}
std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
bool Database::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

void Database::throw_error(int rc, std::string_view doing) {
  std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const bool full = (rc & 0xff) == SQLITE_FULL;
  if (full) disk_was_full_ = true;
  throw Error(
      kind_for(rc),
      fmt::format("database {}: {} while {}{}", path_.string(), detail, doing, advice_for(rc)),
      full ? Error::Cause::DiskFull : Error::Cause::None);
}

// BEGIN and COMMIT run as cached statements: preparing them anew for every transaction cost
// about a tenth of an action's work.
// Inside another transaction, a savepoint: it commits (RELEASE) into the outer one, whose own end
// decides; rolled back, it undoes only its own part.
void Database::start_write_behind() {
  if (behind_ || !in_transaction()) {
    throw Error(ErrorKind::Storage,
                fmt::format("database {}: writes can be deferred only once, inside a transaction",
                            path_.string()));
  }
  behind_ = std::make_unique<WriteBehind>();
}

void Database::stop_write_behind() {
  if (!behind_) return;
  settle(false);
  behind_.reset();
}

void Database::defer(std::function<void()> job) {
  behind_->queue(std::move(job));
}

void Database::settle(bool rethrow) {
  if (behind_) {
    if (behind_->on_writer_thread()) return;
    if (auto failed = behind_->settle(); failed && !deferred_failure_) deferred_failure_ = failed;
  }
  if (rethrow && deferred_failure_) std::rethrow_exception(deferred_failure_);
}

Transaction::Transaction(Database& db, Mode mode)
    : db_(db), nested_(sqlite3_get_autocommit(db.db_) == 0) {
  if (nested_) {
    db_.cached("SAVEPOINT nested").run();
  } else {
    db_.cached(mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN").run();
  }
}

Transaction::~Transaction() {
  if (open_) {
    try {
      db_.exec(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
    } catch (...) {
      // The transaction may already have been rolled back by SQLite (e.g. on SQLITE_FULL).
    }
    // Deferred writes are made inside the transaction that deferred them, so they are undone
    // now; a savepoint rolled back while they are still being made leaves their failure.
    if (!db_.behind_) db_.deferred_failure_ = nullptr;
  }
  if (!nested_ && db_.disk_was_full_) db_.checkpoint_after_full_disk();
}

void Database::checkpoint_after_full_disk() {
  // With little space free the write-ahead log may never be folded back into the database,
  // so every later write fails too, even once space is freed. Fold it in and truncate it now,
  // as far as the space allows; a failure here changes nothing.
  disk_was_full_ = false;
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

void Transaction::commit() {
  db_.cached(nested_ ? "RELEASE nested" : "COMMIT").run();
  open_ = false;
}

}  // namespace commsflow::store
