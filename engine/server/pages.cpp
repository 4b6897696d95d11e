// The pages: sign-in, triage queue, all items, my sign-offs, audit and workflows (admin).
#include "server/pages.h"

#include <commsflow/queue.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/calls.h"
#include "server/forms.h"
#include "server/paging.h"
#include "server/security_headers.h"
#include "server/views.h"

namespace commsflow::server {

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

std::string success_banner_html(const std::string& heading, const std::string& body_html) {
  return fmt::format(
      R"(<div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert" aria-labelledby="done-title" data-module="nhsuk-notification-banner"><div class="nhsuk-notification-banner__header"><h2 class="nhsuk-notification-banner__title" id="done-title">Success</h2></div><div class="nhsuk-notification-banner__content"><h3 class="nhsuk-notification-banner__heading">{}</h3>{}</div></div>)",
      escape(heading), body_html);
}

namespace {

// The queue page shows this many items at a time (`?page=1` is the first page).
constexpr std::int64_t kQueuePageSize = 50;
constexpr std::int64_t kQueueMaxPage = 1'000'000'000;

// Only paths of this server are followed after sign-in, so the form cannot send people
// elsewhere: a "/" then printable ASCII, with no backslash, no "//" (a browser reads "//host" or
// "/\t/host" as another site) and no encoded slash or backslash that a later decoding could
// turn into one. Anything else goes to the queue.
std::string safe_next(const std::string& next) {
  if (next.size() < 2 || next[0] != '/') return "/queue";
  for (char ch : next) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '\\') return "/queue";
  }
  std::string lower = next;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* bad : {"//", "%2f", "%5c", "%09", "%0a", "%0d", "%00"}) {
    if (lower.find(bad) != std::string::npos) return "/queue";
  }
  return next;
}

std::string sign_in_body(const std::string& next, const std::string& name,
                         const std::string& problem) {
  std::string summary = problem.empty() ? "" : error_summary_html({{"field-name", problem}});
  return fmt::format(
      R"({}<h1>Sign in to commsflow</h1>
<form method="post" action="/sign-in" novalidate>
<input type="hidden" name="next" value="{}">
<div class="nhsuk-form-group"><label class="nhsuk-label" for="field-name">Name</label>
<input class="nhsuk-input nhsuk-u-width-one-half" id="field-name" name="name" type="text" autocomplete="username" spellcheck="false" value="{}"></div>
<div class="nhsuk-form-group"><label class="nhsuk-label" for="field-password">Password</label>
<input class="nhsuk-input nhsuk-u-width-one-half" id="field-password" name="password" type="password" autocomplete="current-password"></div>
<button class="nhsuk-button" type="submit">Sign in</button>
</form>)",
      summary, escape(next), escape(name));
}

// Open items of the "incident" workflow, for the banner.
std::vector<Item> active_incidents(ReadAccess& access) {
  Engine& engine = access.engine();
  std::vector<Item> out;
  if (!engine.store().current_version("incident")) return out;
  for (auto& item : access.items(ItemFilter{"incident", "", -1})) {
    if (!engine.registry().version(item.version).definition.is_final(item.state)) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

std::string incident_banner(ReadAccess& access) {
  std::string html;
  for (const auto& incident : active_incidents(access)) {
    html += fmt::format(
        R"(<div class="nhsuk-warning-callout"><h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>Incident in progress</span></h2><p>{} ({} incident, declared {}). Less urgent work is paused while it lasts.</p></div>)",
        escape(value_text(incident.data.value("name", Json(incident.ref)))),
        escape(value_text(incident.data.value("level", Json("unknown")))),
        time_html(incident.created_at));
  }
  return html;
}

std::string select_html(const std::string& id, const std::string& label, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        const std::string& current) {
  std::string opts;
  for (const auto& [value, text] : options) {
    opts += fmt::format(R"(<option value="{}"{}>{}</option>)", escape(value),
                        value == current ? " selected" : "", escape(text));
  }
  return fmt::format(
      R"(<div class="nhsuk-form-group"><label class="nhsuk-label" for="{0}">{1}</label><select class="nhsuk-select" id="{0}" name="{2}">{3}</select></div>)",
      id, escape(label), escape(name), opts);
}

std::string workflow_options(Engine& engine, const std::string& current,
                             const std::string& select_id) {
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& w : engine.workflows()) {
    if (w.name == "incident") continue;
    options.push_back({w.name, w.title.empty() ? w.name : w.title});
  }
  return select_html(select_id, "Workflow", "workflow", options, current);
}

// Previous and next links to `path` for page `page` of `pages`, keeping the filters in `query`
// ("workflow=...&amp;tier=...", encoded and escaped). Empty when nothing matches or everything
// fits on the one page shown.
std::string pagination_html(const std::string& path, const std::string& query, std::int64_t page,
                            std::int64_t pages) {
  if (pages == 0 || (pages == 1 && page == 1)) return "";
  auto link = [&](std::int64_t to, const char* rel, const char* label) {
    return fmt::format(
        R"(<li class="nhsuk-pagination-item--{0}"><a class="nhsuk-pagination__link nhsuk-pagination__link--{1}" rel="{0}" href="{6}?{2}&amp;page={3}"><span class="nhsuk-pagination__title">{4}</span><span class="nhsuk-u-visually-hidden">:</span> <span class="nhsuk-pagination__page">Page {3} of {5}</span></a></li>)",
        rel, rel == std::string("previous") ? "prev" : "next", query, to, label, pages, path);
  };
  std::string links;
  if (page > 1) links += link(std::min(page - 1, pages), "previous", "Previous");
  if (page < pages) links += link(page + 1, "next", "Next");
  return fmt::format(
      R"(<nav class="nhsuk-pagination" role="navigation" aria-label="Pagination"><p class="nhsuk-body">Page {} of {}</p><ul class="nhsuk-list nhsuk-pagination__list">{}</ul></nav>)",
      page, pages, links);
}

// The queue of a workflow, in the order and with the tiers its `queue` declares: a column for
// the tier, due time and late flag only when it names them.
std::string queue_body(Context& c, const Principal& p, const httplib::Request& req) {
  QueueQuery query;
  query.workflow = param(req, "workflow");
  if (query.workflow.empty()) query.workflow = "comms_request";
  query.tier = param(req, "tier");
  std::string late = param(req, "late");
  query.late_only = late == "yes";
  std::string sort = param(req, "sort");
  query.order = sort == "due"   ? QueueOrder::Due
                : sort == "ref" ? QueueOrder::Reference
                                : QueueOrder::Workflow;
  std::int64_t page = whole_number_param(req, "page", 1, 1, kQueueMaxPage);
  query.offset = (page - 1) * kQueuePageSize;
  query.limit = kQueuePageSize;

  auto lock = c.lock();
  ReadAccess access = c.read_access(p.actor);
  QueuePage found = access.queue(query);
  const std::vector<Item>& items = found.items;
  std::int64_t pages = (found.total + kQueuePageSize - 1) / kQueuePageSize;
  static const Definition kNoWorkflow;
  const Definition& d = c.engine.store().current_version(query.workflow)
                            ? c.engine.registry().current(query.workflow).definition
                            : kNoWorkflow;
  const QueueSpec& spec = d.queue;
  auto label_of = [&](const std::string& field) {
    const FieldSpec* f = d.field(field);
    return f ? field_label(*f) : readable_label(field);
  };
  const bool has_assignee = d.field("assignee") != nullptr;
  // The filters again, for the page links (HTML-escaped, as they go into href attributes).
  std::string filters_query =
      escape(fmt::format("workflow={}&tier={}&late={}&sort={}", url_encode(query.workflow),
                         url_encode(query.tier), url_encode(late), url_encode(sort)));

  std::string rows;
  auto cell = [](const std::string& html) {
    return fmt::format(R"(<td class="nhsuk-table__cell">{}</td>)", html);
  };
  for (const auto& item : items) {
    std::string row =
        cell(fmt::format(R"(<a href="/items/{}">{}</a>)", url_encode(item.ref), escape(item.ref))) +
        cell(escape(item.data.value("title", std::string())));
    if (!spec.tier_field.empty())
      row += cell(tier_tag(spec, item.data.value(spec.tier_field, Json())));
    if (!spec.due_field.empty()) {
      std::string due = item.data.value(spec.due_field, std::string());
      const auto due_at = parse_datetime(due);
      const bool overdue = due_at && *due_at < c.clock.now() && !spec.holds(item.state);
      row += cell(
          due.empty()
              ? std::string("None")
              : std::string(
                    overdue
                        ? R"(<strong class="nhsuk-tag nhsuk-tag--red cf-overdue">Overdue</strong> )"
                        : "") +
                    due_html(due, c.clock.now()));
    }
    if (!spec.late_field.empty()) {
      bool is_late = item.data.value(spec.late_field, false);
      std::string reason = spec.late_reason_field.empty()
                               ? std::string()
                               : item.data.value(spec.late_reason_field, std::string());
      row += cell(
          is_late
              ? fmt::format(
                    R"(<strong class="nhsuk-tag nhsuk-tag--red cf-late">Late</strong> <span class="nhsuk-body-s">{}</span>)",
                    escape(reason))
              : "On time");
    }
    if (has_assignee) {
      row += cell(
          item.data.contains("assignee")
              ? escape(person_name(c.engine.store(), item.data.value("assignee", std::string())))
              : std::string("Not assigned"));
    }
    row +=
        cell(escape(state_label(c.engine.registry().version(item.version).definition, item.state)));
    rows +=
        fmt::format(R"(<tr class="nhsuk-table__row" data-ref="{}">{}</tr>)", escape(item.ref), row);
  }
  auto header = [](const std::string& label) {
    return fmt::format(R"(<th scope="col" class="nhsuk-table__header">{}</th>)", escape(label));
  };
  std::string headers = header("Reference") + header("Title");
  if (!spec.tier_field.empty()) headers += header(label_of(spec.tier_field));
  if (!spec.due_field.empty()) headers += header("Due");
  if (!spec.late_field.empty()) headers += header("Late");
  if (has_assignee) headers += header("Assignee");
  headers += header("State");
  std::string table =
      found.total == 0 ? R"(<p class="nhsuk-body">Nothing in the queue matches.</p>)"
      : items.empty()
          ? fmt::format(
                R"(<p class="nhsuk-body">There is no page {} of the queue. <a href="/queue?{}">Go to the first page</a>.</p>)",
                page, filters_query)
          : fmt::format(
                R"(<table class="nhsuk-table" id="queue"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Open items, {} shown</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{}</tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
                items.size(), headers, rows);

  std::string filters = workflow_options(c.engine, query.workflow, "filter-workflow");
  if (!spec.tiers.empty()) {
    std::vector<std::pair<std::string, std::string>> tiers{{"", "Any"}};
    for (const auto& t : spec.tiers) tiers.emplace_back(t.value, t.label);
    filters += select_html("filter-tier", label_of(spec.tier_field), "tier", tiers, query.tier);
  }
  if (!spec.late_field.empty()) {
    filters += select_html("filter-late", "Late", "late",
                           {{"", "Late or on time"}, {"yes", "Late only"}}, late);
  }
  std::vector<std::pair<std::string, std::string>> orders{{"", "Queue order"}};
  if (!spec.due_field.empty()) orders.emplace_back("due", "Due time");
  orders.emplace_back("ref", "Reference");
  filters += select_html("filter-sort", "Sort by", "sort", orders, sort);
  const std::string incidents =
      may_declare_incidents(c.engine, p.actor)
          ? R"(<p class="nhsuk-body"><a href="/incidents">Declare or close an incident</a></p>)"
          : "";
  return fmt::format(
      R"(<h1>Triage queue</h1>{}{}<form method="get" action="/queue" class="cf-filters">{}<div class="nhsuk-form-group"><button class="nhsuk-button nhsuk-button--secondary" type="submit">Apply</button></div></form><p class="nhsuk-body">{} open item(s).</p>{}{})",
      incident_banner(access), incidents, filters, found.total, table,
      pagination_html("/queue", filters_query, page, pages));
}

// True when `text` holds `part`, ignoring the case of ASCII letters.
bool contains_folded(std::string_view text, std::string_view part) {
  auto fold = [](char ch) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  };
  return std::search(text.begin(), text.end(), part.begin(), part.end(),
                     [&](char a, char b) { return fold(a) == fold(b); }) != text.end();
}

// All items the reader may see, filtered by workflow, state, "mine" (submitted by them or
// assigned to them) and a search of reference and title, 50 a page.
std::string items_body(Context& c, const Principal& p, const httplib::Request& req) {
  constexpr std::int64_t kPageSize = 50;
  const std::string workflow = param(req, "workflow");
  const std::string state = param(req, "state");
  const std::string search = param(req, "q");
  const bool mine = param(req, "mine") == "yes";
  std::int64_t page = whole_number_param(req, "page", 1, 1, 1000000);

  auto lock = c.lock();
  std::vector<Item> found;
  for (auto& item : c.read_access(p.actor).items(ItemFilter{workflow, state, -1})) {
    const Definition& d = c.engine.registry().version(item.version).definition;
    if (!search.empty() && !contains_folded(item.ref, search) &&
        !contains_folded(item_title(d, item), search)) {
      continue;
    }
    if (mine && item.data.value("assignee", std::string()) != p.actor.name &&
        c.engine.store().creator(item.ref) != p.actor.name) {
      continue;
    }
    found.push_back(std::move(item));
  }
  const auto total = static_cast<std::int64_t>(found.size());
  const std::int64_t pages = (total + kPageSize - 1) / kPageSize;
  std::string rows;
  for (std::int64_t i = (page - 1) * kPageSize; i < std::min(total, page * kPageSize); ++i) {
    const Item& item = found[static_cast<std::size_t>(i)];
    const Definition& definition = c.engine.registry().version(item.version).definition;
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row" data-ref="{1}"><td class="nhsuk-table__cell"><a href="/items/{0}">{1}</a></td><td class="nhsuk-table__cell">{2}</td><td class="nhsuk-table__cell">{3}</td><td class="nhsuk-table__cell">{4}</td><td class="nhsuk-table__cell">{5}</td></tr>)",
        url_encode(item.ref), escape(item.ref), escape(definition.title),
        escape(item_title(definition, item)), escape(state_label(definition, item.state)),
        time_html(item.updated_at));
  }

  std::vector<std::pair<std::string, std::string>> workflows = {{"", "Any"}};
  for (const auto& w : c.engine.workflows()) {
    workflows.push_back({w.name, w.title.empty() ? readable_label(w.name) : w.title});
  }
  std::string state_filter;
  if (!workflow.empty() && c.engine.store().current_version(workflow)) {
    std::vector<std::pair<std::string, std::string>> states = {{"", "Any"}};
    for (const auto& s : c.engine.registry().current(workflow).definition.states) {
      states.push_back({s.name, s.label});
    }
    state_filter = select_html("filter-state", "State", "state", states, state);
  }
  const std::string filters = fmt::format(
      R"(<form class="cf-filters" method="get" action="/items">{}{}<div class="nhsuk-form-group"><label class="nhsuk-label" for="filter-q">Reference or title</label><input class="nhsuk-input" id="filter-q" name="q" type="search" value="{}"></div><div class="nhsuk-checkboxes__item"><input class="nhsuk-checkboxes__input" id="filter-mine" name="mine" type="checkbox" value="yes"{}><label class="nhsuk-label nhsuk-checkboxes__label" for="filter-mine">Mine only</label></div><div class="nhsuk-form-group"><button class="nhsuk-button nhsuk-button--secondary" type="submit">Apply</button></div></form>)",
      select_html("filter-workflow", "Workflow", "workflow", workflows, workflow), state_filter,
      escape(search), mine ? " checked" : "");
  const std::string filters_query =
      escape(fmt::format("workflow={}&state={}&q={}&mine={}", url_encode(workflow),
                         url_encode(state), url_encode(search), mine ? "yes" : ""));
  const std::string table =
      total == 0
          ? R"(<p class="nhsuk-body">No items match.</p>)"
          : fmt::format(
                R"(<table class="nhsuk-table" id="items"><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Reference</th><th scope="col" class="nhsuk-table__header">Workflow</th><th scope="col" class="nhsuk-table__header">Title</th><th scope="col" class="nhsuk-table__header">State</th><th scope="col" class="nhsuk-table__header">Updated</th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
                rows);
  return fmt::format(R"(<h1>All items</h1>{}<p class="nhsuk-body">{} item(s).</p>{}{})", filters,
                     total, table, pagination_html("/items", filters_query, page, pages));
}

std::string audit_body(Context& c) {
  auto lock = c.lock();
  VerifyReport report = verify(c.engine.store());
  std::string problems;
  for (const auto& p : report.problems) problems += fmt::format("<li>{}</li>", escape(p.message));
  std::string status =
      report.ok()
          ? fmt::format(
                R"(<div class="nhsuk-inset-text"><p><strong>History verified.</strong> {} events and {} items checked; every event's hash matches the chain and every item matches its events.</p></div>)",
                report.events, report.items)
          : fmt::format(
                R"(<div class="nhsuk-error-summary" role="alert"><h2 class="nhsuk-error-summary__title">The history has been altered</h2><div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list">{}</ul></div></div>)",
                problems);
  return fmt::format(
      R"(<h1>Audit</h1><h2>Integrity of the record</h2>{}<p class="nhsuk-body">Chain head: event {} with hash <code>{}</code>.</p><h2>Downloads</h2><ul class="nhsuk-list nhsuk-list--bullet"><li><a href="/api/v1/audit/verify">Verification report (JSON)</a></li><li>Each item's history is on its page.</li></ul>{})",
      status, report.head_seq, escape(report.head_hash), audit_download_form_html());
}

std::string admin_body(Context& c) {
  auto lock = c.lock();
  std::string rows;
  for (const auto& w : c.engine.workflows()) {
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell"><code>{}</code></td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td></tr>)",
        fmt::format("{} <code>{}</code>", escape(w.title.empty() ? w.name : w.title),
                    escape(w.name)),
        escape(w.version.substr(0, 12)), time_html(w.loaded_at), w.open_items);
  }
  std::string broken;
  for (const auto& d : c.broken)
    broken += fmt::format("<li><code>{}</code></li>", escape(d.to_string()));
  std::string problems =
      c.broken.empty()
          ? R"(<p class="nhsuk-body">Every workflow file loads cleanly.</p>)"
          : fmt::format(
                R"(<div class="nhsuk-error-summary" role="alert" aria-labelledby="broken-title"><h2 class="nhsuk-error-summary__title" id="broken-title">Workflow files that did not load</h2><div class="nhsuk-error-summary__body"><p>The previous version of each stays in service until the file is fixed.</p><ul class="nhsuk-list nhsuk-error-summary__list">{}</ul></div></div>)",
                broken);
  // Emails that failed for good: someone was not told and should be, another way.
  std::string failed_rows;
  std::int64_t failed = 0;
  {
    auto tx = c.engine.store().begin_read();
    for (const auto& e : c.engine.store().outbox_with_status("failed")) {
      ++failed;
      failed_rows += fmt::format(
          R"(<tr class="nhsuk-table__row"><td class="nhsuk-table__cell"><a href="/items/{}">{}</a></td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td></tr>)",
          url_encode(e.ref), escape(e.ref),
          escape(e.recipient.starts_with("role:") ? e.recipient
                                                  : person_name(c.engine.store(), e.recipient)),
          escape(readable_label(e.kind)), e.attempts, escape(e.last_error));
    }
  }
  std::string deliveries =
      failed == 0
          ? R"(<h2>Email</h2><p class="nhsuk-body">No email has failed for good.</p>)"
          : fmt::format(
                R"(<h2>Email</h2><div class="nhsuk-warning-callout"><h3 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>{} email(s) could not be sent</span></h3><p>These people were not told. Tell them another way, and fix what the error says.</p></div><table class="nhsuk-table" id="failed-email"><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Item</th><th scope="col" class="nhsuk-table__header">For</th><th scope="col" class="nhsuk-table__header">About</th><th scope="col" class="nhsuk-table__header">Attempts</th><th scope="col" class="nhsuk-table__header">Last error</th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
                failed, failed_rows);
  return fmt::format(
      R"(<h1>Workflows</h1>{}<p class="nhsuk-body">Files are checked for changes every {} seconds; last checked {}.</p><table class="nhsuk-table"><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Workflow</th><th scope="col" class="nhsuk-table__header">Version</th><th scope="col" class="nhsuk-table__header">Loaded</th><th scope="col" class="nhsuk-table__header">Open items</th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>{})",
      problems, c.options.reload_every.count(), time_html(c.last_reload_at), rows, deliveries);
}

}  // namespace

std::string tier_tag(const QueueSpec& spec, const Json& value) {
  const QueueTier* tier =
      value.is_string() ? spec.tier(value.get_ref<const std::string&>()) : nullptr;
  if (!tier) return value.is_string() ? escape(readable_label(value.get<std::string>())) : "None";
  return fmt::format(R"(<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>)", tier->colour,
                     escape(tier->label));
}

std::string csrf_field(const Principal& principal) {
  return fmt::format(R"(<input type="hidden" name="csrf" value="{}">)", escape(principal.csrf));
}

void require_page(bool allowed) {
  // Not found, not forbidden: a page a person may not use is not confirmed to exist.
  if (!allowed) fail(ErrorKind::NotFound, "Page not found");
}

void send_page(httplib::Response& res, int status, const Principal* principal,
               const std::string& title, const std::string& path, const std::string& body) {
  PageFrame frame{title, principal ? principal->actor.shown_name() : "",
                  principal ? principal->csrf : "", path};
  frame.audit_link = principal && may_audit(principal->actor);
  frame.admin_link = principal && may_administer(principal->actor);
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(page_html(frame, body), "text/html; charset=utf-8");
}

httplib::Server::Handler page(Context& c, bool changes, PageHandler handler) {
  return [&c, changes, handler](const httplib::Request& req, httplib::Response& res) {
    auto principal = authenticate(c, req);
    if (!principal) {
      if (req.method == "GET") {
        res.set_redirect("/sign-in?next=" + url_encode(req.path), 303);
      } else {
        send_page(
            res, 401, nullptr, "Sign in", "",
            R"(<h1>Sign in first</h1><p class="nhsuk-body"><a href="/sign-in">Sign in</a>, then try again.</p>)");
      }
      return;
    }
    if (changes && !csrf_ok(*principal, req)) {
      send_page(
          res, 403, &*principal, "Form expired", "",
          R"(<h1>This form could not be accepted</h1><p class="nhsuk-body">It has expired or did not come from this site. Go back, reload the page and try again. Nothing was changed.</p>)");
      return;
    }
    try {
      handler(*principal, req, res);
    } catch (const Error& e) {
      CallResult r = from_error(e);
      send_page(res, r.status, &*principal, "Problem", "",
                fmt::format(R"(<h1>{}</h1><p class="nhsuk-body">{}</p>)",
                            r.status == 404 ? "Page not found" : "Sorry, there is a problem",
                            escape(r.message)));
    }
  };
}

void add_page_routes(httplib::Server& http, Context& c) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/queue", 303);
  });

  http.Get("/sign-in", [&c](const httplib::Request& req, httplib::Response& res) {
    if (authenticate(c, req)) {
      res.set_redirect(safe_next(param(req, "next")), 303);
      return;
    }
    send_page(res, 200, nullptr, "Sign in", "/sign-in",
              sign_in_body(safe_next(param(req, "next")), "", ""));
  });

  http.Post("/sign-in", [&c](const httplib::Request& req, httplib::Response& res) {
    std::string name = param(req, "name");
    std::string next = safe_next(param(req, "next"));
    SignIn result = sign_in(c, name, param(req, "password"), client_address(c.options, req));
    switch (result.status) {
      case SignIn::Status::Ok:
        res.set_header("Set-Cookie",
                       session_cookie(result.token,
                                      std::chrono::duration_cast<std::chrono::seconds>(
                                          c.options.session_lifetime),
                                      served_over_https(c.options)));
        res.set_redirect(next, 303);
        return;
      case SignIn::Status::Throttled:
        res.set_header("Retry-After", std::to_string(result.retry_after));
        send_page(res, 429, nullptr, "Sign in", "/sign-in",
                  sign_in_body(
                      next, name,
                      fmt::format(
                          "Too many failed attempts for this name or from this place. Try again in "
                          "{} seconds.",
                          result.retry_after)));
        return;
      case SignIn::Status::Wrong:
        send_page(res, 401, nullptr, "Sign in", "/sign-in",
                  sign_in_body(next, name, "Enter a correct name and password"));
        return;
    }
  });

  http.Post("/sign-out", page(c, true, [&c](const Principal& p, const auto&, auto& res) {
              sign_out(c, p);
              res.set_header("Set-Cookie", cleared_session_cookie(served_over_https(c.options)));
              res.set_redirect("/sign-in", 303);
            }));

  http.Get("/queue",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             send_page(res, 200, &p, "Triage queue", "/queue", queue_body(c, p, req));
           }));
  http.Get("/items",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             send_page(res, 200, &p, "All items", "/items", items_body(c, p, req));
           }));
  add_signoff_page_routes(http, c);
  http.Get("/audit", page(c, false, [&c](const Principal& p, const auto&, auto& res) {
             require_page(may_audit(p.actor));
             send_page(res, 200, &p, "Audit", "/audit", audit_body(c));
           }));
  http.Get("/admin", page(c, false, [&c](const Principal& p, const auto&, auto& res) {
             require_page(may_administer(p.actor));
             send_page(res, 200, &p, "Workflows", "/admin", admin_body(c));
           }));

  add_item_page_routes(http, c);
  add_account_page_routes(http, c);
  add_incident_page_routes(http, c);
  add_audit_download_routes(http, c);

  http.set_error_handler([&c](const httplib::Request& req, httplib::Response& res) {
    if (res.status != 404 || !res.body.empty()) return;
    if (req.path.rfind("/api/", 0) == 0) {
      res.set_content(
          Json{{"error", {{"code", "not_found"}, {"message", "no such API route: " + req.path}}}}
              .dump(-1, ' ', false, Json::error_handler_t::replace),
          "application/json");
      return;
    }
    auto principal = authenticate(c, req);
    send_page(
        res, 404, principal ? &*principal : nullptr, "Page not found", "",
        R"(<h1>Page not found</h1><p class="nhsuk-body">Check the address, or go to the <a href="/queue">triage queue</a>.</p>)");
  });
}

}  // namespace commsflow::server
