// RFC 4180 CSV: reading, whole or streamed record by record, with the line each record starts on
// (for messages), and writing. The functions are pure; a CsvReader is used by one thread.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

struct CsvRecord {
  std::int64_t line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

// Reads records one at a time, holding only the record being read and a buffer of input, with the
// rules and messages of parse_csv below. Not thread-safe.
class CsvReader {
 public:
  // Reads `in`, which must outlive the reader. `source` names the input in messages.
  CsvReader(std::istream& in, std::string source);
  // Reads `text`, which must outlive the reader.
  CsvReader(std::string_view text, std::string source);

  // Fills `record` with the next record and returns true, or returns false at the end of the
  // input. Throws Error(BadInput) naming the source and line for broken quoting.
  bool next(CsvRecord& record);
  std::uint64_t bytes_read() const { return consumed_ + pos_; }

 private:
  bool refill();  // false at the end of the input
  int get() {
    return pos_ < chunk_.size() || refill() ? static_cast<unsigned char>(chunk_[pos_++]) : -1;
  }
  int peek() {
    return pos_ < chunk_.size() || refill() ? static_cast<unsigned char>(chunk_[pos_]) : -1;
  }

  std::istream* in_ = nullptr;
  std::string source_;
  std::string buffer_;          // what was last read from `in_`
  std::string_view chunk_;      // the part of the input being read
  std::size_t pos_ = 0;         // next byte of chunk_
  std::uint64_t consumed_ = 0;  // bytes of the input before chunk_
  std::int64_t line_ = 1;
  bool started_ = false;
  char delimiter_ = ',';  // or ';', as the first line shows
};

// Parses the whole text. Accepts CRLF or LF line ends, a UTF-8 byte-order mark, quoted values
// containing commas, quotes ("") and line breaks; skips blank lines. Values are separated by
// commas, or by semicolons when the first line has more of them (as spreadsheets set to a
// decimal comma save CSV). Throws Error(BadInput)
// naming `source` and the line for an unterminated quote or a quote inside an unquoted value.
std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view source);

// One value, quoted when it contains a comma, quote, CR or LF.
std::string csv_escape(std::string_view value);

// A value for CSV that people open in a spreadsheet: one a spreadsheet would run as a formula
// (beginning with =, +, -, @, a tab or a CR) gets a leading ' so that it is shown as text, as
// OWASP advises. Not for CSV read back by programs, which must stay exact.
std::string spreadsheet_safe(std::string_view value);

}  // namespace commsflow
