// render_text, render_csv and render_json for report tables (render_html is in report_html.cpp).
#include <commsflow/report_table.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/csv.h"

namespace commsflow {

namespace {

// A cell as CSV holds it: strings as they are, numbers and objects as JSON, null as nothing.
std::string cell_text(const Json& cell) {
  if (cell.is_null()) return {};
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

// Text that is exactly a stored UTC time ("2026-12-03T14:30:05Z") in UK time; other text as it is.
std::string uk_time_if_utc(const std::string& text) {
  auto t = parse_datetime(text);
  return t && format_datetime(*t) == text ? uk_datetime_to_second(*t) : text;
}

// Text with each stored UTC time in it, whole or within words, in UK time; the rest as it is.
std::string uk_times_within(const std::string& text) {
  constexpr size_t kLength = 20;  // YYYY-MM-DDTHH:MM:SSZ
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (i + kLength <= text.size() && text[i + 4] == '-' && text[i + 10] == 'T' &&
        text[i + 19] == 'Z') {
      const std::string candidate = text.substr(i, kLength);
      if (auto t = parse_datetime(candidate); t && format_datetime(*t) == candidate) {
        out += uk_datetime_to_second(*t);
        i += kLength;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string bracketed(std::string text, bool nested) {
  return nested ? "(" + text + ")" : text;
}

// A value in words: "yes"/"no", lists joined by commas, objects as "key: value" pairs (nested
// ones in brackets), and a string that is a stored UTC time in UK time.
std::string in_words(const Json& value, bool nested) {
  if (value.is_null()) return "none";
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_string()) return uk_time_if_utc(value.get<std::string>());
  if (value.is_array()) {
    if (value.empty()) return "none";
    std::vector<std::string> parts;
    for (const auto& v : value) parts.push_back(in_words(v, true));
    return bracketed(fmt::format("{}", fmt::join(parts, ", ")), nested);
  }
  if (value.is_object()) {
    if (value.empty()) return "none";
    std::vector<std::string> parts;
    for (const auto& [k, v] : value.items()) parts.push_back(k + ": " + in_words(v, true));
    return bracketed(fmt::format("{}", fmt::join(parts, "; ")), nested);
  }
  return value.dump();
}

// Characters, not bytes, so that names with accents still line up.
size_t display_width(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string cell_for_people(const ReportColumn& column, const Json& cell) {
  if (cell.is_null()) return {};
  if (column.shown == CellShown::uk_time && cell.is_string()) {
    return uk_time_if_utc(cell.get<std::string>());
  }
  if (column.shown == CellShown::uk_times_within && cell.is_string()) {
    return uk_times_within(cell.get<std::string>());
  }
  if (cell.is_number()) return cell.dump();
  return in_words(cell, false);
}

Json cell_shown(const ReportTable& table, size_t row, size_t column) {
  if (row < table.shown.size() && column < table.shown[row].size() &&
      !table.shown[row][column].empty()) {
    return table.shown[row][column];
  }
  return table.rows[row][column];
}

std::string render_text(const ReportTable& table, const ReportHeader& header) {
  std::string out =
      fmt::format("{}: {}, {} row(s); chain head {}:{}\n", table.title, header.range_in_words(),
                  table.rows.size(), header.head_seq, header.head_hash);
  if (!header.not_verified.empty()) out += "WARNING: " + header.not_verified + "\n";
  const size_t n = table.columns.size();
  std::vector<size_t> width(n, 0);
  for (size_t c = 0; c < n; ++c) {
    if (!table.columns[c].summary) continue;
    width[c] = display_width(table.columns[c].heading);
    for (size_t r = 0; r < table.rows.size(); ++r) {
      width[c] = std::max(
          width[c], display_width(cell_for_people(table.columns[c], cell_shown(table, r, c))));
    }
  }
  auto line = [&](auto&& text_at) {
    std::string l;
    for (size_t c = 0; c < n; ++c) {
      if (!table.columns[c].summary) continue;
      std::string text = text_at(c);
      l += text;
      l.append(width[c] - display_width(text) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  if (table.rows.empty()) return out;
  out += line([&](size_t c) { return table.columns[c].heading; });
  for (size_t r = 0; r < table.rows.size(); ++r) {
    out +=
        line([&](size_t c) { return cell_for_people(table.columns[c], cell_shown(table, r, c)); });
    for (size_t c = 0; c < n; ++c) {
      if (table.columns[c].summary || table.rows[r][c].is_null()) continue;
      out += fmt::format("    {}: {}\n", table.columns[c].heading,
                         cell_for_people(table.columns[c], cell_shown(table, r, c)));
    }
  }
  return out;
}

// For people: cells a spreadsheet would run as formulas are neutralised (spreadsheet_safe).
std::string render_csv(const ReportTable& table) {
  std::string out = "\xEF\xBB\xBF";
  auto record = [&](auto&& text_at) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c > 0) out += ',';
      out += csv_escape(spreadsheet_safe(text_at(c)));
    }
    out += "\r\n";
  };
  record([&](size_t c) { return table.columns[c].key; });
  for (const auto& row : table.rows) record([&](size_t c) { return cell_text(row[c]); });
  return out;
}

Json render_json(const ReportTable& table, const ReportHeader& header) {
  Json rows = Json::array();
  for (const auto& row : table.rows) {
    Json r = Json::object();
    for (size_t c = 0; c < table.columns.size(); ++c) r[table.columns[c].key] = row[c];
    rows.push_back(std::move(r));
  }
  Json out{{"report", table.title},
           {"database", header.database},
           {"range", header.range},
           {"produced_at", header.produced_at},
           {"chain_head", {{"seq", header.head_seq}, {"hash", header.head_hash}}},
           {"verified", header.not_verified.empty()},
           {"rows", std::move(rows)}};
  if (!header.not_verified.empty()) out["warning"] = header.not_verified;
  return out;
}

}  // namespace commsflow
