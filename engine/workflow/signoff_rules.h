// The arithmetic of sign-off: which decisions exist, how a group of approvers and a whole step
// combine them, and who may fill an approver entry. Pure functions over the step's definition and
// the decisions recorded in the item's data; no storage, no Lua. Thread-safe.
//
// A recorded decision is a JSON object {actor, on_behalf_of?, as, decision, comment?,
// document_version, document_hash, at}, where `as` is the approver entry (role or actor name)
// it fills.
#pragma once

#include <commsflow/definition.h>
#include <commsflow/json.h>
#include <commsflow/store.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// approved, approved_with_changes, changes_required, not_relevant.
const std::vector<std::string>& decision_names();
bool is_decision(std::string_view decision);
// True for the decisions that ask for changes to the text (approved_with_changes,
// changes_required): they say which, in their comment.
bool asks_for_changes(std::string_view decision);

// The worst decision given: changes_required > approved_with_changes > approved; not_relevant
// counts only when every decision is not_relevant. Empty for no decisions.
std::string combine_decisions(const std::vector<std::string>& decisions);

// The group's result once its rule is met, or nullopt while it waits. `record` is the group's in
// the step (`decisions`, and the `quorum` asked of the workflow as the step started). A
// changes_required decision ends any group at once (nothing can make it better).
// `escalated_to` entries, once the step is overdue, end the group with their decision like a
// primary decider.
std::optional<std::string> group_result(const ApproverGroupSpec& group, const Json& record,
                                        const std::vector<std::string>& escalated_to);

// Every decision recorded in a step's `_signoff` record, each tagged with its group.
Json flatten_decisions(const Json& signoff);

// True when `actor` holds the entry (a role) or is the entry itself (a name). An entry that is a
// role (`entry_is_role`: names_role) is filled by its holders only: someone named as the role
// (an account made before such names were refused, or a role declared later) is not one.
bool fills_entry(const Actor& actor, std::string_view entry, bool entry_is_role);

// The entries of `group` still open to a new decision by `principal` (the person the decision
// counts for): for "all", entries nobody has filled yet; otherwise every entry, unless
// `principal` has decided in the group already.
std::vector<std::string> open_entries(const ApproverGroupSpec& group, const Json& decisions,
                                      std::string_view principal,
                                      const std::vector<std::string>& escalated_to);

// Delegations in force on `date` (YYYY-MM-DD) that let `to` act for an entry: the delegating
// actor fills the entry and the delegation's role is that entry (a role) or one the delegating
// actor holds (an entry naming them). A delegation ended early, or from someone disabled or who
// no longer holds its role, covers nothing: a leaver's decisions are not given in their name.
// An entry that is a role (`entry_is_role`) is never taken for the delegating actor's name.
bool delegation_covers(const Delegation& delegation, const Actor& from, std::string_view entry,
                       std::string_view date, bool entry_is_role);

}  // namespace commsflow
