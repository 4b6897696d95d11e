// Printing a report table in the format the user asked for, for every `audit` report.
//
// A report command adds the export options to its CLI11 command, builds a ReportTable and a
// ReportHeader (see commsflow/report_table.h) and calls print_report; the formats, the header and
// --output come for free.
#pragma once

#include <commsflow/report_table.h>

#include <CLI/CLI.hpp>
#include <string>

#include "cli/session.h"

namespace commsflow::cli {

struct ExportArgs {
  std::string format;  // text, csv, json or html; empty: json under --json, text otherwise
  std::string output;  // a file to write instead of standard output
  bool even_if_unverified = false;  // write a CSV of a history that does not verify
};

// Adds --format, --output and --even-if-unverified to `cmd`.
void add_export_options(CLI::App* cmd, ExportArgs& args);

// The header every report states: the database as named, the range, the time now and the chain
// head of the snapshot the rows came from. It verifies the history (commsflow/verify.h): a
// report read from a history that does not verify says so at its top.
ReportHeader report_header(Session& s, std::string range, std::int64_t head_seq,
                           std::string head_hash);

// Renders the table and writes it to --output or standard output. Throws Error(BadInput)
// naming the file when it cannot be written. When the history did not verify it also says so
// on stderr (unless the text went to the terminal, which already says it) and exits 1; a CSV,
// which cannot carry the warning, is then not written at all unless even_if_unverified.
void print_report(Session& s, const ReportTable& table, const ReportHeader& header,
                  const ExportArgs& args);

}  // namespace commsflow::cli
