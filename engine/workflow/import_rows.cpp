#include <commsflow/error.h>
#include <commsflow/import_rows.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/csv.h"

namespace commsflow {

struct CsvImportSource::Reader {
  CsvReader csv;
  CsvRecord record;
};

CsvImportSource::CsvImportSource(std::istream& in, std::string source, std::uint64_t size)
    : reader_(new Reader{CsvReader(in, source), {}}), size_(size) {
  read_header(source);
}

CsvImportSource::CsvImportSource(std::string_view text, std::string source)
    : reader_(new Reader{CsvReader(text, source), {}}), size_(text.size()) {
  read_header(source);
}

CsvImportSource::~CsvImportSource() = default;

void CsvImportSource::read_header(const std::string& source) {
  if (!reader_->csv.next(reader_->record))
    fail(ErrorKind::BadInput, "{}: the file is empty (it needs a header row)", source);
  header_ = std::move(reader_->record.fields);
  // A column named twice would have one of its values dropped without a word.
  for (std::size_t c = 0; c < header_.size(); ++c) {
    if (header_[c].empty()) continue;  // an unnamed column: skipped, as its values are
    for (std::size_t earlier = 0; earlier < c; ++earlier) {
      if (header_[earlier] == header_[c]) {
        fail(ErrorKind::BadInput, "{}: line 1: the column '{}' is named twice (columns {} and {})",
             source, header_[c], earlier + 1, c + 1);
      }
    }
  }
}

bool CsvImportSource::next(ImportRow& row) {
  CsvRecord& record = reader_->record;
  // A row with no values at all (",,,", as a spreadsheet saves an empty last row) is no item.
  do {
    if (!reader_->csv.next(record)) return false;
  } while (std::all_of(record.fields.begin(), record.fields.end(),
                       [](const std::string& f) { return f.empty(); }));
  row.line = record.line;
  row.fields = Json::object();
  row.problem.clear();
  if (record.fields.size() != header_.size()) {
    row.problem = fmt::format("has {} values but the header names {} columns", record.fields.size(),
                              header_.size());
    return true;
  }
  for (size_t c = 0; c < header_.size(); ++c) {
    if (!record.fields[c].empty()) row.fields[header_[c]] = std::move(record.fields[c]);
  }
  return true;
}

double CsvImportSource::fraction_read() const {
  if (size_ == 0) return 0;
  return std::min(1.0, static_cast<double>(reader_->csv.bytes_read()) / static_cast<double>(size_));
}

std::vector<ImportRow> import_rows_from_csv(std::string_view text, std::string_view source) {
  CsvImportSource csv(text, std::string(source));
  std::vector<ImportRow> rows;
  std::vector<std::string> problems;
  ImportRow row;
  while (csv.next(row)) {
    if (!row.problem.empty()) {
      problems.push_back(fmt::format("line {}: {}", row.line, row.problem));
    } else if (problems.empty()) {
      rows.push_back(std::move(row));
    }
  }
  if (!problems.empty()) {
    fail(ErrorKind::BadInput, "{}: nothing was imported: {} problem(s)\n{}", source,
         problems.size(), fmt::join(problems, "\n"));
  }
  return rows;
}

}  // namespace commsflow
