// Reads `fields = { name = commsflow.<type> { ... } }`: each field's type, label and limits.
#include <commsflow/error.h>
#include <commsflow/words.h>

#include <algorithm>

#include "workflow/definition_reader.h"
#include "workflow/field_values.h"

namespace commsflow {

std::vector<FieldSpec> DefinitionReader::field_map(const Json& fields, const std::string& what,
                                                   int line) {
  std::vector<FieldSpec> out;
  if (!fields.is_object()) return out;
  for (const auto& [name, spec] : fields.items()) {
    out.push_back(field(name, spec, what, line));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FieldSpec& a, const FieldSpec& b) { return a.line < b.line; });
  return out;
}

FieldSpec DefinitionReader::field(const std::string& name, const Json& spec,
                                  const std::string& what, int near) {
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
        problem(f.line, fmt::format("labels of '{}' must be a table of option = \"label\"", name));
      } else {
        for (const auto& [value, label] : it->items()) {
          if (std::find(f.options.begin(), f.options.end(), value) == f.options.end()) {
            problem(f.line,
                    fmt::format("labels of '{}' names '{}', which is not one of its options", name,
                                value));
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
  if (auto it = spec.find("future"); it != spec.end()) {
    if ((f.type != FieldType::Date && f.type != FieldType::DateTime) || !it->is_boolean()) {
      problem(f.line, fmt::format("future of '{}' applies only to commsflow.date and "
                                  "commsflow.datetime and must be true or false",
                                  name));
    } else if (f.past && it->get<bool>()) {
      problem(f.line, fmt::format("'{}' cannot be both past and future", name));
    } else {
      f.future = it->get<bool>();
    }
  }
  if (auto it = spec.find("within_days"); it != spec.end()) {
    if ((f.type != FieldType::Date && f.type != FieldType::DateTime) || !it->is_number_integer() ||
        it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 36500) {
      problem(f.line, fmt::format("within_days of '{}' applies only to commsflow.date and "
                                  "commsflow.datetime and must be a whole number of days from 1 "
                                  "to 36500",
                                  name));
    } else {
      f.within_days = static_cast<int>(it->get<std::int64_t>());
    }
  }
  if (auto it = spec.find("unit"); it != spec.end()) {
    if (f.type != FieldType::Integer || !it->is_string() ||
        (*it != "seconds" && *it != "minutes")) {
      problem(f.line, fmt::format("unit of '{}' applies only to commsflow.integer and must be "
                                  "\"seconds\" or \"minutes\" (a length of time, shown to "
                                  "people in hours and minutes)",
                                  name));
    } else {
      f.unit = it->get<std::string>();
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
  if (auto it = spec.find("needed_when"); it != spec.end()) {
    if (it->is_string()) {
      f.needed_when = it->get<std::string>();
    } else {
      problem(f.line,
              fmt::format("needed_when of '{}' must be text, saying when it is needed", name));
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
          else if (v.is_boolean())  // a yes/no field's answer
            list.push_back(v.get<bool>() ? "true" : "false");
          else
            problem(f.line,
                    fmt::format("required_if of '{}': values of '{}' must be text, or true or "
                                "false for a yes/no field",
                                name, other));
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

}  // namespace commsflow
