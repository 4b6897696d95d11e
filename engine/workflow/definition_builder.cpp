// Reads the table a workflow file returns into a Definition, collecting every problem with the
// line it is on, then checks that the parts fit together.
#include <commsflow/error.h>
#include <commsflow/words.h>
#include <commsflow/workflow_loader.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <regex>
#include <set>

#include "workflow/field_values.h"
#include "workflow/source_index.h"
#include "workflow/spec_keys.h"

namespace commsflow {

std::string Diagnostic::to_string() const {
  if (line > 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}: {}", file, message);
}

namespace {

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

class Builder {
 public:
  Builder(const std::string& path, const std::string& source, std::vector<Diagnostic>& problems)
      : path_(path), index_(source), problems_(problems) {}

  // One line per problem: a table shared by several states (one actions table used in each) is
  // read once for each, and its fault is reported once.
  void problem(int line, std::string message) {
    Diagnostic d{path_, line, std::move(message)};
    const bool seen = std::any_of(problems_.begin(), problems_.end(), [&](const Diagnostic& p) {
      return p.line == d.line && p.message == d.message && p.file == d.file;
    });
    if (!seen) problems_.push_back(std::move(d));
  }

  void build(const Json& t, Definition& d) {
    if (!t.is_object() || !t.contains("__workflow")) {
      problem(0,
              "the file must return a workflow: `return commsflow.workflow { name = ..., ... }`");
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
        d.document_label = it->value("label", Json()).is_string()
                               ? it->at("label").get<std::string>()
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
  static void default_read(Definition& d) {
    std::set<std::string> roles(d.document_roles.begin(), d.document_roles.end());
    for (const auto& state : d.states) {
      for (const auto& a : state.actions) roles.insert(a.roles.begin(), a.roles.end());
    }
    d.read.items = ReaderSpec{{roles.begin(), roles.end()}, /*deciders=*/true};
    d.read.submitter = true;
  }

 private:
  void check_keys(const Json& t, spec_keys::Keys allowed, const std::string& what, int line) {
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

  std::string text(const Json& t, const char* key, int line, bool required) {
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

  std::vector<std::string> string_list(const Json& t, const char* key, int line,
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

  ScriptFunction function(const Json& t, const char* key, int line, const std::string& what) {
    auto it = t.find(key);
    if (it == t.end()) return 0;
    if (!it->is_object() || !it->contains("$fn") || !it->at("$fn").is_number_integer()) {
      problem(index_.find_key(key, line, line),
              fmt::format("{} of {} must be a function", key, what));
      return 0;
    }
    return it->at("$fn").get<int>();
  }

  std::vector<FieldSpec> field_map(const Json& fields, const std::string& what, int line) {
    std::vector<FieldSpec> out;
    if (!fields.is_object()) return out;
    for (const auto& [name, spec] : fields.items()) {
      out.push_back(field(name, spec, what, line));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const FieldSpec& a, const FieldSpec& b) { return a.line < b.line; });
    return out;
  }

  FieldSpec field(const std::string& name, const Json& spec, const std::string& what, int near) {
    FieldSpec f;
    f.name = name;
    f.line = index_.find_key(name, near, near);
    if (what == "field" && !name.empty() && name[0] == '_') {
      problem(f.line, fmt::format("field name '{}' may not begin with '_': those names are kept "
                                  "for the engine's own records",
                                  name));
    } else if (what != "list item" && !is_identifier(name)) {
      problem(f.line, fmt::format("{} name '{}' must be lower-case letters, digits and underscores",
                                  what, name));
    }
    if (!spec.is_object() || !spec.contains("__field") || !spec.at("__field").is_string()) {
      problem(f.line, fmt::format("{} '{}' must be made with a type, like commsflow.text {{}} or "
                                  "commsflow.choice {{ \"a\", \"b\" }}",
                                  what, name));
      return f;
    }
    // The key's own line when it can be found (fields built by helper functions record the
    // helper's line); otherwise the line of the constructor call.
    f.line = index_.find_key(name, near, line_value(spec, f.line));
    const std::string kind = spec.at("__field").get<std::string>();
    static const std::pair<const char*, FieldType> kinds[] = {
        {"text", FieldType::Text},         {"choice", FieldType::Choice},
        {"boolean", FieldType::Boolean},   {"integer", FieldType::Integer},
        {"number", FieldType::Number},     {"date", FieldType::Date},
        {"datetime", FieldType::DateTime}, {"list", FieldType::List},
        {"record", FieldType::Record},     {"actor", FieldType::Actor}};
    for (auto [k, type] : kinds) {
      if (kind == k) f.type = type;
    }
    check_keys(spec, spec_keys::kField, fmt::format("{} '{}'", what, name), f.line);
    if (auto it = spec.find("required"); it != spec.end()) {
      if (!it->is_boolean())
        problem(f.line, fmt::format("required of '{}' must be true or false", name));
      else
        f.required = it->get<bool>();
    }
    // Left as the name when not given: forms offer the fields a workflow labels (forms.cpp);
    // pages show readable_label(name) for the others.
    f.label = spec.value("label", Json()).is_string() ? spec.at("label").get<std::string>() : name;
    for (const char* bound : {"min", "max"}) {
      if (auto it = spec.find(bound); it != spec.end()) {
        if (!it->is_number()) {
          problem(f.line, fmt::format("{} of '{}' must be a number", bound, name));
        } else {
          (bound[1] == 'i' ? f.min : f.max) = it->get<double>();
        }
      }
    }
    if (f.type == FieldType::Choice) {
      f.options = string_list(spec, "options", f.line, fmt::format("the options of '{}'", name));
      if (f.options.empty()) {
        problem(f.line, fmt::format("choice '{}' needs at least one option, like "
                                    "commsflow.choice {{ \"yes\", \"no\" }}",
                                    name));
      }
      if (auto it = spec.find("labels"); it != spec.end() && !(it->is_array() && it->empty())) {
        if (!it->is_object()) {
          problem(f.line,
                  fmt::format("labels of '{}' must be a table of option = \"label\"", name));
        } else {
          for (const auto& [value, label] : it->items()) {
            if (std::find(f.options.begin(), f.options.end(), value) == f.options.end()) {
              problem(f.line,
                      fmt::format("labels of '{}' names '{}', which is not one of its options",
                                  name, value));
            } else if (!label.is_string() || label.get<std::string>().empty()) {
              problem(f.line, fmt::format("the label of '{}' in '{}' must be text", value, name));
            } else {
              f.option_labels[value] = label.get<std::string>();
            }
          }
        }
      }
    }
    if (f.type == FieldType::List) {
      if (auto it = spec.find("of"); it != spec.end()) {
        f.item = std::make_shared<FieldSpec>(field(name + "[]", *it, "list item", f.line));
      } else {
        problem(f.line, fmt::format("list '{}' needs `of = commsflow.<type> {{}}`", name));
      }
    }
    if (f.type == FieldType::Record) {
      if (auto it = spec.find("fields"); it != spec.end()) {
        f.fields = field_map(*it, "record field", f.line);
      }
      if (f.fields.empty()) {
        problem(f.line, fmt::format("record '{}' needs at least one field", name));
      }
    }
    if (auto it = spec.find("past"); it != spec.end()) {
      if ((f.type != FieldType::Date && f.type != FieldType::DateTime) || !it->is_boolean()) {
        problem(f.line, fmt::format("past of '{}' applies only to commsflow.date and "
                                    "commsflow.datetime and must be true or false",
                                    name));
      } else {
        f.past = it->get<bool>();
      }
    }
    if (auto it = spec.find("role"); it != spec.end()) {
      if (f.type != FieldType::Actor || !it->is_string()) {
        problem(f.line,
                fmt::format("role of '{}' applies only to commsflow.actor and must be a role name",
                            name));
      } else {
        f.role = it->get<std::string>();
      }
    }
    if (auto it = spec.find("required_if"); it != spec.end()) {
      if (!it->is_object()) {
        problem(f.line,
                fmt::format("required_if of '{}' must look like {{ field = {{ \"value\", ... }} }}",
                            name));
      } else {
        for (const auto& [other, values] : it->items()) {
          std::vector<std::string> list;
          for (const auto& v : values.is_array() ? values : Json::array({values})) {
            if (v.is_string())
              list.push_back(v.get<std::string>());
            else
              problem(f.line,
                      fmt::format("required_if of '{}': values of '{}' must be text", name, other));
          }
          f.required_if.emplace_back(other, std::move(list));
        }
      }
    }
    if (auto it = spec.find("default"); it != spec.end()) {
      std::string error;
      Json value = coerce_value(f, *it, error);
      if (!error.empty()) {
        problem(f.line, fmt::format("default of '{}': {}", name, error));
      } else {
        f.default_value = value;
      }
    }
    return f;
  }

  ActionSpec action(const std::string& name, const Json& spec, int line, bool is_submit) {
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
      problem(a.roles_line,
              fmt::format("{} needs `roles = {{ ... }}` naming who may take it", what));
    }
    a.label = spec.value("label", Json()).is_string() ? spec.at("label").get<std::string>()
                                                      : readable_label(name);
    a.guard = function(spec, "guard", a.line, what);
    a.effect = function(spec, "effect", a.line, what);
    if (auto it = spec.find("fields"); it != spec.end()) {
      a.fields = field_map(*it, fmt::format("payload field of {}", what), a.line);
    }
    a.sets = string_list(spec, "sets", a.line, fmt::format("sets of {}", what));
    return a;
  }

  StateSpec state(const std::string& name, const Json& spec, int states_line) {
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

  // `roles = { ... }, deciders = true` within `read` (for its items, a field or the draft).
  ReaderSpec reader(const Json& t, int line, const std::string& what) {
    ReaderSpec r;
    if (!t.is_object()) {
      problem(line, fmt::format("{} must look like {{ roles = {{ \"role\", ... }}, deciders = "
                                "true }}",
                                what));
      return r;
    }
    check_keys(t, spec_keys::kReader, what, line);
    r.roles = string_list(t, "roles", line, "roles of " + what);
    if (auto it = t.find("deciders"); it != t.end()) {
      if (!it->is_boolean())
        problem(line, fmt::format("deciders of {} must be true or false", what));
      else
        r.deciders = it->get<bool>();
    }
    return r;
  }

  // `read = { roles = {...}, deciders = true, submitter = true | { "field", ... },
  //           fields = { name = { roles = {...}, deciders = true } }, draft = { ... } }`.
  void read_permissions(const Json& t, Definition& d) {
    auto it = t.find("read");
    if (it == t.end()) return;
    ReadSpec& r = d.read;
    r.line = index_.find_key("read", d.line, d.line);
    if (!it->is_object()) {
      problem(r.line, "read must look like { roles = { \"role\", ... }, submitter = true, ... }");
      return;
    }
    check_keys(*it, spec_keys::kRead, "read", r.line);
    Json items = Json::object();
    for (const char* key : {"roles", "deciders"}) {
      if (it->contains(key)) items[key] = it->at(key);
    }
    r.items = reader(items, r.line, "read");
    if (auto s = it->find("submitter"); s != it->end()) {
      if (s->is_boolean()) {
        r.submitter = s->get<bool>();
      } else {
        r.submitter = true;
        r.submitter_fields = string_list(*it, "submitter", r.line, "submitter of read");
      }
    }
    if (auto f = it->find("fields"); f != it->end()) {
      int line = index_.find_key("fields", r.line, r.line);
      if (!f->is_object()) {
        problem(line, "fields of read must be a table of field = { roles = { ... } }");
      } else {
        for (const auto& [name, spec] : f->items()) {
          r.fields.emplace_back(name, reader(spec, index_.find_key(name, line, line),
                                             fmt::format("read.fields.{}", name)));
        }
      }
    }
    if (auto f = it->find("draft"); f != it->end()) {
      r.draft = reader(*f, index_.find_key("draft", r.line, r.line), "read.draft");
    }
  }

  // `incidents = { holds = function(item, incident, ctx) ... end, pause = "pause", resume =
  // "resume", held_by = "field" }`. The actions and field are checked once the states are read.
  void read_incidents(const Json& t, Definition& d) {
    auto it = t.find("incidents");
    if (it == t.end()) return;
    IncidentHooks& h = d.incidents;
    h.line = index_.find_key("incidents", d.line, d.line);
    if (!it->is_object()) {
      problem(h.line,
              "incidents must look like { holds = function(item, incident, ctx) ... end, pause = "
              "\"action\", resume = \"action\", held_by = \"field\" }");
      return;
    }
    check_keys(*it, spec_keys::kIncidents, "incidents", h.line);
    h.holds = function(*it, "holds", h.line, "incidents");
    if (!h.holds)
      problem(h.line, "incidents needs `holds = function(item, incident, ctx) ... end`");
    h.pause = text(*it, "pause", h.line, true);
    h.resume = text(*it, "resume", h.line, true);
    h.held_by = text(*it, "held_by", h.line, true);
  }

  // `queue = { tier = "field", tiers = { { value = ..., label = ..., colour = ... } }, hold = {
  // "state" }, due = "field", late = "field", late_reason = "field", sort = { ... } }`. Fields and
  // states are checked once the states are read.
  void read_queue(const Json& t, Definition& d) {
    auto it = t.find("queue");
    if (it == t.end()) return;
    QueueSpec& q = d.queue;
    q.line = index_.find_key("queue", d.line, d.line);
    if (!it->is_object()) {
      problem(q.line,
              "queue must look like { tier = \"field\", tiers = { { value = \"red\", label = "
              "\"Red\", colour = \"red\" } }, sort = { \"tier\" } }");
      return;
    }
    check_keys(*it, spec_keys::kQueue, "queue", q.line);
    q.tier_field = text(*it, "tier", q.line, false);
    q.hold_states = string_list(*it, "hold", q.line, "hold of queue");
    q.due_field = text(*it, "due", q.line, false);
    q.late_field = text(*it, "late", q.line, false);
    q.late_reason_field = text(*it, "late_reason", q.line, false);
    q.sort = string_list(*it, "sort", q.line, "sort of queue");
    q.overdue_notify = string_list(*it, "overdue_notify", q.line, "overdue_notify of queue");
    auto tiers = it->find("tiers");
    if (tiers == it->end()) return;
    int line = index_.find_key("tiers", q.line, q.line);
    if (!tiers->is_array()) {
      problem(line, "tiers of queue must be a list of { value = ..., label = ..., colour = ... }");
      return;
    }
    for (const Json& spec : *tiers) {
      if (!spec.is_object()) {
        problem(line,
                "each tier must look like { value = \"red\", label = \"Red\", colour = "
                "\"red\" }");
        continue;
      }
      check_keys(spec, spec_keys::kQueueTier, "a tier of queue", line);
      QueueTier tier{text(spec, "value", line, true), text(spec, "label", line, false),
                     text(spec, "colour", line, false)};
      if (tier.label.empty()) tier.label = readable_label(tier.value);
      if (tier.colour.empty()) tier.colour = "grey";
      q.tiers.push_back(std::move(tier));
    }
  }

  // `migrate = { states = { old = "new" }, data = function(item, ctx) ... end, watch = {...} }`.
  // The states it maps to, and the fields it watches, are checked once the states are read.
  void read_migration(const Json& t, Definition& d) {
    auto it = t.find("migrate");
    if (it == t.end()) return;
    MigrateSpec& m = d.migrate;
    m.line = index_.find_key("migrate", d.line, d.line);
    if (!it->is_object()) {
      problem(m.line,
              "migrate must look like { states = { old = \"new\" }, data = function(item, ctx) "
              "... end }");
      return;
    }
    check_keys(*it, spec_keys::kMigrate, "migrate", m.line);
    if (auto s = it->find("states"); s != it->end()) {
      int line = index_.find_key("states", m.line, m.line);
      if (!s->is_object() && !(s->is_array() && s->empty())) {
        problem(line, "states of migrate must be a table of old_state = \"new_state\"");
      } else {
        for (const auto& [old_state, new_state] : s->items()) {
          if (!new_state.is_string()) {
            problem(index_.find_key(old_state, line, line),
                    fmt::format("migrate.states.{} must name a state of this workflow", old_state));
            continue;
          }
          m.states.emplace_back(old_state, new_state.get<std::string>());
        }
      }
    }
    m.data = function(*it, "data", m.line, "migrate");
    m.watch = string_list(*it, "watch", m.line, "watch of migrate");
  }

  // `children = { "feedback" }`, `parent = "service_change"` and
  // `reports = { name = function(item, ctx) return markdown end }`.
  void read_family_and_reports(const Json& t, Definition& d) {
    d.children = string_list(t, "children", d.line, "children");
    if (t.contains("parent")) d.parent = text(t, "parent", d.line, false);
    auto it = t.find("reports");
    if (it == t.end()) return;
    int reports_line = index_.find_key("reports", d.line, d.line);
    if (!it->is_object()) {
      problem(reports_line, "reports must be a table of name = function(item, ctx) ... end");
      return;
    }
    for (const auto& [name, fn] : it->items()) {
      ReportSpec r{name, 0, index_.find_key(name, reports_line, reports_line)};
      if (!is_identifier(name) || name == "timeline") {
        problem(r.line, fmt::format("report name '{}' must be lower-case letters, digits and "
                                    "underscores, and not 'timeline' (built in)",
                                    name));
      }
      if (!fn.is_object() || !fn.contains("$fn") || !fn.at("$fn").is_number_integer()) {
        problem(r.line, fmt::format("report '{}' must be a function(item, ctx)", name));
        continue;
      }
      r.render = fn.at("$fn").get<int>();
      d.reports.push_back(r);
    }
  }

  OutcomeSpec outcome(const Json& spec, const char* key, int line, const std::string& what,
                      bool required) {
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

  ApproverGroupSpec group(const std::string& name, const Json& spec, int line,
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
      if (!it->is_number_integer() || it->get<int>() < 1) {
        problem(line, fmt::format("quorum of {} must be a whole number of at least 1", what));
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

  SignoffSpec signoff(const std::string& name, const Json& spec, int line) {
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
    if (auto it = spec.find("remind_before"); it != spec.end()) {
      if (!it->is_number() || it->get<double>() <= 0) {
        problem(index_.find_key("remind_before", line, line),
                fmt::format("remind_before of {} must be a positive number of seconds, like "
                            "commsflow.hours(1)",
                            what));
      } else {
        so.remind_before = static_cast<std::int64_t>(it->get<double>());
      }
    }
    so.escalate_to = string_list(spec, "escalate_to", line, fmt::format("escalate_to of {}", what));
    so.approved = outcome(spec, "approved", line, what, true);
    so.changes_required = outcome(spec, "changes_required", line, what, true);
    so.not_relevant = spec.contains("not_relevant")
                          ? outcome(spec, "not_relevant", line, what, true)
                          : so.approved;
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

  const std::string& path_;
  SourceIndex index_;
  std::vector<Diagnostic>& problems_;
};

// Splits "path:line: message" as produced by Lua errors.
Diagnostic diagnostic_from_error(const std::string& path, const std::string& message) {
  Diagnostic d{path, 0, message};
  if (message.rfind(path + ":", 0) == 0) {
    size_t pos = path.size() + 1;
    int line = 0;
    auto [end, ec] = std::from_chars(message.data() + pos, message.data() + message.size(), line);
    if (ec == std::errc() && end < message.data() + message.size() && *end == ':') {
      d.line = line;
      d.message = std::string(end + 1);
      if (!d.message.empty() && d.message[0] == ' ') d.message.erase(0, 1);
    } else {
      d.message = message.substr(pos);
      if (!d.message.empty() && d.message[0] == ' ') d.message.erase(0, 1);
    }
  }
  return d;
}

std::vector<std::string> signoff_targets(const SignoffSpec& so) {
  std::vector<std::string> out;
  for (const OutcomeSpec* o : {&so.approved, &so.changes_required, &so.not_relevant}) {
    out.insert(out.end(), o->to.begin(), o->to.end());
  }
  if (so.on_new_version != "restart" && so.on_new_version != "first_approval") {
    out.push_back(so.on_new_version);
  }
  return out;
}

void check_signoff(const Definition& d, const StateSpec& s, const std::set<std::string>& roles,
                   std::vector<Diagnostic>& problems) {
  auto problem = [&](int line, std::string message) {
    problems.push_back(Diagnostic{d.path, line, std::move(message)});
  };
  const SignoffSpec& so = *s.signoff;
  if (d.document_roles.empty()) {
    problem(s.line, fmt::format("sign-off step '{}' decides on a document, so the workflow needs "
                                "`document = {{ roles = {{ ... }} }}`",
                                s.name));
  }
  for (const auto& g : so.groups) {
    if (g.rule == "quorum" && g.approvers.size() > 1 &&
        g.quorum > static_cast<int>(g.approvers.size()) &&
        std::none_of(g.approvers.begin(), g.approvers.end(),
                     [&](const std::string& a) { return roles.count(a) > 0; })) {
      problem(g.line, fmt::format("quorum {} of step '{}' is more than its {} named approvers",
                                  g.quorum, s.name, g.approvers.size()));
    }
  }
  for (const auto& [label, o] :
       {std::pair{"approved", &so.approved}, std::pair{"changes_required", &so.changes_required},
        std::pair{"not_relevant", &so.not_relevant}}) {
    for (const auto& target : o->to) {
      if (!d.state(target)) {
        problem(o->line, fmt::format("{} of sign-off step '{}' goes to missing state '{}'", label,
                                     s.name, target));
      }
    }
  }
  if (so.on_new_version != "restart" && so.on_new_version != "first_approval" &&
      !d.state(so.on_new_version)) {
    problem(s.line, fmt::format("on_new_version of sign-off step '{}' names missing state '{}'",
                                s.name, so.on_new_version));
  }
}

}  // namespace

LoadedWorkflow load_workflow(const ScriptSource& source, const std::string& version,
                             const ScriptLimits& limits, const Clock& clock) {
  LoadedWorkflow out;
  try {
    out.script = WorkflowScript::load(source, limits, clock);
  } catch (const Error& e) {
    out.problems.push_back(diagnostic_from_error(source.path, e.what()));
    return out;
  }
  for (const auto& g : out.script->undefined_globals()) {
    out.problems.push_back(Diagnostic{
        g.file, g.line,
        g.assigned
            ? fmt::format("assigns the global '{}': declare it with `local {}`", g.name, g.name)
            : fmt::format("'{}' is not defined (a typo, or a missing `local`?)", g.name)});
  }
  out.definition.path = source.path;
  out.definition.version = version;
  Builder(source.path, source.text, out.problems).build(out.script->returned(), out.definition);
  if (out.problems.empty()) check_definition(out.definition, out.problems);
  return out;
}

namespace {

// `migrate` maps only states this version lacks, each to one it has, and watches its fields.
template <typename Problem>
void check_migration(const Definition& d, Problem& problem) {
  const MigrateSpec& m = d.migrate;
  for (const auto& [old_state, new_state] : m.states) {
    if (d.state(old_state)) {
      problem(m.line, fmt::format("migrate.states maps '{}', which is still a state: its items "
                                  "stay in it",
                                  old_state));
    }
    if (!d.state(new_state)) {
      problem(m.line,
              fmt::format("migrate.states.{} goes to missing state '{}'", old_state, new_state));
    }
  }
  for (const auto& name : m.watch) {
    if (!d.field(name)) {
      problem(m.line, fmt::format("migrate.watch names '{}', which is not a field", name));
    }
  }
}

// `incidents` names actions the workflow has, taking `incident_name`, and a text field.
template <typename Problem>
void check_incidents(const Definition& d, Problem& problem) {
  const IncidentHooks& h = d.incidents;
  if (h.line == 0) return;
  for (const auto& [key, name] : {std::pair{"pause", &h.pause}, std::pair{"resume", &h.resume}}) {
    const StateSpec* s = d.state_with_action(*name);
    if (!s) {
      problem(h.line,
              fmt::format("incidents.{} names '{}', which no state has as an action", key, *name));
    } else if (const ActionSpec* a = s->action(*name);
               std::none_of(a->fields.begin(), a->fields.end(),
                            [](const FieldSpec& f) { return f.name == "incident_name"; })) {
      problem(h.line, fmt::format("incidents.{}: action '{}' must take the field incident_name "
                                  "(incident_name = wf.text {{}})",
                                  key, *name));
    }
  }
  const FieldSpec* held_by = d.field(h.held_by);
  if (!held_by) {
    problem(h.line, fmt::format("incidents.held_by names '{}', which is not a field", h.held_by));
  } else if (held_by->type != FieldType::Text) {
    problem(h.line, fmt::format("incidents.held_by: field '{}' must be text", h.held_by));
  }
}

// `queue` names fields and states the workflow has, tiers once each in NHS tag colours.
template <typename Problem>
void check_queue(const Definition& d, const std::set<std::string>& roles, Problem& problem) {
  const QueueSpec& q = d.queue;
  if (q.line == 0) return;
  for (const auto& [key, name] :
       {std::pair{"tier", &q.tier_field}, std::pair{"due", &q.due_field},
        std::pair{"late", &q.late_field}, std::pair{"late_reason", &q.late_reason_field}}) {
    if (!name->empty() && !d.field(*name)) {
      problem(q.line, fmt::format("queue.{} names '{}', which is not a field", key, *name));
    }
  }
  if (!q.tiers.empty() && q.tier_field.empty()) {
    problem(q.line, "queue.tiers needs `tier = \"field\"` naming the field that holds the tier");
  }
  static const std::set<std::string> colours = {"white",  "grey", "green", "aqua-green", "blue",
                                                "purple", "pink", "red",   "orange",     "yellow"};
  const FieldSpec* tier_field = q.tier_field.empty() ? nullptr : d.field(q.tier_field);
  std::set<std::string> seen;
  for (const auto& tier : q.tiers) {
    if (!seen.insert(tier.value).second) {
      problem(q.line, fmt::format("queue.tiers lists '{}' twice", tier.value));
    }
    if (!colours.count(tier.colour)) {
      problem(q.line, fmt::format("queue.tiers: colour '{}' of '{}' is not an NHS tag colour (one "
                                  "of white, grey, green, aqua-green, blue, purple, pink, red, "
                                  "orange, yellow)",
                                  tier.colour, tier.value));
    }
    if (tier_field && tier_field->type == FieldType::Choice &&
        std::find(tier_field->options.begin(), tier_field->options.end(), tier.value) ==
            tier_field->options.end()) {
      problem(q.line, fmt::format("queue.tiers: '{}' is not one of the choices of field '{}'",
                                  tier.value, q.tier_field));
    }
  }
  for (const auto& state : q.hold_states) {
    if (!d.state(state)) {
      problem(q.line, fmt::format("queue.hold names '{}', which is not a state", state));
    }
  }
  if (!q.overdue_notify.empty() && q.due_field.empty()) {
    problem(q.line,
            "queue.overdue_notify needs `due = \"field\"`: the time an item is overdue from");
  }
  for (const auto& name : q.overdue_notify) {
    const FieldSpec* f = d.field(name);
    if (f ? f->type != FieldType::Actor : !roles.count(name)) {
      problem(q.line, fmt::format("queue.overdue_notify names '{}', which is neither a person "
                                  "field (wf.actor) nor a role",
                                  name));
    }
  }
  for (const auto& key : q.sort) {
    if (key == "tier" && q.tier_field.empty()) {
      problem(q.line, "queue.sort names \"tier\", but the queue has no `tier` field");
    } else if (key != "hold" && key != "tier" && !d.field(key)) {
      problem(q.line, fmt::format("queue.sort names '{}', which is neither \"hold\", \"tier\" "
                                  "nor a field",
                                  key));
    }
  }
}

// `read` names known roles and fields, and a draft only where there is a document.
template <typename Problem>
void check_read(const Definition& d, const std::set<std::string>& roles, Problem& problem) {
  const ReadSpec& r = d.read;
  if (r.line == 0) return;  // not declared: made from roles checked where they were named
  auto check = [&](const ReaderSpec& reader, const std::string& what) {
    for (const auto& role : reader.roles) {
      if (!roles.count(role))
        problem(r.line, fmt::format("{} names unknown role '{}'", what, role));
    }
  };
  check(r.items, "read");
  for (const auto& name : r.submitter_fields) {
    if (!d.field(name)) {
      problem(r.line, fmt::format("read.submitter names '{}', which is not a field", name));
    }
  }
  for (const auto& [name, reader] : r.fields) {
    if (!d.field(name)) {
      problem(r.line, fmt::format("read.fields names '{}', which is not a field", name));
    }
    check(reader, "read.fields." + name);
  }
  if (r.draft) {
    if (d.document_roles.empty()) {
      problem(r.line, "read.draft restricts the document, but the workflow has no `document`");
    }
    check(*r.draft, "read.draft");
  }
}

}  // namespace

void check_definition(const Definition& d, std::vector<Diagnostic>& problems) {
  auto problem = [&](int line, std::string message) {
    problems.push_back(Diagnostic{d.path, line, std::move(message)});
  };
  std::set<std::string> roles(standard_roles().begin(), standard_roles().end());
  roles.insert(d.roles.begin(), d.roles.end());
  auto check_roles = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& role : a.roles) {
      if (!roles.count(role)) {
        problem(a.roles_line,
                fmt::format("{} names unknown role '{}' (declare it in `roles = {{ ... }}` or use "
                            "a standard role)",
                            what, role));
      }
    }
  };
  auto check_sets = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& name : a.sets) {
      if (!d.field(name)) {
        problem(a.line,
                fmt::format("{} sets '{}', which is not a field of the workflow", what, name));
      }
    }
  };

  if (!d.state(d.initial)) {
    problem(d.line, fmt::format("initial state '{}' is not one of the states", d.initial));
  } else if (d.state(d.initial)->signoff) {
    problem(d.line, fmt::format("initial state '{}' is a sign-off step, but a new item has no "
                                "document to decide on yet",
                                d.initial));
  }
  check_read(d, roles, problem);
  check_migration(d, problem);
  check_incidents(d, problem);
  check_queue(d, roles, problem);
  for (const auto& name : d.approval.conditions) {
    if (!d.field(name)) {
      problem(d.approval.line,
              fmt::format("approval condition '{}' is not a field of the workflow", name));
    }
  }
  auto check_targets = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& target : a.to) {
      if (!d.state(target)) {
        problem(a.to_line, fmt::format("{} goes to missing state '{}'", what, target));
      }
    }
    if (a.to.size() > 1 && !a.route) {
      problem(a.to_line, fmt::format("{} may go to several states, so it needs `route = "
                                     "function(item, ctx) return \"state\" end`",
                                     what));
    }
  };
  auto check_fields = [&](const std::vector<FieldSpec>& fields) {
    for (const auto& f : fields) {
      if (f.type == FieldType::Actor && !f.role.empty() && !roles.count(f.role)) {
        problem(f.line, fmt::format("field '{}' names unknown role '{}'", f.name, f.role));
      }
      for (const auto& [other, values] : f.required_if) {
        const FieldSpec* o = d.field(other);
        if (!o) {
          problem(f.line, fmt::format("required_if of '{}' names '{}', which is not a field",
                                      f.name, other));
          continue;
        }
        for (const auto& v : values) {
          if (o->type == FieldType::Choice &&
              std::find(o->options.begin(), o->options.end(), v) == o->options.end()) {
            problem(f.line, fmt::format("required_if of '{}': '{}' is not an option of '{}'",
                                        f.name, v, other));
          }
        }
      }
    }
  };
  check_fields(d.fields);
  for (const auto& role : d.document_roles) {
    if (!roles.count(role)) {
      problem(d.line, fmt::format("document names unknown role '{}'", role));
    }
  }
  check_roles(d.submit, "submit");
  check_targets(d.submit, "submit");
  bool any_final = false;
  for (const auto& s : d.states) {
    any_final = any_final || s.final;
    if (s.final && !s.actions.empty()) {
      problem(s.line, fmt::format("state '{}' is final, so it cannot have actions", s.name));
    }
    if (s.signoff) {
      check_signoff(d, s, roles, problems);
    } else if (!s.final && s.actions.empty()) {
      problem(s.line, fmt::format("state '{}' has no actions and is not final: items there would "
                                  "be stuck (add actions or `final = true`)",
                                  s.name));
    }
    for (const auto& a : s.actions) {
      std::string what = fmt::format("action '{}' in state '{}'", a.name, s.name);
      if (a.gate && !s.checklist) {
        problem(a.line, fmt::format("{} is a gate, so state '{}' needs `checklist = "
                                    "function(item, ctx) return {{ ... }} end`",
                                    what, s.name));
      }
      check_targets(a, what);
      check_roles(a, what);
      check_sets(a, what);
      for (const auto& name : placeholders(a.done)) {
        if (!d.field(name) && !a.field(name)) {
          problem(a.line,
                  fmt::format("done of {} names '{{{}}}', which is not a field", what, name));
        }
      }
      for (const auto& f : a.fields) {
        if (d.field(f.name)) {
          problem(f.line, fmt::format("payload field '{}' of {} has the name of an item field; use "
                                      "`sets = {{ \"{}\" }}` to let the action change it",
                                      f.name, what, f.name));
        }
      }
    }
  }
  if (!any_final) problem(d.line, "the workflow has no final state (add `final = true` to one)");

  // Reachability from the initial state.
  std::set<std::string> seen;
  std::deque<std::string> queue;
  auto visit = [&](const std::string& state) {
    if (d.state(state) && seen.insert(state).second) queue.push_back(state);
  };
  visit(d.initial);
  for (const auto& target : d.submit.to) visit(target);
  while (!queue.empty()) {
    const StateSpec* s = d.state(queue.front());
    queue.pop_front();
    for (const auto& a : s->actions) {
      for (const auto& target : a.to) visit(target);
    }
    if (s->signoff) {
      for (const auto& target : signoff_targets(*s->signoff)) visit(target);
    }
  }
  if (!seen.empty()) {
    for (const auto& s : d.states) {
      if (!seen.count(s.name)) {
        problem(s.line, fmt::format("state '{}' cannot be reached from the initial state '{}'",
                                    s.name, d.initial));
      }
    }
  }
}

}  // namespace commsflow
