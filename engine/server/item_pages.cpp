// The New request form and the item page with its action forms and timeline.
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "server/calls.h"
#include "server/form_errors.h"
#include "server/forms.h"
#include "server/item_sections.h"
#include "server/pages.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

using Values = std::map<std::string, std::string>;

// Forms are built with this placeholder for the session's CSRF token, filled in by with_csrf.
// It holds '<', which escaped data never does, so data cannot forge it.
constexpr std::string_view kCsrfPlaceholder = "<cf-csrf>";

std::string with_csrf(std::string body, const Principal& p) {
  const std::string token = escape(p.csrf);
  for (auto pos = body.find(kCsrfPlaceholder); pos != std::string::npos;
       pos = body.find(kCsrfPlaceholder, pos + token.size())) {
    body.replace(pos, kCsrfPlaceholder.size(), token);
  }
  return body;
}

std::vector<const FieldSpec*> request_fields(const Definition& d) {
  std::vector<const FieldSpec*> out;
  for (const auto& f : d.fields) {
    if (is_request_field(f)) out.push_back(&f);
  }
  return out;
}

std::string choose_workflow_body(Context& c, const Principal& p) {
  auto lock = c.lock();
  std::string links;
  for (const auto& w : c.engine.workflows()) {
    if (!c.engine.may_submit(p.actor, w.name)) continue;
    links += fmt::format(R"(<li><a href="/requests/new?workflow={}">{}</a></li>)",
                         url_encode(w.name), escape(w.title.empty() ? w.name : w.title));
  }
  if (links.empty()) {
    return R"(<h1>New request</h1><p class="nhsuk-body">Your roles do not let you start any workflow.</p>)";
  }
  return fmt::format(
      R"(<h1>New request</h1><p class="nhsuk-body">What do you need?</p><ul class="nhsuk-list nhsuk-list--bullet">{}</ul>)",
      links);
}

// For a workflow whose items belong to another's: the choice of the item a new one belongs to,
// posted as `parent` and labelled with the other workflow's title.
FieldSpec parent_field(Context& c, const Definition& d) {
  const Definition& parent = c.engine.registry().current(d.parent).definition;
  FieldSpec spec;
  spec.name = "parent";
  spec.type = FieldType::Choice;
  spec.required = true;
  spec.label = parent.title.empty() ? readable_label(d.parent) : parent.title;
  return spec;
}

// The parent choice: the open items of the parent workflow the person may see, `chosen`
// selected.
std::string parent_input_html(Context& c, const Principal& p, const Definition& d,
                              const FieldSpec& spec, const std::string& chosen,
                              const CallResult* failed) {
  const std::string& label = spec.label;
  std::string options = R"(<option value="">Choose</option>)";
  for (const auto& item : c.read_access(p.actor).items(ItemFilter{d.parent, "", -1})) {
    if (c.engine.registry().version(item.version).definition.is_final(item.state)) continue;
    std::string title = item.data.value("title", item.data.value("name", std::string()));
    options += fmt::format(R"(<option value="{0}"{1}>{0}{2}</option>)", escape(item.ref),
                           item.ref == chosen ? " selected" : "",
                           title.empty() ? "" : ": " + escape(title));
  }
  std::string error = error_for(failed, spec);
  return fmt::format(
      R"(<div class="nhsuk-form-group{0}"><label class="nhsuk-label" for="field-parent">{1}</label>{2}<select class="nhsuk-select{3}" id="field-parent" name="parent"{4}>{5}</select></div>)",
      error.empty() ? "" : " nhsuk-form-group--error", escape(label),
      error.empty()
          ? ""
          : fmt::format(
                R"(<span class="nhsuk-error-message" id="field-parent-error"><span class="nhsuk-u-visually-hidden">Error:</span> {}</span>)",
                escape(error)),
      error.empty() ? "" : " nhsuk-select--error",
      error.empty() ? "" : R"( aria-describedby="field-parent-error")", options);
}

std::string request_form_body(Context& c, const Principal& p, const std::string& workflow,
                              const Values& values, const CallResult* failed) {
  auto lock = c.lock();
  const Definition& d = c.engine.registry().current(workflow).definition;
  auto fields = request_fields(d);
  const std::vector<Actor> people = c.engine.store().actors();
  std::string inputs;
  std::optional<FieldSpec> parent;
  if (!d.parent.empty()) {
    parent = parent_field(c, d);
    auto chosen = values.find("parent");
    inputs +=
        parent_input_html(c, p, d, *parent, chosen == values.end() ? "" : chosen->second, failed);
  }
  for (const FieldSpec* f : fields) {
    auto it = values.find(f->name);
    std::string value = it != values.end() ? it->second
                        : f->default_value ? value_text(*f->default_value)
                                           : std::string();
    inputs += field_input_html(*f, value, error_for(failed, *f), "", &people);
  }
  std::vector<const FieldSpec*> with_parent = fields;
  if (parent) with_parent.insert(with_parent.begin(), &*parent);
  return fmt::format(
      R"({}<h1>{}</h1><form method="post" action="/requests/new" novalidate><input type="hidden" name="csrf" value="{}"><input type="hidden" name="workflow" value="{}">{}<button class="nhsuk-button" type="submit">Submit request</button></form>)",
      failed ? result_summary(*failed, "", with_parent) : "",
      escape(d.title.empty() ? "New " + d.name : "New " + d.title), kCsrfPlaceholder,
      escape(workflow), inputs);
}

// A field's value as people read it: times in UK time, dates and choices in words.
std::string shown_value(const FieldSpec& f, const Json& v) {
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    if (f.type == FieldType::DateTime) return time_html(text);
    if (f.type == FieldType::Date) return escape(uk_date(text));
    if (f.type == FieldType::Choice) return escape(option_label(f, text));
  }
  if (v.is_boolean()) return v.get<bool>() ? "Yes" : "No";
  return escape(value_text(v));
}

// A list of records as a table: a column per field of the record, a row per record.
std::string records_table_html(const FieldSpec& f, const Json& rows) {
  std::string head, body;
  for (const auto& sub : f.item->fields) {
    head += fmt::format(R"(<th scope="col" class="nhsuk-table__header">{}</th>)",
                        escape(field_label(sub)));
  }
  for (const auto& row : rows) {
    std::string cells;
    for (const auto& sub : f.item->fields) {
      auto v = row.is_object() ? row.find(sub.name) : row.end();
      cells += fmt::format(R"(<td class="nhsuk-table__cell">{}</td>)",
                           v == row.end() || v->is_null() ? "" : shown_value(sub, *v));
    }
    body += R"(<tr class="nhsuk-table__row">)" + cells + "</tr>";
  }
  return fmt::format(
      R"(<table class="nhsuk-table cf-records"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">{}</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{}</tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
      escape(field_label(f)), head, body);
}

std::string summary_list(Store& store, const Definition& d, const Item& item) {
  std::string rows;
  for (const auto& f : d.fields) {
    if (!item.data.contains(f.name)) continue;
    const Json& v = item.data[f.name];
    std::string shown = f.name == d.queue.tier_field ? tier_tag(d.queue, v)
                        : f.type == FieldType::Actor && v.is_string()
                            ? escape(person_name(store, v.get<std::string>()))
                            : shown_value(f, v);
    if (f.type == FieldType::List && f.item && f.item->type == FieldType::Record && v.is_array()) {
      shown = v.empty() ? "None" : records_table_html(f, v);
    } else if (v.is_array() && f.item && v.size() > 0) {
      std::string entries;
      for (const auto& e : v) entries += "<li>" + shown_value(*f.item, e) + "</li>";
      shown = R"(<ul class="nhsuk-list nhsuk-list--bullet">)" + entries + "</ul>";
    } else if (v.is_array() || v.is_object()) {
      shown = "<pre class=\"cf-data\">" + shown + "</pre>";
    }
    rows += fmt::format(
        R"(<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{}</dt><dd class="nhsuk-summary-list__value" data-field="{}">{}</dd></div>)",
        escape(field_label(f)), escape(f.name), shown);
  }
  return fmt::format(R"(<dl class="nhsuk-summary-list">{}</dl>)", rows);
}

// `actions`: Engine::available_actions of the stored item for the reader.
std::string action_forms(Engine& engine, const Definition& d, const Item& item,
                         const std::vector<AvailableAction>& actions,
                         const std::string& failed_action, const Values& values,
                         const CallResult* failed) {
  if (d.is_final(item.state)) {
    return R"(<p class="nhsuk-body">This item is closed: no further actions.</p>)";
  }
  const StateSpec* state = d.state(item.state);
  const std::vector<Actor> people = engine.store().actors();  // for fields that name a person
  std::string mine, others;
  for (const auto& a : actions) {
    const ActionSpec* spec = state ? state->action(a.name) : nullptr;
    if (!spec) continue;
    const std::string title =
        a.label.empty() || a.label == a.name ? readable_label(a.name) : a.label;
    if (!a.allowed) {
      others +=
          fmt::format("<li>{}: for {}</li>", escape(title), escape(roles_in_words(a.roles, "or")));
      continue;
    }
    std::string blocked;
    if (!a.blocked_by.empty()) {
      std::string reasons;
      for (const auto& r : a.blocked_by) reasons += fmt::format("<li>{}</li>", escape(r));
      blocked = fmt::format(
          R"(<div class="nhsuk-inset-text"><p>Not possible yet:</p><ul class="nhsuk-list nhsuk-list--bullet">{}</ul></div>)",
          reasons);
      // An action that takes no input cannot become possible from its form: no button, only
      // the reasons. (One that takes input keeps its form: what is typed may satisfy the guard.)
      if (a.sets.empty() && a.fields.empty()) {
        mine +=
            fmt::format(R"(<div class="cf-action"><h3>{}</h3>{}</div>)", escape(title), blocked);
        continue;
      }
    }
    std::string prefix = a.name + "-";
    const CallResult* mine_failed = a.name == failed_action ? failed : nullptr;
    std::string inputs;
    for (const auto& name : a.sets) {
      if (const FieldSpec* f = d.field(name)) {
        auto it = mine_failed ? values.find(name) : values.end();
        std::string value = it != values.end()         ? it->second
                            : item.data.contains(name) ? value_text(item.data[name])
                                                       : std::string();
        inputs += field_input_html(*f, value, error_for(mine_failed, *f), prefix, &people);
      }
    }
    for (const auto& f : spec->fields) {
      auto it = mine_failed ? values.find(f.name) : values.end();
      inputs += field_input_html(f, it != values.end() ? it->second : std::string(),
                                 error_for(mine_failed, f), prefix, &people);
    }
    // Actions that end or discard work are warning buttons (confirmed on the next page);
    // actions that leave the item where it is are secondary.
    const char* kind = !spec->confirm.empty() ? " nhsuk-button--warning"
                       : spec->to.empty()     ? " nhsuk-button--secondary"
                                              : "";
    mine += fmt::format(
        R"(<div class="cf-action"><h3>{0}</h3>{6}<form method="post" action="/items/{1}/actions/{2}" novalidate><input type="hidden" name="csrf" value="<cf-csrf>"><input type="hidden" name="revision" value="{3}">{4}<div class="nhsuk-form-group"><label class="nhsuk-label" for="note-{2}">Note for the history (optional)</label><input class="nhsuk-input" id="note-{2}" name="note" type="text"></div><button class="nhsuk-button{5}" type="submit" data-action="{2}">{0}</button></form></div>)",
        escape(title), url_encode(item.ref), escape(a.name), item.revision, inputs, kind, blocked);
  }
  std::string out =
      mine.empty() ? R"(<p class="nhsuk-body">Nothing here is yours to do.</p>)" : mine;
  if (!others.empty()) {
    out += fmt::format(
        R"(<h3>Actions for other roles</h3><ul class="nhsuk-list nhsuk-list--bullet">{}</ul>)",
        others);
  }
  return out;
}

// A value recorded in an event's payload as people read it (see payload_in_words), a time as a
// <time> element.
std::string payload_text(const Definition& d, Store& store, const std::string& key, const Json& v) {
  const FieldSpec* f = d.field(key);
  if (f && f->type == FieldType::DateTime && v.is_string()) return time_html(v.get<std::string>());
  return escape(payload_in_words(store, d, key, v));
}

std::string timeline(ReadAccess& access, const Item& item) {
  const Definition& d = access.engine().registry().version(item.version).definition;
  std::string entries;
  for (const auto& e : access.history(item.ref)) {
    std::string details;
    for (const auto& [k, v] : e.payload.items()) {
      const FieldSpec* f = d.field(k);
      details += fmt::format("<li>{}: {}</li>", escape(f ? field_label(*f) : readable_label(k)),
                             payload_text(d, access.engine().store(), k, v));
    }
    if (!e.note.empty()) details += fmt::format("<li>Note: {}</li>", escape(e.note));
    entries += fmt::format(
        R"(<li><p class="nhsuk-body nhsuk-u-margin-bottom-1"><strong>{}</strong> by {} on {}: {} &rarr; {}</p>{}</li>)",
        escape(action_label(d, e.action)), escape(person_name(access.engine().store(), e.actor)),
        time_html(e.at), escape(e.from_state.empty() ? "(new)" : state_label(d, e.from_state)),
        escape(state_label(d, e.to_state)),
        details.empty() ? "" : "<ul class=\"nhsuk-list nhsuk-body-s\">" + details + "</ul>");
  }
  return fmt::format(R"(<ol class="nhsuk-list" id="timeline">{}</ol>)", entries);
}

// The action named when a decide post failed (not an action name: those never begin with '_').
constexpr const char* kDecideAction = "_decide";
constexpr const char* kDocumentAction = "_document";

std::string without_carriage_returns(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

std::string item_body(Context& c, const Principal& p, const std::string& ref,
                      const std::string& failed_action, const Values& values,
                      const CallResult* failed, const DecideFormState& decide = {},
                      const DocumentFormState& document = {}, std::string* page_title = nullptr) {
  auto lock = c.lock();
  Engine& engine = c.engine;
  ReadAccess access = c.read_access(p.actor);
  // Rules (checklists, guards, who may decide) judge the item as stored; the page shows only
  // what the reader may see of it.
  const Item stored = engine.item(ref);
  const Sight sight = access.sight(stored);
  const Item item = access.view(stored).value_or(Item{});
  if (!sight.item) item_not_found(ref);
  const Definition& d = engine.registry().version(item.version).definition;
  std::string summary;
  if (failed) {
    std::vector<const FieldSpec*> fields;
    std::string prefix = failed_action + "-";
    const StateSpec* state = d.state(item.state);
    if (const ActionSpec* a = state ? state->action(failed_action) : nullptr) {
      for (const auto& n : a->sets)
        if (const FieldSpec* f = d.field(n)) fields.push_back(f);
      for (const auto& f : a->fields) fields.push_back(&f);
    }
    summary = failed_action == kDecideAction && !decide.error.empty()
                  ? error_summary_html({{"decide-approved", decide.error}})
                  : result_summary(*failed, prefix, fields);
  }
  // Every item page has a heading: the item's title, headline or name, else what it is.
  std::string title = item_title(d, item);
  if (title.empty()) title = fmt::format("{} {}", d.title, item.ref);
  if (page_title) *page_title = fmt::format("{}: {}", item.ref, title);
  // Guards run once per page: the summary and the action forms read the same answers.
  const std::vector<AvailableAction> actions = engine.available_actions(stored, &p.actor);
  // What matters first: the state, what is needed next, the due time and the text being
  // approved; then the details, the records and the actions; what auditors need is folded.
  return fmt::format(
      R"({}<span class="nhsuk-caption-l">{} &middot; {}</span><h1>{}</h1>{}{}{}<h2>Details</h2>{}{}{}{}{}<h2>What you can do</h2>{}<h2>History</h2>{}<details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">For audit</span></summary><div class="nhsuk-details__text"><p class="nhsuk-body" id="item-revision">This is revision {} of the item. Each change above is recorded in the tamper-evident audit log.</p></div></details>)",
      summary, escape(item.ref), escape(d.title.empty() ? d.name : d.title), escape(title),
      at_a_glance_html(engine, d, stored, item, actions),
      sight.document ? current_text_html(engine, item) : std::string(),
      sight.document ? decide_form_html(engine, stored, p.actor, decide) : std::string(),
      summary_list(engine.store(), d, item), checklist_html(engine, stored),
      signoff_html(engine.store(), d, item), children_html(access, item, p.actor),
      sight.document
          ? documents_html(engine, item) + document_form_html(engine, stored, p.actor, document)
          : std::string(),
      action_forms(engine, d, stored, actions, failed_action, values, failed),
      timeline(access, item), item.revision);
}

// Where to go after a change: the item, saying what was done (see done_banner), at `section`.
std::string done_location(const Item& item, const std::string& section = "") {
  return fmt::format("/items/{}?done={}{}", url_encode(item.ref), item.revision,
                     section.empty() ? "" : "#" + section);
}

// The success banner for the change that made revision `done` of the item, when it is still the
// latest and was made by this person; otherwise nothing (a stale or shared link says nothing).
std::string done_banner(Context& c, const Principal& p, const std::string& ref,
                        const std::string& done) {
  auto lock = c.lock();
  ReadAccess access = c.read_access(p.actor);
  const Item item = access.item(ref);
  if (std::to_string(item.revision) != done) return {};
  const auto history = access.history(ref);
  if (history.empty() || history.back().actor != p.actor.name) return {};
  const Event& e = history.back();
  const Definition& d = c.engine.registry().version(item.version).definition;
  std::vector<std::string> said;
  if (e.from_state != e.to_state) said.push_back("It is now " + state_label(d, e.to_state) + ".");
  auto describe = [&](const std::string& key, const Json& value) {
    if (key.empty() || key[0] == '_' || value.is_object() || said.size() >= 4) return;
    const FieldSpec* f = d.field(key);
    std::string text = value.is_null() ? "(removed)" : value_text(value);
    if (f && f->type == FieldType::DateTime) text = uk_datetime(text);
    if (f && f->type == FieldType::Actor) text = person_name(c.engine.store(), text);
    if (f && f->type == FieldType::Choice) text = option_label(*f, text);
    said.push_back(fmt::format("{}: {}.", f ? field_label(*f) : readable_label(key), text));
  };
  for (const auto& [key, value] : e.payload.items()) describe(key, value);
  for (const auto& [key, value] : e.changes.items()) describe(key, value);
  std::string body;
  for (const auto& line : said)
    body += fmt::format(R"(<p class="nhsuk-body">{}</p>)", escape(line));
  const StateSpec* from = d.state(e.from_state);
  const ActionSpec* a = from ? from->action(e.action) : nullptr;
  const std::string heading =
      e.action == "decide" ? fmt::format("{}: your decision is recorded", item.ref)
      : a && !a->done.empty()
          ? fmt::format("{} {}", item.ref, done_in_words(c.engine.store(), d, *a, item, e.payload))
          : fmt::format("{}: {} done", item.ref, action_label(d, e.action));
  return success_banner_html(heading, body);
}

// The step before an action that ends or discards work: the question, what was typed carried
// over in hidden fields, a warning button to go ahead and a way back.
std::string confirmation_body(const ActRequest& request, const std::string& question,
                              const httplib::Request& req) {
  std::string carried;
  for (const auto& [key, value] : req.params) {
    if (key == "csrf" || key == "confirmed") continue;
    carried +=
        fmt::format(R"(<input type="hidden" name="{}" value="{}">)", escape(key), escape(value));
  }
  return fmt::format(
      R"(<h1 class="nhsuk-heading-l">{0}</h1><p class="nhsuk-body">{1}</p><form method="post" action="/items/{2}/actions/{3}" novalidate><input type="hidden" name="csrf" value="<cf-csrf>"><input type="hidden" name="confirmed" value="yes">{4}<button class="nhsuk-button nhsuk-button--warning" type="submit" data-action="{3}">Yes, go ahead</button></form><p class="nhsuk-body"><a href="/items/{2}">No, go back to {1}</a></p>)",
      escape(question), escape(request.ref), url_encode(request.ref), escape(request.action),
      carried);
}

}  // namespace

void add_item_page_routes(httplib::Server& http, Context& c) {
  http.Get("/requests/new",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             std::string workflow = param(req, "workflow");
             Values chosen;
             if (req.has_param("parent")) chosen["parent"] = param(req, "parent");
             std::string body = workflow.empty()
                                    ? choose_workflow_body(c, p)
                                    : request_form_body(c, p, workflow, chosen, nullptr);
             std::string title = "New request";
             if (!workflow.empty()) {
               auto lock = c.lock();
               const Definition& d = c.engine.registry().current(workflow).definition;
               title = "New " + (d.title.empty() ? readable_label(d.name) : d.title);
             }
             send_page(res, 200, &p, title, "/requests/new", with_csrf(body, p));
           }));

  http.Post("/requests/new",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              std::string workflow = param(req, "workflow");
              Json inputs;
              bool parent_missing = false;
              {
                auto lock = c.lock();
                const Definition& d = c.engine.registry().current(workflow).definition;
                inputs = form_inputs(request_fields(d), req);
                parent_missing = !d.parent.empty() && param(req, "parent").empty();
              }
              CallResult r = parent_missing
                                 ? from_error(Error::bad_field("parent", "is required"))
                                 : submit_item(c, p.actor, workflow, inputs, param(req, "parent"));
              if (r.ok()) {
                res.set_redirect("/items/" + url_encode(r.item->ref) + "?created=1", 303);
                return;
              }
              send_page(res, r.status, &p, "Error: New request", "/requests/new",
                        with_csrf(request_form_body(c, p, workflow, posted_values(req), &r), p));
            }));

  http.Get(
      R"(/items/([A-Za-z0-9-]+))",
      page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        std::string ref = req.matches[1].str();
        std::string title = ref;
        std::string body = item_body(c, p, ref, "", {}, nullptr, {}, {}, &title);
        if (auto done = param(req, "done"); !done.empty())
          body = done_banner(c, p, ref, done) + body;
        if (req.has_param("created")) {
          body =
              fmt::format(
                  R"(<div class="nhsuk-inset-text" role="status"><p>Your request has been submitted as <strong>{}</strong>.</p></div>)",
                  escape(ref)) +
              body;
        }
        send_page(res, 200, &p, title, "", with_csrf(body, p));
      }));

  http.Post(R"(/items/([A-Za-z0-9-]+)/actions/([a-z0-9_]+))",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              ActRequest request;
              request.ref = req.matches[1].str();
              request.action = req.matches[2].str();
              request.note = param(req, "note");
              if (auto rev = param(req, "revision"); !rev.empty()) {
                try {
                  request.expected_revision = std::stoll(rev);
                } catch (const std::exception&) {
                  fail_field("revision", "must be a whole number");
                }
              }
              std::string confirm;  // the question to ask first, if the action needs one
              {
                auto lock = c.lock();
                Item item = c.read_access(p.actor).item(request.ref);
                const Definition& d = c.engine.registry().version(item.version).definition;
                std::vector<const FieldSpec*> fields;
                const StateSpec* state = d.state(item.state);
                if (const ActionSpec* a = state ? state->action(request.action) : nullptr) {
                  for (const auto& n : a->sets)
                    if (const FieldSpec* f = d.field(n)) fields.push_back(f);
                  for (const auto& f : a->fields) fields.push_back(&f);
                  request.inputs = form_inputs(fields, req);
                  // Asked once what it needs is filled in (else the error comes first).
                  const bool complete =
                      std::all_of(a->fields.begin(), a->fields.end(), [&](const FieldSpec& f) {
                        return !f.required || request.inputs.contains(f.name);
                      });
                  if (complete && param(req, "confirmed") != "yes") confirm = a->confirm;
                }
              }
              if (!confirm.empty()) {
                send_page(res, 200, &p, confirm, "",
                          with_csrf(confirmation_body(request, confirm, req), p));
                return;
              }
              CallResult r = act_on_item(c, p.actor, request);
              if (r.ok()) {
                res.set_redirect(done_location(*r.item), 303);
                return;
              }
              std::string body =
                  item_body(c, p, request.ref, request.action, posted_values(req), &r);
              send_page(res, r.status, &p, "Error: " + request.ref, "", with_csrf(body, p));
            }));

  http.Post(R"(/items/([A-Za-z0-9-]+)/decide)",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              DecideRequest request;
              request.ref = req.matches[1].str();
              request.decision = param(req, "decision");
              request.comment = param(req, "comment");
              if (auto rev = param(req, "revision"); !rev.empty()) {
                try {
                  request.expected_revision = std::stoll(rev);
                } catch (const std::exception&) {
                  fail_field("revision", "must be a whole number");
                }
              }
              DecideFormState form{request.decision, request.comment, {}};
              CallResult r;
              if (request.decision.empty()) {
                form.error = "Select your decision";
                r.status = 400;
                r.code = "bad_input";
                r.message = form.error;
              } else {
                r = decide_on_item(c, p.actor, request);
              }
              if (r.ok()) {
                res.set_redirect(done_location(*r.item, "sign-off"), 303);
                return;
              }
              std::string body = item_body(c, p, request.ref, kDecideAction, {}, &r, form);
              send_page(res, r.status, &p, "Error: " + request.ref, "", with_csrf(body, p));
            }));

  http.Post(R"(/items/([A-Za-z0-9-]+)/documents)",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              PutDocumentRequest request;
              request.ref = req.matches[1].str();
              // Browsers send a textarea's line breaks as CRLF whatever was typed; the text is
              // stored with LF, as from the CLI, so an unchanged text is seen as unchanged.
              request.content = without_carriage_returns(param(req, "content"));
              request.note = param(req, "note");
              if (auto rev = param(req, "revision"); !rev.empty()) {
                try {
                  request.expected_revision = std::stoll(rev);
                } catch (const std::exception&) {
                  fail_field("revision", "must be a whole number");
                }
              }
              CallResult r;
              if (request.content.find_first_not_of(" \t\r\n") == std::string::npos) {
                r.status = 400;
                r.code = "bad_input";
                r.message = "content: the document's text is empty";
              } else {
                r = put_document_on_item(c, p.actor, request);
              }
              if (r.ok()) {
                res.set_redirect(done_location(*r.item, "documents"), 303);
                return;
              }
              std::string body = item_body(c, p, request.ref, kDocumentAction, {}, &r, {},
                                           DocumentFormState{request.content, request.note});
              send_page(res, r.status, &p, "Error: " + request.ref, "", with_csrf(body, p));
            }));

  http.Get(R"(/items/([A-Za-z0-9-]+)/documents/([0-9]{1,9}))",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             std::string ref = req.matches[1].str();
             std::int64_t version = std::stoll(req.matches[2].str());
             std::optional<std::int64_t> against;
             if (auto a = param(req, "against"); !a.empty()) {
               if (a.size() > 9 || a.find_first_not_of("0123456789") != std::string::npos) {
                 fail_field("against", "must be a version number");
               }
               against = std::stoll(a);
             }
             std::string body;
             {
               auto lock = c.lock();
               ReadAccess access = c.read_access(p.actor);
               access.documents(ref);  // not found unless the reader may read the text
               body = document_page_html(c.engine, access.item(ref), version, against);
             }
             send_page(res, 200, &p, fmt::format("{} document version {}", ref, version), "", body);
           }));
}

}  // namespace commsflow::server
