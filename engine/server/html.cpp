#include "server/html.h"

#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <kainjow/mustache.hpp>
#include <vector>

#include "server/security_headers.h"
#include "server/templates.h"

namespace commsflow::server {

std::string escape(std::string_view text) {
  return kainjow::mustache::html_escape(std::string(text));
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string time_html(std::string_view utc) {
  if (!parse_datetime(utc)) return escape(utc);
  return render("time", {{"utc", utc}, {"uk", uk_datetime(utc)}});
}

std::string due_html(std::string_view utc, TimePoint now) {
  auto due = parse_datetime(utc);
  if (!due) return escape(utc);
  return render("due", {{"time", time_html(utc)}, {"phrase", due_phrase(*due, now)}});
}

std::string held_due_html(std::string_view utc) {
  if (!parse_datetime(utc)) return escape(utc);
  return render("due", {{"time", time_html(utc)}, {"phrase", "on hold: its clock is stopped"}});
}

std::string page_html(const PageFrame& frame, std::string_view body_html) {
  struct Link {
    const char* path;
    const char* label;
  };
  static const Link links[] = {{"/queue", "Triage queue"}, {"/requests/new", "New request"},
                               {"/items", "All items"},    {"/sign-offs", "My sign-offs"},
                               {"/audit", "Audit"},        {"/admin", "Workflows"}};
  Json nav = Json::array();
  for (const auto& link : links) {
    if (std::string_view(link.path) == "/audit" && !frame.audit_link) continue;
    if (std::string_view(link.path) == "/admin" && !frame.admin_link) continue;
    nav.push_back(
        {{"path", link.path}, {"label", link.label}, {"current", frame.current_path == link.path}});
  }
  return render("layout", {{"title", frame.title},
                           {"actor", frame.actor},
                           {"csrf", frame.csrf},
                           {"links", nav},
                           {"body", body_html},
                           {"frontend_css", static_path("nhsuk-frontend.css")},
                           {"app_css", static_path("commsflow.css")},
                           {"app_js", static_path("commsflow.js")}});
}

std::string error_summary_html(const std::vector<std::pair<std::string, std::string>>& problems) {
  if (problems.empty()) return {};
  Json entries = Json::array();
  for (const auto& [id, message] : problems) entries.push_back({{"id", id}, {"message", message}});
  return render("error-summary", {{"problems", entries}});
}

}  // namespace commsflow::server
