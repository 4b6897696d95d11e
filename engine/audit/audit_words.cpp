// AuditWords: the labels and names people read in an audit report for what its rows store.
#include <commsflow/audit.h>
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "audit/replayed_accounts.h"
#include "workflow/field_values.h"

namespace commsflow {

const Definition* AuditWords::definition(std::string_view ref) {
  if (auto known = by_ref_.find(ref); known != by_ref_.end()) return known->second;
  const Definition* found = nullptr;
  if (auto item = engine_.store().item(ref)) found = definition_version(item->version);
  by_ref_.emplace(std::string(ref), found);
  return found;
}

const Definition* AuditWords::definition_version(std::string_view version) {
  try {
    return &engine_.registry().version(version).definition;
  } catch (const Error&) {
    return nullptr;  // a stored version that no longer loads: its names are shown as stored
  }
}

std::string AuditWords::person(std::string_view name) {
  if (name.empty()) return {};
  if (auto known = people_.find(name); known != people_.end()) return known->second;
  return people_.emplace(std::string(name), person_name(engine_.store(), name)).first->second;
}

namespace {

// What the engine's own records are called where people read them.
std::string record_label(const std::string& key) {
  static const std::map<std::string, std::string, std::less<>> labels = {
      {"_document", "Document"},
      {"_signoff", "Sign-off step"},
      {"_chain", "Steps passed"},
      {"_approved", "Approval of record"},
      {"_reached", "Sign-off steps reached"},
      {"_returned", "Sent back for changes"}};
  auto it = labels.find(key);
  return it != labels.end() ? it->second : readable_label(key.substr(key.starts_with("_") ? 1 : 0));
}

// True for the members of a record that name a person by their sign-in name.
bool names_a_person(const std::string& key) {
  return key == "actor" || key == "author" || key == "on_behalf_of" || key == "by" || key == "to" ||
         key == "from";
}

}  // namespace

std::string AuditWords::recorded(const Definition* d, const std::string& key, const Json& value,
                                 bool nested) {
  auto bracketed = [&](const std::string& text) { return nested ? "(" + text + ")" : text; };
  if (value.is_null()) return "none";
  if (value.is_boolean()) return value.get<bool>() ? "Yes" : "No";
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (auto t = parse_datetime(s); t && format_datetime(*t) == s) return uk_datetime_to_second(*t);
    if (auto day = parse_date(s); day && format_date(*day) == s) return uk_date(s);
    if (names_a_person(key)) return person(s);
    if (key == "login") return s;  // the operator's login on the machine, as it is
    if (d && d->state(s)) return state_label(*d, s);
    return is_stored_name(s) ? readable_label(s) : s;
  }
  if (value.is_array()) {
    if (value.empty()) return "none";
    std::vector<std::string> parts;
    for (const auto& v : value) parts.push_back(recorded(d, key, v, true));
    return bracketed(fmt::format("{}", fmt::join(parts, ", ")));
  }
  if (value.is_object()) {
    if (value.empty()) return "none";
    std::vector<std::string> parts;
    // An approval's conditions, and their changes, are keyed by the item's fields: said by the
    // fields' labels and in their words ("Pre-election period: No -> Yes").
    const bool by_field = d && (key == "conditions" || key == "conditions_changed");
    for (const auto& [k, v] : value.items()) {
      if (const FieldSpec* f = by_field ? d->field(k) : nullptr) {
        auto said = [&](const Json& x) { return x.is_null() ? "none" : field_value(*f, x); };
        const bool change =
            v.is_object() && v.size() == 2 && v.contains("from") && v.contains("to");
        parts.push_back(fmt::format("{}: {}", field_label(*f),
                                    change ? said(v["from"]) + " -> " + said(v["to"]) : said(v)));
        continue;
      }
      // A sign-off record is keyed by its steps, too ("Comms review: (Decisions: none)").
      const std::string label = d && d->state(k) ? state_label(*d, k) : readable_label(k);
      parts.push_back(fmt::format("{}: {}", label, recorded(d, k, v, true)));
    }
    return bracketed(fmt::format("{}", fmt::join(parts, "; ")));
  }
  return value.dump();
}

std::string AuditWords::field_value(const FieldSpec& f, const Json& value) {
  // A list of records row by row, each by its fields' labels, where `show` counts the rows.
  if (value.is_array() && f.item && f.item->type == FieldType::Record) {
    std::vector<std::string> rows;
    for (const auto& row : value) {
      std::vector<std::string> cells;
      for (const auto& sub : f.item->fields) {
        auto it = row.is_object() ? row.find(sub.name) : row.end();
        if (it == row.end() || it->is_null()) continue;
        cells.push_back(
            fmt::format("{}: {}", field_label(sub), value_in_words(engine_.store(), sub, *it)));
      }
      rows.push_back(fmt::format("({})", fmt::join(cells, "; ")));
    }
    return rows.empty() ? "none" : fmt::format("{}", fmt::join(rows, ", "));
  }
  return value_in_words(engine_.store(), f, value);
}

std::string AuditWords::values(const Definition* d, const AuditRow& row, const Json& values) {
  if (!values.is_object() || values.empty()) return {};
  // What the person gave is read by its field: an item field, or an input of the action taken.
  const StateSpec* from = d ? d->state(row.from_state) : nullptr;
  const ActionSpec* action = from ? from->action(row.action) : nullptr;
  std::vector<std::string> parts;
  for (const auto& [key, value] : values.items()) {
    if (payload_says_nothing(key, value)) continue;
    const FieldSpec* f = d ? d->field(key) : nullptr;
    if (!f && action) f = action->field(key);
    const std::string text = value.is_null() ? "(removed)"
                             : f             ? field_value(*f, value)
                                             : recorded(d, key, value, value.is_object());
    const std::string label = f                                      ? field_label(*f)
                              : key.starts_with("_") || d == nullptr ? record_label(key)
                                                                     : payload_label(*d, key);
    parts.push_back(fmt::format("{}: {}", label, text));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

std::string AuditWords::described(const AuditQuery& query) {
  AuditQuery said = query;
  const Definition* d = nullptr;
  if (!query.workflow.empty()) {
    if (auto version = engine_.store().current_version(query.workflow)) {
      d = definition_version(*version);
    }
    if (d) said.workflow = workflow_in_words(*d);
  }
  if (!query.actor.empty()) said.actor = person(query.actor);
  if (!query.action.empty()) {
    said.action = d ? action_label(*d, query.action) : readable_label(query.action);
  }
  return describe(said);
}

void resolve_typed_names(Engine& engine, AuditQuery& query) {
  std::vector<const Definition*> current;
  for (const auto& [name, version] : engine.store().workflows()) {
    try {
      current.push_back(&engine.registry().version(version).definition);
    } catch (const Error&) {
      // A version that no longer loads names nothing here.
    }
  }
  if (!query.workflow.empty() && !engine.store().current_version(query.workflow)) {
    for (const Definition* d : current) {
      if (as_name(d->title) == as_name(query.workflow) || d->name == as_name(query.workflow)) {
        query.workflow = d->name;
      }
    }
  }
  if (!query.action.empty()) {
    // Action names are lower case with underscores: "Send for review" is send_for_review. A
    // name no workflow has may be an action's label, when it is the label of one name only.
    const std::string typed = as_name(query.action);
    query.action = typed;
    std::set<std::string> named, labelled;
    for (const Definition* d : current) {
      for (const auto& state : d->states) {
        for (const auto& action : state.actions) {
          if (action.name == typed) named.insert(action.name);
          if (as_name(action.label) == typed) labelled.insert(action.name);
        }
      }
    }
    if (named.empty() && labelled.size() == 1) query.action = *labelled.begin();
  }
}

std::vector<std::string> AuditWords::shown(const AuditRow& row) {
  const Definition* d = definition(row.ref);
  auto state = [&](const std::string& name) {
    return d && !name.empty() ? state_label(*d, name) : std::string();
  };
  // In the columns of audit_table: seq, at, ref, workflow, actor, on_behalf_of, action, from,
  // to, decision, document version and hash, comment, note, changes, payload; the rest read
  // as stored.
  // An account's events are filed under "actor:NAME".
  const bool account = is_account_ref(row.ref);
  return {"",
          "",
          account ? "Account of " + person(row.ref.substr(row.ref.find(':') + 1)) : "",
          d ? (d->title.empty() ? readable_label(d->name) : d->title) : "",
          person(row.actor),
          person(row.on_behalf_of),
          d ? action_label(*d, row.action) : readable_label(row.action),
          state(row.from_state),
          state(row.to_state),
          row.decision.empty() ? "" : decision_label(row.decision),
          "",
          "",
          "",
          "",
          values(d, row, row.changes),
          values(d, row, row.payload)};
}

}  // namespace commsflow
