#include "server/forms.h"

#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

#include "server/html.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

std::string hint_for(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::Date:
      return "For example, 15 4 2026";
    case FieldType::DateTime:
      return "For example, 15 4 2026 and 14:30, in UK time";
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

// A date (and time) as the NHS date input shows it: day, month and year boxes, and a time box.
struct DateParts {
  std::string day, month, year, time;
};

std::string without_leading_zero(std::string s) {
  if (s.size() > 1 && s[0] == '0') s.erase(0, 1);
  return s;
}

// `text` is "2026-04-15", "2026-04-15T14:30" (UK time) or what was typed, joined the same way.
DateParts date_parts(std::string_view text) {
  DateParts parts;
  std::string_view date = text.substr(0, text.find('T'));
  if (auto t = text.find('T'); t != std::string_view::npos) parts.time = text.substr(t + 1);
  if (parts.time.size() == 8 && parts.time.ends_with(":00")) parts.time.resize(5);  // no seconds
  auto first = date.find('-');
  auto second = first == std::string_view::npos ? first : date.find('-', first + 1);
  if (second == std::string_view::npos) return parts;
  parts.year = date.substr(0, first);
  parts.month = without_leading_zero(std::string(date.substr(first + 1, second - first - 1)));
  parts.day = without_leading_zero(std::string(date.substr(second + 1)));
  return parts;
}

std::string two_digits(const std::string& s) {
  return s.size() == 1 && std::isdigit(static_cast<unsigned char>(s[0])) ? "0" + s : s;
}

std::string param_text(const httplib::Request& request, const std::string& name) {
  if (!request.has_param(name)) return {};
  std::string value = request.get_param_value(name);
  auto first = value.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return value.substr(first, value.find_last_not_of(" \t") - first + 1);
}

// The date (and time) typed in the NHS date input named `name`, joined as "2026-04-15" or
// "2026-04-15T14:30" with one-digit days, months and hours given a leading zero; empty when
// every box is empty.
std::string posted_date(const httplib::Request& request, const std::string& name, bool with_time) {
  std::string day = param_text(request, name + "-day");
  std::string month = param_text(request, name + "-month");
  std::string year = param_text(request, name + "-year");
  std::string time = with_time ? param_text(request, name + "-time") : std::string();
  if (day.empty() && month.empty() && year.empty() && time.empty()) return {};
  std::string out = fmt::format("{}-{}-{}", year, two_digits(month), two_digits(day));
  if (with_time) out += "T" + (time.size() == 4 && time[1] == ':' ? "0" + time : time);
  return out;
}

// The NHS date input pattern: a fieldset whose legend is the field's label, with day, month and
// year boxes (and a time box for a date and time). The day box has the field's id, so an error
// summary's link lands on it.
std::string date_input_html(const FieldSpec& f, const std::string& id, const std::string& legend,
                            const std::string& extra, const std::string& aria,
                            const std::string& value, bool error) {
  const bool with_time = f.type == FieldType::DateTime;
  DateParts parts = date_parts(with_time ? uk_local_input(value) : value);
  const std::string input_error = error ? " nhsuk-input--error" : "";
  auto box = [&](const std::string& box_id, const char* suffix, const char* label,
                 const std::string& shown, const char* width) {
    return fmt::format(
        R"(<div class="nhsuk-date-input__item"><div class="nhsuk-form-group"><label class="nhsuk-label nhsuk-date-input__label" for="{0}">{1}</label><input class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-{2}{3}" id="{0}" name="{4}-{5}" type="text" inputmode="numeric" value="{6}"></div></div>)",
        box_id, label, width, input_error, escape(f.name), suffix, escape(shown));
  };
  std::string boxes = box(id, "day", "Day", parts.day, "2") +
                      box(id + "-month", "month", "Month", parts.month, "2") +
                      box(id + "-year", "year", "Year", parts.year, "4");
  std::string time;
  if (with_time) {
    time = fmt::format(
        R"(<div class="nhsuk-form-group cf-time"><label class="nhsuk-label" for="{0}-time">Time (24-hour clock, UK time)</label><input class="nhsuk-input nhsuk-input--width-5{1}" id="{0}-time" name="{2}-time" type="text" value="{3}" autocomplete="off"></div>)",
        id, input_error, escape(f.name), escape(parts.time));
  }
  return fmt::format(
      R"(<div class="nhsuk-form-group{0}"><fieldset class="nhsuk-fieldset" role="group"{1}><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{2}</legend>{3}<div class="nhsuk-date-input">{4}</div>{5}</fieldset></div>)",
      error ? " nhsuk-form-group--error" : "", aria, legend, extra, boxes, time);
}

// A list of records (stakeholders, EIA rows) is edited as one fieldset per row. Row n's inputs
// are named "NAME[n].FIELD", counting from 1 as the engine's messages do ("eia[3].impact"), so
// an error lands beside its input; "NAME[n]._remove" removes the row; "NAME[rows]" says the
// form had the list.
bool is_record_list(const FieldSpec& f) {
  return f.type == FieldType::List && f.item && f.item->type == FieldType::Record;
}

std::string row_input_name(const std::string& list, size_t row, const std::string& field) {
  return fmt::format("{}[{}].{}", list, row, field);
}

// The rows posted for the record list `name`, as text, in order: rows marked for removal and
// rows left empty are left out. Date boxes are joined as posted_date joins them.
Json posted_rows(const httplib::Request& request, const std::string& name) {
  // The row numbers posted, from the parameter names.
  std::set<size_t> numbers;
  const std::string prefix = name + "[";
  for (const auto& [key, value] : request.params) {
    if (!key.starts_with(prefix)) continue;
    size_t close = key.find("].", prefix.size());
    if (close == std::string::npos) continue;
    const std::string digits = key.substr(prefix.size(), close - prefix.size());
    if (digits.empty() || digits.size() > 4 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    numbers.insert(std::stoul(digits));
  }
  Json rows = Json::array();
  for (size_t n : numbers) {
    const std::string row_prefix = fmt::format("{}[{}].", name, n);
    if (!param_text(request, row_prefix + "_remove").empty()) continue;
    Json row = Json::object();
    for (const auto& [key, value] : request.params) {
      if (!key.starts_with(row_prefix) || key.ends_with("._remove")) continue;
      std::string field = key.substr(row_prefix.size());
      for (const char* part : {"-day", "-month", "-year", "-time"}) {
        if (field.ends_with(part)) {
          field.resize(field.size() - std::strlen(part));
          std::string joined = posted_date(request, row_prefix + field,
                                           request.has_param(row_prefix + field + "-time"));
          if (!joined.empty()) row[field] = joined;
          field.clear();
          break;
        }
      }
      if (field.empty() || row.contains(field)) continue;
      std::string text = param_text(request, key);
      if (!text.empty()) row[field] = text;
    }
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

// One fieldset per row of a record list, and an empty one to add a row.
std::string record_list_html(const FieldSpec& f, const std::string& value, const std::string& error,
                             const std::string& id_prefix, const std::vector<Actor>* people) {
  Json rows = Json::parse(value, nullptr, false);
  if (!rows.is_array()) rows = Json::array();
  rows.push_back(Json::object());  // the row to add
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t n = i + 1;
    const bool adding = i + 1 == rows.size();
    const Json row = rows[i].is_object() ? rows[i] : Json::object();
    std::string inputs;
    for (const auto& sub : f.item->fields) {
      FieldSpec named = sub;
      named.name = row_input_name(f.name, n, sub.name);
      named.label = field_label(sub);
      named.required = sub.required && !adding;
      auto v = row.find(sub.name);
      inputs += field_input_html(named, v == row.end() ? std::string() : value_text(*v), "",
                                 id_prefix, people);
    }
    if (!adding) {
      const std::string remove_id = "field-" + id_prefix + row_input_name(f.name, n, "_remove");
      inputs += fmt::format(
          R"(<div class="nhsuk-checkboxes"><div class="nhsuk-checkboxes__item"><input class="nhsuk-checkboxes__input" id="{0}" name="{1}" type="checkbox" value="yes"><label class="nhsuk-label nhsuk-checkboxes__label" for="{0}">Remove this row</label></div></div>)",
          escape(remove_id), escape(row_input_name(f.name, n, "_remove")));
    }
    out += fmt::format(
        R"(<fieldset class="nhsuk-fieldset cf-row" data-row="{}"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{}</legend>{}</fieldset>)",
        n,
        adding ? fmt::format("Add a row to {} (optional)", escape(field_label(f)))
               : fmt::format("{}: row {}", escape(field_label(f)), n),
        inputs);
  }
  std::string message;
  if (!error.empty()) {
    message = fmt::format(
        R"(<span class="nhsuk-error-message" id="{}-error"><span class="nhsuk-u-visually-hidden">Error:</span> {}</span>)",
        escape(field_input_id(f, id_prefix)), escape(error));
  }
  return fmt::format(
      R"(<div class="nhsuk-form-group{0}" id="{1}"><input type="hidden" name="{2}[rows]" value="{3}">{4}{5}</div>)",
      error.empty() ? "" : " nhsuk-form-group--error", escape(field_input_id(f, id_prefix)),
      escape(f.name), rows.size() - 1, message, out);
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
  if (f.type == FieldType::Date || f.type == FieldType::DateTime) {
    return date_input_html(f, id, label, extra, aria, value, !error.empty());
  }
  if (is_record_list(f)) return record_list_html(f, value, error, id_prefix, people);
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
                          o == value ? " selected" : "", escape(option_label(f, o)));
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
    if (f.type == FieldType::Integer) attrs = R"( inputmode="numeric")";
    if (f.type == FieldType::Number) attrs = R"( inputmode="decimal")";
    control =
        fmt::format(R"(<input class="nhsuk-input{}" id="{}" name="{}" type="{}" value="{}"{}{}>)",
                    error_class, id, name, type, escape(value), attrs, aria);
  }
  return fmt::format(
      R"(<div class="nhsuk-form-group{}"><label class="nhsuk-label" for="{}">{}</label>{}{}</div>)",
      error.empty() ? "" : " nhsuk-form-group--error", id, label, extra, control);
}

Json form_inputs(const std::vector<const FieldSpec*>& fields, const httplib::Request& request) {
  Json inputs = Json::object();
  for (const FieldSpec* f : fields) {
    std::string value;
    if (request.has_param(f->name)) {
      value = request.get_param_value(f->name);
    } else if (is_record_list(*f)) {
      if (request.has_param(f->name + "[rows]")) inputs[f->name] = posted_rows(request, f->name);
      continue;
    } else if (f->type == FieldType::Date || f->type == FieldType::DateTime) {
      value = posted_date(request, f->name, f->type == FieldType::DateTime);
    }
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
  for (const auto& [key, value] : request.params) {
    out[key] = value;
    // The rows of a record list, as record_list_html reads them back.
    if (key.ends_with("[rows]")) {
      std::string name = key.substr(0, key.size() - 6);
      out[name] = posted_rows(request, name).dump();
      continue;
    }
    // The boxes of a date input, joined as date_input_html reads them back, as typed.
    if (key.ends_with("-day")) {
      std::string name = key.substr(0, key.size() - 4);
      if (request.has_param(name)) continue;
      std::string joined =
          fmt::format("{}-{}-{}", param_text(request, name + "-year"),
                      param_text(request, name + "-month"), param_text(request, name + "-day"));
      if (request.has_param(name + "-time")) joined += "T" + param_text(request, name + "-time");
      if (joined != "--" && joined != "--T") out[name] = joined;
    }
  }
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
