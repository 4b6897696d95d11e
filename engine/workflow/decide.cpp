// Signoff::decide: a decision on the current document version in the current sign-off step.
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "workflow/action_rules.h"
#include "workflow/field_values.h"
#include "workflow/script_context.h"
#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

Outcome<Item> Signoff::decide(const DecideRequest& request, const SeesItem& sees) {
  auto tx = engine_.store().begin_write();
  Item item = engine_.item_for_change(request.ref, sees);
  engine_.check_revision(item, request.expected_revision);
  if (!valid_utf8(request.comment)) fail_field("comment", "is not valid UTF-8 text");
  if (auto control = control_character_in(request.comment); !control.empty()) {
    fail_field("comment", "contains the control character {}", control);
  }
  if (!is_decision(request.decision)) {
    std::vector<std::string> labels;
    for (const auto& name : decision_names()) labels.push_back(decision_label(name));
    fail(ErrorKind::BadInput, "decision '{}' is not one of: {}", request.decision,
         listed(labels, "or"));
  }
  CompiledWorkflow& wf = engine_.registry().version(item.version);
  const Definition& d = wf.definition;
  const StateSpec* state = d.state(item.state);
  if (!state || !state->signoff) {
    return Refusal{
        {fmt::format("{} is at \"{}\", which is not a sign-off step: no decision is waiting",
                     item.ref, state_label(d, item.state))}};
  }
  const SignoffSpec& spec = *state->signoff;
  Actor actor = engine_.require_actor(request.actor);
  const Json doc = item.data.value("_document", Json());
  if (!doc.is_object()) {
    return Refusal{{fmt::format("{} has no document yet: put its text first", item.ref)}};
  }
  const std::int64_t current_version = doc.value("version", std::int64_t{0});
  if (request.document_version &&
      (*request.document_version < 1 || *request.document_version > current_version)) {
    fail_field("document_version", "{} has no version {}: its current text is version {}", item.ref,
               *request.document_version, current_version);
  }
  if (request.document_version && *request.document_version != current_version) {
    fail(ErrorKind::Conflict,
         "{}: you read version {} of the text, but version {} was put since (by {}, {} UK "
         "time). Read version {} and decide on it.",
         item.ref, *request.document_version, current_version,
         person_name(engine_.store(), doc.value("author", "")), uk_datetime(doc.value("at", "")),
         current_version);
  }
  // Taken before anything below touches the item: the event's changes are the difference, and a
  // decision that leaves the step open changes nothing but `_signoff`.
  const Item before = item;
  Json& signoff = item.data["_signoff"];
  const auto escalated = escalated_entries(spec, signoff);
  const std::string today = uk_today(engine_.clock().now());
  Store& store = engine_.store();

  if (!request.on_behalf_of.empty() && !store.actor(request.on_behalf_of)) {
    fail_field("on_behalf_of", "there is no person named '{}'", request.on_behalf_of);
  }
  // Who the decision counts for: the actor, or someone who delegated to them.
  std::vector<Actor> principals;
  if (request.on_behalf_of.empty()) principals.push_back(actor);
  std::vector<std::string> lapsed;
  const std::vector<Delegation> delegations = store.delegations(actor.name);
  for (const auto& delegation : delegations) {
    if (!request.on_behalf_of.empty() && delegation.from != request.on_behalf_of) continue;
    if (!delegation.revoked_at.empty()) continue;  // ended early: as if never given
    if (delegation.until < today) {
      lapsed.push_back(fmt::format("the delegation from {} as {} lapsed after {}",
                                   person_name(store, delegation.from),
                                   readable_label(delegation.role), uk_date(delegation.until)));
      continue;
    }
    auto from = store.actor(delegation.from);
    if (from && from->disabled) {
      lapsed.push_back(fmt::format("{} is disabled, so their delegation no longer stands",
                                   person_name(store, delegation.from)));
      continue;
    }
    if (from) principals.push_back(*from);
  }
  // No authority to decide for them at all: forbidden (403), as lacking the step's role is.
  if (!request.on_behalf_of.empty() && principals.empty() && lapsed.empty()) {
    return Refusal{
        {fmt::format("{} has not let {} decide for them (no delegation is in force)",
                     person_name(store, request.on_behalf_of), person_name(store, actor.name))},
        /*forbidden=*/true};
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
                                                 return delegation_covers(del, p, entry, today,
                                                                          names_role(d, entry));
                                               })
                                 : fills_entry(p, entry, names_role(d, entry));
        if (allowed) {
          fills.push_back(Fill{&g, entry});
          break;
        }
      }
      if (open_entries(g, record["decisions"], p.name, escalated).empty()) {
        already = fmt::format("{} has already decided at \"{}\" on version {}",
                              person_name(store, p.name), state_label(d, state->name),
                              doc.value("version", 0));
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
        needed.insert(needed.end(), g.approvers.begin(), g.approvers.end());
        needed.insert(needed.end(), escalated.begin(), escalated.end());
      }
      const std::string who = person_name(store, actor.name);
      reasons.push_back(
          fmt::format("{} may not decide at \"{}\": it needs {} ({} has {})", who,
                      state_label(d, state->name), approvers_in_words(store, needed, "or"), who,
                      actor.roles.empty() ? "no roles" : roles_in_words(actor.roles, "and")));
    }
    reasons.insert(reasons.end(), lapsed.begin(), lapsed.end());
    // Having decided already is a rule; holding none of the step's entries is a missing role.
    return Refusal{std::move(reasons), /*forbidden=*/already.empty()};
  }

  const std::string author = doc.value("author", "");
  if (author == actor.name || author == principal) {
    return Refusal{
        {fmt::format("{} wrote version {} of the document, so someone else must decide on it",
                     person_name(store, author), doc.value("version", 0))}};
  }

  // Asked once the person may decide here, on the text they read: the drafter works from the
  // comment, and the history keeps what each approver wanted.
  if (asks_for_changes(request.decision) &&
      request.comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    fail_field("comment", "say which changes you want (needed with \"{}\")",
               decision_label(request.decision));
  }
  const std::string now = format_datetime(engine_.clock().now());
  if (spec.guard) {
    Json ctx = script_context(d, &item, now,
                              {{"step", state->name},
                               {"action", "decide"},
                               {"actor", actor_context(actor)},
                               {"on_behalf_of", on_behalf_of.empty() ? Json() : Json(on_behalf_of)},
                               {"decision", request.decision},
                               {"comment", request.comment},
                               {"document", doc}});
    std::string label = fmt::format("the guard of sign-off step '{}'", state->name);
    Json result = wf.script->call(spec.guard, item.data, ctx, label).result;
    auto reasons = guard_reasons(result, d.path, label);
    if (!reasons.empty()) return Refusal{std::move(reasons)};
  }

  // Refusals first; then the text decided on must be the text as stored with its history.
  require_document_intact(store, item);
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
    // Decided by the step's fallback, in its approvers' place (the step was escalated): the
    // record says so, for the register and the history.
    const auto& own = fill.group->approvers;
    if (std::find(own.begin(), own.end(), fill.entry) == own.end()) {
      entry_decision["escalated"] = true;
    }
    record["decisions"].push_back(entry_decision);
    if (auto result = group_result(*fill.group, record, escalated)) {
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
      Json ctx = script_context(d, &item, now, {{"step", state->name}, {"result", step_result}});
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
    on_state_change(engine_, wf, before, item,
                    step_result == "changes_required" ? "changes_required"
                    : step_result == "not_relevant"   ? "not_relevant"
                                                      : "approved");
    // Whoever wrote the version is told that changes were asked for: it is theirs to redraft.
    auto writer = author.empty() ? std::nullopt : store.actor(author);
    if (step_result == "changes_required" && writer && !writer->disabled) {
      OutboxEntry row{0,
                      now,
                      writer->name,
                      item.ref,
                      "changes_required",
                      fmt::format("{} \"{}\": {} asked for changes to version {}", item.ref,
                                  item_title(d, item), person_name(store, actor.name),
                                  doc.value("version", 0))};
      row.state = item.state;
      store.add_outbox(row);
    }
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
  engine_.record_change(event, before, item, now);
  tx->commit();
  return item;
}

}  // namespace commsflow
