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
// Used only under the database's write lock (every write transaction holds it), so no other
// writer can give out the same numbers meanwhile.
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

  // Transaction boundaries, told by PgStore's transactions.
  void begin() { counted_.clear(), saved_.clear(); }
  void enter_nested() { saved_.push_back(counted_); }
  void keep_nested() { saved_.pop_back(); }
  void undo_nested() { counted_ = std::move(saved_.back()), saved_.pop_back(); }
  // Writes every counter this transaction moved; call just before COMMIT.
  void write(Connection& db);
  void forget() { begin(); }

 private:
  std::map<std::pair<std::string, int>, std::int64_t> counted_;  // -> last number given
  std::vector<decltype(counted_)> saved_;  // as each open savepoint found them
};

}  // namespace commsflow::store::pg
