// Moving a whole database to another, chain and all: SQLite to PostgreSQL when an organisation
// outgrows one machine, and back again.
#pragma once

#include <commsflow/store.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commsflow {

struct CopyReport {
  std::vector<std::pair<std::string, std::int64_t>> rows;  // (table, rows copied), in copy order
  std::int64_t events = 0;
  std::int64_t items = 0;
};

// Copies every row of every table of `from` into `to`, which must hold nothing yet (no
// workflow, actor, item or event), as they are: ids, sequence numbers and hashes unchanged, so
// the copy's chain head is the original's and `verify` passes on it when it passes on the
// original. Reads `from` in one read transaction (one snapshot, never blocking its writers) and
// writes `to` in one write transaction: on any failure nothing is written. Throws
// Error(BadInput) when `to` is not empty, naming it `to_name` (as the user gave it).
CopyReport copy_database(Store& from, Store& to, std::string_view to_name);

}  // namespace commsflow
