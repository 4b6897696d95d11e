// Reports: a table of named columns and rows, rendered as text, CSV, JSON or HTML.
//
// Every audit report (an item's history, a cross-item query, a sign-off summary) is built as a
// ReportTable and rendered by the same four functions, so a new report only has to produce its
// rows. Pure functions over values; safe to call from any thread.
#pragma once

#include <commsflow/json.h>

#include <cstdint>
#include <string>
#include <vector>

namespace commsflow {

// How a column's cells read where people read them (text and HTML); CSV and JSON keep the
// stored value.
enum class CellShown {
  words,    // strings as they are; objects and lists as "key: value; ..."; stored UTC times
            // within them in UK time
  uk_time,  // a stored UTC time ("2026-12-03T14:30:05Z") as UK time, to the second
  // text the engine wrote with stored UTC times in it ("comms_review overdue at
  // 2026-12-03T14:30:05Z"), each in UK time; never for text people typed, which is quoted as is
  uk_times_within,
};

struct ReportColumn {
  std::string key;      // CSV header and JSON member name, e.g. "on_behalf_of"
  std::string heading;  // for people, e.g. "On behalf of"
  // Text output shows summary columns on the row's first line and the others, when not empty,
  // as "Heading: value" lines beneath it.
  bool summary = true;
  CellShown shown = CellShown::words;
};

struct ReportTable {
  std::string title;  // e.g. "Audit history of MED-2026-0001"
  std::vector<ReportColumn> columns;
  // Each row has one cell per column: a string, a number, or null for "nothing here".
  std::vector<std::vector<Json>> rows;
  // Optional, row for row: what people read in text and HTML in place of a cell (a person's
  // display name for their sign-in name, a label for a state, values in words), then shown as
  // its column says. "" (or a row shorter than the columns) keeps the cell. CSV and JSON keep
  // the cells.
  std::vector<std::vector<std::string>> shown = {};
};

// What the report was produced from, stated at the top of exported reports.
struct ReportHeader {
  std::string database;     // the database file, as the user named it
  std::string range;        // the filters in plain words, e.g. "from 2026-01-01 to 2026-03-31"
  std::string produced_at;  // ISO 8601 UTC (HTML shows it in UK time)
  std::int64_t head_seq = 0;
  std::string head_hash;  // the chain head of the snapshot the rows were read from
  // Empty when the history verified as the report was made; else why it did not
  // (VerifyReport::warning), stated at the top of text, JSON and HTML.
  std::string not_verified = {};
  // The range as people read it in text and HTML (titles, labels, display names); empty: `range`,
  // which JSON keeps with the names as stored.
  std::string range_shown = {};
  const std::string& range_in_words() const { return range_shown.empty() ? range : range_shown; }
};

// A cell as people read it in text and HTML (see CellShown); null is the empty string.
std::string cell_for_people(const ReportColumn& column, const Json& cell);
// The cell at `row`, `column` as people read it: its `shown` text if any, else the cell itself.
Json cell_shown(const ReportTable& table, size_t row, size_t column);
// Human-readable lines: the title, then each row (summary cells on one line, the rest beneath).
std::string render_text(const ReportTable& table, const ReportHeader& header);
// RFC 4180: a UTF-8 byte-order mark (so spreadsheets read UTF-8), a header line of column keys,
// then one record per row; CRLF line ends; values quoted when needed; null as an empty value.
std::string render_csv(const ReportTable& table);
// {"report", "database", "range", "produced_at", "chain_head": {"seq", "hash"},
//  "rows": [{key: value, ...}]}; cells keep their JSON types.
Json render_json(const ReportTable& table, const ReportHeader& header);
// A self-contained printable page: inline style only, no scripts, links or fetched resources.
// The header states the database, the range, the time produced and the chain head hash.
std::string render_html(const ReportTable& table, const ReportHeader& header);

}  // namespace commsflow
