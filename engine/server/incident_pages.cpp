// GET and POST /incidents: declaring and closing an incident from the browser, through the same
// engine calls as `commsflow incident declare|close` and the API, so the same work is paused and
// resumed whichever is used.
#include <algorithm>

#include "server/calls.h"
#include "server/forms.h"
#include "server/pages.h"

namespace commsflow::server {

namespace {

// Who may close an incident: the roles of its close action.
std::vector<std::string> close_roles(const Definition& d) {
  const StateSpec* first = d.state(d.initial);
  const ActionSpec* close = first ? first->action("close") : nullptr;
  return close ? close->roles : std::vector<std::string>{};
}

// `notice` (a success banner or an error summary) above the page: the active incidents, each
// with a close button for those who may close it, and the form to declare one.
std::string incidents_body(Context& c, const Principal& p, const std::string& notice,
                           const std::string& name, const std::string& level) {
  auto lock = c.lock();
  const Definition& d = c.engine.registry().current("incident").definition;
  require_page(p.actor.holds_any(d.submit.roles) || p.actor.holds_any(d.read.items.roles) ||
               may_administer(p.actor));
  ReadAccess access = c.read_access(p.actor);
  const bool may_close = p.actor.holds_any(close_roles(d));
  std::string rows;
  for (const auto& item : access.items(ItemFilter{"incident", "", -1})) {
    if (c.engine.registry().version(item.version).definition.is_final(item.state)) continue;
    const std::string incident = value_text(item.data.value("name", Json(item.ref)));
    std::string close;
    if (may_close) {
      close = fmt::format(
          R"(<form method="post" action="/incidents/close">{}<input type="hidden" name="name" value="{}"><button class="nhsuk-button nhsuk-button--warning nhsuk-u-margin-bottom-0" type="submit">Close<span class="nhsuk-u-visually-hidden"> {}</span></button></form>)",
          csrf_field(p), escape(incident), escape(incident));
    }
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row"><td class="nhsuk-table__cell"><a href="/items/{}">{}</a></td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td></tr>)",
        url_encode(item.ref), escape(incident),
        escape(readable_label(value_text(item.data.value("level", Json(""))))),
        time_html(item.created_at), close);
  }
  std::string active =
      rows.empty()
          ? R"(<p class="nhsuk-body">No incident is in progress.</p>)"
          : fmt::format(
                R"(<table class="nhsuk-table"><caption class="nhsuk-table__caption">In progress</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Incident</th><th scope="col" class="nhsuk-table__header">Level</th><th scope="col" class="nhsuk-table__header">Declared</th><th scope="col" class="nhsuk-table__header"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
                rows);
  std::string declare;
  if (p.actor.holds_any(d.submit.roles)) {
    std::string levels;
    for (const char* option : {"major", "minor"}) {
      levels += fmt::format(
          R"(<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="level-{0}" name="level" type="radio" value="{0}"{1}><label class="nhsuk-label nhsuk-radios__label" for="level-{0}">{2}</label></div>)",
          option, level == option ? " checked" : "", readable_label(option));
    }
    declare = fmt::format(
        R"(<h2>Declare an incident</h2><p class="nhsuk-body">Work each workflow's incident policy names is paused at once, and resumes, with its due times moved on, when the incident is closed.</p><form method="post" action="/incidents" novalidate>{}<div class="nhsuk-form-group"><label class="nhsuk-label" for="incident-name">Name of the incident</label><div class="nhsuk-hint" id="incident-name-hint">For example, Storm Bert</div><input class="nhsuk-input" id="incident-name" name="name" type="text" aria-describedby="incident-name-hint" value="{}"></div><div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Level</legend><div class="nhsuk-radios">{}</div></fieldset></div><button class="nhsuk-button nhsuk-button--warning" type="submit">Declare the incident</button></form>)",
        csrf_field(p), escape(name), levels);
  }
  return fmt::format(R"({}<h1>Incidents</h1>{}{})", notice, active, declare);
}

std::string success(const std::string& heading, const std::string& text) {
  return success_banner_html(heading, "<p class=\"nhsuk-body\">" + escape(text) + "</p>");
}

// The error summary for a refused or failed declaration or closing; a missing name links to
// its input.
std::string problem(const CallResult& r, const std::string& input_id = "") {
  std::vector<std::pair<std::string, std::string>> problems;
  for (const auto& reason : r.reasons) problems.emplace_back("", reason);
  if (problems.empty()) problems.emplace_back(input_id, r.message);
  return error_summary_html(problems);
}

}  // namespace

bool may_declare_incidents(Engine& engine, const Actor& actor) {
  if (!engine.store().current_version("incident")) return false;
  return engine.may_submit(actor, "incident");
}

void add_incident_page_routes(httplib::Server& http, Context& c) {
  http.Get("/incidents",
           page(c, false, [&c](const Principal& p, const httplib::Request&, auto& res) {
             send_page(res, 200, &p, "Incidents", "/incidents", incidents_body(c, p, "", "", ""));
           }));
  http.Post(
      "/incidents", page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        const std::string name = param(req, "name"), level = param(req, "level");
        CallResult r;
        std::string input_id;  // the input an unanswered question links to
        if (name.find_first_not_of(" \t") == std::string::npos || level.empty()) {
          r.status = 400;
          r.code = "bad_input";
          const bool unnamed = name.find_first_not_of(" \t") == std::string::npos;
          r.message =
              unnamed ? "Enter the name of the incident" : "Select the level of the incident";
          input_id = unnamed ? "incident-name" : "level-major";
        } else {
          r = declare_incident(c, p.actor, name, level);
        }
        if (!r.ok()) {
          send_page(res, r.status, &p, "Error: Incidents", "/incidents",
                    incidents_body(c, p, problem(r, input_id), name, level));
          return;
        }
        send_page(res, 200, &p, "Incidents", "/incidents",
                  incidents_body(c, p,
                                 success(name + " declared",
                                         fmt::format("{} item(s) paused.", r.affected.size())),
                                 "", ""));
      }));
  http.Post("/incidents/close",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              const std::string name = param(req, "name");
              CallResult r = close_incident(c, p.actor, name);
              if (!r.ok()) {
                send_page(res, r.status, &p, "Error: Incidents", "/incidents",
                          incidents_body(c, p, problem(r), "", ""));
                return;
              }
              send_page(
                  res, 200, &p, "Incidents", "/incidents",
                  incidents_body(c, p,
                                 success(name + " closed",
                                         fmt::format("{} item(s) resumed, due times moved on.",
                                                     r.affected.size())),
                                 "", ""));
            }));
}

}  // namespace commsflow::server
