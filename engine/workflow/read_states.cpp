// Reads `states = { name = { actions = { ... }, ... } }` and `submit`: each state and its actions.
#include <commsflow/error.h>
#include <commsflow/words.h>

#include <algorithm>

#include "workflow/definition_reader.h"
#include "workflow/field_values.h"

namespace commsflow {

ActionSpec DefinitionReader::action(const std::string& name, const Json& spec, int line,
                                    bool is_submit) {
  ActionSpec a;
  a.name = name;
  a.line = spec.is_object() ? line_value(spec, line) : line;
  if (!spec.is_object()) {
    problem(a.line, fmt::format("action '{}' must be a table like {{ to = \"state\", roles = "
                                "{{ \"role\" }} }}",
                                name));
    return a;
  }
  const std::string what = is_submit ? "submit" : fmt::format("action '{}'", name);
  if (is_submit) {
    check_keys(spec, spec_keys::kSubmit, what, a.line);
  } else {
    check_keys(spec, spec_keys::kAction, what, a.line);
    if (auto it = spec.find("gate"); it != spec.end()) {
      if (!it->is_boolean())
        problem(a.line, fmt::format("gate of {} must be true or false", what));
      else
        a.gate = it->get<bool>();
    }
    if (auto it = spec.find("releases"); it != spec.end()) {
      if (!it->is_boolean())
        problem(a.line, fmt::format("releases of {} must be true or false", what));
      else
        a.releases = it->get<bool>();
    }
    // The question the web app asks before an action that ends or discards work.
    a.confirm = text(spec, "confirm", a.line, false);
    a.done = text(spec, "done", a.line, false);
  }
  a.to_line = index_.find_key("to", a.line, a.line);
  if (auto it = spec.find("to"); it != spec.end() && it->is_string()) {
    a.to.push_back(it->get<std::string>());
  } else if (it != spec.end()) {
    a.to = string_list(spec, "to", a.line, fmt::format("to of {}", what));
    if (a.to.empty()) {
      problem(a.to_line, fmt::format("to of {} must name a state or a list of states", what));
    }
  }
  a.route = function(spec, "route", a.line, what);
  a.roles = string_list(spec, "roles", a.line, fmt::format("roles of {}", what));
  a.roles_line = index_.find_key("roles", a.line, a.line);
  if (a.roles.empty()) {
    problem(a.roles_line, fmt::format("{} needs `roles = {{ ... }}` naming who may take it", what));
  }
  a.label = spec.value("label", Json()).is_string() ? spec.at("label").get<std::string>()
                                                    : readable_label(name);
  a.guard = function(spec, "guard", a.line, what);
  a.effect = function(spec, "effect", a.line, what);
  if (auto it = spec.find("fields"); it != spec.end()) {
    a.fields = field_map(*it, fmt::format("payload field of {}", what), a.line);
  }
  a.sets = string_list(spec, "sets", a.line, fmt::format("sets of {}", what));
  a.required_sets = string_list(spec, "required", a.line, fmt::format("required of {}", what));
  if (auto it = spec.find("notify"); it != spec.end() && !is_submit) {
    const bool well_formed = (it->is_object() || (it->is_array() && it->empty())) &&
                             std::all_of(it->begin(), it->end(), [](auto& v) {
                               return v.is_string() && !v.template get<std::string>().empty();
                             });
    if (!well_formed) {
      problem(index_.find_key("notify", a.line, a.line),
              fmt::format("notify of {} must name who is told and the email's heading, like "
                          "{{ assignee = \"Assigned to you\" }}",
                          what));
    } else {
      for (const auto& [who, heading] : it->items()) a.notify.emplace_back(who, heading);
    }
  }
  return a;
}

StateSpec DefinitionReader::state(const std::string& name, const Json& spec, int states_line) {
  // `name = {}` arrives as an empty array (Lua cannot tell an empty table's kind).
  if (spec.is_array() && spec.empty()) return state(name, Json::object(), states_line);
  StateSpec s;
  s.name = name;
  s.line = index_.find_key(name, states_line, states_line);
  if (spec.is_object()) s.line = line_value(spec, s.line);
  if (!is_identifier(name)) {
    problem(
        s.line,
        fmt::format("state name '{}' must be lower-case letters, digits and underscores", name));
  }
  if (!spec.is_object()) {
    problem(s.line, fmt::format("state '{}' must be a table", name));
    return s;
  }
  if (spec.contains("__signoff")) {
    check_keys(spec, spec_keys::kSignoff, fmt::format("sign-off step '{}'", name), s.line);
    s.signoff = signoff(name, spec, s.line);
  } else {
    check_keys(spec, spec_keys::kState, fmt::format("state '{}'", name), s.line);
    s.checklist = function(spec, "checklist", s.line, fmt::format("state '{}'", name));
  }
  s.label = spec.value("label", Json()).is_string() ? spec.at("label").get<std::string>()
                                                    : readable_label(name);
  if (auto it = spec.find("final"); it != spec.end()) {
    if (!it->is_boolean())
      problem(s.line, fmt::format("final of state '{}' must be true or false", name));
    else
      s.final = it->get<bool>();
  }
  if (auto it = spec.find("actions"); it != spec.end()) {
    if (!it->is_object() && !(it->is_array() && it->empty())) {
      problem(index_.find_key("actions", s.line, s.line),
              fmt::format("actions of state '{}' must be a table of name = {{ ... }}", name));
    } else if (it->is_object()) {
      int actions_line = index_.find_key("actions", s.line, s.line);
      for (const auto& [action_name, action_spec] : it->items()) {
        s.actions.push_back(action(action_name, action_spec,
                                   index_.find_key(action_name, actions_line, actions_line),
                                   false));
      }
      std::stable_sort(s.actions.begin(), s.actions.end(),
                       [](const ActionSpec& a, const ActionSpec& b) { return a.line < b.line; });
    }
  }
  return s;
}

}  // namespace commsflow
