#include "server/forms.h"

#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

#include "server/html.h"
#include "server/templates.h"
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

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The boxes of the NHS date input named `name` as posted, each trimmed; `time` only for a
// datetime.
struct DateBoxes {
  std::string day, month, year, time;

  DateBoxes(const httplib::Request& request, const std::string& name, bool with_time)
      : day(param_text(request, name + "-day")),
        month(param_text(request, name + "-month")),
        year(param_text(request, name + "-year")),
        time(with_time ? param_text(request, name + "-time") : std::string()) {}

  bool empty() const { return day.empty() && month.empty() && year.empty() && time.empty(); }

  // What is wrong with them as typed, said as the NHS style guide says it ("must include a
  // year"); empty when nothing is, or when every box is empty. A day its month does not have
  // (31 February) is left to the field's own check, which names the day.
  std::string problem(bool with_time) const {
    if (empty()) return {};
    std::vector<std::string> missing;
    if (day.empty()) missing.emplace_back("a day");
    if (month.empty()) missing.emplace_back("a month");
    if (year.empty()) missing.emplace_back("a year");
    if (missing.size() == 3) return "must include a day, a month and a year";
    if (missing.size() == 2) return fmt::format("must include {} and {}", missing[0], missing[1]);
    if (missing.size() == 1) return "must include " + missing[0];
    if (!all_digits(day) || !all_digits(month) || !all_digits(year) || day.size() > 2 ||
        month.size() > 2 || std::stoi(day) < 1 || std::stoi(day) > 31 || std::stoi(month) < 1 ||
        std::stoi(month) > 12) {
      return "must be a real date, in numbers, like 31 3 2026";
    }
    if (year.size() != 4) return "must have a year of 4 numbers, like 2026";
    if (!with_time) return {};
    if (time.empty()) return "must include a time, like 14:30";
    const auto colon = time.find(':');
    const std::string hours = time.substr(0, colon);
    const std::string minutes = colon == std::string::npos ? "" : time.substr(colon + 1);
    if (hours.empty() || hours.size() > 2 || minutes.size() != 2 || !all_digits(hours) ||
        !all_digits(minutes) || std::stoi(hours) > 23 || std::stoi(minutes) > 59) {
      return "must include a real time, like 14:30";
    }
    return {};
  }

  // Joined as "2026-04-15" or "2026-04-15T14:30", one-digit days, months and hours given a
  // leading zero; empty when every box is empty.
  std::string joined(bool with_time) const {
    if (empty()) return {};
    std::string out = fmt::format("{}-{}-{}", year, two_digits(month), two_digits(day));
    if (with_time) out += "T" + (time.size() == 4 && time[1] == ':' ? "0" + time : time);
    return out;
  }
};

// The date-input template's boxes for a date (and time) field, added to `view`.
void add_date_boxes(Json& view, const FieldSpec& f, const std::string& value) {
  const bool with_time = f.type == FieldType::DateTime;
  const DateParts parts = date_parts(with_time ? uk_local_input(value) : value);
  const std::string id = view["id"];
  auto box = [](std::string box_id, const char* suffix, const char* label, std::string shown,
                const char* width) {
    return Json{{"box_id", std::move(box_id)},
                {"suffix", suffix},
                {"box_label", label},
                {"shown", std::move(shown)},
                {"width", width}};
  };
  view["boxes"] = {box(id, "day", "Day", parts.day, "2"),
                   box(id + "-month", "month", "Month", parts.month, "2"),
                   box(id + "-year", "year", "Year", parts.year, "4")};
  view["time"] = with_time ? Json{{"shown", parts.time}} : Json(false);
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
// rows left empty are left out. Date boxes are joined (DateBoxes::joined).
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
          const bool with_time = request.has_param(row_prefix + field + "-time");
          std::string joined = DateBoxes(request, row_prefix + field, with_time).joined(with_time);
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
  Json fieldsets = Json::array();
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
    const std::string remove = row_input_name(f.name, n, "_remove");
    fieldsets.push_back(
        {{"n", n},
         {"adding", adding},
         {"inputs", inputs},
         {"remove",
          adding ? Json(false) : Json{{"id", "field-" + id_prefix + remove}, {"name", remove}}}});
  }
  return render("record-list", {{"id", field_input_id(f, id_prefix)},
                                {"name", f.name},
                                {"label", field_label(f)},
                                {"error", error},
                                {"count", rows.size() - 1},
                                {"rows", fieldsets}});
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
  if (is_record_list(f)) return record_list_html(f, value, error, id_prefix, people);
  const std::string id = field_input_id(f, id_prefix);
  const std::string type_hint = f.type == FieldType::Actor && people ? std::string() : hint_for(f);
  // A field needed only sometimes says when, and is not called optional.
  const std::string hint = f.needed_when.empty() ? type_hint
                           : type_hint.empty()   ? f.needed_when
                                                 : f.needed_when + ". " + type_hint;
  std::string described = hint.empty() ? "" : id + "-hint";
  if (!error.empty()) described += (described.empty() ? "" : " ") + id + "-error";
  Json view = {{"id", id},
               {"name", f.name},
               {"label", field_label(f)},
               {"optional", !f.required && f.needed_when.empty()},
               {"hint", hint},
               {"error", error},
               {"described", described}};
  if (f.type == FieldType::Date || f.type == FieldType::DateTime) {
    add_date_boxes(view, f, value);
    return render("date-input", view);
  }
  auto option = [&](const std::string& option_value, const std::string& text) {
    return Json{{"value", option_value}, {"text", text}, {"selected", option_value == value}};
  };
  if (f.type == FieldType::Actor && people) {
    Json options = Json::array();
    for (const auto& person : *people) {
      if (person.disabled || (!f.role.empty() && !person.has_role(f.role))) continue;
      options.push_back(option(person.name, person.shown_name()));
    }
    view["select"] = {{"placeholder", "Choose a person"}, {"options", options}};
  } else if (f.type == FieldType::Choice || f.type == FieldType::Boolean) {
    Json options = Json::array();
    for (const auto& o :
         f.type == FieldType::Boolean ? std::vector<std::string>{"yes", "no"} : f.options) {
      options.push_back(option(o, option_label(f, o)));
    }
    view["select"] = {{"placeholder", "Choose"}, {"options", options}};
  } else if (f.type == FieldType::List || f.type == FieldType::Record || f.multiline()) {
    view["textarea"] = {{"value", value}};
  } else {
    const char* inputmode = f.type == FieldType::Integer  ? "numeric"
                            : f.type == FieldType::Number ? "decimal"
                                                          : "";
    view["input"] = {{"value", value}, {"inputmode", inputmode}};
  }
  return render("field-input", view);
}

Json form_inputs(const std::vector<const FieldSpec*>& fields, const httplib::Request& request,
                 std::vector<FieldProblem>& problems, const Json* current) {
  Json inputs = Json::object();
  for (const FieldSpec* f : fields) {
    std::string value;
    bool posted = true;
    // A question answered twice (a form posted by hand or twice merged): neither answer is
    // taken, as a date the boxes cannot make is not.
    if (request.get_param_value_count(f->name) > 1) {
      problems.push_back({f->name, "was answered more than once: give one answer"});
      inputs[f->name] = false;
      continue;
    }
    if (request.has_param(f->name)) {
      value = request.get_param_value(f->name);
    } else if (is_record_list(*f)) {
      if (request.has_param(f->name + "[rows]")) inputs[f->name] = posted_rows(request, f->name);
      continue;
    } else if (f->type == FieldType::Date || f->type == FieldType::DateTime) {
      posted = request.has_param(f->name + "-day");
      const bool with_time = f->type == FieldType::DateTime;
      const DateBoxes boxes(request, f->name, with_time);
      if (std::string problem = boxes.problem(with_time); !problem.empty()) {
        // Given on as a value no date field takes, so that the engine refuses the change with
        // every other problem the form has; the caller says this one in these words instead.
        problems.push_back({f->name, std::move(problem)});
        inputs[f->name] = false;
        continue;
      }
      value = boxes.joined(with_time);
    } else {
      posted = false;
    }
    if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
      if (posted && current && current->contains(f->name)) inputs[f->name] = nullptr;
      continue;
    }
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

void typed_wrongly_said(CallResult& r, const std::vector<FieldProblem>& typed_wrongly) {
  for (const FieldProblem& typed : typed_wrongly) {
    auto said = std::find_if(r.field_errors.begin(), r.field_errors.end(),
                             [&](const FieldProblem& p) { return p.field == typed.field; });
    if (said != r.field_errors.end()) {
      said->message = typed.message;
    } else {
      r.field_errors.push_back(typed);
    }
  }
}

}  // namespace commsflow::server
