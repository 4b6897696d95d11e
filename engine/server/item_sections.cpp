#include "server/item_sections.h"

#include <commsflow/error.h>
#include <commsflow/signoff.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "base/line_diff.h"
#include "server/html.h"
#include "server/views.h"

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

// One decision as a list entry: who (and for whom), what, as which entry, on which version, when.
std::string decision_item(Store& store, const Json& d) {
  std::string who = escape(person_name(store, text_of(d, "actor")));
  if (d.contains("on_behalf_of")) {
    who += " on behalf of " + escape(person_name(store, text_of(d, "on_behalf_of")));
  }
  // "as" names the approver entry filled: a role, or a person named as an approver.
  std::string as = text_of(d, "as");
  if (!as.empty()) as = approver_in_words(store, as);
  std::string comment = text_of(d, "comment");
  return fmt::format(
      R"(<li class="cf-decision"><strong>{}</strong>: {}{} on version {} at {}{}</li>)",
      decision_label(text_of(d, "decision")), who, as.empty() ? "" : " (as " + escape(as) + ")",
      escape(text_of(d, "document_version")), time_html(text_of(d, "at")),
      comment.empty() ? "" : fmt::format(R"(<br><q class="cf-comment">{}</q>)", escape(comment)));
}

std::string decision_list(Store& store, const Json& decisions) {
  std::string items;
  for (const auto& d : decisions) items += decision_item(store, d);
  if (items.empty()) return R"(<p class="nhsuk-body">No decisions yet.</p>)";
  return fmt::format(R"(<ul class="nhsuk-list nhsuk-list--bullet">{}</ul>)", items);
}

std::string th(const char* text) {
  return fmt::format(R"(<th scope="col" class="nhsuk-table__header">{}</th>)", text);
}

std::string td(const std::string& html) {
  return fmt::format(R"(<td class="nhsuk-table__cell">{}</td>)", html);
}

// The diff as preformatted lines: removed lines in <del>, added in <ins>, each keeping its
// leading '-' or '+' so the change reads without colour.
std::string diff_html(const std::string& diff) {
  std::string out;
  std::istringstream lines(diff);
  for (std::string line; std::getline(lines, line);) {
    const char mark = line.empty() ? ' ' : line[0];
    if (mark == '+')
      out += "<ins>" + escape(line) + "</ins>\n";
    else if (mark == '-')
      out += "<del>" + escape(line) + "</del>\n";
    else
      out += escape(line) + "\n";
  }
  return fmt::format(R"(<pre class="cf-diff" id="diff">{}</pre>)", out);
}

}  // namespace

std::string checklist_html(Engine& engine, const Item& item) {
  auto lines = engine.checklist(item);
  if (lines.empty()) return {};
  const StateSpec* state = engine.registry().version(item.version).definition.state(item.state);
  // The NHS task list: each line's name, what is missing as its hint, and its status.
  std::string rows;
  std::size_t met = 0;
  for (const auto& line : lines) {
    if (line.ok) ++met;
    rows += fmt::format(
        R"(<li class="nhsuk-task-list__item cf-check" data-ok="{}"><div class="nhsuk-task-list__name-and-hint"><div>{}</div>{}</div><div class="nhsuk-task-list__status">{}</div></li>)",
        line.ok ? "yes" : "no", escape(line.label),
        line.why.empty() || line.ok
            ? ""
            : fmt::format(R"(<div class="nhsuk-task-list__hint">{}</div>)", escape(line.why)),
        line.ok ? "Done" : R"(<strong class="nhsuk-tag nhsuk-tag--blue">Not done</strong>)");
  }
  return fmt::format(
      R"(<h2 id="checklist">Checklist for {}</h2><p class="nhsuk-body">{} of {} done.</p><ul class="nhsuk-task-list">{}</ul>)",
      escape(state && !state->label.empty() ? state->label : item.state), met, lines.size(), rows);
}

namespace {

std::string summary_row(const char* key, const std::string& value_html, const char* id = "") {
  return fmt::format(
      R"(<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{}</dt><dd class="nhsuk-summary-list__value"{}>{}</dd></div>)",
      key, *id ? fmt::format(R"( id="{}")", id) : std::string(), value_html);
}

// "A or B", "A, B or C".
std::string in_words(const std::vector<std::string>& parts, const char* conjunction) {
  if (parts.empty()) return {};
  if (parts.size() == 1) return parts[0];
  std::vector<std::string> head(parts.begin(), parts.end() - 1);
  return fmt::format("{} {} {}", fmt::join(head, ", "), conjunction, parts.back());
}

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

std::string needed_next_html(const Definition& d, const Item& stored,
                             const std::vector<AvailableAction>& actions) {
  if (d.is_final(stored.state)) return "Nothing: this item is closed.";
  if (auto s = stored.data.find("_signoff"); s != stored.data.end() && s->is_object()) {
    auto groups = waiting_groups(d, *s);
    if (!groups.empty()) {
      return fmt::format("A decision from {} on the text below", escape(in_words(groups, "and")));
    }
  }
  std::vector<std::string> open, roles;
  std::string blocked;
  for (const auto& a : actions) {
    const std::string label = a.label.empty() ? readable_label(a.name) : a.label;
    if (!a.blocked_by.empty()) {
      if (blocked.empty())
        blocked = fmt::format("{}: not possible yet ({})", label, a.blocked_by[0]);
      continue;
    }
    open.push_back(label);
    for (const auto& r : a.roles) {
      if (std::find(roles.begin(), roles.end(), r) == roles.end()) roles.push_back(r);
    }
  }
  if (open.empty()) return blocked.empty() ? "Nothing can be done now." : escape(blocked);
  return fmt::format("{}, by {}", escape(in_words(open, "or")),
                     escape(roles_in_words(roles, "or")));
}

}  // namespace

std::string at_a_glance_html(Engine& engine, const Definition& d, const Item& stored,
                             const Item& item, const std::vector<AvailableAction>& actions) {
  const TimePoint now = engine.clock().now();
  std::string rows = summary_row("State", fmt::format(R"(<strong id="item-state">{}</strong>)",
                                                      escape(state_label(d, item.state))));
  rows += summary_row("Needed next", needed_next_html(d, stored, actions), "needed-next");
  std::string due;
  if (auto s = stored.data.find("_signoff"); s != stored.data.end() && s->is_object()) {
    due = text_of(*s, "due_at");
  }
  if (due.empty() && !d.queue.due_field.empty() && !d.queue.holds(item.state)) {
    if (auto v = item.data.find(d.queue.due_field); v != item.data.end() && v->is_string()) {
      due = v->get<std::string>();
    }
  }
  if (!due.empty() && !d.is_final(item.state)) rows += summary_row("Due", due_html(due, now));
  rows += summary_row("Last changed", time_html(item.updated_at));
  return fmt::format(R"(<dl class="nhsuk-summary-list" id="at-a-glance">{}</dl>)", rows);
}

std::string current_text_html(Engine& engine, const Item& item) {
  auto versions = Signoff(engine).documents(item.ref);
  if (versions.empty()) return {};
  const DocumentVersion& current = versions.back();
  const Json approved = item.data.value("_approved", Json::object());
  const bool is_approved =
      text_of(approved, "document_version") == fmt::format("{}", current.version);
  return fmt::format(
      R"(<h2 id="current-text">{}</h2><p class="nhsuk-body-s">Version {} by {}, stored {}</p><div class="nhsuk-inset-text cf-text"><pre class="cf-data" id="document-current">{}</pre></div>)",
      is_approved ? "The text approved" : "The text for approval", current.version,
      escape(person_name(engine.store(), current.author)), time_html(current.created_at),
      escape(current.content));
}

std::string documents_html(Engine& engine, const Item& item) {
  auto versions = Signoff(engine).documents(item.ref);
  if (versions.empty()) return {};
  const std::string ref = url_encode(item.ref);
  std::string rows;
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    std::string links = fmt::format(
        R"(<a href="/items/{}/documents/{}">View<span class="nhsuk-u-visually-hidden"> version {}</span></a>)",
        ref, it->version, it->version);
    if (it->version > 1) {
      links += fmt::format(
          R"( &middot; <a href="/items/{0}/documents/{1}#diff">Changes from version {2}</a>)", ref,
          it->version, it->version - 1);
    }
    rows += fmt::format(R"(<tr class="nhsuk-table__row" data-version="{}">{}{}{}{}{}</tr>)",
                        it->version, td(fmt::format("{}", it->version)),
                        td("<code class=\"cf-hash\">" + escape(it->hash) + "</code>"),
                        td(escape(person_name(engine.store(), it->author))),
                        td(time_html(it->created_at)), td(links));
  }
  return fmt::format(
      R"(<details class="nhsuk-details" id="documents"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Document versions and their SHA-256 hashes</span></summary><div class="nhsuk-details__text"><table class="nhsuk-table"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Document versions, newest first</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{}{}{}{}{}</tr></thead><tbody class="nhsuk-table__body">{}</tbody></table></div></details>)",
      th("Version"), th("SHA-256"), th("Author"), th("Stored"), th("Text"), rows);
}

std::string signoff_html(Store& store, const Definition& d, const Item& item) {
  std::string out;
  if (auto s = item.data.find("_signoff"); s != item.data.end() && s->is_object()) {
    std::string due = text_of(*s, "due_at");
    bool overdue = s->value("overdue", false) || s->contains("escalated_at");
    out += fmt::format(
        R"(<h3>Current step: {}</h3><p class="nhsuk-body">Started {}{}{}</p>)",
        escape(state_label(d, text_of(*s, "step"))), time_html(text_of(*s, "started_at")),
        due.empty() ? "" : " &middot; due " + time_html(due),
        overdue
            ? R"( &middot; <strong class="nhsuk-tag nhsuk-tag--red">Overdue (escalated)</strong>)"
            : "");
    const Json groups = s->value("groups", Json::object());  // items() must not outlive it
    for (const auto& [group, record] : groups.items()) {
      std::string result = text_of(record, "result");
      // A step of one group names the group after the step.
      const std::string group_name = d.state(group) ? state_label(d, group) : readable_label(group);
      out += fmt::format(R"(<h4>{}: {}</h4>{})", escape(group_name),
                         result.empty() ? "waiting" : escape(decision_label(result)),
                         decision_list(store, record.value("decisions", Json::array())));
    }
    Json voided = s->value("void", Json::array());
    if (!voided.empty()) {
      out += "<h4>Void: given on an earlier version</h4>" + decision_list(store, voided);
    }
  }
  if (auto chain = item.data.find("_chain"); chain != item.data.end() && !chain->empty()) {
    out += "<h3>Steps passed</h3>";
    for (const auto& step : *chain) {
      out += fmt::format(
          R"(<h4>{}: {} at {}</h4>{})", escape(state_label(d, text_of(step, "step"))),
          escape(decision_label(text_of(step, "result"))), time_html(text_of(step, "at")),
          decision_list(store, step.value("decisions", Json::array())));
    }
  }
  if (auto a = item.data.find("_approved"); a != item.data.end() && a->is_object()) {
    out += fmt::format(
        R"(<h3>Approved</h3><p class="nhsuk-body" id="approved">Version {} (SHA-256 <code class="cf-hash">{}</code>) approved at {}.</p>)",
        escape(text_of(*a, "document_version")), escape(text_of(*a, "document_hash")),
        time_html(text_of(*a, "at")));
    for (const auto& step : a->value("steps", Json::array())) {
      out += fmt::format(R"(<h4>{}: {}</h4>{})", escape(state_label(d, text_of(step, "step"))),
                         escape(decision_label(text_of(step, "result"))),
                         decision_list(store, step.value("decisions", Json::array())));
    }
  }
  if (out.empty()) return {};
  return R"(<h2 id="sign-off">Sign-off</h2>)" + out;
}

std::string children_html(ReadAccess& access, const Item& item, const Actor& actor) {
  Engine& engine = access.engine();
  // Links to start a child of each workflow that belongs to this one, for those who may.
  std::string add;
  if (!engine.registry().version(item.version).definition.is_final(item.state)) {
    for (const auto& w : engine.workflows()) {
      const Definition& child = engine.registry().current(w.name).definition;
      if (child.parent != item.workflow || !engine.may_submit(actor, w.name)) continue;
      add += fmt::format(
          R"(<a class="nhsuk-button nhsuk-button--secondary" href="/requests/new?workflow={}&amp;parent={}">Add {}</a> )",
          url_encode(w.name), url_encode(item.ref),
          escape(child.title.empty() ? readable_label(w.name) : child.title));
    }
  }
  ItemFilter filter;
  filter.parent = item.ref;
  auto children = access.items(filter);
  if (children.empty() && add.empty()) return {};
  std::string rows;
  for (const auto& child : children) {
    const Definition& d = access.engine().registry().version(child.version).definition;
    std::string title = item_title(d, child);
    rows += fmt::format(
        R"(<li data-ref="{1}"><a href="/items/{0}">{1}</a>{2} &middot; {3} &middot; state {4}</li>)",
        url_encode(child.ref), escape(child.ref), title.empty() ? "" : ": " + escape(title),
        escape(d.title), escape(state_label(d, child.state)));
  }
  return fmt::format(R"(<h2 id="children">Linked items</h2>{}{})",
                     rows.empty()
                         ? R"(<p class="nhsuk-body">None yet.</p>)"
                         : R"(<ul class="nhsuk-list nhsuk-list--bullet">)" + rows + "</ul>",
                     add);
}

std::string decide_form_html(Engine& engine, const Item& item, const Actor& actor,
                             const DecideFormState& state) {
  auto pending = Signoff(engine).inbox(actor.name);
  auto mine = std::find_if(pending.begin(), pending.end(),
                           [&](const PendingDecision& p) { return p.item.ref == item.ref; });
  if (mine == pending.end()) return {};
  std::string radios;
  for (const auto& d : kDecisions) {
    radios += fmt::format(
        R"(<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="decide-{0}" name="decision" type="radio" value="{0}"{2}><label class="nhsuk-label nhsuk-radios__label" for="decide-{0}">{1}</label></div>)",
        d.value, d.label, state.decision == d.value ? " checked" : "");
  }
  std::string error;
  if (!state.error.empty()) {
    error = fmt::format(
        R"(<span class="nhsuk-error-message" id="decide-error"><span class="nhsuk-u-visually-hidden">Error:</span> {}</span>)",
        escape(state.error));
  }
  std::string behalf =
      mine->on_behalf_of.empty()
          ? std::string()
          : fmt::format(R"(<p class="nhsuk-body">You decide on behalf of <strong>{}</strong>.</p>)",
                        escape(mine->on_behalf_of));
  std::string doc = text_of(item.data.value("_document", Json::object()), "version");
  return fmt::format(
      R"(<div class="cf-action" id="decide"><h3>Your decision</h3>{0}<form method="post" action="/items/{1}/decide" novalidate><input type="hidden" name="csrf" value="<cf-csrf>"><input type="hidden" name="revision" value="{2}"><div class="nhsuk-form-group{3}"><fieldset class="nhsuk-fieldset"{4}><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Your decision on document version {5} in step {6}</legend>{7}<div class="nhsuk-radios">{8}</div></fieldset></div><div class="nhsuk-form-group"><label class="nhsuk-label" for="decide-comment">Comment (optional)</label><textarea class="nhsuk-textarea" id="decide-comment" name="comment" rows="3">{9}</textarea></div><button class="nhsuk-button" type="submit" data-action="decide">Record decision</button></form></div>)",
      behalf, url_encode(item.ref), item.revision, error.empty() ? "" : " nhsuk-form-group--error",
      error.empty() ? "" : R"( aria-describedby="decide-error")", escape(doc.empty() ? "?" : doc),
      escape(state_label(engine.registry().version(item.version).definition, mine->step)), error,
      radios, escape(state.comment));
}

std::string document_form_html(Engine& engine, const Item& item, const Actor& actor,
                               const DocumentFormState& state) {
  const Definition& d = engine.registry().version(item.version).definition;
  if (d.document_roles.empty() || d.is_final(item.state) ||
      std::none_of(d.document_roles.begin(), d.document_roles.end(),
                   [&](const std::string& r) { return actor.has_role(r); })) {
    return {};
  }
  // HTML drops one newline straight after <textarea>, so the template writes one: a text that
  // starts with a blank line keeps it.
  std::string content;
  if (state.content) {
    content = *state.content;
  } else if (auto versions = Signoff(engine).documents(item.ref); !versions.empty()) {
    content = versions.back().content;
  }
  return fmt::format(
      R"(<div class="cf-action" id="new-version"><h3>Store a new version of the document</h3><form method="post" action="/items/{0}/documents" novalidate><input type="hidden" name="csrf" value="<cf-csrf>"><input type="hidden" name="revision" value="{1}"><div class="nhsuk-form-group"><label class="nhsuk-label" for="document-content">Text</label><div class="nhsuk-hint" id="document-content-hint">Approvals are tied to the exact text: a new version may void decisions already given on this step.</div><textarea class="nhsuk-textarea" id="document-content" name="content" rows="12" aria-describedby="document-content-hint">
{2}</textarea></div><div class="nhsuk-form-group"><label class="nhsuk-label" for="document-note">What changed (optional)</label><input class="nhsuk-input" id="document-note" name="note" type="text" value="{3}"></div><button class="nhsuk-button nhsuk-button--secondary" type="submit" data-action="put-document">Store new version</button></form></div>)",
      url_encode(item.ref), item.revision, escape(content), escape(state.note));
}

std::string document_page_html(Engine& engine, const Item& item, std::int64_t version,
                               std::optional<std::int64_t> against) {
  auto versions = Signoff(engine).documents(item.ref);
  auto find = [&](std::int64_t n) -> const DocumentVersion* {
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const DocumentVersion& v) { return v.version == n; });
    return it == versions.end() ? nullptr : &*it;
  };
  const DocumentVersion* shown = find(version);
  if (!shown) fail(ErrorKind::NotFound, "{} has no document version {}", item.ref, version);
  std::int64_t base_number = against.value_or(version - 1);
  const DocumentVersion* base = base_number >= 1 ? find(base_number) : nullptr;
  if (against && !base) {
    fail(ErrorKind::NotFound, "compare: {} has no document version {}", item.ref, *against);
  }
  const std::string ref = url_encode(item.ref);
  std::string options;
  for (const auto& v : versions) {
    if (v.version == version) continue;
    options += fmt::format(R"(<option value="{0}"{1}>Version {0}</option>)", v.version,
                           base && base->version == v.version ? " selected" : "");
  }
  std::string compare_form =
      options.empty()
          ? std::string()
          : fmt::format(
                R"(<form method="get" action="/items/{}/documents/{}" class="cf-filters"><div class="nhsuk-form-group"><label class="nhsuk-label" for="against">Compare with</label><select class="nhsuk-select" id="against" name="against">{}</select></div><div class="nhsuk-form-group"><button class="nhsuk-button nhsuk-button--secondary" type="submit">Compare</button></div></form>)",
                ref, version, options);
  std::string changes;
  if (base) {
    std::string diff = line_diff(base->content, shown->content);
    changes = fmt::format(
        R"(<h2>Changes from version {} to version {}</h2><p class="nhsuk-body">Lines starting with &minus; were removed and lines starting with + were added.</p>{})",
        base->version, shown->version,
        diff.empty() ? R"(<p class="nhsuk-body" id="diff">The texts are the same.</p>)"
                     : diff_html(diff));
  }
  std::string attachments;
  for (const auto& a : shown->attachments) {
    attachments += fmt::format(R"(<li>{} (SHA-256 <code class="cf-hash">{}</code>)</li>)",
                               escape(a.name), escape(a.hash));
  }
  return fmt::format(
      R"(<span class="nhsuk-caption-l"><a href="/items/{0}">{1}</a></span><h1>Document version {2}</h1><dl class="nhsuk-summary-list"><div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">SHA-256</dt><dd class="nhsuk-summary-list__value"><code class="cf-hash">{3}</code></dd></div><div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Author</dt><dd class="nhsuk-summary-list__value">{4}</dd></div><div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Stored</dt><dd class="nhsuk-summary-list__value">{5}</dd></div></dl>{6}<h2>Text</h2><pre class="cf-data" id="document-text">{7}</pre>{8}{9})",
      ref, escape(item.ref), shown->version, escape(shown->hash),
      escape(person_name(engine.store(), shown->author)), time_html(shown->created_at),
      attachments.empty() ? ""
                          : "<h2>Attachments</h2><ul class=\"nhsuk-list\">" + attachments + "</ul>",
      escape(shown->content), compare_form, changes);
}

}  // namespace commsflow::server
