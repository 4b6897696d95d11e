// The reference counters (ref_counters: the last number given per prefix and year) as one write
// transaction sees them.
//
// PostgreSQL writes a new version of a row at every UPDATE, and cannot prune the versions made
// by a transaction still open, so updating one counter row once per item made an import of N
// items walk ever longer version chains: time grew with N squared (100,000 rows: over a
// minute). Here a write transaction reads each counter once, counts in memory, and writes each
// changed counter once, just before its COMMIT. Savepoints keep their meaning: a nested
// transaction rolled back takes back the numbers it gave.
//
// Numbers are given only inside a write transaction, which holds the database's write lock, so
// no other writer can give out the same numbers meanwhile; asked for one elsewhere, next()
// fails.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/postgresql/connection.h"

namespace commsflow::store::pg {

class RefCounters {
 public:
  // The next number for prefix-year (1 for the first), counted in the open write transaction.
  std::int64_t next(Connection& db, std::string_view prefix, int year);

  // Transaction boundaries, told by PgStore's transactions: begin() and write() or forget()
  // around an outermost write transaction, the others around every nested one.
  void begin() { counted_.clear(), saved_.clear(), active_ = true; }
  void enter_nested() { saved_.push_back(counted_); }
  void keep_nested() { saved_.pop_back(); }
  void undo_nested() { counted_ = std::move(saved_.back()), saved_.pop_back(); }
  // Writes every counter this transaction moved; call just before COMMIT.
  void write(Connection& db);
  void forget() { counted_.clear(), saved_.clear(), active_ = false; }

 private:
  std::map<std::pair<std::string, int>, std::int64_t> counted_;  // -> last number given
  std::vector<decltype(counted_)> saved_;  // as each open savepoint found them
  bool active_ = false;                    // inside an outermost write transaction
};

}  // namespace commsflow::store::pg
