// Turning a CSV file into import rows: the header row names the fields, each later record is one
// item. Pure functions over text; thread-safe.
#pragma once

#include <commsflow/engine.h>

#include <string_view>
#include <vector>

namespace commsflow {

// Parses `text` (RFC 4180, see csv.h) and maps each record after the header to an ImportRow
// whose fields are the non-empty values under their column names, with the record's line.
// Throws Error(BadInput) naming `source` for an empty file, a malformed quote, or any record
// whose value count differs from the header's (every such line is listed, nothing is returned).
std::vector<ImportRow> import_rows_from_csv(std::string_view text, std::string_view source);

}  // namespace commsflow
