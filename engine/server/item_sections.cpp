#include "server/item_sections.h"

#include <commsflow/error.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "base/hidden_characters.h"
#include "server/html.h"
#include "server/templates.h"
#include "server/views.h"
#include "workflow/field_values.h"

namespace commsflow::server {

namespace {

struct DecisionChoice {
  const char* value;
  const char* label;
};

// The decisions of Signoff::decide, in the order offered, with the words people read.
constexpr DecisionChoice kDecisions[] = {{"approved", "Approved"},
                                         {"approved_with_changes", "Approved with changes"},
                                         {"changes_required", "Changes required"},
                                         {"not_relevant", "Not relevant"}};

std::string text_of(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One decision as item-decisions shows it: who (and for whom), what, as which entry, on which
// version, when.
Json decision_view(Store& store, const Json& d) {
  // "as" names the approver entry filled: a role, or a person named as an approver.
  std::string as = text_of(d, "as");
  if (!as.empty()) as = approver_in_words(store, as);
  return {{"label", decision_label(text_of(d, "decision"))},
          {"who", person_name(store, text_of(d, "actor"))},
          {"on_behalf_of",
           d.contains("on_behalf_of") ? person_name(store, text_of(d, "on_behalf_of")) : ""},
          {"as", as},
          {"version", text_of(d, "document_version")},
          {"at", time_html(text_of(d, "at"))},
          {"comment", text_of(d, "comment")}};
}

// `view` with the decisions' keys of item-decisions added.
Json with_decisions(Store& store, Json view, const Json& decisions) {
  Json list = Json::array();
  for (const auto& d : decisions) list.push_back(decision_view(store, d));
  view["has_decisions"] = !list.empty();
  view["decisions"] = std::move(list);
  return view;
}

// The diff's lines for item-document-page: removed lines marked `del`, added `ins`.
Json diff_lines(const std::string& diff) {
  Json out = Json::array();
  std::istringstream lines(diff);
  for (std::string line; std::getline(lines, line);) {
    const char mark = line.empty() ? ' ' : line[0];
    out.push_back({{"ins", mark == '+'}, {"del", mark == '-'}, {"text", line}});
  }
  return out;
}

}  // namespace

std::string checklist_html(Engine& engine, const Item& item) {
  auto lines = engine.checklist(item);
  if (lines.empty()) return {};
  const StateSpec* state = engine.registry().version(item.version).definition.state(item.state);
  // The NHS task list: each line's name, what is missing as its hint, and its status.
  Json rows = Json::array();
  std::size_t met = 0;
  for (const auto& line : lines) {
    if (line.ok) ++met;
    rows.push_back(
        {{"ok", line.ok ? "yes" : "no"},
         {"label", line.label},
         {"hint", line.ok ? "" : line.why},
         {"done", line.ok},
         {"not_done", line.ok ? Json(nullptr) : Json{{"text", "Not done"}, {"colour", "blue"}}}});
  }
  return render("item-checklist",
                {{"stage", state && !state->label.empty() ? state->label : item.state},
                 {"met", met},
                 {"total", lines.size()},
                 {"lines", rows}});
}

namespace {

// The sign-off groups still to decide in the current step, by label.
std::vector<std::string> waiting_groups(const Definition& d, const Json& signoff) {
  std::vector<std::string> out;
  const Json groups = signoff.value("groups", Json::object());
  for (const auto& [group, record] : groups.items()) {
    if (!text_of(record, "result").empty()) continue;
    out.push_back(d.state(group) ? state_label(d, group) : readable_label(group));
  }
  return out;
}

// The items that may be added to `item` now (feedback to an open consultation), each as
// "Add <title>, by <who may>".
std::vector<std::string> children_to_add(Engine& engine, const Item& item) {
  std::vector<std::string> out;
  for (const auto& w : engine.workflows()) {
    const Definition& child = engine.registry().current(w.name).definition;
    if (child.parent != item.workflow || !engine.child_blocked_by(w.name, item.ref).empty()) {
      continue;
    }
    out.push_back(fmt::format("Add {}, by {}",
                              lower(child.title.empty() ? readable_label(w.name) : child.title),
                              roles_in_words(child.submit.roles, "or")));
  }
  return out;
}

// What is to be done next, by whom: the actions open and items that may be added, then the
// first action not possible yet, with why.
std::string needed_next(Engine& engine, const Definition& d, const Item& stored,
                        const std::vector<AvailableAction>& actions, bool text_shown) {
  if (d.is_final(stored.state)) return "Nothing: this item is closed.";
  if (auto s = stored.data.find("_signoff"); s != stored.data.end() && s->is_object()) {
    auto groups = waiting_groups(d, *s);
    if (!groups.empty()) {
      return fmt::format("A decision from {}{}", listed(groups, "and"),
                         text_shown ? " on the text below" : "");
    }
  }
  // The actions open, gathered by who may take them (in the order first met): "Assign, Pause or
  // Decline, by Triager; Start, by Comms officer or Triager".
  struct Takers {
    std::vector<std::string> key;    // the roles, sorted: who they are, in any order
    std::vector<std::string> roles;  // as the first such action lists them
    std::vector<std::string> labels;
  };
  std::vector<Takers> by_roles;
  std::string blocked;
  for (const auto& a : actions) {
    const std::string label = a.label.empty() ? readable_label(a.name) : a.label;
    if (!a.blocked_by.empty()) {
      if (blocked.empty())
        blocked = fmt::format("{}: not possible yet ({})", label, a.blocked_by[0]);
      continue;
    }
    std::vector<std::string> key = a.roles;
    std::sort(key.begin(), key.end());
    auto same = std::find_if(by_roles.begin(), by_roles.end(),
                             [&](const Takers& t) { return t.key == key; });
    if (same == by_roles.end()) same = by_roles.insert(by_roles.end(), Takers{key, a.roles, {}});
    same->labels.push_back(label);
  }
  std::vector<std::string> parts;
  // Sent back with changes asked for: what they want first is a new version of the text.
  if (auto r = stored.data.find("_returned");
      r != stored.data.end() && r->is_object() && !d.document_roles.empty()) {
    const std::string document = d.document_label.empty() ? "text" : lower(d.document_label);
    parts.push_back(fmt::format("A new version of the {} (changes were asked for in {}), by {}",
                                document, state_label(d, text_of(*r, "step")),
                                roles_in_words(d.document_roles, "or")));
  }
  for (const Takers& t : by_roles) {
    parts.push_back(
        fmt::format("{}, by {}", listed(t.labels, "or"), roles_in_words(t.roles, "or")));
  }
  for (auto& add : children_to_add(engine, stored)) parts.push_back(std::move(add));
  if (!blocked.empty()) parts.push_back(std::move(blocked));
  if (parts.empty()) return "Nothing can be done now.";
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

std::string at_a_glance_html(Engine& engine, const Definition& d, const Item& stored,
                             const Item& item, const std::vector<AvailableAction>& actions,
                             const std::vector<std::string>& changes_asked, bool text_shown) {
  const TimePoint now = engine.clock().now();
  std::string due;
  if (auto s = stored.data.find("_signoff"); s != stored.data.end() && s->is_object()) {
    due = text_of(*s, "due_at");
  }
  if (due.empty() && !d.queue.due_field.empty() && !d.queue.holds(item.state)) {
    if (auto v = item.data.find(d.queue.due_field); v != item.data.end() && v->is_string()) {
      due = v->get<std::string>();
    }
  }
  // A deadline that has passed on open work is said, since nothing else counts down to it.
  Json passed = Json::array();
  if (!d.is_final(item.state)) {
    for (const FieldSpec* f : passed_deadlines(d.fields, item.data, now)) {
      const std::string when = item.data[f->name].get<std::string>();
      passed.push_back(
          {{"label", field_label(*f)},
           {"when", f->type == FieldType::Date ? escape(uk_date(when)) : time_html(when)}});
    }
  }
  return render("item-at-a-glance",
                {{"state", state_label(d, item.state)},
                 {"passed", passed},
                 {"needed_next", needed_next(engine, d, stored, actions, text_shown)},
                 {"changes_asked", changes_asked},
                 {"has_changes_asked", !changes_asked.empty()},
                 {"due", !due.empty() && !d.is_final(item.state) ? due_html(due, now) : ""},
                 {"last_changed", time_html(item.updated_at)}});
}

std::string current_text_html(Engine& engine, const Item& item,
                              const std::vector<DocumentVersion>& versions, bool approved_only) {
  if (versions.empty()) return {};
  const DocumentVersion& current = versions.back();
  const Json approved = item.data.value("_approved", Json::object());
  const bool is_approved =
      text_of(approved, "document_version") == fmt::format("{}", current.version);
  // One who reads approved versions alone is shown a text that is not approved now only when it
  // was approved before the statement was taken back to work: it is not for approval.
  // A text in no sign-off step (back in drafting after changes were asked for) is a draft.
  const bool in_a_step = item.data.contains("_signoff");
  const char* heading = is_approved     ? "The text approved"
                        : approved_only ? "The text last approved"
                        : in_a_step     ? "The text for approval"
                                        : "The current draft";
  const auto hidden = hidden_characters_in(current.content);
  return render("item-current-text", {{"heading", heading},
                                      {"version", current.version},
                                      {"author", person_name(engine.store(), current.author)},
                                      {"stored", time_html(current.created_at)},
                                      {"content", hidden_characters_marked(current.content)},
                                      {"has_hidden", !hidden.empty()},
                                      {"hidden", listed(hidden, "and")}});
}

namespace {

// What became of the approval of record given to each version (by its hash), from the item's
// events: the latest approval of each, said in words.
std::map<std::string, std::string> approvals_in_words(const Item& item,
                                                      const std::vector<Event>& history) {
  std::map<std::string, Json> given;  // hash -> the latest approval of record given to it
  for (const Event& e : history) {
    auto a = e.changes.find("_approved");
    if (a != e.changes.end() && a->is_object()) given[a->value("document_hash", "")] = *a;
  }
  const Json standing = item.data.value("_approved", Json());
  std::map<std::string, std::string> words;
  for (const auto& [hash, approval] : given) {
    bool with_changes = false;
    for (const auto& step : approval.value("steps", Json::array())) {
      with_changes = with_changes || step.value("result", "") == "approved_with_changes";
    }
    const bool stands = standing.is_object() && standing.value("document_hash", "") == hash &&
                        standing.value("at", "") == approval.value("at", "");
    words[hash] = fmt::format("{}{}", stands ? "Approved" : "Approved, no longer stands",
                              with_changes ? " (with changes asked: not for issue as it is)" : "");
  }
  return words;
}

}  // namespace

std::string documents_html(Engine& engine, const Item& item,
                           const std::vector<DocumentVersion>& versions,
                           const std::vector<Event>& history, bool drafts_withheld) {
  if (versions.empty()) return {};
  const auto approvals = approvals_in_words(item, history);
  Json rows = Json::array();
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    const auto before = std::next(it);
    const auto approval = approvals.find(it->hash);
    rows.push_back({{"version", it->version},
                    {"approval", approval == approvals.end() ? "" : approval->second},
                    {"hash", it->hash},
                    {"author", person_name(engine.store(), it->author)},
                    {"stored", time_html(it->created_at)},
                    {"has_previous", before != versions.rend()},
                    {"previous", before != versions.rend() ? before->version : 0}});
  }
  return render("nhs-details",
                {{"id", "documents"},
                 {"summary", drafts_withheld ? "The versions approved and their SHA-256 hashes"
                                             : "Document versions and their SHA-256 hashes"},
                 {"html", render("item-documents", {{"path", url_encode(item.ref)},
                                                    {"versions", rows},
                                                    {"drafts_withheld", drafts_withheld}})}});
}

std::string signoff_html(Store& store, const Definition& d, const Item& item) {
  Json view = {
      {"current", nullptr}, {"has_chain", false}, {"chain", Json::array()}, {"approved", nullptr}};
  if (auto s = item.data.find("_signoff"); s != item.data.end() && s->is_object()) {
    // Escalated when overdue, or at once when nobody else could decide (signoff_steps.cpp).
    const bool overdue = s->value("overdue", false);
    const bool escalated = s->contains("escalated_at");
    Json groups = Json::array();
    const Json records = s->value("groups", Json::object());  // items() must not outlive it
    for (const auto& [group, record] : records.items()) {
      // A step of one group names the group after the step.
      const std::string group_name = d.state(group) ? state_label(d, group) : readable_label(group);
      groups.push_back(
          with_decisions(store, {{"name", group_name}, {"result", group_result_in_words(record)}},
                         record.value("decisions", Json::array())));
    }
    const Json voided = s->value("void", Json::array());
    view["current"] = {
        {"step", state_label(d, text_of(*s, "step"))},
        {"started", time_html(text_of(*s, "started_at"))},
        {"due", text_of(*s, "due_at").empty() ? "" : time_html(text_of(*s, "due_at"))},
        {"overdue", overdue     ? Json{{"text", "Overdue (escalated)"}, {"colour", "red"}}
                    : escalated ? Json{{"text", "Escalated"}, {"colour", "orange"}}
                                : Json(nullptr)},
        {"groups", groups},
        {"void", voided.empty() ? Json(nullptr) : with_decisions(store, Json::object(), voided)}};
  }
  if (auto chain = item.data.find("_chain"); chain != item.data.end() && !chain->empty()) {
    for (const auto& step : *chain) {
      view["chain"].push_back(with_decisions(store,
                                             {{"step", state_label(d, text_of(step, "step"))},
                                              {"result", decision_label(text_of(step, "result"))},
                                              {"at", time_html(text_of(step, "at"))}},
                                             step.value("decisions", Json::array())));
    }
    view["has_chain"] = true;
  }
  if (auto a = item.data.find("_approved"); a != item.data.end() && a->is_object()) {
    Json steps = Json::array();
    for (const auto& step : a->value("steps", Json::array())) {
      steps.push_back(with_decisions(store,
                                     {{"step", state_label(d, text_of(step, "step"))},
                                      {"result", decision_label(text_of(step, "result"))}},
                                     step.value("decisions", Json::array())));
    }
    view["approved"] = {{"version", text_of(*a, "document_version")},
                        {"hash", text_of(*a, "document_hash")},
                        {"at", time_html(text_of(*a, "at"))},
                        {"steps", steps}};
  }
  if (view["current"].is_null() && !view["has_chain"] && view["approved"].is_null()) return {};
  return render("item-signoff", view);
}

std::string children_html(ReadAccess& access, const Item& item, const Actor& actor) {
  Engine& engine = access.engine();
  // Links to start a child of each workflow that belongs to this one, for those who may.
  Json adds = Json::array();
  if (!engine.registry().version(item.version).definition.is_final(item.state)) {
    for (const auto& w : engine.workflows()) {
      const Definition& child = engine.registry().current(w.name).definition;
      if (child.parent != item.workflow || !engine.may_submit(actor, w.name)) continue;
      if (!engine.child_blocked_by(w.name, item.ref).empty()) continue;  // not now
      adds.push_back({{"workflow", url_encode(w.name)},
                      {"parent", url_encode(item.ref)},
                      {"label", child.title.empty() ? readable_label(w.name) : child.title}});
    }
  }
  ItemFilter filter;
  filter.parent = item.ref;
  auto children = access.items(filter);
  if (children.empty() && adds.empty()) return {};
  Json rows = Json::array();
  for (const auto& child : children) {
    const Definition& d = access.engine().registry().version(child.version).definition;
    rows.push_back({{"ref", child.ref},
                    {"path", url_encode(child.ref)},
                    {"title", item_title(d, child)},
                    {"workflow", d.title},
                    {"state", state_label(d, child.state)}});
  }
  return render("item-children",
                {{"has_children", !rows.empty()}, {"children", rows}, {"adds", adds}});
}

std::string decide_form_html(Engine& engine, const Item& item, const Actor& actor,
                             const std::string& csrf, const DecideFormState& state) {
  auto pending = Signoff(engine).inbox(actor.name);
  auto mine = std::find_if(pending.begin(), pending.end(),
                           [&](const PendingDecision& p) { return p.item.ref == item.ref; });
  if (mine == pending.end()) return {};
  Json choices = Json::array();
  for (const auto& d : kDecisions) {
    choices.push_back(
        {{"value", d.value}, {"label", d.label}, {"checked", state.decision == d.value}});
  }
  std::string doc = text_of(item.data.value("_document", Json::object()), "version");
  return render(
      "item-decide-form",
      {{"csrf", csrf},
       {"path", url_encode(item.ref)},
       {"revision", item.revision},
       {"behalf", mine->on_behalf_of},
       {"version", doc.empty() ? "?" : doc},
       {"step", state_label(engine.registry().version(item.version).definition, mine->step)},
       {"error", state.error},
       {"comment_error", state.comment_error},
       {"choices", choices},
       {"comment", state.comment}});
}

std::string document_form_html(Engine& engine, const Item& item, const Actor& actor,
                               const std::string& csrf, const DocumentFormState& state,
                               const std::vector<DocumentVersion>& versions) {
  const Definition& d = engine.registry().version(item.version).definition;
  if (d.document_roles.empty() || d.is_final(item.state) ||
      std::none_of(d.document_roles.begin(), d.document_roles.end(),
                   [&](const std::string& r) { return actor.has_role(r); })) {
    return {};
  }
  std::string content;
  if (state.content) {
    content = *state.content;
  } else if (!versions.empty()) {
    content = versions.back().content;
  }
  return render("item-document-form", {{"csrf", csrf},
                                       {"path", url_encode(item.ref)},
                                       {"revision", item.revision},
                                       {"content", content},
                                       {"note", state.note},
                                       {"error", state.error}});
}

std::string document_page_html(Engine& engine, const Item& item,
                               const std::vector<DocumentVersion>& versions, bool drafts_withheld,
                               std::int64_t version, std::optional<std::int64_t> against) {
  auto find = [&](std::int64_t n) -> const DocumentVersion* {
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const DocumentVersion& v) { return v.version == n; });
    return it == versions.end() ? nullptr : &*it;
  };
  const auto missing = [&](std::int64_t n) {
    return drafts_withheld
               ? fmt::format("{} has no approved document version {} you may read", item.ref, n)
               : fmt::format("{} has no document version {}", item.ref, n);
  };
  const DocumentVersion* shown = find(version);
  if (!shown) fail(ErrorKind::NotFound, "{}", missing(version));
  const DocumentVersion* base = nullptr;
  if (against) {
    base = find(*against);
    if (!base) fail(ErrorKind::NotFound, "compare: {}", missing(*against));
  } else if (shown != &versions.front()) {
    base = shown - 1;  // the one before it that the reader may read
  }
  Json options = Json::array();
  for (const auto& v : versions) {
    if (v.version == version) continue;
    options.push_back(
        {{"value", v.version}, {"selected", base != nullptr && base->version == v.version}});
  }
  Json changes = nullptr;
  if (base) {
    std::string diff = changes_between(*base, *shown);
    changes = {{"from", base->version},
               {"to", shown->version},
               {"same", diff.empty()},
               {"lines", diff_lines(diff)}};
  }
  Json attachments = Json::array();
  for (const auto& a : shown->attachments) {
    attachments.push_back({{"name", a.name}, {"hash", a.hash}});
  }
  const auto hidden = hidden_characters_in(shown->content);
  return render("item-document-page",
                {{"path", url_encode(item.ref)},
                 {"ref", item.ref},
                 {"version", shown->version},
                 {"hash", shown->hash},
                 {"author", person_name(engine.store(), shown->author)},
                 {"stored", time_html(shown->created_at)},
                 {"has_attachments", !attachments.empty()},
                 {"attachments", attachments},
                 {"content", hidden_characters_marked(shown->content)},
                 {"has_hidden", !hidden.empty()},
                 {"hidden", listed(hidden, "and")},
                 {"compare", options.empty() ? Json(nullptr) : Json{{"options", options}}},
                 {"changes", changes}});
}

}  // namespace commsflow::server
