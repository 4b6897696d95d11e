// Signoff::inbox and Signoff::outbox: what waits for a person, and what they were told.
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>

#include <algorithm>
#include <tuple>

#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

std::vector<PendingDecision> Signoff::inbox(std::string_view actor_name) {
  auto tx = engine_.store().begin_read();
  Actor actor = engine_.require_actor(actor_name);
  const std::string today = uk_today(engine_.clock().now());
  std::vector<Delegation> delegations;
  for (auto& del : engine_.store().delegations(actor.name)) {
    if (del.until >= today) delegations.push_back(std::move(del));
  }
  std::vector<PendingDecision> out;
  for (Item& item : engine_.store().items(ItemFilter{})) {
    const Definition& d = engine_.registry().version(item.version).definition;
    const StateSpec* state = d.state(item.state);
    if (!state || !state->signoff || !item.data.contains("_signoff")) continue;
    const Json& signoff = item.data["_signoff"];
    const auto escalated = escalated_entries(*state->signoff, signoff);
    const std::string author = item.data.value("_document", Json::object()).value("author", "");
    PendingDecision pending{item, state->name, signoff.value("due_at", ""), "", {}, {}};
    bool as_approver = false;  // in some group as one of its own approvers, not the fallback
    std::vector<std::string> fallen_to;
    for (const auto& g : state->signoff->groups) {
      const Json& record = signoff["groups"][g.name];
      if (record.contains("result")) continue;
      bool mine = false;
      for (const auto& entry : open_entries(g, record["decisions"], actor.name, escalated)) {
        if (!fills_entry(actor, entry, names_role(d, entry))) continue;
        mine = true;
        if (std::find(g.approvers.begin(), g.approvers.end(), entry) != g.approvers.end()) {
          as_approver = true;
        } else {
          for (const auto& approver : g.approvers) {  // each once, though groups share them
            if (std::find(fallen_to.begin(), fallen_to.end(), approver) == fallen_to.end())
              fallen_to.push_back(approver);
          }
        }
      }
      for (const auto& del : delegations) {
        if (mine || del.from == author) continue;  // acting for the author is refused too
        auto from = engine_.store().actor(del.from);
        if (!from) continue;
        for (const auto& entry : open_entries(g, record["decisions"], from->name, escalated)) {
          if (delegation_covers(del, *from, entry, today, names_role(d, entry))) {
            mine = true;
            pending.on_behalf_of = from->name;
          }
        }
      }
      if (mine) pending.groups.push_back(g.name);
    }
    if (!as_approver && pending.on_behalf_of.empty()) pending.in_place_of = std::move(fallen_to);
    if (!pending.groups.empty() && author != actor.name) out.push_back(std::move(pending));
  }
  std::stable_sort(out.begin(), out.end(), [](const PendingDecision& a, const PendingDecision& b) {
    return std::make_tuple(a.due_at.empty(), a.due_at, a.item.id) <
           std::make_tuple(b.due_at.empty(), b.due_at, b.item.id);
  });
  return out;
}

std::vector<std::string> Signoff::others_in_place_of(const Item& item, const Actor& leaver,
                                                     const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  const Definition& d = engine_.registry().version(item.version).definition;
  const StateSpec* state = d.state(item.state);
  if (!state || !state->signoff || !item.data.contains("_signoff")) return out;
  const Json& signoff = item.data.at("_signoff");
  const auto escalated = escalated_entries(*state->signoff, signoff);
  const auto decisions = [&](const ApproverGroupSpec& g) -> const Json& {
    return signoff.at("groups").at(g.name).at("decisions");
  };
  const auto open = [&](const ApproverGroupSpec& g) {
    return !signoff.at("groups").at(g.name).contains("result");
  };
  // Whether `actor` may decide in `g` as `entry` (any entry, when empty) in their own right.
  const auto may_decide_as = [&](const Actor& actor, const ApproverGroupSpec& g,
                                 std::string_view entry) {
    for (const auto& e : open_entries(g, decisions(g), actor.name, escalated)) {
      if ((entry.empty() || e == entry) && fills_entry(actor, e, names_role(d, e))) return true;
    }
    return false;
  };
  // The leaver's part in each group they could decide in (`groups`): the entry only they may
  // fill there, when the group's rule needs that entry's own decision (every entry of an "all"
  // group, the primary entry of a "primary" one) and the step is not escalated to a fallback;
  // otherwise (any, quorum, an adviser beside the primary, a fallback, a delegate) anyone who may
  // decide in the group takes it.
  struct Part {
    const ApproverGroupSpec* group;
    std::string entry;  // empty: any entry of the group
  };
  std::vector<Part> parts;
  for (const std::string& name : groups) {
    const auto g = std::find_if(state->signoff->groups.begin(), state->signoff->groups.end(),
                                [&](const ApproverGroupSpec& x) { return x.name == name; });
    if (g == state->signoff->groups.end() || !open(*g)) continue;
    Part part{&*g, ""};
    for (const auto& entry : g->approvers) {
      const bool needed = g->rule == "all" || (g->rule == "primary" && entry == g->primary);
      if (escalated.empty() && needed && may_decide_as(leaver, *g, entry)) {
        part.entry = entry;
        break;
      }
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return out;
  const std::string author = item.data.value("_document", Json::object()).value("author", "");
  for (const Actor& actor : engine_.store().actors()) {
    if (actor.disabled || actor.name == leaver.name || actor.name == author) continue;
    if (std::all_of(parts.begin(), parts.end(), [&](const Part& part) {
          return may_decide_as(actor, *part.group, part.entry);
        })) {
      out.push_back(actor.name);
    }
  }
  return out;
}

std::vector<OutboxEntry> Signoff::outbox(std::string_view recipient, std::string_view ref) {
  auto tx = engine_.store().begin_read();
  return engine_.store().outbox(recipient, ref);
}

}  // namespace commsflow
