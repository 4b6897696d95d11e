// Audit downloads for the Audit page: the audit query and the sign-off summary of `commsflow
// audit`, as CSV, JSON or a printable HTML page, with the filters of the form on the Audit page.
#include <commsflow/audit.h>
#include <commsflow/report_table.h>
#include <fmt/format.h>

#include "server/context.h"
#include "server/pages.h"

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
  auto text_input = [](const char* name, const char* label, const char* hint) {
    return fmt::format(
        R"(<div class="nhsuk-form-group"><label class="nhsuk-label" for="audit-{0}">{1} (optional)</label><div class="nhsuk-hint" id="audit-{0}-hint">{2}</div><input class="nhsuk-input nhsuk-input--width-20" id="audit-{0}" name="{0}" type="text" aria-describedby="audit-{0}-hint"></div>)",
        name, label, hint);
  };
  auto radios = [](const char* name, const char* legend,
                   std::initializer_list<std::pair<const char*, const char*>> choices) {
    std::string items;
    bool first = true;
    for (const auto& [value, label] : choices) {
      items += fmt::format(
          R"(<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="audit-{0}-{1}" name="{0}" type="radio" value="{1}"{3}><label class="nhsuk-label nhsuk-radios__label" for="audit-{0}-{1}">{2}</label></div>)",
          name, value, label, first ? " checked" : "");
      first = false;
    }
    return fmt::format(
        R"(<div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{}</legend><div class="nhsuk-radios nhsuk-radios--inline">{}</div></fieldset></div>)",
        legend, items);
  };
  return fmt::format(
      R"(<h2 id="downloads">Audit reports</h2><p class="nhsuk-body">Every filter is optional; they combine.</p><form method="get" action="/audit/download" novalidate>{}{}{}{}{}{}{}<button class="nhsuk-button" type="submit">Download report</button></form><ul class="nhsuk-list nhsuk-list--bullet"><li>All events: <a href="/audit/download?report=history&amp;format=csv">CSV</a>, <a href="/audit/download?report=history&amp;format=json">JSON</a>, <a href="/audit/download?report=history&amp;format=html">printable page</a></li><li>All sign-offs: <a href="/audit/download?report=sign-offs&amp;format=csv">CSV</a>, <a href="/audit/download?report=sign-offs&amp;format=json">JSON</a>, <a href="/audit/download?report=sign-offs&amp;format=html">printable page</a></li></ul>)",
      radios("report", "Report",
             {{"history", "Events (who did what, when)"}, {"sign-offs", "Sign-offs (approvals)"}}),
      text_input("actor", "Actor", "Who acted, or on whose behalf"),
      text_input("workflow", "Workflow",
                 "Its name as the workflows list shows it, for example <code>media_signoff</code>"),
      text_input("action", "Action", "For example, decide"),
      text_input("from", "From", "A date, for example 2026-01-01, or a date and time"),
      text_input("to", "To", "A date, for example 2026-03-31, or a date and time"),
      radios("format", "Format", {{"csv", "CSV"}, {"json", "JSON"}, {"html", "Printable page"}}));
}

void add_audit_download_routes(httplib::Server& http, Context& c) {
  http.Get("/audit/download",
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
             {
               auto lock = c.lock();
               Store& store = c.engine.store();
               if (report == "history") {
                 table = audit_table();
                 head = query_history(store, query, [&table](AuditRow&& row) {
                   table.rows.push_back(audit_cells(std::move(row)));
                 });
               } else {
                 table = signoff_table(store, query, head);
               }
             }
             ReportHeader header{c.engine.store().path().filename().string(), describe(query),
                                 c.now(), head.seq, head.hash};
             std::string body;
             if (format.name == std::string_view("csv"))
               body = render_csv(table);
             else if (format.name == std::string_view("json"))
               body = render_json(table, header).dump(2);
             else
               body = render_html(table, header);
             if (format.name != std::string_view("html")) {
               res.set_header(
                   "Content-Disposition",
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
