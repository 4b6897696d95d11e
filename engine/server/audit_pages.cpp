// Audit downloads for the Audit page: the audit query and the sign-off summary of `commsflow
// audit`, as CSV, JSON or a printable HTML page, with the filters of the form on the Audit page.
#include <commsflow/audit.h>
#include <commsflow/read_access.h>
#include <commsflow/report_table.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include "server/context.h"
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

}  // namespace

std::string audit_download_form_html() {
  return render("audit-download-form", Json::object());
}

void add_audit_download_routes(httplib::Server& http, Context& c) {
  http.Get(
      "/audit/download",
      page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        require_page(may_audit(p.actor));
        std::string report = param(req, "report");
        if (report.empty()) report = "history";
        if (report != "history" && report != "sign-offs") {
          fail_field("report", "'{}' is not one of history, sign-offs", report);
        }
        std::string format_name = param(req, "format");
        const Format& format = format_named(format_name.empty() ? "csv" : format_name);
        AuditQuery query;
        query.actor = param(req, "actor");
        query.workflow = param(req, "workflow");
        query.action = param(req, "action");
        query.from = param(req, "from");
        query.to = param(req, "to");
        ReportTable table;
        ChainHead head;
        std::string not_verified, range_note;
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
          AuditSight sight(access);
          AuditWords words(c.engine);
          if (report == "history") {
            table = audit_table();
            head = query_history(store, query, [&](AuditRow&& row) {
              sight.limit(row);
              table.shown.push_back(words.shown(row));
              table.rows.push_back(audit_cells(std::move(row)));
            });
            range_note = unknown_action_note(store, query, table.rows.size());
          } else {
            table = signoff_table(
                store, query, head, [&](const Item& item) { return sight.title(item); }, words);
          }
        }
        ReportHeader header{c.engine.store().name(),
                            describe(query) + (range_note.empty() ? "" : " (" + range_note + ")"),
                            c.now(),
                            head.seq,
                            head.hash,
                            not_verified};
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
      }));
}

}  // namespace commsflow::server
