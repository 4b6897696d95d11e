// The keys each table of a workflow file may have. The reader (definition_reader.h) refuses
// any other key, naming these; the editor annotations (workflows/types/commsflow.lua) describe
// each under the class named here, which a test checks key by key. Keys beginning "__" are the
// constructors' own marks, not written by hand.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace commsflow::spec_keys {

using Keys = std::span<const std::string_view>;

inline constexpr std::array<std::string_view, 20> kWorkflow = {
    "__workflow", "__line",  "name",     "title",     "prefix",  "roles",        "fields",
    "initial",    "submit",  "states",   "incidents", "queue",   "document",     "children",
    "parent",     "reports", "approval", "read",      "migrate", "parent_states"};
inline constexpr std::array<std::string_view, 18> kField = {
    "__field", "__line",  "required", "label",       "default", "min",
    "max",     "options", "labels",   "of",          "fields",  "required_if",
    "role",    "past",    "future",   "within_days", "unit",    "needed_when"};
inline constexpr std::array<std::string_view, 8> kSubmit = {"__line", "roles", "guard", "effect",
                                                            "label",  "to",    "route", "sets"};
inline constexpr std::array<std::string_view, 15> kAction = {
    "__line", "to",   "roles",   "guard", "effect",   "label",  "fields",  "sets",
    "route",  "gate", "confirm", "done",  "required", "notify", "releases"};
inline constexpr std::array<std::string_view, 5> kState = {"__line", "label", "final", "actions",
                                                           "checklist"};
inline constexpr std::array<std::string_view, 17> kSignoff = {
    "__line",       "__signoff",     "label",       "actions",  "approvers",
    "rule",         "quorum",        "primary",     "groups",   "due",
    "guard",        "remind_before", "escalate_to", "approved", "changes_required",
    "not_relevant", "on_new_version"};
inline constexpr std::array<std::string_view, 4> kSignoffGroup = {"approvers", "rule", "quorum",
                                                                  "primary"};
inline constexpr std::array<std::string_view, 2> kOutcome = {"to", "route"};
inline constexpr std::array<std::string_view, 2> kApproval = {"conditions", "on_change"};
inline constexpr std::array<std::string_view, 2> kDocument = {"label", "roles"};
inline constexpr std::array<std::string_view, 5> kRead = {"roles", "deciders", "submitter",
                                                          "fields", "draft"};
inline constexpr std::array<std::string_view, 2> kReader = {"roles", "deciders"};
inline constexpr std::array<std::string_view, 3> kMigrate = {"states", "data", "watch"};
inline constexpr std::array<std::string_view, 4> kIncidents = {"holds", "pause", "resume",
                                                               "held_by"};
inline constexpr std::array<std::string_view, 10> kQueue = {
    "tier",        "tiers", "hold",           "due",           "late",
    "late_reason", "sort",  "overdue_notify", "remind_before", "remind_notify"};
inline constexpr std::array<std::string_view, 3> kQueueTier = {"value", "label", "colour"};

// Each table's keys under the name of its class in the annotations.
struct Table {
  std::string_view annotation_class;
  Keys keys;
};
inline constexpr std::array<Table, 16> kTables = {{
    {"commsflow.Workflow", kWorkflow},
    {"commsflow.Field", kField},
    {"commsflow.Submit", kSubmit},
    {"commsflow.Action", kAction},
    {"commsflow.State", kState},
    {"commsflow.Signoff", kSignoff},
    {"commsflow.SignoffGroup", kSignoffGroup},
    {"commsflow.Outcome", kOutcome},
    {"commsflow.Approval", kApproval},
    {"commsflow.Document", kDocument},
    {"commsflow.Read", kRead},
    {"commsflow.Reader", kReader},
    {"commsflow.Migrate", kMigrate},
    {"commsflow.Incidents", kIncidents},
    {"commsflow.Queue", kQueue},
    {"commsflow.QueueTier", kQueueTier},
}};

}  // namespace commsflow::spec_keys
