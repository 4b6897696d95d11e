#include "base/csv.h"

#include <commsflow/error.h>

namespace commsflow {

namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

}  // namespace

CsvReader::CsvReader(std::istream& in, std::string source) : in_(&in), source_(std::move(source)) {}

CsvReader::CsvReader(std::string_view text, std::string source)
    : source_(std::move(source)), chunk_(text) {}

bool CsvReader::refill() {
  if (!in_) return false;
  consumed_ += chunk_.size();
  buffer_.resize(kChunkBytes);
  in_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.resize(static_cast<std::size_t>(in_->gcount()));
  chunk_ = buffer_;
  pos_ = 0;
  if (in_->bad()) fail(ErrorKind::BadInput, "{}: cannot be read past line {}", source_, line_);
  return !chunk_.empty();
}

// Spreadsheets saving CSV with a decimal comma separate values with semicolons: the first line
// says which, by whichever of the two it has more of outside quotes.
char delimiter_of(std::string_view first_line) {
  std::size_t commas = 0, semicolons = 0;
  bool quoted = false;
  for (char c : first_line) {
    if (c == '"') quoted = !quoted;
    if (c == '\n') break;
    if (!quoted) {
      commas += c == ',';
      semicolons += c == ';';
    }
  }
  return semicolons > commas ? ';' : ',';
}

bool CsvReader::next(CsvRecord& record) {
  if (!started_) {
    started_ = true;
    if (peek() >= 0 && chunk_.substr(pos_, 3) == "\xEF\xBB\xBF") pos_ += 3;  // a UTF-8 BOM
    // Excel's "Unicode text" and some exports are UTF-16: read as UTF-8 they are a NUL byte in
    // every other place, and their first line would be quoted back as noise.
    if (peek() >= 0 &&
        (chunk_.substr(pos_, 2) == "\xFF\xFE" || chunk_.substr(pos_, 2) == "\xFE\xFF")) {
      fail(ErrorKind::BadInput,
           "{}: the file is UTF-16 text, not UTF-8: in Excel, save it as \"CSV UTF-8 (Comma "
           "delimited)\"",
           source_);
    }
    if (peek() >= 0) delimiter_ = delimiter_of(chunk_.substr(pos_));
  }
  std::string field;
  for (;;) {
    record.fields.clear();
    record.line = line_;
    bool quoted = false, was_quoted = false, record_empty = true;
    auto end_field = [&] {
      record.fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    };
    int c;
    bool ended = false;
    while (!ended && (c = get()) >= 0) {
      if (quoted) {
        if (c == '"') {
          if (peek() == '"') {
            field += '"';
            get();
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line_;
          field += static_cast<char>(c);
        }
        continue;
      }
      if (c == delimiter_) {
        end_field();
        record_empty = false;
        continue;
      }
      switch (c) {
        case '"':
          if (!field.empty() || was_quoted) {
            fail(ErrorKind::BadInput, "{}: line {}: a quote inside an unquoted value", source_,
                 line_);
          }
          quoted = was_quoted = true;
          record_empty = false;
          break;
        case '\r':
          if (peek() == '\n') break;
          [[fallthrough]];
        case '\n':
          end_field();
          ++line_;
          ended = true;
          break;
        default:
          if (was_quoted) {
            fail(ErrorKind::BadInput, "{}: line {}: text after a closing quote", source_, line_);
          }
          field += static_cast<char>(c);
          record_empty = false;
      }
    }
    if (ended) {
      bool blank = record.fields.size() == 1 && record.fields[0].empty() && record_empty;
      if (blank) continue;
      return true;
    }
    // The end of the input.
    if (quoted) {
      fail(ErrorKind::BadInput, "{}: line {}: a quoted value is never closed", source_,
           record.line);
    }
    if (!record_empty || !record.fields.empty()) {
      end_field();
      return true;
    }
    return false;
  }
}

std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view source) {
  CsvReader reader(text, std::string(source));
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(std::move(record));
  return records;
}

std::string spreadsheet_safe(std::string_view value) {
  if (!value.empty() &&
      std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    std::string out(1, '\'');  // built up, not "'" + text: GCC 12 warns wrongly on that
    out.append(value);
    return out;
  }
  return std::string(value);
}

std::string csv_escape(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace commsflow
