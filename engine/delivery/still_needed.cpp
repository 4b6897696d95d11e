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
  for (const auto& later : store.outbox(row.recipient, row.ref)) {
    if (later.id > row.id && later.kind == row.kind && later.state == row.state &&
        later.status != "skipped") {
      return fmt::format("replaced by the later notification #{}", later.id);
    }
  }
  const Json signoff = item->data.value("_signoff", Json());
  if (!signoff.is_object()) return {};
  const Json document = item->data.value("_document", Json::object());
  if (document.value("author", std::string()) == row.recipient) {
    return fmt::format("no longer needed: {} wrote version {}, so someone else decides",
                       person_name(store, row.recipient), document.value("version", 0));
  }
  for (const auto& decision : flatten_decisions(signoff)) {
    if (decision.value("actor", std::string()) == row.recipient ||
        decision.value("on_behalf_of", std::string()) == row.recipient) {
      return fmt::format("no longer needed: {} has decided in this step",
                         person_name(store, row.recipient));
    }
  }
  return {};
}

}  // namespace commsflow
