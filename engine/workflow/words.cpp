#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "workflow/signoff_rules.h"

namespace commsflow {

std::string listed(const std::vector<std::string>& words, const char* conjunction) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? fmt::format(" {} ", conjunction) : ", ";
    out += words[i];
  }
  return out;
}

namespace {

std::string text_of(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string plain(const Json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "Yes" : "No";
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A length of time in hours and minutes ("26 hours 5 minutes", "45 minutes"), never in days:
// the time may be working time, whose days are not 24 hours.
std::string duration_in_words(long long seconds) {
  auto count = [](long long n, const char* unit) {
    return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
  };
  const long long hours = seconds / 3600, minutes = seconds % 3600 / 60;
  if (hours == 0) return count(minutes, "minute");
  if (minutes == 0) return count(hours, "hour");
  return count(hours, "hour") + " " + count(minutes, "minute");
}

}  // namespace

std::string item_title(const Item& item) {
  for (const char* key : {"title", "headline", "name"}) {
    auto it = item.data.find(key);
    if (it != item.data.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

std::string item_title(const Definition& d, const Item& item) {
  if (std::string named = item_title(item); !named.empty()) return named;
  constexpr size_t kLongest = 80;
  for (const auto& f : d.fields) {
    auto it = item.data.find(f.name);
    if (f.type != FieldType::Text || it == item.data.end() || !it->is_string()) continue;
    std::string text = it->get<std::string>();
    text = text.substr(0, text.find('\n'));
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (text.size() > kLongest) {
      size_t cut = kLongest;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
      text = text.substr(0, cut) + "…";
    }
    return text;
  }
  return {};
}

bool is_stored_name(std::string_view s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
}

std::optional<std::string> length_in_words(const FieldSpec& f, const Json& value) {
  if (f.unit.empty() || !value.is_number_integer()) return std::nullopt;
  return duration_in_words(value.get<long long>() * (f.unit == "minutes" ? 60 : 1));
}

std::string person_name(Store& store, std::string_view name) {
  auto actor = store.actor(name);
  return actor ? actor->shown_name() : std::string(name);
}

std::string acting_person(Store& store, std::string_view actor, std::string_view on_behalf_of) {
  if (on_behalf_of.empty()) return person_name(store, actor);
  return fmt::format("{} on behalf of {}", person_name(store, actor),
                     person_name(store, on_behalf_of));
}

std::string roles_in_words(const std::vector<std::string>& roles, const char* conjunction) {
  std::vector<std::string> labels;
  for (const auto& role : roles) labels.push_back(readable_label(role));
  return listed(labels, conjunction);
}

std::string approvers_in_words(Store& store, const std::vector<std::string>& entries,
                               const char* conjunction) {
  std::vector<std::string> words;
  for (const auto& entry : entries) {
    words.push_back(store.actor(entry) ? person_name(store, entry) : readable_label(entry));
  }
  return listed(words, conjunction);
}

std::string states_in_words(const Definition& d, const std::vector<std::string>& states) {
  std::vector<std::string> labels;
  for (const auto& state : states) labels.push_back(state_label(d, state));
  return listed(labels, "or");
}

std::string value_in_words(Store& store, const FieldSpec& f, const Json& v) {
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    switch (f.type) {
      case FieldType::DateTime:
        return uk_datetime(text);
      case FieldType::Date:
        return uk_date(text);
      case FieldType::Choice:
        return option_label(f, text);
      case FieldType::Actor:
        return person_name(store, text);
      default:
        return text;
    }
  }
  if (auto length = length_in_words(f, v)) return *length;
  if (v.is_array() && f.item) {
    if (f.item->type == FieldType::Record) {
      return v.size() == 1 ? "1 row" : fmt::format("{} rows", v.size());
    }
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(value_in_words(store, *f.item, e));
    return fmt::format("{}", fmt::join(parts, "; "));
  }
  return plain(v);
}

namespace {

// Whether a payload's `key` holds text a person typed: a decision's comment, or a text input of
// one of the workflow's actions ("reason"). Quoted as typed, never read as a stored name: a
// comment "fine" is not "Fine".
bool holds_typed_text(const Definition& d, std::string_view key) {
  if (key == "comment") return true;
  for (const StateSpec& state : d.states) {
    for (const ActionSpec& action : state.actions) {
      if (const FieldSpec* f = action.field(key)) return f->type == FieldType::Text;
    }
  }
  return false;
}

}  // namespace

std::string payload_in_words(Store& store, const Definition& d, std::string_view key,
                             const Json& v) {
  if (const FieldSpec* f = d.field(key); f && !v.is_null()) return value_in_words(store, *f, v);
  if (v.is_string() && holds_typed_text(d, key)) return v.get<std::string>();
  // The operator's login on the machine (what the CLI records for `--as` left out): as it is.
  if (key == "login" && v.is_string()) return v.get<std::string>();
  auto one = [&](const Json& x) -> std::string {
    if (!x.is_string()) return plain(x);
    const std::string& s = x.get_ref<const std::string&>();
    if (d.state(s)) return state_label(d, s);
    if (auto t = parse_datetime(s)) return uk_datetime(*t);
    if (is_stored_name(s)) return readable_label(s);
    return person_name(store, s);
  };
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& x : v) parts.push_back(one(x));
    return fmt::format("{}", fmt::join(parts, ", "));
  }
  if (v.is_object()) {
    // Values by field ("Pre-election period: Yes -> No" for a {from, to} change).
    std::vector<std::string> parts;
    for (const auto& [name, x] : v.items()) {
      const FieldSpec* f = d.field(name);
      const std::string label = f ? field_label(*f) : readable_label(name);
      if (x.is_object() && x.size() == 2 && x.contains("from") && x.contains("to")) {
        auto side = [&](const Json& value) {
          return value.is_null() ? std::string("(none)") : payload_in_words(store, d, name, value);
        };
        parts.push_back(fmt::format("{}: {} -> {}", label, side(x["from"]), side(x["to"])));
      } else {
        parts.push_back(fmt::format("{}: {}", label, payload_in_words(store, d, name, x)));
      }
    }
    return fmt::format("{}", fmt::join(parts, "; "));
  }
  return one(v);
}

std::string payload_label(const Definition& d, std::string_view key) {
  if (const FieldSpec* f = d.field(key)) return field_label(*f);
  if (key == "voided") return "Decisions taken back";
  if (key == "voided_steps") return "Steps to pass again";
  return readable_label(key);
}

bool payload_says_nothing(std::string_view key, const Json& value) {
  return key == "voided" && value == 0;
}

std::string decision_label(std::string_view decision) {
  return readable_label(decision);
}

std::string group_result_in_words(const Json& record) {
  const std::string result = record.value("result", "");
  if (!result.empty()) return decision_label(result);
  if (!record.contains("quorum")) return "waiting";
  return fmt::format("waiting: {} of {} decisions, each by a different person",
                     record.value("decisions", Json::array()).size(), record.value("quorum", 0));
}

std::string workflow_in_words(const Definition& d) {
  std::string label = d.title.empty() ? readable_label(d.name) : d.title;
  if (label.size() > 1 && !std::isupper(static_cast<unsigned char>(label[1])))
    label[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(label[0])));
  return label;
}

std::string approver_in_words(Store& store, std::string_view as) {
  const std::string person = person_name(store, as);
  return person != as ? person : readable_label(as);
}

std::string decision_in_words(Store& store, const Json& d) {
  std::string who = person_name(store, text_of(d, "actor"));
  if (d.contains("on_behalf_of")) {
    who += " on behalf of " + person_name(store, text_of(d, "on_behalf_of"));
  }
  const std::string as = text_of(d, "as");
  const std::string comment = text_of(d, "comment");
  const std::string escalated =
      d.value("escalated", false) ? ", escalated: in the approvers' place" : "";
  return fmt::format("{}: {}{} on version {} at {}{}", decision_label(text_of(d, "decision")), who,
                     as.empty() ? "" : " (as " + approver_in_words(store, as) + escalated + ")",
                     text_of(d, "document_version"), uk_datetime(text_of(d, "at")),
                     comment.empty() ? "" : ": \"" + comment + "\"");
}

std::vector<std::string> changes_asked_in_words(Store& store, const Definition& d,
                                                const std::vector<Event>& history) {
  // Whose place a decision was made in: a delegate's decision answers for the one who
  // delegated, and their own for themselves.
  const auto decided_for = [](const Event& decision) {
    return decision.on_behalf_of.empty() ? decision.actor : decision.on_behalf_of;
  };
  std::vector<const Event*> asked;
  for (const Event& e : history) {
    if (stores_document_version(e)) {
      asked.clear();
      continue;
    }
    // A sign-off decision changes the engine's `_signoff` record, which no workflow action can
    // (a workflow may name an action of its own `decide`).
    if (e.action != "decide" || !e.changes.contains("_signoff")) continue;
    const std::string step = text_of(e.payload, "step");
    std::erase_if(asked, [&](const Event* earlier) {
      return decided_for(*earlier) == decided_for(e) && text_of(earlier->payload, "step") == step;
    });
    if (asks_for_changes(text_of(e.payload, "decision"))) asked.push_back(&e);
  }
  std::vector<std::string> out;
  for (const Event* e : asked) {
    const std::string comment = text_of(e->payload, "comment");
    out.push_back(fmt::format(
        "{} by {} in {}, on version {} at {}{}", decision_label(text_of(e->payload, "decision")),
        acting_person(store, e->actor, e->on_behalf_of),
        state_label(d, text_of(e->payload, "step")), text_of(e->payload, "document_version"),
        uk_datetime(e->at), comment.empty() ? "" : ": \"" + comment + "\""));
  }
  return out;
}

std::string times_in_words(std::string_view text) {
  static const std::regex utc_time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z)");
  std::string out;
  auto at = text.begin();
  for (std::regex_iterator<std::string_view::const_iterator> it(text.begin(), text.end(), utc_time),
       end;
       it != end; ++it) {
    out.append(at, (*it)[0].first);
    out += uk_datetime(std::string_view(&*(*it)[0].first, static_cast<size_t>((*it)[0].length())));
    at = (*it)[0].second;
  }
  return out.append(at, text.end());
}

std::vector<std::string> placeholders(std::string_view wording) {
  std::vector<std::string> names;
  for (size_t open = wording.find('{'); open != std::string_view::npos;
       open = wording.find('{', open + 1)) {
    const size_t close = wording.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace_back(wording.substr(open + 1, close - open - 1));
  }
  return names;
}

std::string done_in_words(Store& store, const Definition& d, const ActionSpec& a, const Item& item,
                          const Json& payload) {
  if (a.done.empty()) return action_label(d, a.name) + " done";
  std::string out;
  size_t at = 0;
  for (const auto& name : placeholders(a.done)) {
    const size_t open = a.done.find('{' + name + '}', at);
    out += a.done.substr(at, open - at);
    at = open + name.size() + 2;
    const FieldSpec* f = a.field(name) ? a.field(name) : d.field(name);
    const Json* value = payload.contains(name)     ? &payload[name]
                        : item.data.contains(name) ? &item.data[name]
                                                   : nullptr;
    out += f && value && !value->is_null() ? value_in_words(store, *f, *value) : "(not given)";
  }
  return out + a.done.substr(at);
}

}  // namespace commsflow
