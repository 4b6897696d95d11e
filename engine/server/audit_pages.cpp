// The Audit page: whether the history verifies, and its report form; and the reports it asks for,
// the audit query and the sign-off summary of `commsflow audit`, as CSV, JSON or a printable HTML
// page. A wrong filter is answered with the page again, as filled in, saying which and why.
#include <commsflow/audit.h>
#include <commsflow/read_access.h>
#include <commsflow/report_table.h>
#include <commsflow/verify.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "server/context.h"
#include "server/html.h"
#include "server/pages.h"
#include "server/templates.h"

namespace commsflow::server {

namespace {

struct Format {
  const char* name;
  const char* content_type;
};

constexpr Format kFormats[] = {{"csv", "text/csv; charset=utf-8"},
                               {"json", "application/json"},
                               {"html", "text/html; charset=utf-8"}};

const Format& format_named(const std::string& name) {
  for (const auto& f : kFormats) {
    if (name == f.name) return f;
  }
  fail_field("format", "'{}' is not one of csv, json, html", name);
}

// What the report form asked for, shown again with its problems when a filter is wrong.
struct AuditForm {
  std::string report = "history", format = "csv";
  AuditQuery query;
  std::vector<FieldProblem> problems;
};

AuditForm form_of(const httplib::Request& req) {
  AuditForm form;
  if (auto report = param(req, "report"); !report.empty()) form.report = report;
  if (auto format = param(req, "format"); !format.empty()) form.format = format;
  if (auto item = param(req, "item"); !item.empty()) form.query.ref = typed_reference(item);
  form.query.actor = param(req, "actor");
  form.query.workflow = param(req, "workflow");
  form.query.action = param(req, "action");
  form.query.from = param(req, "from");
  form.query.to = param(req, "to");
  return form;
}

// The Audit page: whether the history verifies, and the report form as `form` asked.
std::string audit_body(Context& c, const AuditForm& form) {
  VerifyReport report;
  {
    auto lock = c.lock();
    report = verify(c.engine.store());
  }
  Json problems = Json::array();
  for (const auto& p : report.problems) problems.push_back({{"message", p.message}});
  Json view{{"ok", report.ok()},
            {"events", report.events},
            {"items", report.items},
            {"problems", problems},
            {"head_seq", report.head_seq},
            {"head_hash", report.head_hash},
            {"report_history", form.report != "sign-offs"},
            {"report_signoffs", form.report == "sign-offs"},
            {"format_csv", form.format != "json" && form.format != "html"},
            {"format_json", form.format == "json"},
            {"format_html", form.format == "html"}};
  std::vector<std::pair<std::string, std::string>> summary;
  const std::pair<const char*, const std::string*> filters[] = {
      {"item", &form.query.ref},          {"actor", &form.query.actor},
      {"workflow", &form.query.workflow}, {"action", &form.query.action},
      {"from", &form.query.from},         {"to", &form.query.to}};
  for (const auto& [name, value] : filters) {
    view[name] = *value;
    std::string error;
    for (const auto& problem : form.problems) {
      if (problem.field == name) error = readable_label(name) + ": " + problem.message;
    }
    view[std::string(name) + "_error"] = error;
    if (!error.empty()) summary.emplace_back(fmt::format("audit-{}", name), error);
  }
  // A problem with no box of its own (a report or format typed into the address) is said too.
  for (const auto& problem : form.problems) {
    const bool boxed = std::any_of(std::begin(filters), std::end(filters),
                                   [&](const auto& f) { return problem.field == f.first; });
    if (!boxed) summary.emplace_back("", readable_label(problem.field) + ": " + problem.message);
  }
  view["error_summary"] = summary.empty() ? std::string() : error_summary_html(summary);
  return render("audit-page", view);
}

// Answers with the report `form` asks for. Error(BadInput) naming the field for a wrong filter.
void send_report(Context& c, const Principal& p, const AuditForm& form, httplib::Response& res) {
  const std::string& report = form.report;
  if (report != "history" && report != "sign-offs") {
    fail_field("report", "'{}' is not one of history, sign-offs", report);
  }
  const Format& format = format_named(form.format);
  AuditQuery query = form.query;
  ReportTable table;
  ChainHead head;
  std::string not_verified, range_shown;
  {
    auto lock = c.lock();
    Store& store = c.engine.store();
    resolve_typed_names(c.engine, query);  // "Media statement sign-off", "Decide"
    // A spreadsheet cannot carry a warning, so CSV is not given from a history that does
    // not verify; the HTML and JSON say so at their top.
    not_verified = verify(store).warning();
    if (!not_verified.empty() && format.name == std::string_view("csv")) {
      fail(ErrorKind::Conflict,
           "No CSV was made: {} Download the HTML or JSON, which say so at their top.",
           not_verified);
    }
    ReadAccess access = c.read_access(p.actor);
    // One item's history, when the reader may see the item: one they may not is not there.
    if (!query.ref.empty()) {
      auto item = store.item(query.ref);
      if (!item || !access.view(*item)) {
        fail_field("item", "there is no item {} that you may see", query.ref);
      }
    }
    AuditSight sight(access);
    AuditWords words(c.engine);
    range_shown = words.described(query);
    if (report == "history") {
      table = audit_table();
      head = query_history(store, query, [&](AuditRow&& row) {
        sight.limit(row);
        table.shown.push_back(words.shown(row));
        table.rows.push_back(audit_cells(std::move(row)));
      });
      // An action no event has is said beside its box, not answered with an empty file.
      if (auto never = unknown_action_note(store, query, table.rows.size()); !never.empty()) {
        fail_field("action", "{}", never);
      }
    } else {
      table = signoff_table(
          store, query, head, [&](const Item& item) { return sight.title(item); }, words);
    }
  }
  ReportHeader header{c.engine.store().name(),
                      describe(query),
                      c.now(),
                      head.seq,
                      head.hash,
                      not_verified,
                      range_shown};
  std::string body;
  if (format.name == std::string_view("csv"))
    body = render_csv(table);
  else if (format.name == std::string_view("json"))
    body = render_json(table, header).dump(2);
  else
    body = render_html(table, header);
  if (format.name != std::string_view("html")) {
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"audit-{}.{}\"", report, format.name));
  } else {
    // The printable page is self-contained: its own inline style, nothing else.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  }
  res.status = 200;
  res.set_content(body, format.content_type);
}

}  // namespace

void add_audit_page_routes(httplib::Server& http, Context& c) {
  http.Get("/audit", page(c, false, [&c](const Principal& p, const auto&, auto& res) {
             require_page(may_audit(p.actor));
             send_page(res, 200, &p, "Audit", "/audit", audit_body(c, AuditForm{}));
           }));
  http.Get("/audit/download",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             require_page(may_audit(p.actor));
             AuditForm form = form_of(req);
             try {
               send_report(c, p, form, res);
             } catch (const Error& e) {
               if (e.kind() != ErrorKind::BadInput || e.fields().empty()) throw;
               // A wrong filter: the page again, as it was filled in, saying which and why.
               form.problems = e.fields();
               send_page(res, 400, &p, "Error: Audit", "/audit", audit_body(c, form));
             }
           }));
}

}  // namespace commsflow::server
