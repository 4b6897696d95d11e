#include "workflow/field_values.h"

#include <commsflow/clock.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace commsflow {

namespace {

// What is wrong with text that is not a date and time, in words for whoever typed it, as the
// web form's boxes or the command line give it ("2026-12-07T2.30pm", "2026-03-30T").
std::string no_such_time(const std::string& text) {
  const auto sep = text.find_first_of("T ");
  const std::string day = date_as_iso(text.substr(0, sep));
  const std::string time = sep == std::string::npos ? std::string() : text.substr(sep + 1);
  if (!parse_date(day)) {
    if (std::string missing = no_such_day(day); !missing.empty()) return missing;
    return "enter a real date and time, like 2026-03-31 14:30 (UK time)";
  }
  if (time.empty()) return "enter a time as well as the date, like 14:30";
  if (std::string skipped = skipped_by_clocks(text); !skipped.empty()) return skipped;
  return "enter the time in hours and minutes on the 24-hour clock, like 14:30";
}

}  // namespace

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string as_name(std::string_view typed) {
  std::string name = lower(trim(typed));
  std::replace_if(
      name.begin(), name.end(), [](char c) { return c == ' ' || c == '-'; }, '_');
  return name;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// "there is no 31 February 2027: ..." for a date in ISO form whose day does not exist in its
// month (as the web form's day, month and year boxes can give); empty for any other text.
std::string no_such_day(const std::string& iso) {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  unsigned year = 0, month = 0, day = 0;
  char extra = 0;
  if (std::sscanf(iso.c_str(), "%4u-%2u-%2u%c", &year, &month, &day, &extra) != 3) return {};
  // Said in the terms the person typed (day, month and year boxes, or 31/03/2026), not as the
  // ISO date made of them.
  if (month < 1 || month > 12) {
    return fmt::format("there is no month {}: enter the month as a number from 1 to 12", month);
  }
  if (day < 1 || day > 31) {
    return fmt::format("there is no day {} in a month: enter a day from 1 to 31", day);
  }
  return fmt::format("there is no {} {} {}: enter a real date", day, kMonths[month - 1], year);
}

// A date as people write it ("31/03/2026", "1/4/2026", "2026-4-1") in ISO form ("2026-04-01");
// any other text as it is.
std::string date_as_iso(const std::string& text) {
  unsigned day = 0, month = 0, year = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%2u/%2u/%4u%c", &day, &month, &year, &extra) != 3 &&
      std::sscanf(text.c_str(), "%4u-%2u-%2u%c", &year, &month, &day, &extra) != 3) {
    return text;
  }
  if (year < 1000) return text;
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

std::string control_character_in(std::string_view s, bool line_breaks) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\t') continue;
    if (line_breaks && (c == '\n' || (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n'))) {
      continue;
    }
    if (c < 0x20 || c == 0x7f) return fmt::format("U+{:04X}", c);
    if (c == 0xC2 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return fmt::format("U+{:04X}", next);
    }
    if (!line_breaks && c == 0xE2 && i + 2 < s.size()) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      const std::uint32_t code = 0x2000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) {
        return fmt::format("U+{:04X}", code);
      }
    }
  }
  return {};
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((extra == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (extra == 3 && (code < 0x10000 || code > 0x10FFFF))) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

namespace {

size_t utf8_length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string shown(const Json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return "'" + s + "'";
}

// A choice's options as people see them: "Major or Minor". An option whose label another shares
// is given by name as well, since the label alone would not say which.
std::string options_in_words(const FieldSpec& spec) {
  std::vector<std::string> labels;
  for (const auto& option : spec.options) labels.push_back(option_label(spec, option));
  std::vector<std::string> words;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool shared = std::count(labels.begin(), labels.end(), labels[i]) > 1;
    words.push_back(shared ? fmt::format("{} ({})", labels[i], spec.options[i]) : labels[i]);
  }
  return listed(words, "or");
}

// For a choice of exactly "yes" and "no" (in any case): the option `input` means when it is
// true or false, as JSON or as text ("TRUE", " false ").
std::optional<std::string> yes_no_answer(const FieldSpec& spec, const Json& input) {
  if (spec.options.size() != 2) return std::nullopt;
  const auto named = [&](const char* word) -> std::optional<std::string> {
    for (const auto& option : spec.options) {
      if (lower(option) == word) return option;
    }
    return std::nullopt;
  };
  const auto yes = named("yes"), no = named("no");
  if (!yes || !no) return std::nullopt;
  if (input.is_boolean()) return input.get<bool>() ? yes : no;
  if (!input.is_string()) return std::nullopt;
  const std::string folded = lower(trim(input.get<std::string>()));
  if (folded == "true") return yes;
  if (folded == "false") return no;
  return std::nullopt;
}

bool out_of_range(const FieldSpec& spec, double value, std::string& error, const char* unit) {
  if (spec.min && value < *spec.min) {
    error = fmt::format("must be at least {}{}", *spec.min, unit);
    return true;
  }
  if (spec.max && value > *spec.max) {
    error = fmt::format("must be at most {}{}", *spec.max, unit);
    return true;
  }
  return false;
}

Json parse_json_text(const Json& input) {
  if (!input.is_string()) return input;
  const auto& s = input.get_ref<const std::string&>();
  std::string t = trim(s);
  if (!t.empty() && (t[0] == '[' || t[0] == '{')) {
    Json parsed = parse_input_json(t);
    if (!parsed.is_discarded()) return parsed;
  }
  return input;
}

// Each bad row and each bad field of a row is its own problem, so that one reply names them all.
Json coerce_list(const FieldSpec& spec, const Json& raw, const std::string& key,
                 std::vector<FieldProblem>& problems) {
  Json input = parse_json_text(raw);
  Json items = Json::array();
  if (input.is_string() && spec.item && spec.item->type == FieldType::Record &&
      !trim(input.get_ref<const std::string&>()).empty()) {
    // Plain text splits into plain values only; records come as JSON.
    problems.push_back(
        {key, fmt::format("expected a list of records (a JSON array of objects), got {}",
                          shown(input))});
    return nullptr;
  }
  if (input.is_string()) {
    const auto& s = input.get_ref<const std::string&>();
    size_t start = 0;
    while (start <= s.size() && !trim(s).empty()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      std::string part = trim(std::string_view(s).substr(start, comma - start));
      if (!part.empty()) items.push_back(part);
      start = comma + 1;
    }
  } else if (input.is_array()) {
    items = input;
  } else if (input.is_object() && input.empty()) {
    // An empty Lua table reads as {} or []; both mean an empty list.
  } else {
    problems.push_back({key, fmt::format("expected a list, got {}", shown(input))});
    return nullptr;
  }
  const size_t known = problems.size();
  Json out = Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    // Paths read like eia[3].impact, counting from 1 as Lua lists do.
    Json v = spec.item
                 ? coerce_field(*spec.item, items[i], fmt::format("{}[{}]", key, i + 1), problems)
                 : items[i];
    if (!v.is_null()) out.push_back(std::move(v));
  }
  if (problems.size() != known) return nullptr;
  std::string error;
  if (out_of_range(spec, static_cast<double>(out.size()), error, " items")) {
    problems.push_back({key, error});
    return nullptr;
  }
  return out;
}

Json coerce_record(const FieldSpec& spec, const Json& raw, const std::string& key,
                   std::vector<FieldProblem>& problems) {
  Json input = parse_json_text(raw);
  if (input.is_array() && input.empty()) input = Json::object();
  if (!input.is_object()) {
    problems.push_back(
        {key, fmt::format("expected a record (a JSON object), got {}", shown(input))});
    return nullptr;
  }
  Json out = input;
  auto inner = validate_data(spec.fields, out, true);
  for (auto& p : inner) problems.push_back({key + "." + p.field, std::move(p.message)});
  return inner.empty() ? out : Json(nullptr);
}

// coerce_value for the types that hold one value.
Json coerce_scalar(const FieldSpec& spec, const Json& input, std::string& error) {
  switch (spec.type) {
    case FieldType::Text: {
      if (!input.is_string()) {
        error = fmt::format("expected text, got {}", shown(input));
        return nullptr;
      }
      if (!valid_utf8(input.get_ref<const std::string&>())) {
        error = "is not valid UTF-8 text";
        return nullptr;
      }
      if (auto control =
              control_character_in(input.get_ref<const std::string&>(), spec.multiline());
          !control.empty()) {
        error = control.starts_with("U+20")
                    ? fmt::format(
                          "contains {}, which reorders the text after it on screen: not "
                          "allowed in one line of text",
                          control)
                : !spec.multiline() && (control == "U+000A" || control == "U+000D")
                    ? std::string("is one line of text: take out the line break")
                : spec.multiline()
                    ? fmt::format(
                          "contains the control character {}: only text, line breaks "
                          "and tabs are allowed",
                          control)
                    : fmt::format(
                          "contains the control character {}: this field is one line "
                          "of text (tabs are allowed, line breaks are not)",
                          control);
        return nullptr;
      }
      if (out_of_range(spec, static_cast<double>(utf8_length(input.get<std::string>())), error,
                       " characters")) {
        return nullptr;
      }
      return input;
    }
    case FieldType::Choice: {
      if (input.is_string()) {
        const auto& s = input.get_ref<const std::string&>();
        if (std::find(spec.options.begin(), spec.options.end(), s) != spec.options.end()) {
          return input;
        }
        // "Yes" for yes, " Media " for media: as people type them and spreadsheets save them.
        const std::string folded = lower(trim(s));
        for (const auto& option : spec.options) {
          if (lower(option) == folded) return option;
        }
        // And as the app shows them ("Public meeting", "Not taken forward"), when that is the
        // label of one option only.
        std::vector<std::string> labelled;
        for (const auto& option : spec.options) {
          if (lower(option_label(spec, option)) == folded) labelled.push_back(option);
        }
        if (labelled.size() == 1) return labelled.front();
        if (labelled.size() > 1) {
          error = fmt::format("{} is the label of {}: give one of them by name", shown(input),
                              fmt::join(labelled, " and "));
          return nullptr;
        }
      }
      // A yes/no choice takes true and false, as a spreadsheet saves a tick box (TRUE, FALSE).
      if (auto answer = yes_no_answer(spec, input)) return *answer;
      error = fmt::format("{} is not one of: {}", shown(input), options_in_words(spec));
      return nullptr;
    }
    case FieldType::Boolean: {
      if (input.is_boolean()) return input;
      if (input.is_string()) {
        std::string s = lower(trim(input.get<std::string>()));
        if (s == "true" || s == "yes" || s == "y" || s == "1") return true;
        if (s == "false" || s == "no" || s == "n" || s == "0") return false;
      }
      error = fmt::format("expected yes or no (true/false), got {}", shown(input));
      return nullptr;
    }
    case FieldType::Integer:
    case FieldType::Number: {
      bool integer = spec.type == FieldType::Integer;
      double value = 0;
      bool ok = false;
      if (input.is_number()) {
        value = input.get<double>();
        ok = true;
      } else if (input.is_string()) {
        std::string s = trim(input.get<std::string>());
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        ok = ec == std::errc() && end == s.data() + s.size() && !s.empty();
      }
      if (!ok || !std::isfinite(value) || (integer && value != std::floor(value)) ||
          (integer && std::fabs(value) > 9.0e15)) {
        error =
            fmt::format("expected a {}, got {}", integer ? "whole number" : "number", shown(input));
        return nullptr;
      }
      if (out_of_range(spec, value, error, "")) return nullptr;
      if (integer) return static_cast<std::int64_t>(value);
      return value;
    }
    case FieldType::Date: {
      const std::string iso =
          input.is_string() ? date_as_iso(trim(input.get<std::string>())) : std::string();
      auto t = input.is_string() ? parse_date(iso) : std::nullopt;
      if (!t) {
        error = no_such_day(iso);
        const std::string typed = input.is_string() ? trim(input.get<std::string>()) : "";
        if (!error.empty()) {
          error += fmt::format(" (got {})", shown(input));
        } else if (std::count(typed.begin(), typed.end(), '-') == 2 &&
                   (typed.starts_with('-') || typed.ends_with('-') ||
                    typed.find("--") != std::string::npos)) {
          // As a form's day, month and year boxes give it with one left empty ("2026--").
          error = "enter the day, the month and the year";
        } else {
          error =
              fmt::format("expected a date like 2026-03-31 or 31/03/2026, got {}", shown(input));
        }
        return nullptr;
      }
      return format_date(*t);
    }
    case FieldType::DateTime: {
      // Without a zone, the UK time people mean (as the forms and the CLI take it).
      auto t = input.is_string() ? typed_datetime(trim(input.get<std::string>())) : std::nullopt;
      if (!t) {
        error = fmt::format("{} (got {})",
                            no_such_time(input.is_string() ? trim(input.get<std::string>()) : ""),
                            shown(input));
        return nullptr;
      }
      return format_datetime(*t);
    }
    case FieldType::Actor: {
      if (!input.is_string() || trim(input.get<std::string>()).empty()) {
        error = fmt::format("expected the name of an actor, got {}", shown(input));
        return nullptr;
      }
      return trim(input.get<std::string>());
    }
    case FieldType::List:
    case FieldType::Record:
      break;
  }
  return nullptr;
}

}  // namespace

Json coerce_field(const FieldSpec& spec, const Json& input, const std::string& key,
                  std::vector<FieldProblem>& problems) {
  if (input.is_null()) return nullptr;
  if (spec.type == FieldType::List) return coerce_list(spec, input, key, problems);
  if (spec.type == FieldType::Record) return coerce_record(spec, input, key, problems);
  std::string error;
  Json value = coerce_scalar(spec, input, error);
  if (!error.empty()) problems.push_back({key, std::move(error)});
  return value;
}

Json coerce_value(const FieldSpec& spec, const Json& input, std::string& error) {
  std::vector<FieldProblem> problems;
  Json value = coerce_field(spec, input, "", problems);
  error.clear();
  if (!problems.empty()) {
    const FieldProblem& first = problems.front();
    error = first.field.empty() ? first.message : first.field + ": " + first.message;
  }
  return value;
}

bool blank(const Json& value) {
  return value.is_string() &&
         value.get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos;
}

bool unanswered(const Json& data, const std::string& field) {
  const auto it = data.find(field);
  return it == data.end() || it->is_null() || blank(*it);
}

std::optional<TimePoint> typed_datetime(const std::string& typed) {
  if (auto t = parse_datetime(typed)) return t;
  const auto sep = typed.find_first_of("T ");
  return parse_uk_local(
      sep == std::string::npos ? typed : date_as_iso(typed.substr(0, sep)) + typed.substr(sep));
}

namespace {

// True when `value` is a scalar equal, type included, to `found`.
bool same_scalar(const Json& found, const Json& value) {
  return value.is_primitive() && !value.is_null() && found.type() == value.type() && found == value;
}

}  // namespace

void say_when_needed(Definition& d) {
  auto say = [&](std::vector<FieldSpec>& fields, const ActionSpec* action) {
    for (FieldSpec& f : fields) {
      if (!f.needed_when.empty() || f.required || f.required_if.empty()) continue;
      std::vector<std::string> whens;
      for (const auto& [other, values] : f.required_if) {
        const FieldSpec* named =
            action && action->field(other) ? action->field(other) : d.field(other);
        std::vector<std::string> said;
        for (const auto& v : values) {
          if (!named) {
            said.push_back(v);
          } else if (named->type == FieldType::Boolean) {
            said.push_back(v == "true" ? "Yes" : "No");
          } else {
            said.push_back(option_label(*named, v));
          }
        }
        whens.push_back(fmt::format("{} is {}", named ? field_label(*named) : readable_label(other),
                                    commsflow::listed(said, "or")));
      }
      f.needed_when = fmt::format("Needed when {}", fmt::join(whens, ", or when "));
    }
  };
  say(d.fields, nullptr);
  for (auto& state : d.states) {
    for (auto& action : state.actions) say(action.fields, &action);
  }
}

std::optional<std::string> required_when(const std::vector<std::string>& values, const Json& answer,
                                         const FieldSpec* named, std::string_view other) {
  std::string value;
  if (answer.is_string()) {
    value = answer.get<std::string>();
  } else if (answer.is_boolean()) {
    value = answer.get<bool>() ? "true" : "false";
  } else {
    return std::nullopt;
  }
  if (std::find(values.begin(), values.end(), value) == values.end()) return std::nullopt;
  if (!named) return fmt::format("is required when {} is {}", other, value);
  return fmt::format(
      "is required when {} is {}", field_label(*named),
      answer.is_boolean() ? (answer.get<bool>() ? "Yes" : "No") : option_label(*named, value));
}

std::vector<FieldProblem> validate_data(const std::vector<FieldSpec>& fields, Json& data,
                                        bool require_all, const Json* validated) {
  std::vector<FieldProblem> problems;
  if (!data.is_object()) {
    if (data.is_array() && data.empty()) {
      data = Json::object();
    } else {
      return {{"data", "must be a table of field = value"}};
    }
  }
  if (validated && !validated->is_object()) validated = nullptr;
  std::vector<std::string> unset;
  // Which fields hold an answer, by their place in `fields`: found here rather than by looking
  // each field up in `data` again below.
  std::vector<char> answered(fields.size(), 0);
  // Both objects keep their keys in order, so the one validated already is walked beside `data`.
  Json::const_iterator before;
  if (validated) before = validated->cbegin();
  for (auto& [key, value] : data.items()) {
    auto spec = std::find_if(fields.begin(), fields.end(),
                             [&name = key](const FieldSpec& f) { return f.name == name; });
    if (!key.empty() && key[0] == '_') {  // the engine's own records: left as they are
      if (spec != fields.end())
        answered[static_cast<std::size_t>(spec - fields.begin())] = !blank(value);
      continue;
    }
    if (spec == fields.end()) {
      problems.push_back({key, "is not a field of this workflow"});
      continue;
    }
    char& has_answer = answered[static_cast<std::size_t>(spec - fields.begin())];
    if (validated) {
      while (before != validated->cend() && before.key() < key) ++before;
      if (before != validated->cend() && before.key() == key && same_scalar(*before, value)) {
        has_answer = !blank(value);
        continue;
      }
    }
    const size_t known = problems.size();
    Json coerced = coerce_field(*spec, value, key, problems);
    if (problems.size() == known) {  // else each problem is reported
      if (coerced.is_null()) {
        unset.push_back(key);
        continue;
      }
      value = std::move(coerced);
    }
    has_answer = !blank(value);
  }
  for (const auto& key : unset) data.erase(key);
  if (require_all) {
    auto reported = [&](const std::string& name) {
      return std::any_of(problems.begin(), problems.end(),
                         [&](const FieldProblem& p) { return p.field == name; });
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const FieldSpec& f = fields[i];
      if (answered[i] || reported(f.name)) continue;
      if (f.required) {
        problems.push_back({f.name, "is required"});
        continue;
      }
      for (const auto& [other, values] : f.required_if) {
        auto named = std::find_if(fields.begin(), fields.end(),
                                  [&](const FieldSpec& g) { return g.name == other; });
        auto said = required_when(values, data.value(other, Json()),
                                  named == fields.end() ? nullptr : &*named, other);
        if (said) {
          problems.push_back({f.name, std::move(*said)});
          break;
        }
      }
    }
  }
  return problems;
}

namespace {

// A problem for each field `applies` to whose date or time in `data` is on the wrong side of
// `now`: after it when it must be `past`, not after it when it must be to come.
void check_dates(const std::vector<FieldSpec>& fields, const Json& data, TimePoint now,
                 bool must_be_past, std::vector<FieldProblem>& problems) {
  for (const auto& f : fields) {
    if (!(must_be_past ? f.past : f.future)) continue;
    auto it = data.find(f.name);
    if (it == data.end() || !it->is_string()) continue;
    const std::string& text = it->get_ref<const std::string&>();
    const char* wrong = must_be_past ? "cannot be in the future" : "has already passed";
    if (f.type == FieldType::Date) {
      const std::string today = uk_today(now);
      if (must_be_past ? text > today : text < today) {
        problems.push_back({f.name, fmt::format("{} (today is {})", wrong, uk_date(today))});
      }
    } else if (auto t = parse_datetime(text); t && (must_be_past ? *t > now : *t <= now)) {
      problems.push_back(
          {f.name, fmt::format("{} (it is now {}, UK time)", wrong, uk_datetime(now))});
    }
  }
}

}  // namespace

void check_past_dates(const std::vector<FieldSpec>& fields, const Json& data, TimePoint now,
                      std::vector<FieldProblem>& problems) {
  check_dates(fields, data, now, /*must_be_past=*/true, problems);
}

void check_future_dates(const std::vector<FieldSpec>& fields, const Json& given, TimePoint now,
                        std::vector<FieldProblem>& problems) {
  check_dates(fields, given, now, /*must_be_past=*/false, problems);
}

void check_date_horizons(const std::vector<FieldSpec>& fields, const Json& given, TimePoint now,
                         std::vector<FieldProblem>& problems) {
  const std::string today_text = uk_today(now);
  const auto today = parse_date(today_text);
  if (!today) return;
  for (const auto& f : fields) {
    if (f.within_days == 0) continue;
    auto it = given.find(f.name);
    if (it == given.end() || !it->is_string()) continue;
    const std::string& text = it->get_ref<const std::string&>();
    const bool is_date = f.type == FieldType::Date;
    const auto at = is_date ? parse_date(text) : parse_datetime(text);
    if (!at) continue;  // not a date: said by the value's own check
    // A time's UK day: the horizon is counted in days, as people count them.
    const auto day = is_date ? at : parse_date(uk_today(*at));
    const auto apart =
        std::chrono::abs(std::chrono::duration_cast<std::chrono::days>(*day - *today)).count();
    if (apart <= f.within_days) continue;
    problems.push_back(
        {f.name, fmt::format("{} is more than {} days {} today ({}): check the year",
                             is_date ? uk_date(text) : uk_datetime(*at), f.within_days,
                             *day > *today ? "after" : "before", uk_date(today_text))});
  }
}

std::vector<const FieldSpec*> passed_deadlines(const std::vector<FieldSpec>& fields,
                                               const Json& data, TimePoint now) {
  std::vector<FieldProblem> passed;
  check_future_dates(fields, data, now, passed);
  std::vector<const FieldSpec*> found;
  for (const auto& f : fields) {
    if (std::any_of(passed.begin(), passed.end(),
                    [&](const FieldProblem& p) { return p.field == f.name; })) {
      found.push_back(&f);
    }
  }
  return found;
}

// Keys beginning with '_' hold the engine's own records (documents, sign-off): whatever an
// effect did to them, they stay as they were.
void keep_engine_records(const Json& before, Json& after) {
  if (after.is_array() && after.empty()) after = Json::object();
  if (!after.is_object()) return;
  std::vector<std::string> dropped;
  for (const auto& [key, _] : after.items()) {
    if (!key.empty() && key[0] == '_' && !before.contains(key)) dropped.push_back(key);
  }
  for (const auto& key : dropped) after.erase(key);
  for (const auto& [key, value] : before.items()) {
    if (!key.empty() && key[0] == '_') after[key] = value;
  }
}

}  // namespace commsflow
