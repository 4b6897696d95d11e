#include "cli/report_output.h"

#include <commsflow/clock.h>
#include <commsflow/error.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <fstream>
#include <iostream>

namespace commsflow::cli {

void add_export_options(CLI::App* cmd, ExportArgs& args) {
  cmd->add_option("--format", args.format,
                  "text (default), csv (RFC 4180, UTF-8), json, or html (a self-contained "
                  "printable page)")
      ->check(CLI::IsMember({"text", "csv", "json", "html"}));
  cmd->add_option("--output,-o", args.output, "Write the report to this file instead of stdout");
  cmd->add_flag("--even-if-unverified", args.even_if_unverified,
                "Write a CSV even when the history does not verify (the file cannot say so; the "
                "other formats do, at their top)");
}

ReportHeader report_header(Session& s, std::string range, std::int64_t head_seq,
                           std::string head_hash) {
  return ReportHeader{s.options.db, std::move(range),     format_datetime(s.clock().now()),
                      head_seq,     std::move(head_hash), verify(s.store()).warning()};
}

void print_report(Session& s, const ReportTable& table, const ReportHeader& header,
                  const ExportArgs& args) {
  s.require_steady_read();  // everything in the report, and its header, has been read
  std::string format = args.format.empty() ? (s.options.json ? "json" : "text") : args.format;
  if (args.even_if_unverified && format != "csv") {
    fail(ErrorKind::BadInput,
         "--even-if-unverified is for --format csv (text, json and html say at their top when "
         "the history does not verify)");
  }
  if (!header.not_verified.empty()) {
    s.exit_code = 1;
    // Like the web app's Audit page: a spreadsheet of rows that cannot be trusted, with nothing
    // in it to say so, is not handed out unless asked for by name.
    if (format == "csv" && !args.even_if_unverified) {
      std::string why = header.not_verified;
      if (why.ends_with('.')) why.pop_back();
      const std::string message = fmt::format(
          "no CSV was written: {}. A CSV cannot carry that warning; text, json and html say it "
          "at their top. --even-if-unverified writes the CSV all the same.",
          why);
      if (s.options.json) {
        s.print_json(Json{{"error", {{"code", "not_verified"}, {"message", message}}}});
      } else {
        std::cerr << "error: " << message << "\n";
      }
      return;
    }
    if (format != "text" || !args.output.empty())
      std::cerr << "WARNING: " << header.not_verified << "\n";
  }
  std::string text;
  if (format == "csv") {
    text = render_csv(table);
  } else if (format == "json") {
    text = render_json(table, header).dump(2) + "\n";
  } else if (format == "html") {
    text = render_html(table, header);
  } else {
    text = render_text(table, header);
  }
  if (args.output.empty()) {
    std::cout << (format == "text" ? printable(text) : text);
    return;
  }
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) fail(ErrorKind::BadInput, "--output: cannot write {}", args.output);
  if (s.options.json) {
    s.print_json(Json{{"output", args.output}, {"format", format}, {"rows", table.rows.size()}});
  } else {
    fmt::print("Wrote {} ({} row(s), {}) to {}\n", table.title, table.rows.size(), format,
               args.output);
  }
}

}  // namespace commsflow::cli
