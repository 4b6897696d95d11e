// GET and POST /incidents: declaring and closing an incident from the browser (each answered with
// a redirect to the page, which shows what was done once: answer_done), through the same
// engine calls as `commsflow incident declare|close` and the API, so the same work is paused and
// resumed whichever is used.
#include <commsflow/incidents.h>

#include <algorithm>

#include "server/calls.h"
#include "server/forms.h"
#include "server/pages.h"
#include "server/templates.h"

namespace commsflow::server {

namespace {

// The levels an incident may have: the options of the incident workflow's `level` field.
std::vector<std::string> incident_levels(const Definition& d) {
  const FieldSpec* level = d.field("level");
  return level ? level->options : std::vector<std::string>{};
}

// Who may close an incident: the roles of its close action.
std::vector<std::string> close_roles(const Definition& d) {
  const StateSpec* first = d.state(d.initial);
  const ActionSpec* close = first ? first->action("close") : nullptr;
  return close ? close->roles : std::vector<std::string>{};
}

// The errors beside the declaration's questions, "" where none.
struct DeclareErrors {
  std::string name, level;
};

// `notice` (a success banner or an error summary) above the page: the active incidents, each
// with a close button for those who may close it, and the form to declare one, with `errors`.
std::string incidents_body(Context& c, const Principal& p, const std::string& notice,
                           const std::string& name, const std::string& level,
                           const DeclareErrors& errors = {}) {
  auto lock = c.lock();
  const Definition& d = c.engine.registry().current("incident").definition;
  require_page(p.actor.holds_any(d.submit.roles) || p.actor.holds_any(d.read.items.roles) ||
               may_administer(p.actor));
  ReadAccess access = c.read_access(p.actor);
  const bool may_close = p.actor.holds_any(close_roles(d));
  Json rows = Json::array();
  for (const auto& item : access.items(ItemFilter{"incident", "", -1})) {
    if (c.engine.registry().version(item.version).definition.is_final(item.state)) continue;
    const std::string incident = value_text(item.data.value("name", Json(item.ref)));
    std::string close;
    if (may_close) {
      close = render("post-button", {{"action", "/incidents/close"},
                                     {"csrf", p.csrf},
                                     {"fields", {{{"name", "name"}, {"value", incident}}}},
                                     {"label", "Close"},
                                     {"hidden", incident},
                                     {"style", "warning"},
                                     {"inline", true}});
    }
    rows.push_back(
        {{"cells",
          {{{"text", ""},
            {"html",
             render("link", {{"href", "/items/" + url_encode(item.ref)}, {"text", incident}})}},
           {{"text", readable_label(value_text(item.data.value("level", Json(""))))}, {"html", ""}},
           {{"text", ""}, {"html", time_html(item.created_at)}},
           {{"text", ""}, {"html", close}}}}});
  }
  Json active = false;
  if (!rows.empty()) {
    active = {{"caption", "In progress"},
              {"head",
               {{{"text", "Incident"}, {"hidden", ""}},
                {{"text", "Level"}, {"hidden", ""}},
                {{"text", "Declared"}, {"hidden", ""}},
                {{"text", ""}, {"hidden", "Action"}}}},
              {"rows", rows}};
  }
  Json declare = false;
  if (p.actor.holds_any(d.submit.roles)) {
    Json levels = Json::array();
    const FieldSpec* level_field = d.field("level");
    for (const auto& option : incident_levels(d)) {
      levels.push_back({{"value", option},
                        {"label", option_label(*level_field, option)},
                        {"checked", level == option}});
    }
    declare = {{"csrf", p.csrf},
               {"name", name},
               {"name_error", errors.name},
               {"level_error", errors.level},
               {"levels", levels}};
  }
  return render("incident-page", {{"notice", notice}, {"active", active}, {"declare", declare}});
}

std::string success(const std::string& heading, const std::string& text) {
  return render("nhs-notification-banner", {{"success", true},
                                            {"id", "done-title"},
                                            {"title", "Success"},
                                            {"heading", heading},
                                            {"paragraphs", {{{"text", text}}}}});
}

// The error summary for a refused or failed declaration or closing: its reasons, else its message.
std::string problem(const CallResult& r) {
  std::vector<std::pair<std::string, std::string>> problems;
  for (const auto& reason : r.reasons) problems.emplace_back("", reason);
  if (problems.empty()) problems.emplace_back("", r.message);
  return error_summary_html(problems);
}

}  // namespace

bool may_declare_incidents(Engine& engine, const Actor& actor) {
  if (!engine.store().current_version("incident")) return false;
  return engine.may_submit(actor, "incident");
}

void add_incident_page_routes(httplib::Server& http, Context& c) {
  http.Get("/incidents",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             send_page(res, 200, &p, "Incidents", "/incidents",
                       incidents_body(c, p, kept_banner(c, p, req, "/incidents"), "", ""));
           }));
  post_form(
      http, "/incidents",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        const std::string name = param(req, "name"), level = param(req, "level");
        // Each question left unanswered (or answered with no level there is), linked to its
        // input in the summary and said beside it.
        DeclareErrors errors;
        if (name.find_first_not_of(" \t") == std::string::npos) {
          errors.name = "Enter the name of the incident";
        }
        std::vector<std::string> levels;
        {
          auto lock = c.lock();
          levels = incident_levels(c.engine.registry().current("incident").definition);
        }
        if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
          errors.level = "Select the level of the incident";
        }
        if (!errors.name.empty() || !errors.level.empty()) {
          std::vector<std::pair<std::string, std::string>> unanswered;
          if (!errors.name.empty()) unanswered.emplace_back("incident-name", errors.name);
          if (!errors.level.empty() && !levels.empty()) {
            unanswered.emplace_back("level-" + levels.front(), errors.level);  // the first radio
          }
          send_page(res, 400, &p, "Error: Incidents", "/incidents",
                    incidents_body(c, p, error_summary_html(unanswered), name, level, errors));
          return;
        }
        CallResult r = declare_incident(c, p, name, level);
        if (!r.ok()) {
          // A name or level the workflow refused (too long, a control character) is said beside
          // its box, as typed; anything else above the form.
          std::vector<std::pair<std::string, std::string>> said;
          for (const FieldProblem& f : r.field_errors) {
            const bool named = f.field == "name", leveled = f.field == "level";
            const std::string text = readable_label(f.field) + ": " + f.message;
            if (named) errors.name = text;
            if (leveled) errors.level = text;
            said.emplace_back(named                        ? "incident-name"
                              : leveled && !levels.empty() ? "level-" + levels.front()
                                                           : "",
                              text);
          }
          send_page(res, r.status, &p, "Error: Incidents", "/incidents",
                    incidents_body(c, p, said.empty() ? problem(r) : error_summary_html(said), name,
                                   level, errors));
          return;
        }
        answer_done(
            c, p, res, "/incidents",
            success(name + " declared", fmt::format("{} item(s) paused.", r.affected.size())),
            [&](const std::string& banner) {
              send_page(res, 200, &p, "Incidents", "/incidents",
                        incidents_body(c, p, banner, "", ""));
            });
      }));
  post_form(
      http, "/incidents/close",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        const std::string name = param(req, "name");
        CallResult r = close_incident(c, p, name);
        if (!r.ok()) {
          send_page(res, r.status, &p, "Error: Incidents", "/incidents",
                    incidents_body(c, p, problem(r), "", ""));
          return;
        }
        answer_done(
            c, p, res, "/incidents",
            success(name + " closed",
                    fmt::format("{} item(s) resumed, due times moved on.{}", r.affected.size(),
                                r.held.empty()
                                    ? std::string()
                                    : fmt::format(" {}.", still_paused_words(r.held, r.held_for)))),
            [&](const std::string& banner) {
              send_page(res, 200, &p, "Incidents", "/incidents",
                        incidents_body(c, p, banner, "", ""));
            });
      }));
}

}  // namespace commsflow::server
