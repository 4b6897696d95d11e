// The New request form and the item page with its action forms and timeline.
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include "server/calls.h"
#include "server/form_errors.h"
#include "server/forms.h"
#include "server/item_sections.h"
#include "server/pages.h"
#include "server/paging.h"
#include "server/templates.h"
#include "server/views.h"
#include "workflow/action_rules.h"

namespace commsflow::server {

namespace {

using Values = std::map<std::string, std::string>;

// The fields of the form that creates an item: those submit `sets` names, in the workflow's
// order; without `sets`, those a person would fill in (see is_request_field).
std::vector<const FieldSpec*> request_fields(const Definition& d) {
  const auto& sets = d.submit.sets;
  std::vector<const FieldSpec*> out;
  for (const auto& f : d.fields) {
    const bool listed = sets.empty() ? is_request_field(f)
                                     : std::find(sets.begin(), sets.end(), f.name) != sets.end();
    if (listed) out.push_back(&f);
  }
  return out;
}

std::string choose_workflow_body(Context& c, const Principal& p) {
  auto lock = c.lock();
  Json workflows = Json::array();
  for (const auto& w : c.engine.workflows()) {
    if (!c.engine.may_submit(p.actor, w.name)) continue;
    workflows.push_back(
        {{"name", url_encode(w.name)}, {"title", w.title.empty() ? w.name : w.title}});
  }
  return render("item-choose-workflow",
                {{"has_workflows", !workflows.empty()}, {"workflows", workflows}});
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

// The parent choice: the open items of the parent workflow the person may see and a new item may
// belong to now, `chosen` selected (offered whatever it is, to be refused with the reason).
std::string parent_input_html(Context& c, const Principal& p, const Definition& d,
                              const FieldSpec& spec, const std::string& chosen,
                              const CallResult* failed) {
  Json options = Json::array();
  for (const auto& item : c.read_access(p.actor).items(ItemFilter{d.parent, "", -1})) {
    if (c.engine.registry().version(item.version).definition.is_final(item.state)) continue;
    if (item.ref != chosen && !c.engine.child_blocked_by(d.name, item.ref).empty()) continue;
    options.push_back({{"ref", item.ref},
                       {"title", item.data.value("title", item.data.value("name", std::string()))},
                       {"selected", item.ref == chosen}});
  }
  return render("item-parent-input",
                {{"label", spec.label}, {"error", error_for(failed, spec)}, {"options", options}});
}

std::string request_form_body(Context& c, const Principal& p, const std::string& workflow,
                              const Values& values, const CallResult* failed) {
  auto lock = c.lock();
  const Definition& d = c.engine.registry().current(workflow).definition;
  auto fields = request_fields(d);
  const std::vector<Actor> people = c.engine.store().actors();
  std::string parent_input, inputs;
  std::optional<FieldSpec> parent;
  Json back = false;  // to the item it is added to, when it was opened from one
  if (!d.parent.empty()) {
    parent = parent_field(c, d);
    auto chosen = values.find("parent");
    const std::string parent_ref = chosen == values.end() ? "" : chosen->second;
    parent_input = parent_input_html(c, p, d, *parent, parent_ref, failed);
    // Only to an item there is and the person may see: a made-up `parent` in the URL gets no
    // link to a page saying it does not exist.
    const std::optional<Item> stored =
        parent_ref.empty() ? std::nullopt : c.engine.store().item(parent_ref);
    if (stored && c.read_access(p.actor).view(*stored)) {
      back = {{"href", "/items/" + url_encode(parent_ref)}, {"text", "Back to " + parent_ref}};
    }
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
  return render("item-request-form",
                {{"summary", failed ? result_summary(*failed, "", with_parent) : ""},
                 {"heading", d.title.empty() ? "New " + d.name : "New " + d.title},
                 {"csrf", p.csrf},
                 {"workflow", workflow},
                 {"parent", parent_input},
                 {"back", back},
                 {"inputs", inputs}});
}

// A field's value as people read it: times in UK time, dates and choices in words. As a view:
// {text} to escape, or {html} (a <time> element).
Json shown_value(const FieldSpec& f, const Json& v) {
  auto text = [](std::string t) { return Json{{"text", std::move(t)}, {"html", ""}}; };
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (f.type == FieldType::DateTime) return {{"text", ""}, {"html", time_html(s)}};
    if (f.type == FieldType::Date) return text(uk_date(s));
    if (f.type == FieldType::Choice) return text(option_label(f, s));
  }
  if (v.is_boolean()) return text(v.get<bool>() ? "Yes" : "No");
  if (auto length = length_in_words(f, v)) return text(*length);  // "2 hours 5 minutes"
  return text(value_text(v));
}

// A list of records as a table: a column per field of the record, a row per record.
std::string records_table_html(const FieldSpec& f, const Json& rows) {
  Json head = Json::array(), body = Json::array();
  for (const auto& sub : f.item->fields) head.push_back({{"text", field_label(sub)}});
  for (const auto& row : rows) {
    Json cells = Json::array();
    for (const auto& sub : f.item->fields) {
      auto v = row.is_object() ? row.find(sub.name) : row.end();
      cells.push_back(v == row.end() || v->is_null() ? Json{{"text", ""}, {"html", ""}}
                                                     : shown_value(sub, *v));
    }
    body.push_back({{"cells", cells}});
  }
  return render("item-records-table",
                {{"caption", field_label(f)}, {"head", head}, {"rows", body}});
}

std::string summary_list(Store& store, const Definition& d, const Item& item) {
  Json rows = Json::array();
  for (const auto& f : d.fields) {
    if (!item.data.contains(f.name)) continue;
    const Json& v = item.data[f.name];
    Json row = {{"label", field_label(f)},
                {"field", f.name},
                {"text", ""},
                {"html", ""},
                {"pre", ""},
                {"has_entries", false},
                {"entries", Json::array()}};
    if (f.type == FieldType::List && f.item && f.item->type == FieldType::Record && v.is_array()) {
      if (v.empty())
        row["text"] = "None";
      else
        row["html"] = records_table_html(f, v);
    } else if (v.is_array() && f.item && v.size() > 0) {
      for (const auto& e : v) row["entries"].push_back(shown_value(*f.item, e));
      row["has_entries"] = true;
    } else if (f.name == d.queue.tier_field) {
      row["html"] = tier_tag(d.queue, v);
    } else if (f.type == FieldType::Actor && v.is_string()) {
      row["text"] = person_name(store, v.get<std::string>());
    } else if (v.is_array() || v.is_object()) {
      row["pre"] = shown_value(f, v)["text"];
    } else {
      Json shown = shown_value(f, v);
      row["text"] = shown["text"];
      row["html"] = shown["html"];
    }
    rows.push_back(std::move(row));
  }
  return render("item-details", {{"rows", rows}});
}

// `actions`: Engine::available_actions of the stored item for the reader.
std::string action_forms(Engine& engine, const Definition& d, const Item& item,
                         const std::vector<AvailableAction>& actions,
                         const std::string& failed_action, const Values& values,
                         const CallResult* failed, const std::string& csrf) {
  if (d.is_final(item.state)) return render("item-actions", {{"closed", true}});
  const StateSpec* state = d.state(item.state);
  const std::vector<Actor> people = engine.store().actors();  // for fields that name a person
  Json mine = Json::array(), others = Json::array();
  for (const auto& a : actions) {
    const ActionSpec* spec = state ? state->action(a.name) : nullptr;
    if (!spec) continue;
    const std::string title =
        a.label.empty() || a.label == a.name ? readable_label(a.name) : a.label;
    if (!a.allowed) {
      others.push_back({{"title", title}, {"roles", roles_in_words(a.roles, "or")}});
      continue;
    }
    Json action = {{"title", title}, {"blocked", nullptr}, {"form", nullptr}};
    if (!a.blocked_by.empty()) {
      Json reasons = Json::array();
      for (const auto& r : a.blocked_by) reasons.push_back({{"text", r}});
      action["blocked"] = {{"reasons", reasons}};
      // An action that takes no input cannot become possible from its form: no button, only
      // the reasons. (One that takes input keeps its form: what is typed may satisfy the guard.)
      if (a.sets.empty() && a.fields.empty()) {
        mine.push_back(std::move(action));
        continue;
      }
    }
    std::string prefix = a.name + "-";
    const CallResult* mine_failed = a.name == failed_action ? failed : nullptr;
    std::string inputs;
    for (const auto& name : a.sets) {
      if (const FieldSpec* declared = d.field(name)) {
        FieldSpec f = *declared;  // required here when the action requires it
        const auto& required = spec->required_sets;
        f.required =
            f.required || std::find(required.begin(), required.end(), name) != required.end();
        auto it = mine_failed ? values.find(name) : values.end();
        std::string value = it != values.end()         ? it->second
                            : item.data.contains(name) ? value_text(item.data[name])
                                                       : std::string();
        inputs += field_input_html(f, value, error_for(mine_failed, f), prefix, &people);
      }
    }
    for (const auto& f : spec->fields) {
      auto it = mine_failed ? values.find(f.name) : values.end();
      inputs += field_input_html(f, it != values.end() ? it->second : std::string(),
                                 error_for(mine_failed, f), prefix, &people);
    }
    // Actions that end or discard work are warning buttons (confirmed on the next page);
    // actions that leave the item where it is are secondary.
    const char* style = !spec->confirm.empty() ? "warning" : spec->to.empty() ? "secondary" : "";
    // The note typed with a refused action is kept, with everything else typed.
    auto note = mine_failed ? values.find("note") : values.end();
    action["form"] = {{"name", a.name},
                      {"inputs", inputs},
                      {"style", style},
                      {"note", note != values.end() ? note->second : std::string()}};
    mine.push_back(std::move(action));
  }
  return render("item-actions", {{"closed", false},
                                 {"csrf", csrf},
                                 {"path", url_encode(item.ref)},
                                 {"revision", item.revision},
                                 {"actions", mine},
                                 {"has_others", !others.empty()},
                                 {"others", others}});
}

// A value recorded in an event's payload as people read it (see payload_in_words), a time as a
// <time> element. As a view: {text} to escape, or {html}.
Json payload_view(const Definition& d, Store& store, const std::string& key, const Json& v) {
  const FieldSpec* f = d.field(key);
  if (f && f->type == FieldType::DateTime && v.is_string()) {
    return {{"text", ""}, {"html", time_html(v.get<std::string>())}};
  }
  return {{"text", payload_in_words(store, d, key, v)}, {"html", ""}};
}

// `history`: the item's events as the reader may see them.
std::string timeline(ReadAccess& access, const Item& item, const std::vector<Event>& history) {
  const Definition& d = access.engine().registry().version(item.version).definition;
  Store& store = access.engine().store();
  Json events = Json::array();
  for (const auto& e : history) {
    Json details = Json::array();
    for (const auto& [k, v] : e.payload.items()) {
      if (payload_says_nothing(k, v)) continue;
      Json detail = payload_view(d, store, k, v);
      detail["label"] = payload_label(d, k);
      details.push_back(std::move(detail));
    }
    if (!e.note.empty()) details.push_back({{"label", "Note"}, {"text", e.note}, {"html", ""}});
    events.push_back({{"action", action_label(d, e.action)},
                      {"actor", acting_person(store, e.actor, e.on_behalf_of)},
                      {"at", time_html(e.at)},
                      {"from", e.from_state.empty() ? "(new)" : state_label(d, e.from_state)},
                      {"to", state_label(d, e.to_state)},
                      {"has_details", !details.empty()},
                      {"details", details}});
  }
  return render("item-timeline", {{"events", events}});
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
              : failed_action == kDecideAction && !decide.comment_error.empty()
                  ? error_summary_html({{"decide-comment", decide.comment_error}})
              : failed_action == kDocumentAction && !document.error.empty()
                  ? error_summary_html({{"document-content", document.error}})
                  : result_summary(*failed, prefix, fields);
  }
  // Every item page has a heading: the item's title, headline or name, else what it is.
  std::string title = item_title(d, item);
  if (title.empty()) title = fmt::format("{} {}", d.title, item.ref);
  if (page_title) *page_title = fmt::format("{}: {}", item.ref, title);
  // Guards run once per page: the summary and the action forms read the same answers.
  std::vector<AvailableAction> actions = engine.available_actions(stored, &p.actor);
  // The document's versions, read and checked once for every section that shows them. Text
  // changed outside commsflow is said so in their place; the rest of the page (details,
  // history) is still shown.
  std::vector<DocumentVersion> versions;
  std::string altered;
  // One who may not read the draft still reads the versions that were approved, listed alone.
  bool drafts_withheld = false;
  try {
    versions = access.documents(item.ref, &drafts_withheld);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Storage) {
      altered = render("item-document-altered", {{"problem", e.what()}});
    } else if (e.kind() != ErrorKind::NotFound) {
      throw;
    }
  }
  const bool show_document = sight.document && altered.empty();
  // The current text is shown to one who reads only approved versions while it is one of them.
  const std::int64_t current_version =
      stored.data.value("_document", Json::object()).value("version", std::int64_t{0});
  const bool show_current_text =
      altered.empty() && !versions.empty() && versions.back().version == current_version;
  const std::vector<Event> history = access.history(item.ref);
  std::string history_altered;
  if (auto problems = item_history_problems(engine.store(), stored); !problems.empty()) {
    history_altered = render("item-history-altered", {{"problem", problems.front()}});
    // The engine refuses to close it on such a history (Engine::record_change): the page does
    // not offer it as if it could.
    for (AvailableAction& a : actions) {
      if (!a.to.empty() && std::all_of(a.to.begin(), a.to.end(),
                                       [&](const std::string& to) { return d.is_final(to); })) {
        a.blocked_by.push_back(
            "its history does not verify, so it is not closed: restore the database from a "
            "backup");
      }
    }
  }
  // The item it belongs to (feedback's service change), linked, when the reader may see it.
  Json belongs_to = false;
  if (!item.parent.empty()) {
    if (auto stored_parent = engine.store().item(item.parent)) {
      if (auto parent = access.view(*stored_parent)) {
        const Definition& pd = engine.registry().version(parent->version).definition;
        belongs_to = {{"workflow", workflow_in_words(pd)},
                      {"href", "/items/" + url_encode(parent->ref)},
                      {"ref", parent->ref},
                      {"title", item_title(pd, *parent)}};
      }
    }
  }
  return render(
      "item-page",
      {{"summary", summary},
       {"belongs_to", belongs_to},
       {"ref", item.ref},
       {"workflow", d.title.empty() ? d.name : d.title},
       {"title", title},
       {"history_altered", history_altered},
       {"revision", item.revision},
       {"at_a_glance",
        at_a_glance_html(engine, d, stored, item, actions,
                         d.is_final(item.state)  // a closed item asks nothing more of anyone
                             ? std::vector<std::string>()
                             : changes_asked_in_words(engine.store(), d, history),
                         show_current_text)},
       {"current_text",
        show_current_text ? current_text_html(engine, item, versions, !sight.document) : altered},
       {"decide_form",
        show_document ? decide_form_html(engine, stored, p.actor, p.csrf, decide) : ""},
       {"details", summary_list(engine.store(), d, item)},
       {"checklist", checklist_html(engine, stored)},
       {"signoff", signoff_html(engine.store(), d, item)},
       {"children", children_html(access, item, p.actor)},
       {"documents",
        altered.empty() ? documents_html(engine, item, versions, history, drafts_withheld) : ""},
       {"document_form",
        show_document ? document_form_html(engine, stored, p.actor, p.csrf, document, versions)
                      : ""},
       {"actions", action_forms(engine, d, stored, actions, failed_action, values, failed, p.csrf)},
       {"timeline", timeline(access, item, history)}});
}

// The revision a form was filled in at (a hidden field), when it says one: a change made since
// is refused rather than overwritten.
std::optional<std::int64_t> revision_param(const httplib::Request& req) {
  if (param(req, "revision").empty()) return std::nullopt;
  return whole_number_param(req, "revision", 0, 0, std::numeric_limits<std::int64_t>::max());
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
  if (history.empty()) return {};
  // The person's change, and after it what the engine did at once by the workflow's rules (an
  // incident's policy pausing the request whose rating was lowered), said after it.
  std::size_t mine = history.size() - 1;
  while (mine > 0 && history[mine].actor == kSystemActor &&
         history[mine].at == history[mine - 1].at)
    --mine;
  if (history[mine].actor != p.actor.name) return {};
  const Event& e = history[mine];
  const Definition& d = c.engine.registry().version(item.version).definition;
  const StateSpec* from = d.state(e.from_state);
  const ActionSpec* a = from ? from->action(e.action) : nullptr;
  std::vector<std::string> said;
  if (e.from_state != e.to_state) said.push_back("It is now " + state_label(d, e.to_state) + ".");
  // In people's words: labels for fields, choices, steps and decisions, UK times, names. A hash
  // means nothing to a person here; the history and the audit keep it.
  auto describe = [&](const std::string& key, const Json& value) {
    if (key.empty() || key[0] == '_' || value.is_object() || said.size() >= 4 ||
        key.ends_with("_hash") || payload_says_nothing(key, value)) {
      return;
    }
    // "It is now ..." has said where the item went back to.
    if (key == "back_to" && e.from_state != e.to_state) return;
    const FieldSpec* f = d.field(key);
    if (!f && a) {
      auto input = std::find_if(a->fields.begin(), a->fields.end(),
                                [&](const FieldSpec& g) { return g.name == key; });
      if (input != a->fields.end()) f = &*input;
    }
    Store& store = c.engine.store();
    const std::string text = value.is_null() ? "(removed)"
                             : f             ? value_in_words(store, *f, value)
                                             : payload_in_words(store, d, key, value);
    // A sentence ends once: "Comment: Say how long the closure lasts."
    const bool ended =
        !text.empty() && (text.back() == '.' || text.back() == '?' || text.back() == '!');
    said.push_back(fmt::format("{}: {}{}", f ? field_label(*f) : payload_label(d, key), text,
                               ended ? "" : "."));
  };
  for (const auto& [key, value] : e.payload.items()) describe(key, value);
  for (const auto& [key, value] : e.changes.items()) describe(key, value);
  for (std::size_t then = mine + 1; then < history.size(); ++then) {
    const Event& rule = history[then];
    // Its reason, or the incident it was for (the input the incident hooks give).
    const Json reason = rule.payload.value("reason", Json());
    const Json incident = rule.payload.value("incident_name", Json());
    const std::string why = reason.is_string()     ? reason.get<std::string>()
                            : incident.is_string() ? "for " + incident.get<std::string>()
                                                   : std::string();
    said.push_back(fmt::format("Then, by the workflow's rules: {}{}. It is now {}.",
                               action_label(d, rule.action), why.empty() ? "" : " (" + why + ")",
                               state_label(d, rule.to_state)));
  }
  Json paragraphs = Json::array();
  for (const auto& line : said) paragraphs.push_back({{"text", line}});
  const std::string heading =
      e.action == "decide" ? fmt::format("{}: your decision is recorded", item.ref)
      : e.action == "put_document"
          ? fmt::format("{}: version {} is saved", item.ref, e.payload.value("document_version", 0))
      : a && !a->done.empty()
          ? fmt::format("{} {}", item.ref, done_in_words(c.engine.store(), d, *a, item, e.payload))
          : fmt::format("{}: {} done", item.ref, action_label(d, e.action));
  return render("nhs-notification-banner", {{"success", true},
                                            {"id", "done-title"},
                                            {"title", "Success"},
                                            {"heading", heading},
                                            {"paragraphs", paragraphs}});
}

// The step before an action that ends or discards work: the question, what was typed carried
// over in hidden fields, a warning button to go ahead and a way back.
std::string confirmation_body(const Principal& p, const ActRequest& request,
                              const std::string& question, const httplib::Request& req) {
  Json carried = Json::array();
  for (const auto& [key, value] : req.params) {
    if (key == "csrf" || key == "confirmed") continue;
    carried.push_back({{"name", key}, {"value", value}});
  }
  return render("item-confirm", {{"question", question},
                                 {"ref", request.ref},
                                 {"path", url_encode(request.ref)},
                                 {"action", request.action},
                                 {"csrf", p.csrf},
                                 {"carried", carried}});
}

}  // namespace

void add_item_page_routes(httplib::Server& http, Context& c) {
  http.Get(
      "/requests/new",
      page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        std::string workflow = param(req, "workflow");
        // A form is offered only to those who may send it: others are told why at once,
        // not after filling it in.
        if (!workflow.empty()) {
          std::string refused;
          {
            auto lock = c.lock();
            const Definition& d = c.engine.registry().current(workflow).definition;
            if (!c.engine.may_submit(p.actor, workflow)) {
              refused = submit_refusal(p.actor, d).reasons.front();
            }
          }
          if (!refused.empty()) {
            send_page(
                res, 403, &p, "New request", "/requests/new",
                render("message-page",
                       {{"heading", "You cannot make this request"},
                        {"before", refused + (refused.ends_with('.') ? " " : ". ")},
                        {"link",
                         {{"href", "/requests/new"}, {"text", "Choose a request you may make"}}},
                        {"after", "."}}));
            return;
          }
        }
        Values chosen;
        if (req.has_param("parent")) chosen["parent"] = param(req, "parent");
        std::string body = workflow.empty() ? choose_workflow_body(c, p)
                                            : request_form_body(c, p, workflow, chosen, nullptr);
        std::string title = "New request";
        if (!workflow.empty()) {
          auto lock = c.lock();
          const Definition& d = c.engine.registry().current(workflow).definition;
          title = "New " + (d.title.empty() ? readable_label(d.name) : d.title);
        }
        send_page(res, 200, &p, title, "/requests/new", body);
      }));

  post_form(http, "/requests/new",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              std::string workflow = param(req, "workflow");
              Json inputs;
              std::vector<FieldProblem> typed_wrongly;  // date boxes
              {
                auto lock = c.lock();
                const Definition& d = c.engine.registry().current(workflow).definition;
                inputs = form_inputs(request_fields(d), req, typed_wrongly);
                // A parent not chosen is said with every other problem of the form (the engine
                // lists it with them), as the form says a choice left empty ("Select service
                // change engagement").
                if (!d.parent.empty() && param(req, "parent").empty()) {
                  typed_wrongly.push_back({"parent", "is required"});
                }
              }
              CallResult r = submit_item(c, p, workflow, inputs, param(req, "parent"));
              if (r.code == "bad_input") typed_wrongly_said(r, typed_wrongly);
              if (r.ok()) {
                res.set_redirect("/items/" + url_encode(r.item->ref) + "?created=1", 303);
                return;
              }
              send_page(res, r.status, &p, "Error: New request", "/requests/new",
                        request_form_body(c, p, workflow, posted_values(req), &r));
            }));

  http.Get(R"(/items/([A-Za-z0-9-]+))",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             std::string ref = typed_reference(req.matches[1].str());
             std::string title = ref;
             std::string body = item_body(c, p, ref, "", {}, nullptr, {}, {}, &title);
             if (auto done = param(req, "done"); !done.empty())
               body = done_banner(c, p, ref, done) + body;
             if (req.has_param("created")) body = render("item-created", {{"ref", ref}}) + body;
             send_page(res, 200, &p, title, "", body);
           }));

  post_form(http, R"(/items/([A-Za-z0-9-]+)/actions/([a-z0-9_]+))",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              ActRequest request;
              request.ref = typed_reference(req.matches[1].str());
              request.action = req.matches[2].str();
              request.note = param(req, "note");
              request.expected_revision = revision_param(req);
              std::string confirm;  // the question to ask first, if the action needs one
              std::vector<FieldProblem> typed_wrongly;  // date boxes
              {
                auto lock = c.lock();
                Item item = c.read_access(p.actor).item(request.ref);
                const Definition& d = c.engine.registry().version(item.version).definition;
                std::vector<const FieldSpec*> fields;
                const StateSpec* state = d.state(item.state);
                if (const ActionSpec* a = state ? state->action(request.action) : nullptr) {
                  for (const auto& n : a->sets)
                    if (const FieldSpec* f = d.field(n)) fields.push_back(f);
                  request.inputs = form_inputs(fields, req, typed_wrongly, &item.data);
                  fields.clear();  // the action's own inputs: nothing held to clear
                  for (const auto& f : a->fields) fields.push_back(&f);
                  request.inputs.update(form_inputs(fields, req, typed_wrongly));
                  if (typed_wrongly.empty() && param(req, "confirmed") != "yes") {
                    confirm = a->confirm;
                  }
                }
              }
              // Asked only of what can be done: a missing answer or a rule that says no comes
              // first, from the action tried and undone.
              CallResult r =
                  confirm.empty() ? act_on_item(c, p, request) : try_act_on_item(c, p, request);
              if (!confirm.empty() && r.ok()) {
                send_page(res, 200, &p, confirm, "", confirmation_body(p, request, confirm, req));
                return;
              }
              if (r.code == "bad_input") typed_wrongly_said(r, typed_wrongly);
              if (r.ok()) {
                res.set_redirect(done_location(*r.item), 303);
                return;
              }
              std::string body =
                  item_body(c, p, request.ref, request.action, posted_values(req), &r);
              send_page(res, r.status, &p, "Error: " + request.ref, "", body);
            }));

  post_form(http, R"(/items/([A-Za-z0-9-]+)/decide)",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              DecideRequest request;
              request.ref = typed_reference(req.matches[1].str());
              request.decision = param(req, "decision");
              request.comment = param(req, "comment");
              request.expected_revision = revision_param(req);
              // The version shown above the form: the text the person read. Required, as on
              // the API: a form without it decides on no text in particular.
              if (param(req, "document_version").empty()) {
                fail_field("document_version",
                           "is missing: open the statement again, read it and decide");
              }
              request.document_version = whole_number_param(
                  req, "document_version", 0, 1, std::numeric_limits<std::int64_t>::max());
              DecideFormState form{request.decision, request.comment, {}, {}};
              CallResult r;
              if (request.decision.empty()) {
                form.error = "Select your decision";
                r.status = 400;
                r.code = "bad_input";
                r.message = form.error;
              } else {
                r = decide_on_item(c, p, request);
              }
              if (r.ok()) {
                res.set_redirect(done_location(*r.item, "sign-off"), 303);
                return;
              }
              // The statement changed since it was read (a new version, another decision): the
              // decision was about what it was, so it is not kept ticked against what it is.
              if (r.status == 409) form.decision.clear();
              for (const auto& f : r.field_errors) {
                if (f.field != "comment" || f.message.empty()) continue;
                form.comment_error = f.message;  // said beside the comment, as a sentence
                form.comment_error[0] = static_cast<char>(
                    std::toupper(static_cast<unsigned char>(form.comment_error[0])));
              }
              std::string body = item_body(c, p, request.ref, kDecideAction, {}, &r, form);
              send_page(res, r.status, &p, "Error: " + request.ref, "", body);
            }));

  post_form(http, R"(/items/([A-Za-z0-9-]+)/documents)",
            page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              PutDocumentRequest request;
              request.ref = typed_reference(req.matches[1].str());
              // Browsers send a textarea's line breaks as CRLF whatever was typed; the text is
              // stored with LF, as from the CLI, so an unchanged text is seen as unchanged.
              request.content = without_carriage_returns(param(req, "content"));
              request.note = param(req, "note");
              request.expected_revision = revision_param(req);
              CallResult r;
              std::string error;  // what is wrong with the text, said beside it
              if (request.content.find_first_not_of(" \t\r\n") == std::string::npos) {
                r.status = 400;
                r.code = "bad_input";
                error = r.message = "Enter the text of the new version";
              } else {
                r = put_document_on_item(c, p, request);
                for (const auto& f : r.field_errors) {
                  if (f.field == "content") error = f.message;
                }
              }
              if (r.ok()) {
                res.set_redirect(done_location(*r.item, "documents"), 303);
                return;
              }
              std::string body = item_body(c, p, request.ref, kDocumentAction, {}, &r, {},
                                           DocumentFormState{request.content, request.note, error});
              send_page(res, r.status, &p, "Error: " + request.ref, "", body);
            }));

  http.Get(R"(/items/([A-Za-z0-9-]+)/documents/([0-9]{1,9}))",
           page(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             std::string ref = typed_reference(req.matches[1].str());
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
               bool drafts_withheld = false;
               // Not found unless the reader may read the text, or an approved version of it.
               const auto versions = access.documents(ref, &drafts_withheld);
               body = document_page_html(c.engine, access.item(ref), versions, drafts_withheld,
                                         version, against);
             }
             send_page(res, 200, &p, fmt::format("{} document version {}", ref, version), "", body);
           }));
}

}  // namespace commsflow::server
