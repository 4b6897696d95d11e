#include "server/forms.h"

#include <fmt/format.h>

#include <sstream>

#include "base/uk_time.h"
#include "server/html.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

std::string hint_for(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::Date:
      return "For example, 2026-04-15";
    case FieldType::DateTime:
      return "Date and time, UK time";
    case FieldType::List:
      return "One entry per line";
    case FieldType::Record:
      return "A JSON object";
    case FieldType::Actor:
      return f.role.empty() ? "A person's sign-in name"
                            : "A person's sign-in name (" + f.role + ")";
    case FieldType::Text:
      if (f.max) return fmt::format("Up to {} characters", static_cast<long long>(*f.max));
      return {};
    default:
      return {};
  }
}

}  // namespace

bool is_request_field(const FieldSpec& f) {
  return f.required || f.default_value || (!f.label.empty() && f.label != f.name);
}

std::string field_input_id(const FieldSpec& field, const std::string& id_prefix) {
  return "field-" + id_prefix + field.name;
}

std::string field_input_html(const FieldSpec& f, const std::string& value, const std::string& error,
                             const std::string& id_prefix, const std::vector<Actor>* people) {
  const std::string id = field_input_id(f, id_prefix);
  const std::string name = escape(f.name);
  std::string label = escape(field_label(f)) + (f.required ? "" : " (optional)");
  std::string hint = f.type == FieldType::Actor && people ? std::string() : hint_for(f);
  std::string described;
  std::string extra;
  if (!hint.empty()) {
    extra += fmt::format(R"(<div class="nhsuk-hint" id="{}-hint">{}</div>)", id, escape(hint));
    described += id + "-hint";
  }
  if (!error.empty()) {
    extra += fmt::format(
        R"(<span class="nhsuk-error-message" id="{}-error"><span class="nhsuk-u-visually-hidden">Error:</span> {}</span>)",
        id, escape(error));
    described += (described.empty() ? "" : " ") + id + "-error";
  }
  std::string aria =
      described.empty() ? "" : fmt::format(R"( aria-describedby="{}")", escape(described));
  std::string error_class = error.empty() ? "" : " nhsuk-input--error";
  std::string control;
  if (f.type == FieldType::Actor && people) {
    std::string opts = R"(<option value="">Choose a person</option>)";
    for (const auto& person : *people) {
      if (person.disabled || (!f.role.empty() && !person.has_role(f.role))) continue;
      opts += fmt::format(R"(<option value="{}"{}>{}</option>)", escape(person.name),
                          person.name == value ? " selected" : "", escape(person.shown_name()));
    }
    control = fmt::format(R"(<select class="nhsuk-select{}" id="{}" name="{}"{}>{}</select>)",
                          error.empty() ? "" : " nhsuk-select--error", id, name, aria, opts);
  } else if (f.type == FieldType::Choice || f.type == FieldType::Boolean) {
    std::vector<std::string> options = f.options;
    if (f.type == FieldType::Boolean) options = {"yes", "no"};
    std::string opts = R"(<option value="">Choose</option>)";
    for (const auto& o : options) {
      opts += fmt::format(R"(<option value="{}"{}>{}</option>)", escape(o),
                          o == value ? " selected" : "", escape(readable_label(o)));
    }
    control = fmt::format(R"(<select class="nhsuk-select{}" id="{}" name="{}"{}>{}</select>)",
                          error.empty() ? "" : " nhsuk-select--error", id, name, aria, opts);
  } else if (f.type == FieldType::List || f.type == FieldType::Record || f.multiline()) {
    control = fmt::format(
        R"(<textarea class="nhsuk-textarea{}" id="{}" name="{}" rows="4"{}>{}</textarea>)",
        error.empty() ? "" : " nhsuk-textarea--error", id, name, aria, escape(value));
  } else {
    const char* type = "text";
    std::string attrs;
    if (f.type == FieldType::Date) type = "date";
    if (f.type == FieldType::DateTime) type = "datetime-local";
    if (f.type == FieldType::Integer) attrs = R"( inputmode="numeric")";
    if (f.type == FieldType::Number) attrs = R"( inputmode="decimal")";
    // A stored time (UTC) is shown as UK time; what a person typed is shown as typed.
    std::string shown = f.type == FieldType::DateTime ? uk_local_input(value) : value;
    control =
        fmt::format(R"(<input class="nhsuk-input{}" id="{}" name="{}" type="{}" value="{}"{}{}>)",
                    error_class, id, name, type, escape(shown), attrs, aria);
  }
  return fmt::format(
      R"(<div class="nhsuk-form-group{}"><label class="nhsuk-label" for="{}">{}</label>{}{}</div>)",
      error.empty() ? "" : " nhsuk-form-group--error", id, label, extra, control);
}

Json form_inputs(const std::vector<const FieldSpec*>& fields, const httplib::Request& request) {
  Json inputs = Json::object();
  for (const FieldSpec* f : fields) {
    if (!request.has_param(f->name)) continue;
    std::string value = request.get_param_value(f->name);
    if (value.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    if (f->type == FieldType::List) {
      Json list = Json::array();
      std::istringstream lines(value);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) list.push_back(line);
      }
      inputs[f->name] = list;
    } else if (auto local = f->type == FieldType::DateTime ? parse_uk_local(value) : std::nullopt) {
      inputs[f->name] = format_datetime(*local);  // typed in UK time, stored as UTC
    } else {
      inputs[f->name] = value;
    }
  }
  return inputs;
}

std::map<std::string, std::string> posted_values(const httplib::Request& request) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : request.params) out[key] = value;
  return out;
}

std::string value_text(const Json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array() &&
      std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); })) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : "\n") + v.get<std::string>();
    return out;
  }
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace commsflow::server
