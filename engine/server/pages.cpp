// The pages: sign-in, triage queue, all items, my sign-offs, audit and workflows (admin).
#include "server/pages.h"

#include <commsflow/people.h>
#include <commsflow/queue.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "server/calls.h"
#include "server/forms.h"
#include "server/paging.h"
#include "server/security_headers.h"
#include "server/templates.h"
#include "server/views.h"

namespace commsflow::server {

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
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
  Json problems = Json::array();
  if (!problem.empty()) problems.push_back({{"id", "field-name"}, {"message", problem}});
  return render(
      "sign-in-page",
      {{"problem", !problem.empty()}, {"problems", problems}, {"next", next}, {"name", name}});
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

// The incidents in progress, for the incident-callouts template.
Json incident_callouts(ReadAccess& access) {
  Json out = Json::array();
  for (const auto& incident : active_incidents(access)) {
    out.push_back({{"name", value_text(incident.data.value("name", Json(incident.ref)))},
                   {"level", value_text(incident.data.value("level", Json("unknown")))},
                   {"declared", time_html(incident.created_at)}});
  }
  return out;
}

// A select's view (the select template): `options` are (value, text) pairs.
Json select_view(const std::string& id, const std::string& label, const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& options,
                 const std::string& current) {
  Json view = {{"id", id}, {"label", label}, {"name", name}, {"options", Json::array()}};
  for (const auto& [value, text] : options) {
    view["options"].push_back({{"value", value}, {"text", text}, {"selected", value == current}});
  }
  return view;
}

// The workflows to offer the reader in a filter, by title: those they may see something of
// (ReadAccess::may_see_some_of), and `current` whatever it is, so that the choice made shows.
std::vector<std::pair<std::string, std::string>> workflows_offered(Engine& engine,
                                                                   ReadAccess& access,
                                                                   const std::string& current,
                                                                   bool with_incidents) {
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& w : engine.workflows()) {
    if (w.name == "incident" && !with_incidents) continue;
    if (w.name != current && !access.may_see_some_of(w.name)) continue;
    options.push_back({w.name, w.title.empty() ? readable_label(w.name) : w.title});
  }
  return options;
}

// The pagination view for page `page` of `pages` of `path`, keeping the filters in `query`
// ("workflow=...&tier=...", encoded): false when nothing matches, when everything fits on the
// one page shown, or past the last page.
Json pagination(const std::string& path, const std::string& query, std::int64_t page,
                std::int64_t pages) {
  // Past the last page the page says so, and links the first.
  if (pages == 0 || page > pages || (pages == 1 && page == 1)) return false;
  Json links = Json::array();
  auto link = [&](std::int64_t to, const char* rel, const char* short_rel, const char* label) {
    links.push_back({{"rel", rel},
                     {"short", short_rel},
                     {"label", label},
                     {"to", to},
                     {"href", fmt::format("{}?{}&page={}", path, query, to)}});
  };
  if (page > 1) link(std::min(page - 1, pages), "previous", "prev", "Previous");
  if (page < pages) link(page + 1, "next", "next", "Next");
  return {{"page", page}, {"pages", pages}, {"links", links}};
}

// The queue of a workflow, in the order and with the tiers its `queue` declares: a column for
// the tier, due time and late flag only when it names them.
// Whether a sign-off step of a current workflow could ask `actor`: they are, or hold the role of,
// one of its approvers or fallbacks, or someone has let them decide in their place.
bool may_be_asked_to_decide(Context& c, const Actor& actor) {
  if (!c.engine.store().delegations(actor.name).empty()) return true;
  const auto names = [&](const std::vector<std::string>& entries) {
    return actor.holds_any(entries) ||
           std::find(entries.begin(), entries.end(), actor.name) != entries.end();
  };
  for (const auto& [name, version] : c.engine.store().workflows()) {
    for (const auto& state : c.engine.registry().version(version).definition.states) {
      if (!state.signoff) continue;
      if (names(state.signoff->escalate_to)) return true;
      for (const auto& group : state.signoff->groups) {
        if (names(group.approvers)) return true;
      }
    }
  }
  return false;
}

std::string queue_body(Context& c, const Principal& p, const httplib::Request& req) {
  QueueQuery query;
  query.workflow = param(req, "workflow");
  query.tier = param(req, "tier");
  std::string late = param(req, "late");
  if (!late.empty() && late != "yes") fail_field("late", "must be yes, or left out");
  query.late_only = late == "yes";
  std::string sort = param(req, "sort");
  if (!sort.empty() && sort != "due" && sort != "ref") {
    fail_field("sort", "must be due or ref, or left out for the queue's order");
  }
  query.order = sort == "due"   ? QueueOrder::Due
                : sort == "ref" ? QueueOrder::Reference
                                : QueueOrder::Workflow;
  std::int64_t page = whole_number_param(req, "page", 1, 1, kQueueMaxPage);
  query.offset = (page - 1) * kQueuePageSize;
  query.limit = kQueuePageSize;

  auto lock = c.lock();
  // The first page most people see: those with decisions waiting are pointed to them. The inbox
  // reads every item, so it is asked only of those some sign-off step could ask.
  const std::size_t waiting =
      may_be_asked_to_decide(c, p.actor) ? Signoff(c.engine).inbox(p.actor.name).size() : 0;
  ReadAccess access = c.read_access(p.actor);
  const auto workflows = workflows_offered(c.engine, access, query.workflow, false);
  // Without a choice, the first workflow the reader may see something of.
  if (query.workflow.empty() && !workflows.empty()) query.workflow = workflows.front().first;
  static const Definition kNoWorkflow;
  const Definition& d = c.engine.store().current_version(query.workflow)
                            ? c.engine.registry().current(query.workflow).definition
                            : kNoWorkflow;
  const QueueSpec& spec = d.queue;
  // A filter the chosen workflow's queue does not have (a rating kept from another workflow's
  // queue when the workflow was changed) is dropped, not applied unseen: it would hide every
  // item, with no box on the page to clear it.
  if (std::none_of(spec.tiers.begin(), spec.tiers.end(),
                   [&](const QueueTier& t) { return t.value == query.tier; })) {
    query.tier.clear();
  }
  if (spec.late_field.empty()) {
    query.late_only = false;
    late.clear();
  }
  QueuePage found = access.queue(query);
  const std::vector<Item>& items = found.items;
  std::int64_t pages = (found.total + kQueuePageSize - 1) / kQueuePageSize;
  auto label_of = [&](const std::string& field) {
    const FieldSpec* f = d.field(field);
    return f ? field_label(*f) : readable_label(field);
  };
  // The column only for readers who may see every row's assignee: a requester is not told
  // that work assigned to someone is "Not assigned".
  bool has_assignee = d.field("assignee") != nullptr;
  for (const auto& item : items)
    has_assignee = has_assignee && access.sight(item).shows("assignee");
  // The filters again, for the page links.
  const std::string filters_query =
      fmt::format("workflow={}&tier={}&late={}&sort={}", url_encode(query.workflow),
                  url_encode(query.tier), url_encode(late), url_encode(sort));

  Json rows = Json::array();
  for (const auto& item : items) {
    Json row = {
        {"ref", item.ref},
        {"href", url_encode(item.ref)},
        {"title", item_title(c.engine.registry().version(item.version).definition, item)},
        {"state", state_label(c.engine.registry().version(item.version).definition, item.state)}};
    if (!spec.tier_field.empty())
      row["tier"] = tier_tag(spec, item.data.value(spec.tier_field, Json()));
    if (!spec.due_field.empty()) {
      const std::string due = item.data.value(spec.due_field, std::string());
      const auto due_at = parse_datetime(due);
      row["due"] =
          due.empty()
              ? Json(false)
              : Json{{"overdue", due_at && *due_at < c.clock.now() && !spec.holds(item.state)},
                     {"when",
                      spec.holds(item.state) ? held_due_html(due) : due_html(due, c.clock.now())}};
    }
    if (!spec.late_field.empty() && item.data.value(spec.late_field, false)) {
      row["late"] = {{"reason", spec.late_reason_field.empty()
                                    ? std::string()
                                    : item.data.value(spec.late_reason_field, std::string())}};
    } else {
      row["late"] = false;
    }
    if (has_assignee) {
      row["assignee"] =
          item.data.contains("assignee")
              ? person_name(c.engine.store(), item.data.value("assignee", std::string()))
              : std::string("Not assigned");
    }
    rows.push_back(std::move(row));
  }

  Json filters = Json::array();
  if (!workflows.empty()) {
    filters.push_back(
        select_view("filter-workflow", "Workflow", "workflow", workflows, query.workflow));
  }
  if (!spec.tiers.empty()) {
    std::vector<std::pair<std::string, std::string>> tiers{{"", "Any"}};
    for (const auto& t : spec.tiers) tiers.emplace_back(t.value, t.label);
    filters.push_back(
        select_view("filter-tier", label_of(spec.tier_field), "tier", tiers, query.tier));
  }
  if (!spec.late_field.empty()) {
    filters.push_back(select_view("filter-late", "Late", "late",
                                  {{"", "Late or on time"}, {"yes", "Late only"}}, late));
  }
  std::vector<std::pair<std::string, std::string>> orders{{"", "Queue order"}};
  if (!spec.due_field.empty()) orders.emplace_back("due", "Due time");
  orders.emplace_back("ref", "Reference");
  filters.push_back(select_view("filter-sort", "Sort by", "sort", orders, sort));
  return render("queue-page", {{"incidents", incident_callouts(access)},
                               {"may_declare", may_declare_incidents(c.engine, p.actor)},
                               {"filters", filters},
                               {"decisions_waiting", waiting > 0 ? Json(waiting) : Json(false)},
                               {"total", found.total},
                               {"nothing_matches", found.total == 0},
                               {"no_such_page", found.total != 0 && items.empty()},
                               {"page", page},
                               {"query", filters_query},
                               {"tier_column", spec.tier_field.empty() ? std::string()
                                                                       : label_of(spec.tier_field)},
                               {"due_column", !spec.due_field.empty()},
                               {"late_column", !spec.late_field.empty()},
                               {"assignee_column", has_assignee},
                               {"has_rows", !rows.empty()},
                               {"shown", rows.size()},
                               {"rows", rows},
                               {"pagination", pagination("/queue", filters_query, page, pages)}});
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
  std::string state = param(req, "state");
  const std::string search = param(req, "q");
  const bool mine = param(req, "mine") == "yes";
  std::int64_t page = whole_number_param(req, "page", 1, 1, 1000000);

  auto lock = c.lock();
  // The state choice is the chosen workflow's: one left over from another reads as "Any".
  if (!workflow.empty() && !c.engine.registry().current(workflow).definition.state(state)) {
    state.clear();
  }
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
  Json rows = Json::array();
  for (std::int64_t i = (page - 1) * kPageSize; i < std::min(total, page * kPageSize); ++i) {
    const Item& item = found[static_cast<std::size_t>(i)];
    const Definition& definition = c.engine.registry().version(item.version).definition;
    rows.push_back({{"ref", item.ref},
                    {"href", url_encode(item.ref)},
                    {"workflow", definition.title},
                    {"title", item_title(definition, item)},
                    {"state", state_label(definition, item.state)},
                    {"updated", time_html(item.updated_at)}});
  }

  std::vector<std::pair<std::string, std::string>> workflows = {{"", "Any"}};
  ReadAccess access = c.read_access(p.actor);
  for (auto& offered : workflows_offered(c.engine, access, workflow, true)) {
    workflows.push_back(std::move(offered));
  }
  Json filters =
      Json::array({select_view("filter-workflow", "Workflow", "workflow", workflows, workflow)});
  // The chosen workflow's states; with none chosen, those of every workflow offered, a name
  // shared by several given once (with each label it has, where they differ).
  std::vector<std::pair<std::string, std::vector<std::string>>> state_labels;
  for (std::size_t w = 1; w < workflows.size(); ++w) {
    const std::string& name = workflows[w].first;
    if ((!workflow.empty() && name != workflow) || !c.engine.store().current_version(name)) {
      continue;
    }
    for (const auto& s : c.engine.registry().current(name).definition.states) {
      auto same = std::find_if(state_labels.begin(), state_labels.end(),
                               [&](const auto& listed) { return listed.first == s.name; });
      if (same == state_labels.end()) same = state_labels.insert(same, {s.name, {}});
      if (std::find(same->second.begin(), same->second.end(), s.label) == same->second.end())
        same->second.push_back(s.label);
    }
  }
  std::vector<std::pair<std::string, std::string>> states = {{"", "Any"}};
  for (const auto& [name, labels] : state_labels)
    states.push_back({name, fmt::format("{}", fmt::join(labels, " / "))});
  if (states.size() > 1) {
    filters.push_back(select_view("filter-state", "State", "state", states, state));
  }
  const std::string filters_query =
      fmt::format("workflow={}&state={}&q={}&mine={}", url_encode(workflow), url_encode(state),
                  url_encode(search), mine ? "yes" : "");
  return render("items-page", {{"filters", filters},
                               {"search", search},
                               {"mine", mine},
                               {"total", total},
                               {"has_rows", !rows.empty()},
                               {"nothing_matches", total == 0},
                               {"no_such_page", total != 0 && rows.empty()},
                               {"page", page},
                               {"query", filters_query},
                               {"rows", rows},
                               {"pagination", pagination("/items", filters_query, page, pages)}});
}

std::string admin_body(Context& c) {
  auto lock = c.lock();
  Json workflows = Json::array();
  for (const auto& w : c.engine.workflows()) {
    workflows.push_back({{"title", w.title.empty() ? w.name : w.title},
                         {"name", w.name},
                         {"version", w.version.substr(0, 12)},
                         {"loaded", time_html(w.loaded_at)},
                         {"open_items", w.open_items}});
  }
  Json broken = Json::array();
  for (const auto& d : c.broken) broken.push_back({{"text", d.to_string()}});
  // Emails that failed for good: someone was not told and should be, another way.
  Json failed = Json::array();
  {
    auto tx = c.engine.store().begin_read();
    for (const auto& e : c.engine.store().outbox_with_status("failed")) {
      failed.push_back({{"ref", e.ref},
                        {"href", url_encode(e.ref)},
                        {"recipient", e.recipient.starts_with("role:")
                                          ? e.recipient
                                          : person_name(c.engine.store(), e.recipient)},
                        {"about", readable_label(e.kind)},
                        {"attempts", e.attempts},
                        {"error", e.last_error}});
    }
  }
  Json people = Json::array();
  for (const auto& a : c.engine.store().actors()) {
    std::vector<std::string> roles;
    for (const auto& r : a.roles) roles.push_back(readable_label(r));
    people.push_back({{"display_name", person_name(c.engine.store(), a.name)},
                      {"name", a.name},
                      {"roles", fmt::format("{}", fmt::join(roles, ", "))},
                      {"email", a.email.empty() ? "None" : a.email},
                      {"status", a.disabled ? "Disabled" : "Active"}});
  }
  return render("admin-page", {{"any_broken", !broken.empty()},
                               {"people", people},
                               {"broken", broken},
                               {"reload_every", c.options.reload_every.count()},
                               {"last_checked", time_html(c.last_reload_at)},
                               {"workflows", workflows},
                               {"any_failed", !failed.empty()},
                               {"failed_count", failed.size()},
                               {"failed", failed}});
}

}  // namespace

std::string tier_tag(const QueueSpec& spec, const Json& value) {
  const QueueTier* tier =
      value.is_string() ? spec.tier(value.get_ref<const std::string&>()) : nullptr;
  if (!tier) return value.is_string() ? escape(readable_label(value.get<std::string>())) : "None";
  return render("nhs-tag", {{"text", tier->label}, {"colour", tier->colour}});
}

namespace {

// A page not found, or one the person may not use (the same to them): the way on from it.
std::string not_found_body() {
  return render("message-page", {{"heading", "Page not found"},
                                 {"before", "Check the address, or go to the "},
                                 {"link", {{"href", "/queue"}, {"text", "triage queue"}}},
                                 {"after", "."}});
}

}  // namespace

void answer_done(Context& c, const Principal& p, httplib::Response& res, const std::string& path,
                 std::string banner, const std::function<void(const std::string&)>& page_with) {
  if (c.notices.keep(p.session_digest, path, banner)) {
    res.set_redirect(path, 303);
  } else {
    page_with(banner);
  }
}

std::string kept_banner(Context& c, const Principal& p, const httplib::Request& req,
                        const std::string& path) {
  return req.method == "GET" ? c.notices.take(p.session_digest, path) : std::string();
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

void post_form(httplib::Server& http, const std::string& pattern,
               httplib::Server::Handler handler) {
  http.Post(pattern, [handler = std::move(handler)](const httplib::Request& req,
                                                    httplib::Response& res,
                                                    const httplib::ContentReader& read) {
    httplib::Request posted = req;  // its `matches` still point into `req`, alive until we return
    const bool read_whole = read([&](const char* data, std::size_t size) {
      posted.body.append(data, size);
      return true;
    });
    if (!read_whole) return;  // the library answers (413 over the limit) and closes
    if (posted.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")) {
      httplib::detail::parse_query_text(posted.body, posted.params);
    }
    handler(posted, res);
  });
}

httplib::Server::Handler page(Context& c, bool changes, PageHandler handler) {
  return [&c, changes, handler](const httplib::Request& req, httplib::Response& res) {
    auto principal = authenticate(c, req);
    if (!principal) {
      if (req.method == "GET" || req.method == "HEAD") {  // HEAD answers as GET would
        // Back to the page asked for, its filters and all (safe_next checks it on the way).
        res.set_redirect("/sign-in?next=" + url_encode(req.target.empty() ? req.path : req.target),
                         303);
      } else {
        send_page(res, 401, nullptr, "Sign in", "",
                  render("message-page", {{"heading", "Sign in first"},
                                          {"link", {{"href", "/sign-in"}, {"text", "Sign in"}}},
                                          {"after", ", then try again."}}));
      }
      return;
    }
    if (changes && !csrf_ok(*principal, req)) {
      send_page(
          res, 403, &*principal, "Form expired", "",
          render("message-page",
                 {{"heading", "This form could not be accepted"},
                  {"text",
                   "It has expired or did not come from this site. Go back, reload the page and "
                   "try again. Nothing was changed."}}));
      return;
    }
    try {
      handler(*principal, req, res);
    } catch (const Error& e) {
      CallResult r = from_error(c, e);
      // A page that is not there (or not theirs) says so as an unknown address does; an item
      // not found names the reference they asked for.
      const bool no_page = r.status == 404 && r.message == "Page not found";
      send_page(res, r.status, &*principal, no_page ? "Page not found" : "Problem", "",
                no_page ? not_found_body()
                        : render("message-page",
                                 {{"heading", r.status == 404 ? "Page not found"
                                                              : "Sorry, there is a problem"},
                                  {"text", r.message}}));
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

  post_form(http, "/sign-in", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string name = typed_person_name(param(req, "name"));
    std::string next = safe_next(param(req, "next"));
    // A page on another site must not sign the browser in (to an account of its choosing, so
    // that what the person then writes lands under that name). Browsers say where a form came
    // from; a request that does not say (a script, an old browser) is taken as it is.
    const std::string from = req.get_header_value("Sec-Fetch-Site");
    if (!from.empty() && from != "same-origin" && from != "none") {
      send_page(res, 403, nullptr, "Sign in", "/sign-in",
                sign_in_body(next, name, "Sign in from this site's own sign-in page"));
      return;
    }
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

  post_form(http, "/sign-out", [&c](const httplib::Request& req, httplib::Response& res) {
    // Signed out already (the session ended, or another tab signed out): nothing to end, and
    // the sign-in page is where they were going.
    if (!authenticate(c, req)) {
      res.set_header("Set-Cookie", cleared_session_cookie(served_over_https(c.options)));
      res.set_redirect("/sign-in", 303);
      return;
    }
    page(c, true, [&c](const Principal& p, const auto&, auto& answer) {
      sign_out(c, p);
      answer.set_header("Set-Cookie", cleared_session_cookie(served_over_https(c.options)));
      answer.set_redirect("/sign-in", 303);
    })(req, res);
  });

  // Typed or bookmarked: a sign-out is a change, so the page asks for the button, never signs
  // out on a GET (a link on another site could).
  http.Get("/sign-out", [&c](const httplib::Request& req, httplib::Response& res) {
    if (!authenticate(c, req)) {
      res.set_redirect("/sign-in", 303);
      return;
    }
    page(c, false, [](const Principal& p, const auto&, auto& answer) {
      send_page(answer, 200, &p, "Sign out", "",
                render("message-page", {{"heading", "Sign out"},
                                        {"text", "Sign out of commsflow on this browser?"}}) +
                    render("post-button", {{"action", "/sign-out"},
                                           {"csrf", p.csrf},
                                           {"fields", Json::array()},
                                           {"label", "Sign out"}}));
    })(req, res);
  });

  http.Get("/queue",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             send_page(res, 200, &p, "Triage queue", "/queue", queue_body(c, p, req));
           }));
  http.Get("/items",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             send_page(res, 200, &p, "All items", "/items", items_body(c, p, req));
           }));
  add_signoff_page_routes(http, c);
  http.Get("/admin", page(c, false, [&c](const Principal& p, const auto&, auto& res) {
             require_page(may_administer(p.actor));
             send_page(res, 200, &p, "Workflows", "/admin", admin_body(c));
           }));

  add_item_page_routes(http, c);
  add_account_page_routes(http, c);
  add_incident_page_routes(http, c);
  add_audit_page_routes(http, c);

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
    send_page(res, 404, principal ? &*principal : nullptr, "Page not found", "", not_found_body());
  });
}

}  // namespace commsflow::server
