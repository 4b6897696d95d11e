// The reader's frame: the workflow table's top level, problems, and the small values every part
// is made of (text, lists of names, functions).
#include "workflow/definition_reader.h"

#include <commsflow/error.h>
#include <commsflow/words.h>

#include <algorithm>
#include <regex>
#include <set>

#include "workflow/field_values.h"

namespace commsflow {

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The "__line" the commsflow constructors record, or `fallback` (also for a table that merely
// has such a key).
int line_value(const Json& t, int fallback) {
  auto it = t.find("__line");
  if (it == t.end() || !it->is_number_integer()) return fallback;
  return it->get<int>();
}

const char* json_kind(const Json& v) {
  if (v.is_object()) return "a table with named keys";
  if (v.is_array()) return "a list";
  if (v.is_string()) return "text";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  return "nil";
}

// One line per problem: a table shared by several states (one actions table used in each) is
// read once for each, and its fault is reported once.
void DefinitionReader::problem(int line, std::string message) {
  Diagnostic d{path_, line, std::move(message)};
  const bool seen = std::any_of(problems_.begin(), problems_.end(), [&](const Diagnostic& p) {
    return p.line == d.line && p.message == d.message && p.file == d.file;
  });
  if (!seen) problems_.push_back(std::move(d));
}

void DefinitionReader::build(const Json& t, Definition& d) {
  if (!t.is_object() || !t.contains("__workflow")) {
    problem(0, "the file must return a workflow: `return commsflow.workflow { name = ..., ... }`");
    return;
  }
  // `return wf.workflow { ... }` is a tail call, so Lua no longer knows the caller's line.
  d.line = line_value(t, 0);
  if (d.line <= 0) d.line = index_.find_call("workflow", 0);
  check_keys(t, spec_keys::kWorkflow, "the workflow", d.line);

  d.name = text(t, "name", d.line, true);
  if (!d.name.empty() && !is_identifier(d.name)) {
    problem(index_.find_key("name", d.line, d.line),
            fmt::format("name '{}' must be lower-case letters, digits and underscores", d.name));
  }
  d.title = text(t, "title", d.line, false);
  if (d.title.empty()) d.title = d.name;
  d.prefix = text(t, "prefix", d.line, true);
  static const std::regex prefix_re("[A-Z]{2,8}");
  if (!d.prefix.empty() && !std::regex_match(d.prefix, prefix_re)) {
    problem(index_.find_key("prefix", d.line, d.line),
            fmt::format("prefix '{}' must be 2 to 8 capital letters", d.prefix));
  }
  d.roles = string_list(t, "roles", d.line, "roles");
  d.initial = text(t, "initial", d.line, true);

  int fields_line = index_.find_key("fields", d.line, d.line);
  if (auto it = t.find("fields"); it != t.end()) {
    if (!it->is_object() && !(it->is_array() && it->empty())) {
      problem(fields_line, "fields must be a table of name = commsflow.<type> { ... }");
    } else {
      d.fields = field_map(*it, "field", fields_line);
    }
  }

  int submit_line = index_.find_key("submit", d.line, d.line);
  if (auto it = t.find("submit"); it == t.end()) {
    problem(d.line,
            "the workflow needs `submit = { roles = { ... } }` saying who may create an item");
  } else {
    d.submit = action("submit", *it, submit_line, /*is_submit=*/true);
  }

  read_incidents(t, d);
  read_queue(t, d);
  if (auto it = t.find("approval"); it != t.end()) {
    d.approval.line = index_.find_key("approval", d.line, d.line);
    if (!it->is_object()) {
      problem(d.approval.line,
              "approval must look like { conditions = { \"field\", ... }, "
              "on_change = function(item, ctx) ... end }");
    } else {
      check_keys(*it, spec_keys::kApproval, "approval", d.approval.line);
      d.approval.conditions =
          string_list(*it, "conditions", d.approval.line, "conditions of approval");
      d.approval.on_change = function(*it, "on_change", d.approval.line, "approval");
    }
  }
  read_family_and_reports(t, d);
  read_permissions(t, d);
  read_migration(t, d);
  if (auto it = t.find("document"); it != t.end()) {
    int line = index_.find_key("document", d.line, d.line);
    if (!it->is_object()) {
      problem(line, "document must look like { label = \"Statement\", roles = { \"role\" } }");
    } else {
      check_keys(*it, spec_keys::kDocument, "document", line);
      d.document_roles = string_list(*it, "roles", line, "roles of document");
      if (d.document_roles.empty()) {
        problem(line, "document needs `roles = { ... }` naming who may put a new version");
      }
      d.document_label = it->value("label", Json()).is_string() ? it->at("label").get<std::string>()
                                                                : std::string("Document");
    }
  }

  int states_line = index_.find_key("states", d.line, d.line);
  auto states = t.find("states");
  if (states == t.end() || !states->is_object() || states->empty()) {
    problem(states_line, "the workflow needs `states = { name = { ... }, ... }`");
    return;
  }
  for (const auto& [name, spec] : states->items())
    d.states.push_back(state(name, spec, states_line));
  std::stable_sort(d.states.begin(), d.states.end(),
                   [](const StateSpec& a, const StateSpec& b) { return a.line < b.line; });
  if (!t.contains("read")) default_read(d);
}

// Without `read`: whoever may act in some state or put the document, every approver, and
// each item's submitter.
void DefinitionReader::default_read(Definition& d) {
  std::set<std::string> roles(d.document_roles.begin(), d.document_roles.end());
  for (const auto& state : d.states) {
    for (const auto& a : state.actions) roles.insert(a.roles.begin(), a.roles.end());
  }
  d.read.items = ReaderSpec{{roles.begin(), roles.end()}, /*deciders=*/true};
  d.read.submitter = true;
}

void DefinitionReader::check_keys(const Json& t, spec_keys::Keys allowed, const std::string& what,
                                  int line) {
  for (const auto& [key, _] : t.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (std::string_view a : allowed) {
        if (!a.starts_with("__")) known += fmt::format("{}{}", known.empty() ? "" : ", ", a);
      }
      problem(index_.find_key(key, line, line),
              fmt::format("unknown key '{}' in {} (known keys: {})", key, what, known));
    }
  }
}

std::string DefinitionReader::text(const Json& t, const char* key, int line, bool required) {
  auto it = t.find(key);
  if (it == t.end()) {
    if (required) problem(line, fmt::format("missing `{} = \"...\"`", key));
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    problem(index_.find_key(key, line, line),
            fmt::format("{} must be non-empty text, not {}", key, json_kind(*it)));
    return {};
  }
  return it->get<std::string>();
}

std::vector<std::string> DefinitionReader::string_list(const Json& t, const char* key, int line,
                                                       const std::string& what) {
  std::vector<std::string> out;
  auto it = t.find(key);
  if (it == t.end()) return out;
  int at = index_.find_key(key, line, line);
  if (!it->is_array()) {
    problem(at, fmt::format("{} must be a list of names, like {{ \"a\", \"b\" }}", what));
    return out;
  }
  for (const auto& v : *it) {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else {
      problem(at, fmt::format("{} must contain only names, found {}", what, json_kind(v)));
    }
  }
  return out;
}

std::int64_t DefinitionReader::seconds(const Json& t, const char* key, int line,
                                       const std::string& what) {
  auto it = t.find(key);
  if (it == t.end()) return 0;
  if (!it->is_number() || it->get<double>() <= 0) {
    problem(index_.find_key(key, line, line),
            fmt::format("{} must be a positive number of seconds, like commsflow.hours(1)", what));
    return 0;
  }
  return static_cast<std::int64_t>(it->get<double>());
}

ScriptFunction DefinitionReader::function(const Json& t, const char* key, int line,
                                          const std::string& what) {
  auto it = t.find(key);
  if (it == t.end()) return 0;
  if (!it->is_object() || !it->contains("$fn") || !it->at("$fn").is_number_integer()) {
    problem(index_.find_key(key, line, line),
            fmt::format("{} of {} must be a function", key, what));
    return 0;
  }
  return it->at("$fn").get<int>();
}

}  // namespace commsflow
