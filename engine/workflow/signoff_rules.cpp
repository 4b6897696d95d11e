#include "workflow/signoff_rules.h"

#include <commsflow/signoff.h>

#include <algorithm>

#include "workflow/field_values.h"

namespace commsflow {

const std::vector<std::string>& decision_names() {
  static const std::vector<std::string> names = {"approved", "approved_with_changes",
                                                 "changes_required", "not_relevant"};
  return names;
}

bool is_decision(std::string_view decision) {
  const auto& names = decision_names();
  return std::find(names.begin(), names.end(), decision) != names.end();
}

std::string typed_decision(std::string text) {
  const std::string name = as_name(text);
  return is_decision(name) ? name : text;
}

bool asks_for_changes(std::string_view decision) {
  return decision == "approved_with_changes" || decision == "changes_required";
}

std::string combine_decisions(const std::vector<std::string>& decisions) {
  static const std::vector<std::string> worst_first = {"changes_required", "approved_with_changes",
                                                       "approved"};
  for (const auto& d : worst_first) {
    if (std::find(decisions.begin(), decisions.end(), d) != decisions.end()) return d;
  }
  return decisions.empty() ? "" : "not_relevant";
}

namespace {

std::vector<std::string> values_of(const Json& decisions) {
  std::vector<std::string> out;
  for (const auto& d : decisions) out.push_back(d.value("decision", ""));
  return out;
}

std::string principal_of(const Json& decision) {
  std::string behalf = decision.value("on_behalf_of", "");
  return behalf.empty() ? decision.value("actor", "") : behalf;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::optional<std::string> group_result(const ApproverGroupSpec& group, const Json& record,
                                        const std::vector<std::string>& escalated_to) {
  const Json& decisions = record.at("decisions");
  const std::vector<std::string> given = values_of(decisions);
  if (contains(given, "changes_required")) return std::string("changes_required");
  for (const auto& d : decisions) {
    const std::string as = d.value("as", "");
    bool decides_alone = (group.rule == "primary" && as == group.primary) ||
                         (contains(escalated_to, as) && !contains(group.approvers, as));
    if (decides_alone) return d.value("decision", "");
  }
  if (group.rule == "any" && !given.empty()) return combine_decisions(given);
  // As the step started, when the workflow asked it then; a step begun before its workflow's
  // version asked (an item migrated mid-step) needs one decision, as it did.
  const int quorum = std::max(1, record.value("quorum", group.quorum));
  if (group.rule == "quorum" && static_cast<int>(given.size()) >= quorum) {
    return combine_decisions(given);
  }
  if (group.rule == "all") {
    bool every_entry =
        std::all_of(group.approvers.begin(), group.approvers.end(), [&](const std::string& entry) {
          return std::any_of(decisions.begin(), decisions.end(),
                             [&](const Json& d) { return d.value("as", "") == entry; });
        });
    if (every_entry) return combine_decisions(given);
  }
  return std::nullopt;
}

Json flatten_decisions(const Json& signoff) {
  // Read in place: copying each group's record out first cost more than the flattening.
  Json out = Json::array();
  auto groups = signoff.find("groups");
  if (groups == signoff.end() || !groups->is_object()) return out;
  for (const auto& [group, record] : groups->items()) {
    auto decisions = record.find("decisions");
    if (decisions == record.end() || !decisions->is_array()) continue;
    for (const Json& decision : *decisions) {
      Json d = decision;
      d["group"] = group;
      out.push_back(std::move(d));
    }
  }
  return out;
}

bool fills_entry(const Actor& actor, std::string_view entry, bool entry_is_role) {
  return actor.has_role(entry) || (!entry_is_role && actor.name == entry);
}

std::vector<std::string> open_entries(const ApproverGroupSpec& group, const Json& decisions,
                                      std::string_view principal,
                                      const std::vector<std::string>& escalated_to) {
  for (const auto& d : decisions) {
    if (principal_of(d) == principal) return {};
  }
  std::vector<std::string> out;
  for (const auto& entry : group.approvers) {
    bool filled = std::any_of(decisions.begin(), decisions.end(),
                              [&](const Json& d) { return d.value("as", "") == entry; });
    if (group.rule != "all" || !filled) out.push_back(entry);
  }
  for (const auto& entry : escalated_to) {
    if (!contains(out, entry)) out.push_back(entry);
  }
  return out;
}

bool delegation_covers(const Delegation& delegation, const Actor& from, std::string_view entry,
                       std::string_view date, bool entry_is_role) {
  if (delegation.from != from.name || delegation.until < date) return false;
  if (!delegation.revoked_at.empty()) return false;
  if (from.disabled || !from.has_role(delegation.role)) return false;
  return entry == delegation.role || (!entry_is_role && entry == from.name);
}

}  // namespace commsflow
