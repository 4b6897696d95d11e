// Stage gates and child items: the parts of the engine that let a stage-based workflow (a
// service change) say what a stage still needs, and see the items that belong to it.
//
// A state's `checklist` returns lines {label, ok, why}; an action marked `gate = true` is refused
// while any line is unmet, with one reason per unmet line. A workflow that declares
// `children = { ... }` gets its items' children in ctx.children as {ref, workflow, state, data};
// others pay nothing. A workflow that declares `parent = "..."` needs a parent for every item.
//
// Used by the Engine inside its transactions; not thread-safe (like the Engine).
#pragma once

#include <commsflow/engine.h>
#include <commsflow/registry.h>
#include <commsflow/store.h>

#include <optional>
#include <string>
#include <vector>

namespace commsflow {

// Runs the state's checklist (none: an empty list). Throws Error(Script) when it fails or
// returns something that is not a list of lines.
std::vector<ChecklistLine> run_checklist(CompiledWorkflow& wf, const StateSpec& state,
                                         const Json& data, const Json& ctx);

// "label: why" (or "label") for every unmet line, in order.
std::vector<std::string> unmet_reasons(const std::vector<ChecklistLine>& lines);

// Adds ctx.children when the workflow declares children: the item's children in ref order.
void add_children(Store& store, const Definition& d, const std::string& ref, Json& ctx);

// The problem of an item of `child` submitted without the parent its workflow needs, naming the
// parent's kind; nothing when it needs none or one is given. submit_as lists it with the
// fields' problems, so that a form says everything missing at once.
std::optional<FieldProblem> missing_parent(WorkflowRegistry& registry, const Definition& child,
                                           const std::string& parent_ref);

// Checks that an item of `child` may belong to `parent_ref` (empty: none given). Throws
// Error(BadInput) for a missing, unknown or wrong kind of parent; returns a Refusal when the
// parent is closed. On success returns {ref, workflow, state, data} of the parent (or null).
Outcome<Json> check_parent(Store& store, WorkflowRegistry& registry, const Definition& child,
                           const std::string& parent_ref);

}  // namespace commsflow
