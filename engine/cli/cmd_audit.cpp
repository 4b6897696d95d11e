// audit and verify: reading the record and proving it unaltered. Neither writes anything: they
// open the database without loading workflows and read in one read transaction.
#include <commsflow/audit.h>
#include <commsflow/read_access.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/report_output.h"

namespace commsflow::cli {

namespace {

// Says on stderr which zone a bound without one was read in: a date is a UK day, a time without
// a zone is UK time.
void say_zone(const AuditQuery& query) {
  for (auto [option, text] : {std::pair{"--from", &query.from}, {"--to", &query.to}}) {
    if (text->empty() || parse_datetime(*text)) continue;
    auto t = parse_date(*text) ? parse_uk_local(*text + "T00:00") : parse_uk_local(*text);
    if (t)
      std::cerr << fmt::format("{} {} taken as UK time ({})\n", option, *text, uk_zone_name(*t));
  }
}

void run_audit(Session& s, AuditQuery query, const ExportArgs& args) {
  s.only_reads();
  s.reader().require_audit();
  // Audit only reads: the workflows stored with the history, not the files as they are now.
  // (Opened before anything is said, in case the command is handed over: hand_over.h.)
  ReadAccess access(s.engine(/*create=*/false, /*load_workflows=*/false), s.reader());
  resolve_typed_names(s.engine(), query);
  say_zone(query);
  ReportTable table = audit_table();
  if (!query.ref.empty()) table.title = "Audit history of " + query.ref;
  AuditSight sight(access);
  AuditWords words(s.engine());
  ChainHead head = query_history(s.store(), query, [&](AuditRow&& row) {
    sight.limit(row);
    table.shown.push_back(words.shown(row));
    table.rows.push_back(audit_cells(std::move(row)));
  });
  std::string range = describe(query), range_shown = words.described(query);
  if (auto note = unknown_action_note(s.store(), query, table.rows.size()); !note.empty()) {
    std::cerr << "note: " << note << "\n";
    range += " (" + note + ")";
    range_shown += " (" + note + ")";
  }
  ReportHeader header = report_header(s, range, head.seq, head.hash);
  header.range_shown = range_shown;
  print_report(s, table, header, args);
}

void print_problems(const VerifyReport& report) {
  std::cerr << fmt::format("TAMPERED: {} problem(s) found in {} events and {} items\n",
                           report.problems.size(), report.events, report.items);
  for (const auto& p : report.problems) std::cerr << "  - " << p.message << "\n";
}

struct VerifyArgs {
  bool head = false;
  std::string since_head;
};

void run_verify(Session& s, const VerifyArgs& args) {
  std::optional<ChainHead> anchor;
  if (!args.since_head.empty()) anchor = parse_chain_head(args.since_head);
  s.only_reads();
  VerifyReport report = verify(s.store(), anchor);
  s.require_steady_read();  // a problem found in a torn read would be no problem at all
  s.exit_code = report.ok() ? 0 : 1;
  if (s.options.json) {
    Json out = report.to_json();
    if (anchor) out["since_head"] = Json{{"seq", anchor->seq}, {"hash", anchor->hash}};
    s.print_json(out);
    return;
  }
  if (!report.ok()) return print_problems(report);
  if (args.head) {
    fmt::print("{}:{}\n", report.head_seq, report.head_hash);
    std::cerr << fmt::format(
        "chain head (event {}); {} events and {} items verified. Record it, e.g. in minutes, and "
        "later run `commsflow verify --since-head {}:{}` to prove nothing up to it changed.\n",
        report.head_seq, report.events, report.items, report.head_seq, report.head_hash);
    return;
  }
  if (anchor) {
    fmt::print("ok: the history up to event {} is unchanged since {}:{}\n", anchor->seq,
               anchor->seq, anchor->hash);
  }
  fmt::print("ok: {} events and {} items verified; chain head {}:{}\n", report.events, report.items,
             report.head_seq, report.head_hash);
}

}  // namespace

void add_audit_commands(CLI::App& app, Session& s) {
  auto* audit = app.add_subcommand(
      "audit",
      "Who did what, when, on whose behalf and on which document version: one item's complete "
      "history (audit REF) or events across items matching every filter given. Read-only.");
  auto query = std::make_shared<AuditQuery>();
  auto export_args = std::make_shared<ExportArgs>();
  audit->add_option("ref", query->ref, "Item reference: its complete history")
      ->transform(as_reference());
  audit
      ->add_option("--actor", query->actor,
                   "Events by this person, or on their behalf: the name they sign in with, or "
                   "the one they are shown by (\"Hannah Head\")")
      ->transform(as_person());
  audit->add_option("--workflow", query->workflow, "Events of items of this workflow");
  audit->add_option("--action", query->action, "Events of this action, e.g. decide");
  audit->add_option("--from", query->from,
                    "From this UK day (1/1/2026 or 2026-01-01) or time (\"1/1/2026 09:00\"), "
                    "inclusive");
  audit->add_option("--to", query->to,
                    "To this UK day (31/3/2026 or 2026-03-31) or time, inclusive");
  add_export_options(audit, *export_args);
  add_read_as(audit, s);
  audit->callback([&s, audit, query, export_args] {
    // A report added as a subcommand of `audit` (e.g. `audit signoffs`) runs on its own.
    if (!audit->get_subcommands().empty()) return;
    run_audit(s, *query, *export_args);
  });

  auto* signoffs = audit->add_subcommand(
      "signoffs",
      "One row per item approved in the range: the version approved, every approver with "
      "decision and time, time to approval, and any step escalated as overdue");
  auto range = std::make_shared<AuditQuery>();
  auto signoff_export = std::make_shared<ExportArgs>();
  signoffs->add_option("--from", range->from, "Approved from this UK day or time, inclusive");
  signoffs->add_option("--to", range->to, "Approved up to this UK day or time, inclusive");
  signoffs->add_option("--workflow", range->workflow, "Only items of this workflow");
  add_export_options(signoffs, *signoff_export);
  add_read_as(signoffs, s);
  signoffs->callback([&s, range, signoff_export] {
    s.only_reads();
    s.reader().require_audit();
    ReadAccess access(s.engine(/*create=*/false, /*load_workflows=*/false), s.reader());
    resolve_typed_names(s.engine(), *range);
    say_zone(*range);
    AuditSight sight(access);
    AuditWords words(s.engine());
    ChainHead head;
    ReportTable table = signoff_table(
        s.store(), *range, head, [&](const Item& item) { return sight.title(item); }, words);
    ReportHeader header = report_header(s, describe(*range), head.seq, head.hash);
    header.range_shown = words.described(*range);
    print_report(s, table, header, *signoff_export);
  });

  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Check the hash chain and that every item matches its events (exit 1 if not). Read-only.");
  auto verify_args = std::make_shared<VerifyArgs>();
  verify_cmd->add_flag("--head", verify_args->head,
                       "Print only the verified chain head as SEQ:HASH, to record (e.g. in "
                       "board minutes)");
  verify_cmd->add_option("--since-head", verify_args->since_head,
                         "SEQ:HASH from an earlier --head: also prove the history up to it is "
                         "unchanged");
  verify_cmd->callback([&s, verify_args] { run_verify(s, *verify_args); });
}

}  // namespace commsflow::cli
