// render_html: a report table as one self-contained, printable HTML page.
//
// Everything the page needs is inside it: the style is inline and there are no scripts, images,
// fonts or links, so it renders the same offline, in an email attachment or in an archive.
#include <commsflow/report_table.h>
#include <fmt/format.h>

#include "base/html_escape.h"

namespace commsflow {

namespace {

// A stored UTC time keeps its exact value in the <time> element for machines; people read it
// in UK time.
std::string cell_html(const ReportColumn& column, const Json& cell) {
  if (cell.is_null()) return {};
  std::string shown = escape_html(cell_for_people(column, cell));
  if (column.shown == CellShown::uk_time && cell.is_string()) {
    return fmt::format("<time datetime=\"{}\">{}</time>", escape_html(cell.get<std::string>()),
                       shown);
  }
  return shown;
}

constexpr const char* kStyle = R"css(
@page { size: A4 landscape; margin: 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #212b32; margin: 1.5em; }
h1 { font-size: 16pt; margin: 0 0 .5em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; margin: 0 0 1.5em; }
dt { font-weight: bold; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #aeb7bd; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #e8edee; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.warning { border: 4px solid #d5281b; padding: .5em .75em; margin: 0 0 1.5em; }
.hash { font-family: monospace; word-break: break-all; }
@media print { body { margin: 0; } }
)css";

}  // namespace

std::string render_html(const ReportTable& table, const ReportHeader& header) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<main>\n<header>\n<h1>{0}</h1>\n<dl>\n"
      "<dt>Database</dt><dd>{2}</dd>\n<dt>Range</dt><dd>{3}</dd>\n"
      "<dt>Produced</dt><dd>{4}</dd>\n"
      "<dt>Chain head</dt><dd>event {5}, hash <span class=\"hash\">{6}</span></dd>\n"
      "<dt>Rows</dt><dd>{7}</dd>\n</dl>\n{8}</header>\n<table>\n<thead><tr>",
      escape_html(table.title), kStyle, escape_html(header.database),
      escape_html(header.range_in_words()),
      cell_html(ReportColumn{"produced_at", "Produced", true, CellShown::uk_time},
                Json(header.produced_at)),
      header.head_seq, escape_html(header.head_hash), table.rows.size(),
      header.not_verified.empty()
          ? std::string()
          : fmt::format("<p class=\"warning\" role=\"alert\"><strong>Warning:</strong> {}</p>\n",
                        escape_html(header.not_verified)));
  for (const auto& col : table.columns)
    out += fmt::format("<th scope=\"col\">{}</th>", escape_html(col.heading));
  out += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    out += "<tr>";
    for (size_t c = 0; c < table.columns.size(); ++c) {
      bool is_hash = table.columns[c].key.find("hash") != std::string::npos;
      out += is_hash ? "<td class=\"hash\">" : "<td>";
      out += cell_html(table.columns[c], cell_shown(table, r, c)) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace commsflow
