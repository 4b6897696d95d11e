// Sign-off: documents with versions, decisions in sign-off steps, delegation, timers and the
// outbox. The engine keeps its records of a sign-off in the item's data under keys that begin
// with '_' (workflow fields never do), so they travel in events and replay like any other data:
//   _document  {version, hash, author, at}            the current document version
//   _signoff   {step, started_at, due_at?, reminded_at?, escalated_at?, groups: {name: {decisions,
//               result?}}, void: [decisions on earlier versions]}
//   _chain     [{step, result, at, decisions}]        steps passed since the chain began
//   _approved  {document_version, document_hash, at, steps}   the final approval record
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/people.h>
#include <commsflow/sha256.h>

#include <algorithm>
#include <set>

#include "audit/document_hash.h"
#include "workflow/field_values.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

std::string title_of(const Item& item) {
  for (const char* key : {"headline", "title", "name"}) {
    auto it = item.data.find(key);
    if (it != item.data.end() && it->is_string()) return it->get<std::string>();
  }
  return item.ref;
}

std::string step_label(const StateSpec& state) {
  return state.label.empty() ? state.name : state.label;
}

std::vector<std::string> escalated_entries(const SignoffSpec& spec, const Json& signoff) {
  return signoff.contains("escalated_at") ? spec.escalate_to : std::vector<std::string>{};
}

// Sorts the attachments by name and sets their hashes; returns the version's hash.
std::string hash_document(const std::string& content, std::vector<Attachment>& attachments) {
  std::sort(attachments.begin(), attachments.end(),
            [](const Attachment& a, const Attachment& b) { return a.name < b.name; });
  for (auto& a : attachments) a.hash = to_hex(sha256(a.content));
  return document_hash(content, attachments);
}

}  // namespace

std::vector<std::string> Engine::recipients(std::string_view entry, std::string_view excluded) {
  std::vector<std::string> out;
  if (auto named = store_.actor(entry)) {
    out.push_back(named->name);
  } else {
    out = store_.actors_with_role(entry);
  }
  std::vector<std::string> delegates;
  for (const auto& d : store_.delegations_in_force(format_date(clock_.now()))) {
    if (d.from == excluded || std::find(out.begin(), out.end(), d.from) == out.end()) continue;
    if ((d.role == entry || d.from == entry) &&
        std::find(out.begin(), out.end(), d.to) == out.end()) {
      delegates.push_back(d.to);
    }
  }
  out.insert(out.end(), delegates.begin(), delegates.end());
  if (out.empty()) out.push_back(fmt::format("role:{}", entry));
  std::erase(out, excluded);
  return out;
}

void Engine::notify_step(const Item& item, const StateSpec& state, std::string_view kind,
                         const std::vector<std::string>& entries, const std::string& why) {
  // Those who decided in this step already are not asked again; nor is the author.
  std::set<std::string> sent;
  if (auto signoff = item.data.find("_signoff"); signoff != item.data.end()) {
    for (const auto& d : flatten_decisions(*signoff)) {
      sent.insert(d.value("on_behalf_of", d.value("actor", std::string())));
    }
  }
  std::string now = format_datetime(clock_.now());
  const std::string author =
      item.data.value("_document", Json::object()).value("author", std::string());
  for (const auto& entry : entries) {
    for (const auto& who : recipients(entry, author)) {
      if (!sent.insert(who).second) continue;
      OutboxEntry row{0,
                      now,
                      who,
                      item.ref,
                      std::string(kind),
                      fmt::format("{} \"{}\", step '{}': {}", item.ref, title_of(item),
                                  step_label(state), why)};
      row.state = state.name;
      store_.add_outbox(row);
    }
  }
}

void Engine::start_step(CompiledWorkflow& wf, Item& item, const StateSpec& state) {
  const SignoffSpec& spec = *state.signoff;
  const Definition& d = wf.definition;
  const TimePoint now = clock_.now();
  Json signoff{{"step", state.name}, {"started_at", format_datetime(now)}};
  Json groups = Json::object();
  for (const auto& g : spec.groups) groups[g.name] = Json{{"decisions", Json::array()}};
  signoff["groups"] = std::move(groups);

  std::optional<TimePoint> due;
  if (spec.due) {
    Json ctx{{"workflow", d.name},          {"ref", item.ref},
             {"state", state.name},         {"step", state.name},
             {"now", format_datetime(now)}, {"document", item.data.value("_document", Json())}};
    std::string what = fmt::format("the due time of step '{}'", state.name);
    Json result = wf.script->call(spec.due, item.data, ctx, what).result;
    if (result.is_number()) {
      due = now + std::chrono::seconds(static_cast<std::int64_t>(result.get<double>()));
    } else if (result.is_string()) {
      due = parse_datetime(result.get<std::string>());
      if (!due) {
        fail(ErrorKind::Script, "{}: {} returned '{}', which is not a datetime", d.path, what,
             result.get<std::string>());
      }
    } else if (!result.is_null()) {
      fail(ErrorKind::Script, "{}: {} must return a datetime, a number of seconds or nil, got {}",
           d.path, what, result.dump());
    }
  }
  store_.clear_timers(item.id);
  Json timer_payload{{"step", state.name}};
  if (due) {
    signoff["due_at"] = format_datetime(*due);
    auto remind_at = *due - std::chrono::seconds(spec.remind_before);
    if (spec.remind_before > 0 && remind_at > now) {
      store_.add_timer(item.id, "remind", format_datetime(remind_at), timer_payload);
    }
    store_.add_timer(item.id, "escalate", format_datetime(*due), timer_payload);
  }
  item.data["_signoff"] = std::move(signoff);

  std::vector<std::string> entries;
  for (const auto& g : spec.groups)
    entries.insert(entries.end(), g.approvers.begin(), g.approvers.end());
  std::string due_text = due ? fmt::format(", due {}", format_datetime(*due)) : "";
  auto doc = item.data.value("_document", Json::object());
  notify_step(item, state, "decision_needed", entries,
              fmt::format("your decision is needed on document version {}{}",
                          doc.value("version", 0), due_text));
}

void Engine::on_state_change(CompiledWorkflow& wf, const Item& before, Item& after,
                             std::string_view outcome) {
  const Definition& d = wf.definition;
  const StateSpec* from = d.state(before.state);
  const StateSpec* to = d.state(after.state);
  Json& data = after.data;
  const bool passed = from && from->signoff && (outcome == "approved" || outcome == "not_relevant");
  if (passed) {
    // Appended in place: copying the chain out and back cost more than the rest of the step.
    Json step{{"step", from->name},
              {"result", data["_signoff"].value("result", std::string(outcome))},
              {"at", format_datetime(clock_.now())},
              {"decisions", flatten_decisions(data["_signoff"])}};
    Json& chain = data["_chain"];
    if (chain.is_null()) chain = Json::array();
    chain.push_back(std::move(step));
  } else {
    data.erase("_chain");
  }
  data.erase("_signoff");
  // start_step clears the timers itself.
  if (from && from->signoff && !(to && to->signoff)) store_.clear_timers(after.id);

  if (to && to->signoff) {
    start_step(wf, after, *to);
  } else if (passed) {
    // The approval of record: the version, the conditions it was given under, every step, and
    // the state it rests in (where a new version or a changed condition can still reach it).
    auto doc = data.value("_document", Json::object());
    Json conditions = Json::object();
    for (const auto& name : d.approval.conditions) conditions[name] = data.value(name, Json());
    data["_approved"] = Json{
        {"document_version", doc.value("version", 0)}, {"document_hash", doc.value("hash", "")},
        {"at", format_datetime(clock_.now())},         {"state", after.state},
        {"conditions", std::move(conditions)},         {"steps", std::move(data["_chain"])}};
    data.erase("_chain");
  }
}

Outcome<Item> Engine::decide(const DecideRequest& request) {
  auto tx = store_.begin_write();
  Item item = this->item(request.ref);
  check_revision(item, request.expected_revision);
  if (!valid_utf8(request.comment)) fail_field("comment", "is not valid UTF-8 text");
  if (auto control = control_character_in(request.comment); !control.empty()) {
    fail_field("comment", "contains the control character {}", control);
  }
  if (!is_decision(request.decision)) {
    fail(ErrorKind::BadInput, "decision '{}' is not one of: {}", request.decision,
         fmt::join(decision_names(), ", "));
  }
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  const StateSpec* state = d.state(item.state);
  if (!state || !state->signoff) {
    return Refusal{
        {fmt::format("{} is in state '{}', which is not a sign-off step: no decision "
                     "is waiting",
                     item.ref, item.state)}};
  }
  const SignoffSpec& spec = *state->signoff;
  Actor actor = require_actor(request.actor);
  const Json doc = item.data.value("_document", Json());
  if (!doc.is_object()) {
    return Refusal{{fmt::format("{} has no document yet: put its text first", item.ref)}};
  }
  // Taken before anything below touches the item: the event's changes are the difference, and a
  // decision that leaves the step open changes nothing but `_signoff`.
  const Item before = item;
  Json& signoff = item.data["_signoff"];
  const auto escalated = escalated_entries(spec, signoff);
  const std::string today = format_date(clock_.now());

  // Who the decision counts for: the actor, or someone who delegated to them.
  std::vector<Actor> principals;
  if (request.on_behalf_of.empty()) principals.push_back(actor);
  std::vector<std::string> lapsed;
  const std::vector<Delegation> delegations = store_.delegations(actor.name);
  for (const auto& delegation : delegations) {
    if (!request.on_behalf_of.empty() && delegation.from != request.on_behalf_of) continue;
    if (delegation.until < today) {
      lapsed.push_back(fmt::format("the delegation from {} for {} lapsed after {}", delegation.from,
                                   delegation.role, delegation.until));
      continue;
    }
    if (auto from = store_.actor(delegation.from)) principals.push_back(*from);
  }

  struct Fill {
    const ApproverGroupSpec* group;
    std::string entry;
  };
  std::vector<Fill> fills;
  std::string principal, on_behalf_of, already;
  for (const Actor& p : principals) {
    const bool delegated = p.name != actor.name;
    for (const auto& g : spec.groups) {
      Json& record = signoff["groups"][g.name];
      if (record.contains("result")) continue;
      for (const auto& entry : open_entries(g, record["decisions"], p.name, escalated)) {
        bool allowed = delegated ? std::any_of(delegations.begin(), delegations.end(),
                                               [&](const Delegation& del) {
                                                 return delegation_covers(del, p, entry, today);
                                               })
                                 : fills_entry(p, entry);
        if (allowed) {
          fills.push_back(Fill{&g, entry});
          break;
        }
      }
      if (open_entries(g, record["decisions"], p.name, escalated).empty()) {
        already = fmt::format("{} has already decided in step '{}' on version {}", p.name,
                              state->name, doc.value("version", 0));
      }
    }
    if (!fills.empty()) {
      principal = p.name;
      if (delegated) on_behalf_of = p.name;
      break;
    }
  }
  if (fills.empty()) {
    std::vector<std::string> reasons;
    if (!already.empty()) {
      reasons.push_back(already);
    } else {
      std::vector<std::string> needed;
      for (const auto& g : spec.groups) {
        if (signoff["groups"][g.name].contains("result")) continue;
        for (const auto& e : g.approvers) needed.push_back(e);
        for (const auto& e : escalated) needed.push_back(e);
      }
      reasons.push_back(fmt::format(
          "{} may not decide in step '{}': it needs {} ({} has {})", actor.name, state->name,
          fmt::join(needed, " or "), actor.name,
          actor.roles.empty() ? "no roles" : fmt::format("{}", fmt::join(actor.roles, ", "))));
    }
    reasons.insert(reasons.end(), lapsed.begin(), lapsed.end());
    // Having decided already is a rule; holding none of the step's entries is a missing role.
    return Refusal{std::move(reasons), /*forbidden=*/already.empty()};
  }

  const std::string author = doc.value("author", "");
  if (author == actor.name || author == principal) {
    return Refusal{
        {fmt::format("{} wrote version {} of the document, so someone else must decide on it",
                     author, doc.value("version", 0))}};
  }

  const std::string now = format_datetime(clock_.now());
  if (spec.guard) {
    Json ctx{{"workflow", d.name},
             {"ref", item.ref},
             {"state", item.state},
             {"step", state->name},
             {"action", "decide"},
             {"actor", Json{{"name", actor.name}, {"roles", actor.roles}}},
             {"on_behalf_of", on_behalf_of.empty() ? Json() : Json(on_behalf_of)},
             {"decision", request.decision},
             {"comment", request.comment},
             {"document", doc},
             {"now", now}};
    std::string label = fmt::format("the guard of sign-off step '{}'", state->name);
    Json result = wf.script->call(spec.guard, item.data, ctx, label).result;
    if (result.is_boolean() && !result.get<bool>()) {
      return Refusal{{fmt::format("{} said no", label)}};
    }
    if (result.is_string()) return Refusal{{result.get<std::string>()}};
    if (result.is_array() && !result.empty()) {
      std::vector<std::string> reasons;
      for (const auto& r : result)
        reasons.push_back(r.is_string() ? r.get<std::string>() : r.dump());
      return Refusal{std::move(reasons)};
    }
    if (!result.is_boolean() && !(result.is_array() && result.empty())) {
      fail(ErrorKind::Script, "{}: {} must return true or a list of reasons, got {}", d.path, label,
           result.is_null() ? "nothing" : result.dump());
    }
  }

  Json decision{{"actor", actor.name},
                {"decision", request.decision},
                {"document_version", doc.value("version", 0)},
                {"document_hash", doc.value("hash", "")},
                {"at", now}};
  if (!on_behalf_of.empty()) decision["on_behalf_of"] = on_behalf_of;
  if (!request.comment.empty()) decision["comment"] = request.comment;
  std::vector<std::string> group_names;
  std::vector<std::string> results;
  for (const auto& fill : fills) {
    Json& record = signoff["groups"][fill.group->name];
    Json entry_decision = decision;
    entry_decision["as"] = fill.entry;
    record["decisions"].push_back(entry_decision);
    if (auto result = group_result(*fill.group, record["decisions"], escalated)) {
      record["result"] = *result;
    }
    group_names.push_back(fill.group->name);
  }
  bool complete = true;
  for (const auto& g : spec.groups) {
    const Json& record = signoff["groups"][g.name];
    if (record.contains("result")) {
      results.push_back(record["result"].get<std::string>());
    } else {
      complete = false;
    }
  }
  std::string step_result;
  if (std::find(results.begin(), results.end(), "changes_required") != results.end()) {
    step_result = "changes_required";
  } else if (complete) {
    step_result = combine_decisions(results);
  }

  if (!step_result.empty()) {
    signoff["result"] = step_result;
    const OutcomeSpec& outcome = step_result == "changes_required" ? spec.changes_required
                                 : step_result == "not_relevant"   ? spec.not_relevant
                                                                   : spec.approved;
    std::string to = outcome.to.front();
    if (outcome.route) {
      Json ctx{{"workflow", d.name},  {"ref", item.ref},       {"state", item.state},
               {"step", state->name}, {"result", step_result}, {"now", now}};
      std::string label = fmt::format("the route of step '{}' for {}", state->name, step_result);
      Json r = wf.script->call(outcome.route, item.data, ctx, label).result;
      if (!r.is_string() || std::find(outcome.to.begin(), outcome.to.end(), r.get<std::string>()) ==
                                outcome.to.end()) {
        fail(ErrorKind::Script, "{}: {} must return one of: {} (it returned {})", d.path, label,
             fmt::join(outcome.to, ", "), r.dump());
      }
      to = r.get<std::string>();
    }
    item.state = to;
    on_state_change(wf, before, item,
                    step_result == "changes_required" ? "changes_required"
                    : step_result == "not_relevant"   ? "not_relevant"
                                                      : "approved");
  }

  Event event;
  event.ref = item.ref;
  event.action = "decide";
  event.actor = actor.name;
  event.on_behalf_of = on_behalf_of;
  event.at = now;
  event.from_state = before.state;
  event.to_state = item.state;
  event.version = item.version;
  event.payload = Json{{"step", state->name},
                       {"decision", request.decision},
                       {"document_version", doc.value("version", 0)},
                       {"document_hash", doc.value("hash", "")},
                       {"groups", group_names}};
  if (!request.comment.empty()) event.payload["comment"] = request.comment;
  if (!step_result.empty()) event.payload["step_result"] = step_result;
  record_change(event, before, item, now);
  tx->commit();
  return item;
}

Outcome<Item> Engine::put_document(const PutDocumentRequest& request) {
  auto tx = store_.begin_write();
  Item item = this->item(request.ref);
  check_revision(item, request.expected_revision);
  CompiledWorkflow& wf = registry_.version(item.version);
  const Definition& d = wf.definition;
  if (d.document_roles.empty()) {
    fail(ErrorKind::BadInput, "{} is a {}, which has no document", item.ref, d.name);
  }
  if (d.is_final(item.state)) {
    return Refusal{{fmt::format("{} is closed (state '{}'): its document can no longer change",
                                item.ref, item.state)}};
  }
  Actor actor = require_actor(request.actor);
  if (std::none_of(d.document_roles.begin(), d.document_roles.end(),
                   [&](const std::string& r) { return actor.has_role(r); })) {
    return Refusal{{fmt::format("{} may not put a new version of {}'s document: that needs the "
                                "role {}",
                                actor.name, item.ref, fmt::join(d.document_roles, " or "))},
                   /*forbidden=*/true};
  }
  if (!valid_utf8(request.content) || !valid_utf8(request.note)) {
    fail(ErrorKind::BadInput, "the document's text (or its note) is not valid UTF-8 text");
  }
  for (const std::string* text : {&request.content, &request.note}) {
    if (auto control = control_character_in(*text); !control.empty()) {
      fail(ErrorKind::BadInput,
           "the document's text (or its note) contains the control character {}", control);
    }
  }
  std::vector<Attachment> attachments = request.attachments;
  std::set<std::string> names;
  for (const auto& a : attachments) {
    if (a.name.empty() || a.name.find('/') != std::string::npos || !names.insert(a.name).second) {
      fail(ErrorKind::BadInput, "attachment name '{}' must be a plain file name, once", a.name);
    }
  }
  const std::string hash = hash_document(request.content, attachments);
  const Json current = item.data.value("_document", Json());
  if (current.is_object() && current.value("hash", "") == hash) {
    return Refusal{{fmt::format("this is the same as version {} of {}'s document: nothing to store",
                                current.value("version", 0), item.ref)}};
  }
  const std::string now = format_datetime(clock_.now());
  DocumentVersion version{current.is_object() ? current.value("version", 0) + 1 : 1,
                          hash,
                          request.content,
                          actor.name,
                          now,
                          attachments};
  store_.insert_document_version(item.id, version);

  Item before = item;
  item.data["_document"] =
      Json{{"version", version.version}, {"hash", hash}, {"author", actor.name}, {"at", now}};
  Json payload{{"document_version", version.version}, {"document_hash", hash}};
  void_for_new_version(wf, item, payload);

  Event event;
  event.ref = item.ref;
  event.action = "put_document";
  event.actor = actor.name;
  event.at = now;
  event.from_state = before.state;
  event.to_state = item.state;
  event.version = item.version;
  event.payload = payload;
  event.note = request.note;
  record_change(event, before, item, now);
  tx->commit();
  return item;
}

std::vector<DocumentVersion> Engine::documents(std::string_view ref) {
  auto tx = store_.begin_read();
  return store_.document_versions(item(ref).id);
}

Outcome<Delegation> Engine::delegate(std::string_view from, std::string_view to,
                                     std::string_view role, std::string_view until,
                                     std::string_view by) {
  if (!parse_date(until)) {
    fail_field("until", "must be a date like 2026-12-31, got '{}'", until);
  }
  const std::string today = format_date(clock_.now());
  if (until < today) {
    fail_field("until", "{} is in the past (today is {})", until, today);
  }
  if (from == to) fail(ErrorKind::BadInput, "{} cannot delegate to themselves", from);
  auto tx = store_.begin_write();
  Actor giver = require_actor(from);
  Actor delegate_actor = require_actor(to);
  Actor author = require_actor(by);
  if (author.name != giver.name && !author.has_role("admin")) {
    return Refusal{
        {fmt::format("{} may not delegate for {}: only {} or an admin may", by, from, from)},
        /*forbidden=*/true};
  }
  if (!giver.has_role(role)) {
    return Refusal{
        {fmt::format("{} does not hold the role {}, so cannot delegate it", from, role)}};
  }
  Delegation delegation{0,
                        giver.name,
                        delegate_actor.name,
                        std::string(role),
                        std::string(until),
                        author.name,
                        format_datetime(clock_.now())};
  store_.add_delegation(delegation);
  record_delegation(store_, delegation);
  tx->commit();
  return delegation;
}

Outcome<Item> Engine::fire_timer(const Timer& timer, FiredTimer& fired) {
  Item item = this->item(timer.ref);
  CompiledWorkflow& wf = registry_.version(item.version);
  const StateSpec* state = wf.definition.state(item.state);
  store_.delete_timer(timer.id);
  const std::string step = timer.payload.value("step", "");
  if (!state || !state->signoff || step != item.state) return item;  // the step has passed

  const SignoffSpec& spec = *state->signoff;
  Item before = item;
  const std::string now = format_datetime(clock_.now());
  Json& signoff = item.data["_signoff"];
  std::vector<std::string> pending;
  for (const auto& g : spec.groups) {
    const Json& record = signoff["groups"][g.name];
    if (record.contains("result")) continue;
    for (const auto& e : open_entries(g, record["decisions"], "", {})) pending.push_back(e);
  }
  Event event;
  if (timer.action == "remind") {
    signoff["reminded_at"] = now;
    fired.message = fmt::format("reminded {} of the decision due {}", fmt::join(pending, ", "),
                                signoff.value("due_at", ""));
    notify_step(item, *state, "reminder", pending,
                fmt::format("reminder: your decision is due by {}", signoff.value("due_at", "")));
  } else {
    signoff["escalated_at"] = now;
    signoff["overdue"] = true;
    if (spec.escalate_to.empty()) {
      fired.message = fmt::format("overdue since {}; no fallback approver is named",
                                  signoff.value("due_at", ""));
      notify_step(item, *state, "escalation", pending,
                  fmt::format("overdue: the decision was due by {}", signoff.value("due_at", "")));
    } else {
      fired.message = fmt::format("overdue since {}; escalated to {}", signoff.value("due_at", ""),
                                  fmt::join(spec.escalate_to, ", "));
      notify_step(item, *state, "escalation", spec.escalate_to,
                  fmt::format("escalated to you: the decision was due by {} and {} has not "
                              "decided; you may decide in their place",
                              signoff.value("due_at", ""), fmt::join(pending, ", ")));
    }
  }
  fired.ref = item.ref;
  fired.action = timer.action;
  event.ref = item.ref;
  event.action = timer.action;
  event.actor = "system";
  event.at = now;
  event.from_state = item.state;
  event.to_state = item.state;
  event.version = item.version;
  event.payload = Json{{"step", step}, {"due_at", signoff.value("due_at", "")}};
  record_change(event, before, item, now);
  return item;
}

std::vector<FiredTimer> Engine::tick() {
  std::vector<Timer> due;
  {
    auto tx = store_.begin_read();
    due = store_.due_timers(format_datetime(clock_.now()));
  }
  std::vector<FiredTimer> fired;
  for (const Timer& timer : due) {
    auto tx = store_.begin_write();
    // Another process may have fired or cleared it meanwhile.
    auto still = store_.timers_for(timer.item_id);
    if (std::none_of(still.begin(), still.end(),
                     [&](const Timer& t) { return t.id == timer.id; })) {
      continue;
    }
    FiredTimer result;
    fire_timer(timer, result);
    tx->commit();
    if (!result.ref.empty()) fired.push_back(std::move(result));
  }
  notify_overdue(fired);
  return fired;
}

std::vector<PendingDecision> Engine::inbox(std::string_view actor_name) {
  auto tx = store_.begin_read();
  Actor actor = require_actor(actor_name);
  const std::string today = format_date(clock_.now());
  std::vector<Delegation> delegations;
  for (auto& del : store_.delegations(actor.name)) {
    if (del.until >= today) delegations.push_back(std::move(del));
  }
  std::vector<PendingDecision> out;
  for (Item& item : store_.items(ItemFilter{})) {
    const Definition& d = registry_.version(item.version).definition;
    const StateSpec* state = d.state(item.state);
    if (!state || !state->signoff || !item.data.contains("_signoff")) continue;
    const Json& signoff = item.data["_signoff"];
    const auto escalated = escalated_entries(*state->signoff, signoff);
    const std::string author = item.data.value("_document", Json::object()).value("author", "");
    PendingDecision pending{item, state->name, signoff.value("due_at", ""), "", {}};
    for (const auto& g : state->signoff->groups) {
      const Json& record = signoff["groups"][g.name];
      if (record.contains("result")) continue;
      bool mine = false;
      for (const auto& entry : open_entries(g, record["decisions"], actor.name, escalated)) {
        if (fills_entry(actor, entry)) mine = true;
      }
      for (const auto& del : delegations) {
        if (mine || del.from == author) continue;  // acting for the author is refused too
        auto from = store_.actor(del.from);
        if (!from) continue;
        for (const auto& entry : open_entries(g, record["decisions"], from->name, escalated)) {
          if (delegation_covers(del, *from, entry, today)) {
            mine = true;
            pending.on_behalf_of = from->name;
          }
        }
      }
      if (mine) pending.groups.push_back(g.name);
    }
    if (!pending.groups.empty() && author != actor.name) out.push_back(std::move(pending));
  }
  std::stable_sort(out.begin(), out.end(), [](const PendingDecision& a, const PendingDecision& b) {
    return std::make_tuple(a.due_at.empty(), a.due_at, a.item.id) <
           std::make_tuple(b.due_at.empty(), b.due_at, b.item.id);
  });
  return out;
}

std::vector<OutboxEntry> Engine::outbox(std::string_view recipient, std::string_view ref) {
  auto tx = store_.begin_read();
  return store_.outbox(recipient, ref);
}

}  // namespace commsflow
