#include <commsflow/csv.h>
#include <commsflow/error.h>
#include <commsflow/import_rows.h>
#include <fmt/format.h>

namespace commsflow {

std::vector<ImportRow> import_rows_from_csv(std::string_view text, std::string_view source) {
  auto records = parse_csv(text, source);
  if (records.empty())
    fail(ErrorKind::BadInput, "{}: the file is empty (it needs a header row)", source);
  const auto& header = records.front().fields;
  std::vector<ImportRow> rows;
  std::vector<std::string> problems;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    if (record.fields.size() != header.size()) {
      problems.push_back(fmt::format("line {}: has {} values but the header names {} columns",
                                     record.line, record.fields.size(), header.size()));
      continue;
    }
    ImportRow row{record.line, Json::object()};
    for (size_t c = 0; c < header.size(); ++c) {
      if (!record.fields[c].empty()) row.fields[header[c]] = record.fields[c];
    }
    rows.push_back(std::move(row));
  }
  if (!problems.empty()) {
    fail(ErrorKind::BadInput, "{}: nothing was imported: {} problem(s)\n{}", source,
         problems.size(), fmt::join(problems, "\n"));
  }
  return rows;
}

}  // namespace commsflow
