#include <commsflow/people.h>
#include <commsflow/read_access.h>
#include <commsflow/words.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "audit/replayed_accounts.h"
#include "workflow/field_values.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

const std::set<std::string>& audit_roles() {
  static const std::set<std::string> roles = {"governance", "head_of_comms", "director", "admin"};
  return roles;
}

// The sign-off steps an item is in, has reached (since a return to drafting, too) or has passed,
// as its data records them.
std::vector<std::string> steps_of(const Json& data) {
  std::vector<std::string> steps;
  if (auto s = data.find("_signoff"); s != data.end() && s->is_object()) {
    steps.push_back(s->value("step", ""));
  }
  auto add_all = [&](const Json& list) {
    if (!list.is_array()) return;
    for (const auto& step : list) {
      if (step.is_object()) steps.push_back(step.value("step", ""));
    }
  };
  if (auto r = data.find("_reached"); r != data.end() && r->is_array()) {
    for (const auto& step : *r) {
      if (step.is_string()) steps.push_back(step.get<std::string>());
    }
  }
  if (auto c = data.find("_chain"); c != data.end()) add_all(*c);
  if (auto a = data.find("_approved"); a != data.end() && a->is_object()) {
    add_all(a->value("steps", Json::array()));
  }
  return steps;
}

void erase_keys(Json& object, const std::set<std::string>& keys) {
  if (!object.is_object()) return;
  for (const auto& key : keys) object.erase(key);
}

void keep_only(Json& object, const std::vector<std::string>& keys) {
  if (!object.is_object()) return;
  Json kept = Json::object();
  for (const auto& key : keys) {
    if (auto it = object.find(key); it != object.end()) kept[key] = *it;
  }
  object = std::move(kept);
}

}  // namespace

bool may_audit(const Actor& actor) {
  return !actor.disabled &&
         std::any_of(actor.roles.begin(), actor.roles.end(),
                     [](const std::string& role) { return audit_roles().count(role) > 0; });
}

bool may_administer(const Actor& actor) {
  return !actor.disabled && actor.has_role("admin");
}

Reader Reader::operator_reader() {
  Reader r;
  r.name_ = kOperator;
  r.everything_ = true;
  r.roles_ = {"admin"};
  return r;
}

Reader Reader::for_actor(Store& store, const Actor& actor, std::string_view today) {
  Reader r;
  r.name_ = actor.name;
  r.disabled_ = actor.disabled;
  if (actor.disabled) return r;
  r.roles_.insert(actor.roles.begin(), actor.roles.end());
  r.everything_ = r.roles_.count("admin") > 0;
  for (const auto& d : store.delegations_in_force(today)) {
    if (d.to != actor.name) continue;
    // Only a delegation that lets them decide lets them read (see delegation_covers).
    auto from = store.actor(d.from);
    if (!from || !delegation_covers(d, *from, d.role, today, /*entry_is_role=*/true)) continue;
    r.delegated_roles_.insert(d.role);
    r.delegated_by_.insert(d.from);
  }
  return r;
}

bool Reader::may_audit() const {
  return everything_ || std::any_of(roles_.begin(), roles_.end(), [](const std::string& role) {
           return audit_roles().count(role) > 0;
         });
}

bool Reader::may_administer() const {
  return everything_;
}

bool Reader::holds(std::string_view role) const {
  return roles_.count(std::string(role)) > 0;
}

bool Reader::decides_as(std::string_view entry, bool entry_is_role) const {
  const std::string e(entry);
  if (roles_.count(e) > 0 || delegated_roles_.count(e) > 0) return true;
  return !entry_is_role && (e == name_ || delegated_by_.count(e) > 0);
}

bool ReadAccess::is_decider(const Definition& d, const Item& item) const {
  for (const auto& step : steps_of(item.data)) {
    const StateSpec* state = d.state(step);
    if (!state || !state->signoff) continue;
    for (const auto& group : state->signoff->groups) {
      for (const auto& entry : group.approvers) {
        if (reader_.decides_as(entry, names_role(d, entry))) return true;
      }
    }
    for (const auto& entry : state->signoff->escalate_to) {
      if (reader_.decides_as(entry, names_role(d, entry))) return true;
    }
  }
  return false;
}

std::string ReadAccess::submitter(const Item& item) {
  return engine_.store().creator(item.ref);
}

Sight ReadAccess::sight(const Item& item) {
  Sight s;
  if (reader_.sees_everything()) {
    s.item = s.document = true;
    return s;
  }
  const Definition& d = engine_.registry().version(item.version).definition;
  const ReadSpec& r = d.read;
  auto matches = [&](const ReaderSpec& spec) {
    if (std::any_of(spec.roles.begin(), spec.roles.end(),
                    [&](const std::string& role) { return reader_.holds(role); })) {
      return true;
    }
    return spec.deciders && is_decider(d, item);
  };
  if (matches(r.items)) {
    s.item = true;
  } else if (r.submitter && submitter(item) == reader_.name()) {
    s.item = true;
    s.limited = !r.submitter_fields.empty();
    s.only = r.submitter_fields;
  } else {
    return s;
  }
  for (const auto& [field, spec] : r.fields) {
    if (!matches(spec)) s.hidden.insert(field);
  }
  // Every version, drafts and all, for those the workflow's `draft` names (everyone without one);
  // the rest read only the versions approved of record (documents()).
  s.document = !r.draft || matches(*r.draft);
  if (s.limited) {
    std::erase_if(s.only, [&](const std::string& f) { return s.hidden.count(f) > 0; });
    // A submitter limited to some fields reads only the versions approved, where there is a draft.
    s.document = !r.draft;
  }
  return s;
}

std::optional<Item> ReadAccess::view(const Item& item) {
  Sight s = sight(item);
  if (!s.item) return std::nullopt;
  Item out = item;
  if (s.limited) {
    keep_only(out.data, s.only);
  } else {
    erase_keys(out.data, s.hidden);
  }
  return out;
}

namespace {

// What a reader keeps of an event's changes, payload and note, by their sight of its item: all
// but the hidden fields when they see the whole item; otherwise only the fields they may see of
// it (none when they may not see it), without the inputs and note.
void limit_event_parts(const Sight& s, Json& changes, Json& payload, std::string& note) {
  if (s.whole()) {
    erase_keys(changes, s.hidden);
    erase_keys(payload, s.hidden);
    return;
  }
  if (s.item) {
    keep_only(changes, s.only);
  } else {
    changes = Json::object();
  }
  payload = Json::object();
  note.clear();
}

}  // namespace

Event ReadAccess::view(const Event& event, const Sight& s) const {
  Event out = event;
  limit_event_parts(s, out.changes, out.payload, out.note);
  return out;
}

void AuditSight::limit(AuditRow& row) {
  if (access_.reader().sees_everything()) return;
  if (is_account_ref(row.ref)) {
    for (Json* part : {&row.changes, &row.payload}) part->erase("email");
    return;
  }
  auto known = by_ref_.find(row.ref);
  if (known == by_ref_.end()) {
    std::optional<Item> item = access_.engine().store().item(row.ref);
    known = by_ref_.emplace(row.ref, item ? access_.sight(*item) : Sight{}).first;
  }
  const Sight& s = known->second;
  limit_event_parts(s, row.changes, row.payload, row.note);
  if (!s.whole()) row.comment.clear();  // lifted from the payload
}

std::string AuditSight::title(const Item& item) {
  if (access_.reader().sees_everything()) return item_title(item);
  auto seen = access_.view(item);
  return seen ? item_title(*seen) : std::string();
}

void item_not_found(std::string_view ref) {
  fail(ErrorKind::NotFound, "no item {}", ref);
}

Item ReadAccess::item(std::string_view ref) {
  auto seen = view(engine_.item(ref));
  if (!seen) item_not_found(ref);
  return std::move(*seen);
}

namespace {

// A filter's workflow and state must exist: a misspelt one is said so, not answered with an
// empty list. Returns the filter with its state as stored, when it was typed as its label
// ("Paused") or its name in any case.
ItemFilter checked_filter(Engine& engine, ItemFilter filter) {
  std::vector<std::string> names;
  if (!filter.workflow.empty()) {
    engine.registry().current(filter.workflow);  // NotFound, naming those there are
    names = {filter.workflow};
  } else {
    for (const auto& [name, version] : engine.store().workflows()) names.push_back(name);
  }
  if (filter.state.empty()) return filter;
  // A name, in any case, before any label; a label that names two states names neither.
  const std::string typed = as_name(filter.state);
  std::vector<std::string> states;
  std::set<std::string> labelled;
  bool named = false;
  for (const auto& name : names) {
    for (const auto& state : engine.registry().current(name).definition.states) {
      if (state.name == filter.state) return filter;
      named = named || state.name == typed;
      if (as_name(state.label) == typed) labelled.insert(state.name);
      states.push_back(state.name);
    }
  }
  if (named || labelled.size() == 1) {
    filter.state = named ? typed : *labelled.begin();
    return filter;
  }
  if (filter.workflow.empty()) fail_field("state", "no workflow has a state '{}'", filter.state);
  fail_field("state", "{} has no state '{}' (its states: {})", filter.workflow, filter.state,
             fmt::join(states, ", "));
}

}  // namespace

std::vector<Item> ReadAccess::items(const ItemFilter& typed) {
  const ItemFilter filter = checked_filter(engine_, typed);
  if (reader_.sees_everything()) return engine_.items(filter);
  ItemFilter all = filter;
  all.limit = -1;
  std::vector<Item> out;
  for (const Item& item : engine_.items(all)) {
    if (filter.limit >= 0 && static_cast<std::int64_t>(out.size()) >= filter.limit) break;
    if (auto seen = view(item)) out.push_back(std::move(*seen));
  }
  return out;
}

std::vector<Event> ReadAccess::history(std::string_view ref) {
  Sight s = sight(engine_.item(ref));
  if (!s.item) item_not_found(ref);
  std::vector<Event> events = engine_.history(ref);
  if (s.whole() && s.hidden.empty()) return events;
  for (auto& e : events) e = view(e, s);
  // A reader who sees only some fields is not shown the events that changed none of them and
  // left the state as it was (a triager's override, a note): that something happened is itself
  // the team's business.
  if (s.limited) {
    std::erase_if(events, [](const Event& e) {
      return !e.from_state.empty() && e.from_state == e.to_state && e.changes.empty();
    });
  }
  return events;
}

std::vector<DocumentVersion> ReadAccess::documents(std::string_view ref, bool* drafts_withheld) {
  Sight s = sight(engine_.item(ref));
  if (!s.item) item_not_found(ref);
  if (drafts_withheld) *drafts_withheld = false;
  if (s.document) return Signoff(engine_).documents(ref);
  // The versions an approval of record was given to (each by the hash approved), as the item's
  // events set them, whether that approval stands now or not.
  std::set<std::pair<std::int64_t, std::string>> approved;
  for (const Event& e : engine_.history(ref)) {
    auto a = e.changes.find("_approved");
    if (a == e.changes.end() || !a->is_object()) continue;
    approved.emplace(a->value("document_version", std::int64_t{0}), a->value("document_hash", ""));
  }
  std::vector<DocumentVersion> versions;
  bool withheld = false;
  if (!approved.empty()) {
    for (DocumentVersion& v : Signoff(engine_).documents(ref)) {
      if (approved.count({v.version, v.hash})) {
        versions.push_back(std::move(v));
      } else {
        withheld = true;
      }
    }
  }
  // One who may see the item is told why its text is withheld, not that it does not exist.
  if (versions.empty()) {
    fail(ErrorKind::NotFound, "{}'s text is a draft: you may read it once it is approved", ref);
  }
  if (drafts_withheld) *drafts_withheld = withheld;
  return versions;
}

std::int64_t ReadAccess::for_each_in_queue(const QueueQuery& query,
                                           const std::function<void(const Item&)>& visit) {
  if (reader_.sees_everything()) return commsflow::for_each_in_queue(engine_, query, visit);
  if (sees_every_item_of(query.workflow)) {
    // The triage team's case: the engine's paging stands; only restricted fields are removed.
    return commsflow::for_each_in_queue(engine_, query,
                                        [&](const Item& item) { visit(*view(item)); });
  }
  // Filtered before paging, so totals and pages count only what the reader may see.
  QueueQuery all = query;
  all.offset = 0;
  all.limit = -1;
  std::int64_t seen = 0;
  commsflow::for_each_in_queue(engine_, all, [&](const Item& item) {
    auto v = view(item);
    if (!v) return;
    const std::int64_t index = seen++;
    if (index < query.offset) return;
    if (query.limit >= 0 && index >= query.offset + query.limit) return;
    visit(*v);
  });
  return seen;
}

bool ReadAccess::reads_every_item_by_role(const Definition& d) const {
  const auto& roles = d.read.items.roles;
  return std::any_of(roles.begin(), roles.end(),
                     [&](const std::string& role) { return reader_.holds(role); });
}

bool ReadAccess::sees_every_item_of(std::string_view workflow) {
  for (const auto& [version, state, count] : engine_.store().item_counts()) {
    const Definition& d = engine_.registry().version(version).definition;
    if (d.name == workflow && !reads_every_item_by_role(d)) return false;
  }
  return true;
}

bool ReadAccess::may_see_some_of(std::string_view workflow) {
  if (reader_.sees_everything()) return true;
  if (engine_.store().current_version(workflow) &&
      reads_every_item_by_role(engine_.registry().current(workflow).definition)) {
    return true;
  }
  QueueQuery open{std::string(workflow)};
  open.limit = 0;
  return for_each_in_queue(open, [](const Item&) {}) > 0;
}

QueuePage ReadAccess::queue(const QueueQuery& query) {
  QueuePage page;
  page.total = for_each_in_queue(query, [&](const Item& item) { page.items.push_back(item); });
  return page;
}

std::vector<PendingDecision> ReadAccess::inbox() {
  std::vector<PendingDecision> out;
  if (reader_.name() == kOperator) return out;
  for (auto& pending : Signoff(engine_).inbox(reader_.name())) {
    if (auto seen = view(pending.item)) {
      pending.item = std::move(*seen);
      out.push_back(std::move(pending));
    }
  }
  return out;
}

void ReadAccess::require_whole(std::string_view ref) {
  const Sight s = sight(engine_.item(ref));
  if (!s.item) item_not_found(ref);
  if (!s.whole()) {
    fail(ErrorKind::NotFound,
         "{} has details you may not see, so its reports are not open to you (`commsflow show {} "
         "--as ...` gives what you may see)",
         ref, ref);
  }
}

void Reader::require_audit() const {
  if (!may_audit()) {
    fail(ErrorKind::Forbidden,
         "the audit log is for governance, the head of comms, directors and admins only");
  }
}

}  // namespace commsflow
