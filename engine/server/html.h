// HTML building for the pages: escaping and the NHS.UK page frame.
//
// Every piece of text that comes from data, a workflow or the request goes through escape();
// the functions here never insert unescaped text except where their name says `html`.
//
// Thread-safe (pure functions).
#pragma once

#include <commsflow/clock.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commsflow::server {

// Escapes & < > " ' for use in element text and quoted attribute values, as the templates do
// (the mustache library's escaping: ' becomes &apos;).
std::string escape(std::string_view text);
// Escapes a query-string or path component (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

struct PageFrame {
  std::string title;         // <title> and nothing else; the page supplies its own <h1>
  std::string actor;         // signed-in actor, empty on the sign-in page
  std::string csrf;          // for the sign-out form
  std::string current_path;  // marks the current navigation link
  bool audit_link = false;   // the actor may read the audit pages
  bool admin_link = false;   // the actor may administer
};

// A stored UTC time as people read it, in UK time, marked up with the UTC value:
// <time datetime="2026-12-03T14:30:00Z">Thu 3 Dec 2026, 14:30</time>. Text that is not a time
// is shown as it is.
std::string time_html(std::string_view utc);
// The same followed by how far it is from `now`: "(due in 2 hours)", "(overdue by 1 day)".
std::string due_html(std::string_view utc, TimePoint now);
// The due time of held work (a paused request): its time, and that its clock is stopped rather
// than how far off it is, since the time moves on by the hold when work resumes.
std::string held_due_html(std::string_view utc);

// A whole NHS.UK page (header, navigation, main, footer) around `body_html`.
std::string page_html(const PageFrame& frame, std::string_view body_html);

// An NHS error summary: a heading and one entry per problem, linking to `#id` when an id is
// given. Entries are (id, message).
std::string error_summary_html(const std::vector<std::pair<std::string, std::string>>& problems);

}  // namespace commsflow::server
