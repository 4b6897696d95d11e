// Import, standing on the engine's core: many submits in one transaction, rows read one at a
// time (engine/workflow/import.cpp; CSV rows in import_rows.h).
#pragma once

#include <commsflow/engine.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// One row of an import: its line in the file and its fields, or why it could not be read.
struct ImportRow {
  std::int64_t line = 0;
  Json fields = Json::object();
  std::string problem = {};  // set when the row could not be read: it is reported, never submitted
};

// Where an import's rows come from, one at a time, so that a large file is never held whole.
// Not thread-safe.
class ImportSource {
 public:
  virtual ~ImportSource() = default;
  // Fills `row` with the next row and returns true, or returns false after the last one.
  // Throws Error(BadInput) naming the line when the rest of the input cannot be read.
  virtual bool next(ImportRow& row) = 0;
  // The share of the input read so far, from 0 to 1.
  virtual double fraction_read() const = 0;
  // The names the rows' fields come under, when the source has them (a CSV file's header row,
  // line 1): checked once before any row, so a wrong column is one problem, not one per row.
  virtual std::vector<std::string> columns() const { return {}; }
};

// Told after each row of an import: rows processed so far and the share of the input read.
using ImportProgress = std::function<void(size_t rows, double fraction)>;

// Submits every row in one transaction. If any row is bad, unreadable or refused, nothing is
// imported and Error(BadInput) lists every bad row as "line N: field: problem" (when the source
// cannot read on, what it read until then); so it does for a column submit does not take, or no
// rows at all. Error(Forbidden) when `actor` may not create items of `workflow`. Each row is
// triaged exactly as Engine::submit would, and held like it during an incident. Returns the new
// references in row order.
//
// A row whose every column holds what an item of the workflow already here holds in that field
// (the same file imported twice) is refused like a bad row, naming that item, unless
// `duplicates` is Allow. Only sources that name their columns are checked.
enum class Duplicates { Refuse, Allow };
std::vector<std::string> import_items(Engine& engine, std::string_view workflow,
                                      std::string_view actor, ImportSource& rows,
                                      const ImportProgress& progress = {},
                                      Duplicates duplicates = Duplicates::Refuse);
// The same over rows already in memory.
std::vector<std::string> import_items(Engine& engine, std::string_view workflow,
                                      std::string_view actor, const std::vector<ImportRow>& rows,
                                      const ImportProgress& progress = {});

}  // namespace commsflow
