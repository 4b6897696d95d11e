// unneeded_reason: whether an outbox row still asks something of its recipient (delivery.h).
#include <commsflow/delivery.h>
#include <commsflow/store.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include "workflow/signoff_rules.h"

namespace commsflow {

std::string unneeded_reason(Store& store, const OutboxEntry& row, const std::optional<Item>& item) {
  if (!item) return "the item is gone";
  if (!row.state.empty() && item->state != row.state) {
    return "no longer needed: the item has moved on";
  }
  if (row.recipient.starts_with("role:")) return {};
  // A later row of the same kind for the same person and step says it again, about the item as
  // it is now (a new version of the text restarts the step and asks again): one email, not two.
  // Later by when it was made: a role's row given to its holders keeps its own time, though the
  // rows given out have new ids.
  for (const auto& later : store.outbox(row.recipient, row.ref)) {
    const bool made_later = later.created_at > row.created_at ||
                            (later.created_at == row.created_at && later.id > row.id);
    if (made_later && later.kind == row.kind && later.state == row.state &&
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
