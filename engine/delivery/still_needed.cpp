// unneeded_reason: whether an outbox row still asks something of its recipient (delivery.h).
#include <commsflow/delivery.h>
#include <commsflow/store.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <map>

#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

// Whether a row of kind `later` says all that one of kind `earlier` does, about the same item and
// step. Kinds of one ladder, each rung saying more; and a decision needed made later is a step
// started again (a new version of the text), after which nothing said of the earlier start
// holds. A workflow's notices stand alone.
bool says_as_much(const std::string& later, const std::string& earlier) {
  static const std::map<std::string, std::pair<int, int>> rungs = {
      // kind -> {ladder, rung}
      {"decision_needed", {0, 0}}, {"reminder", {0, 1}}, {"escalation", {0, 2}},
      {"escalated", {0, 2}},       {"due_soon", {1, 0}}, {"overdue", {1, 1}}};
  if (later == earlier) return later != "notice";
  auto a = rungs.find(later), b = rungs.find(earlier);
  if (a == rungs.end() || b == rungs.end() || a->second.first != b->second.first) return false;
  return a->second.second >= b->second.second || later == "decision_needed";
}

}  // namespace

std::string unneeded_reason(Store& store, const OutboxEntry& row, const std::optional<Item>& item) {
  if (!item) return "the item is gone";
  if (!row.state.empty() && item->state != row.state) {
    return "no longer needed: the item has moved on";
  }
  if (row.recipient.starts_with("role:")) return {};
  // A later row for the same person and step that says as much or more (a decision needed, then
  // a reminder, then overdue; due soon, then overdue) says it about the item as it is now (a new
  // version of the text restarts the step and asks again): one email, not two. Later by when it
  // was made: a role's row given to its holders keeps its own time, though the rows given out
  // have new ids.
  for (const auto& later : store.outbox(row.recipient, row.ref)) {
    const bool made_later = later.created_at > row.created_at ||
                            (later.created_at == row.created_at && later.id > row.id);
    if (made_later && says_as_much(later.kind, row.kind) && later.state == row.state &&
        later.status != "skipped") {
      return fmt::format("replaced by the later notification #{}", later.id);
    }
  }
  // The rest is about rows that ask for a decision in a sign-off step.
  if (row.kind != "decision_needed" && row.kind != "reminder" && row.kind != "escalation" &&
      row.kind != "escalated") {
    return {};
  }
  const Json signoff = item->data.value("_signoff", Json());
  if (!signoff.is_object()) return {};
  const Json document = item->data.value("_document", Json::object());
  if (document.value("author", std::string()) == row.recipient) {
    return fmt::format("no longer needed: {} wrote version {}, so someone else decides",
                       person_name(store, row.recipient), document.value("version", 0));
  }
  // Whom each decision counts for: the person decided for, not their delegate (who may still
  // have a decision of their own to make), as notify_step counts them.
  for (const auto& decision : flatten_decisions(signoff)) {
    if (decision.value("on_behalf_of", decision.value("actor", std::string())) == row.recipient) {
      return fmt::format("no longer needed: {} has decided in this step",
                         person_name(store, row.recipient));
    }
  }
  return {};
}

}  // namespace commsflow
