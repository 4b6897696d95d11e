#include <commsflow/csv.h>
#include <commsflow/error.h>

namespace commsflow {

std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  std::int64_t line = 1;
  record.line = 1;
  bool quoted = false, was_quoted = false, record_empty = true;

  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    bool blank = record.fields.size() == 1 && record.fields[0].empty() && record_empty;
    if (!blank) records.push_back(std::move(record));
    record = CsvRecord{};
    record_empty = true;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || was_quoted) {
          fail(ErrorKind::BadInput, "{}: line {}: a quote inside an unquoted value", source, line);
        }
        quoted = was_quoted = true;
        record_empty = false;
        break;
      case ',':
        end_field();
        record_empty = false;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        [[fallthrough]];
      case '\n':
        end_record();
        ++line;
        record.line = line;
        break;
      default:
        if (was_quoted) {
          fail(ErrorKind::BadInput, "{}: line {}: text after a closing quote", source, line);
        }
        field += c;
        record_empty = false;
    }
  }
  if (quoted) {
    fail(ErrorKind::BadInput, "{}: line {}: a quoted value is never closed", source, record.line);
  }
  if (!record_empty || !field.empty() || !record.fields.empty()) end_record();
  return records;
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
