// Turning a CSV file into import rows: the header row names the fields, each later record is one
// item. CsvImportSource reads a file one row at a time; import_rows_from_csv reads text whole.
// Not thread-safe (one source per import); import_rows_from_csv is a pure function.
#pragma once

#include <commsflow/import.h>

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// Rows of a CSV file as import_items reads them. Each row's fields are the non-empty
// values under their column names; a record whose value count differs from the header's comes
// back with a problem instead ("has 1 values but the header names 2 columns").
class CsvImportSource : public ImportSource {
 public:
  // Reads the header at once: throws Error(BadInput) naming `source` for an empty file or broken
  // quoting in it. `size` is the input's length in bytes, for fraction_read() (0: unknown).
  CsvImportSource(std::istream& in, std::string source, std::uint64_t size);
  CsvImportSource(std::string_view text, std::string source);
  ~CsvImportSource() override;

  bool next(ImportRow& row) override;
  double fraction_read() const override;
  std::vector<std::string> columns() const override { return header_; }

 private:
  void read_header(const std::string& source);

  struct Reader;  // the CSV reader and its current record (csv.h stays inside the engine)
  std::unique_ptr<Reader> reader_;
  std::uint64_t size_ = 0;
  std::vector<std::string> header_;
};

// Parses `text` (RFC 4180) and maps each record after the header to an ImportRow
// whose fields are the non-empty values under their column names, with the record's line.
// Throws Error(BadInput) naming `source` for an empty file, a malformed quote, or any record
// whose value count differs from the header's (every such line is listed, nothing is returned).
std::vector<ImportRow> import_rows_from_csv(std::string_view text, std::string_view source);

}  // namespace commsflow
