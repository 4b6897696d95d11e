// RFC 4180 CSV: reading with the line each record starts on (for messages), and writing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

struct CsvRecord {
  std::int64_t line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

// Parses the whole text. Accepts CRLF or LF line ends, a UTF-8 byte-order mark, quoted values
// containing commas, quotes ("") and line breaks; skips blank lines. Throws Error(BadInput)
// naming `source` and the line for an unterminated quote or a quote inside an unquoted value.
std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view source);

// One value, quoted when it contains a comma, quote, CR or LF.
std::string csv_escape(std::string_view value);

}  // namespace commsflow
