#include "server/html.h"

#include <commsflow/html_escape.h>
#include <fmt/format.h>

#include <vector>

#include "base/uk_time.h"
#include "server/security_headers.h"

namespace commsflow::server {

std::string escape(std::string_view text) {
  return escape_html(text);
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
  return fmt::format(R"(<time datetime="{}">{}</time>)", escape(utc), escape(uk_datetime(utc)));
}

std::string due_html(std::string_view utc, TimePoint now) {
  auto due = parse_datetime(utc);
  if (!due) return escape(utc);
  return fmt::format("{} ({})", time_html(utc), due_phrase(*due, now));
}

std::string page_html(const PageFrame& frame, std::string_view body_html) {
  struct Link {
    const char* path;
    const char* label;
  };
  static const Link links[] = {{"/queue", "Triage queue"}, {"/requests/new", "New request"},
                               {"/items", "All items"},    {"/sign-offs", "My sign-offs"},
                               {"/audit", "Audit"},        {"/admin", "Workflows"}};
  std::string nav;
  if (!frame.actor.empty()) {
    std::string items;
    for (const auto& link : links) {
      if (std::string_view(link.path) == "/audit" && !frame.audit_link) continue;
      if (std::string_view(link.path) == "/admin" && !frame.admin_link) continue;
      bool current = frame.current_path == link.path;
      items += fmt::format(
          R"(<li class="nhsuk-header__navigation-item{}"><a class="nhsuk-header__navigation-link" href="{}"{}>{}</a></li>)",
          current ? " nhsuk-header__navigation-item--current" : "", link.path,
          current ? R"( aria-current="page")" : "", link.label);
    }
    nav = fmt::format(
        R"(<nav class="nhsuk-header__navigation" aria-label="Menu"><div class="nhsuk-header__navigation-container nhsuk-width-container"><ul class="nhsuk-header__navigation-list">{}<li class="nhsuk-header__menu" hidden><button class="nhsuk-header__menu-toggle nhsuk-header__navigation-link" id="toggle-menu" aria-expanded="false"><span class="nhsuk-u-visually-hidden">Browse </span>More</button></li></ul></div></nav>)",
        items);
  }
  std::string account;
  if (!frame.actor.empty()) {
    account = fmt::format(
        R"(<nav class="nhsuk-header__account" aria-label="Account"><ul class="nhsuk-header__account-list"><li class="nhsuk-header__account-item">Signed in as <a class="nhsuk-header__account-link" href="/account"><strong class="cf-actor">{}</strong></a></li><li class="nhsuk-header__account-item"><form method="post" action="/sign-out"><input type="hidden" name="csrf" value="{}"><button class="nhsuk-header__account-button" type="submit">Sign out</button></form></li></ul></nav>)",
        escape(frame.actor), escape(frame.csrf));
  }
  return fmt::format(
      R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - commsflow</title>
<link rel="stylesheet" href="{frontend_css}">
<link rel="icon" href="/assets/images/favicon.ico">
<link rel="stylesheet" href="{app_css}">
</head>
<body class="js-enabled">
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<header class="nhsuk-header" role="banner" data-module="nhsuk-header">
<div class="nhsuk-header__container nhsuk-width-container">
<div class="nhsuk-header__service"><a class="nhsuk-header__service-logo" href="/queue" aria-label="commsflow homepage"><svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS"><title>NHS</title><path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"></path></svg><span class="nhsuk-header__service-name">commsflow</span></a></div>
{account}
</div>
{nav}
</header>
<div class="nhsuk-width-container">
<main class="nhsuk-main-wrapper" id="maincontent">
{body}
</main>
</div>
<footer class="nhsuk-footer" role="contentinfo"><div class="nhsuk-width-container"><p class="nhsuk-body-s">commsflow: every change is recorded in a hash-chained history.</p></div></footer>
<script type="module" src="{app_js}"></script>
</body>
</html>
)",
      fmt::arg("frontend_css", static_path("nhsuk-frontend.css")),
      fmt::arg("app_css", static_path("commsflow.css")),
      fmt::arg("app_js", static_path("commsflow.js")), fmt::arg("title", escape(frame.title)),
      fmt::arg("account", account), fmt::arg("nav", nav), fmt::arg("body", body_html));
}

std::string error_summary_html(const std::vector<std::pair<std::string, std::string>>& problems) {
  if (problems.empty()) return {};
  std::string items;
  for (const auto& [id, message] : problems) {
    if (id.empty())
      items += fmt::format("<li>{}</li>", escape(message));
    else
      items += fmt::format(R"(<li><a href="#{}">{}</a></li>)", escape(id), escape(message));
  }
  return fmt::format(
      R"(<div class="nhsuk-error-summary" data-module="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1"><h2 class="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2><div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list">{}</ul></div></div>)",
      items);
}

}  // namespace commsflow::server
