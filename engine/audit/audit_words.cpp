// AuditWords: the labels and names people read in an audit report for what its rows store.
#include <commsflow/audit.h>
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/words.h>

namespace commsflow {

const Definition* AuditWords::definition(std::string_view ref) {
  if (auto known = by_ref_.find(ref); known != by_ref_.end()) return known->second;
  const Definition* found = nullptr;
  if (auto item = engine_.store().item(ref)) {
    try {
      found = &engine_.registry().version(item->version).definition;
    } catch (const Error&) {
      // A stored version that no longer loads: its names are shown as stored.
    }
  }
  by_ref_.emplace(std::string(ref), found);
  return found;
}

std::string AuditWords::person(std::string_view name) {
  if (name.empty()) return {};
  if (auto known = people_.find(name); known != people_.end()) return known->second;
  return people_.emplace(std::string(name), person_name(engine_.store(), name)).first->second;
}

std::vector<std::string> AuditWords::shown(const AuditRow& row) {
  const Definition* d = definition(row.ref);
  auto state = [&](const std::string& name) {
    return d && !name.empty() ? state_label(*d, name) : std::string();
  };
  // In the columns of audit_table: seq, at, ref, workflow, actor, on_behalf_of, action, from,
  // to, decision; the rest read as stored.
  return {"",
          "",
          "",
          d ? (d->title.empty() ? readable_label(d->name) : d->title) : "",
          person(row.actor),
          person(row.on_behalf_of),
          d ? action_label(*d, row.action) : "",
          state(row.from_state),
          state(row.to_state),
          row.decision.empty() ? "" : decision_label(row.decision)};
}

}  // namespace commsflow
