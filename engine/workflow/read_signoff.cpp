// Reads a sign-off step: its approver groups, their rules, and where each outcome goes.
#include <commsflow/error.h>
#include <commsflow/words.h>

#include <algorithm>

#include "workflow/definition_reader.h"
#include "workflow/field_values.h"

namespace commsflow {

OutcomeSpec DefinitionReader::outcome(const Json& spec, const char* key, int line,
                                      const std::string& what, bool required) {
  OutcomeSpec o;
  o.line = index_.find_key(key, line, line);
  auto it = spec.find(key);
  if (it == spec.end()) {
    if (required) problem(line, fmt::format("{} needs `{} = \"state\"`", what, key));
    return o;
  }
  if (it->is_string()) {
    o.to.push_back(it->get<std::string>());
  } else if (it->is_object()) {
    check_keys(*it, spec_keys::kOutcome, fmt::format("{} of {}", key, what), o.line);
    o.to = string_list(*it, "to", o.line, fmt::format("to of {} of {}", key, what));
    o.route = function(*it, "route", o.line, fmt::format("{} of {}", key, what));
    if (o.to.size() > 1 && !o.route) {
      problem(o.line, fmt::format("{} of {} may go to several states, so it needs `route = "
                                  "function(item, ctx) return \"state\" end`",
                                  key, what));
    }
  }
  if (o.to.empty()) {
    problem(o.line, fmt::format("{} of {} must name a state, or be {{ to = {{ ... }}, route = "
                                "function(item, ctx) ... end }}",
                                key, what));
  }
  return o;
}

ApproverGroupSpec DefinitionReader::group(const std::string& name, const Json& spec, int line,
                                          const std::string& what) {
  ApproverGroupSpec g;
  g.name = name;
  g.line = line;
  g.approvers = string_list(spec, "approvers", line, fmt::format("approvers of {}", what));
  if (g.approvers.empty()) {
    problem(line, fmt::format("{} needs `approvers = {{ ... }}`: roles or actors' names", what));
  }
  if (auto it = spec.find("quorum"); it != spec.end()) {
    g.rule = "quorum";
    if (it->is_object() && it->contains("$fn")) {
      g.quorum_of = function(spec, "quorum", line, what);
    } else if (!it->is_number_integer() || it->get<int>() < 1) {
      problem(line, fmt::format("quorum of {} must be a whole number of at least 1, or a function "
                                "giving one",
                                what));
    } else {
      g.quorum = it->get<int>();
    }
  }
  if (auto it = spec.find("primary"); it != spec.end()) {
    g.rule = "primary";
    if (!it->is_string()) {
      problem(line, fmt::format("primary of {} must name one of its approvers", what));
    } else {
      g.primary = it->get<std::string>();
      if (std::find(g.approvers.begin(), g.approvers.end(), g.primary) == g.approvers.end()) {
        problem(line,
                fmt::format("primary '{}' of {} must be one of its approvers", g.primary, what));
      }
    }
  }
  if (auto it = spec.find("rule"); it != spec.end()) {
    std::string rule = it->is_string() ? it->get<std::string>() : "";
    if (rule != "all" && rule != "any") {
      problem(index_.find_key("rule", line, line),
              fmt::format("rule of {} must be \"all\" or \"any\" (or use `quorum = N` or "
                          "`primary = \"name\"`)",
                          what));
    } else if (g.rule == "quorum" || g.rule == "primary") {
      problem(line, fmt::format("{} gives both rule and {}: choose one", what, g.rule));
    } else {
      g.rule = rule;
    }
  }
  return g;
}

SignoffSpec DefinitionReader::signoff(const std::string& name, const Json& spec, int line) {
  SignoffSpec so;
  const std::string what = fmt::format("sign-off step '{}'", name);
  if (auto it = spec.find("groups"); it != spec.end()) {
    int groups_line = index_.find_key("groups", line, line);
    for (std::string_view key : spec_keys::kSignoffGroup) {
      if (spec.contains(key)) {
        problem(groups_line,
                fmt::format("{} has groups, so `{}` belongs inside each group", what, key));
      }
    }
    if (!it->is_object() || it->empty()) {
      problem(groups_line,
              fmt::format("groups of {} must look like {{ clinical = {{ approvers = {{ ... }} "
                          "}}, legal = {{ ... }} }}",
                          what));
    } else {
      for (const auto& [group_name, group_spec] : it->items()) {
        int group_line = index_.find_key(group_name, groups_line, groups_line);
        std::string group_what = fmt::format("group '{}' of {}", group_name, what);
        if (!group_spec.is_object()) {
          problem(group_line, fmt::format("{} must be a table", group_what));
          continue;
        }
        check_keys(group_spec, spec_keys::kSignoffGroup, group_what, group_line);
        so.groups.push_back(group(group_name, group_spec, group_line, group_what));
      }
      std::stable_sort(
          so.groups.begin(), so.groups.end(),
          [](const ApproverGroupSpec& a, const ApproverGroupSpec& b) { return a.line < b.line; });
    }
  } else {
    so.groups.push_back(group(name, spec, line, what));
  }
  so.due = function(spec, "due", line, what);
  so.guard = function(spec, "guard", line, what);
  so.remind_before = seconds(spec, "remind_before", line, fmt::format("remind_before of {}", what));
  so.escalate_to = string_list(spec, "escalate_to", line, fmt::format("escalate_to of {}", what));
  so.approved = outcome(spec, "approved", line, what, true);
  so.changes_required = outcome(spec, "changes_required", line, what, true);
  so.not_relevant =
      spec.contains("not_relevant") ? outcome(spec, "not_relevant", line, what, true) : so.approved;
  if (auto it = spec.find("on_new_version"); it != spec.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      problem(index_.find_key("on_new_version", line, line),
              fmt::format("on_new_version of {} must be \"restart\", \"first_approval\" or "
                          "a state",
                          what));
    } else {
      so.on_new_version = it->get<std::string>();
    }
  }
  return so;
}

}  // namespace commsflow
