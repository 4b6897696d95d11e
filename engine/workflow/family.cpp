#include "workflow/family.h"

#include <commsflow/error.h>
#include <commsflow/words.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace commsflow {

namespace {

Json summary(const Item& item) {
  return Json{
      {"ref", item.ref}, {"workflow", item.workflow}, {"state", item.state}, {"data", item.data}};
}

}  // namespace

std::vector<ChecklistLine> run_checklist(CompiledWorkflow& wf, const StateSpec& state,
                                         const Json& data, const Json& ctx) {
  std::vector<ChecklistLine> lines;
  if (!state.checklist) return lines;
  const std::string what = fmt::format("the checklist of state '{}'", state.name);
  auto r = wf.script->ask(state.checklist, data, ctx, what);
  const Json& result = r.result;
  // An empty Lua table reads as {}; it is an empty checklist.
  if (result.is_object() && result.empty()) return lines;
  if (!result.is_array()) {
    fail(ErrorKind::Script, "{}: {} must return a list of commsflow.check(label, ok, why), got {}",
         wf.definition.path, what, result.is_null() ? "nothing" : result.dump());
  }
  for (const auto& line : result) {
    if (!line.is_object() || !line.contains("label") || !line["label"].is_string() ||
        (line.contains("ok") && !line["ok"].is_boolean()) ||
        (line.contains("why") && !line["why"].is_string())) {
      fail(ErrorKind::Script,
           "{}: {} must return lines made with commsflow.check(label, ok, why), got {}",
           wf.definition.path, what, line.dump());
    }
    lines.push_back(ChecklistLine{line["label"].get<std::string>(), line.value("ok", false),
                                  line.value("why", "")});
  }
  return lines;
}

std::vector<std::string> unmet_reasons(const std::vector<ChecklistLine>& lines) {
  std::vector<std::string> reasons;
  for (const auto& line : lines) {
    if (line.ok) continue;
    reasons.push_back(line.why.empty() ? line.label : fmt::format("{}: {}", line.label, line.why));
  }
  return reasons;
}

void add_children(Store& store, const Definition& d, const std::string& ref, Json& ctx) {
  if (d.children.empty()) return;
  Json children = Json::array();
  if (!ref.empty()) {
    ItemFilter filter;
    filter.parent = ref;
    for (const Item& child : store.items(filter)) children.push_back(summary(child));
  }
  ctx["children"] = std::move(children);
}

std::optional<FieldProblem> missing_parent(WorkflowRegistry& registry, const Definition& child,
                                           const std::string& parent_ref) {
  if (!parent_ref.empty() || child.parent.empty()) return std::nullopt;
  std::string parent_kind = readable_label(child.parent);
  try {
    parent_kind = workflow_in_words(registry.current(child.parent).definition);
  } catch (const Error&) {
    // Not loaded: its name says what it is.
  }
  return FieldProblem{"parent", fmt::format("each {} item belongs to a {}: say which one",
                                            workflow_in_words(child), parent_kind)};
}

Outcome<Json> check_parent(Store& store, WorkflowRegistry& registry, const Definition& child,
                           const std::string& parent_ref) {
  if (parent_ref.empty()) {
    if (auto missing = missing_parent(registry, child, parent_ref)) {
      throw Error::bad_field("parent", missing->message);
    }
    return Json(nullptr);
  }
  auto parent = store.item(parent_ref);
  if (!parent) fail_field("parent", "no item {}", parent_ref);
  const Definition& pd = registry.version(parent->version).definition;
  if (std::find(pd.children.begin(), pd.children.end(), child.name) == pd.children.end() ||
      (!child.parent.empty() && child.parent != pd.name)) {
    fail_field("parent", "{} is a {}, which takes no {} items", parent_ref, workflow_in_words(pd),
               workflow_in_words(child));
  }
  if (pd.is_final(parent->state)) {
    return Refusal{{fmt::format("{} is closed (\"{}\"): it takes no more {} items", parent_ref,
                                state_label(pd, parent->state), workflow_in_words(child))}};
  }
  const auto& allowed = child.parent_states;
  if (!allowed.empty() &&
      std::find(allowed.begin(), allowed.end(), parent->state) == allowed.end()) {
    std::vector<std::string> quoted;
    for (const auto& state : allowed)
      quoted.push_back(fmt::format("\"{}\"", state_label(pd, state)));
    return Refusal{{fmt::format("{} is at \"{}\": {} items are added only at {}", parent_ref,
                                state_label(pd, parent->state), workflow_in_words(child),
                                fmt::join(quoted, " or "))}};
  }
  Json seen = summary(*parent);
  seen["state_label"] = state_label(pd, parent->state);  // for reasons people read
  return seen;
}

}  // namespace commsflow
