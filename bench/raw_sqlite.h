// The baseline: plain SQLite with prepared statements, no engine. Opened with the same pragmas
// the engine's Store uses (WAL, foreign keys on, the chosen `synchronous`), so the difference
// between a figure and its baseline is the engine's own work.
//
// Throws std::runtime_error with SQLite's message on any failure. Not thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace commsflow::bench {

class RawStatement {
 public:
  RawStatement(sqlite3* db, std::string_view sql);
  ~RawStatement();
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;

  RawStatement& bind(int index, std::string_view text);
  RawStatement& bind(int index, std::int64_t value);
  bool step();  // true while a row is available
  void run();   // steps to the end and resets
  void reset();
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  // The column's text, valid until the next step() or reset().
  std::string_view view(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class RawDb {
 public:
  // `full`: synchronous=FULL, otherwise NORMAL. The file must exist unless `create`.
  RawDb(const std::filesystem::path& path, bool full, bool create = false);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql);
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace commsflow::bench
