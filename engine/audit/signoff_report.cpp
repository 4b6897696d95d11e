// `audit signoffs`: one row per item approved in a range, from the events that recorded the
// approvals (a decide event whose changes set the engine's `_approved` record).
#include <commsflow/audit.h>
#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/event.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <map>

namespace commsflow {

namespace {

// A step that went overdue, from its escalate event: `to` the entries it went to (null in events
// recorded before they named them), `version` the workflow version the item ran on.
struct Escalation {
  std::string step;
  std::string due_at;
  Json to;
  std::string version;
};

// The words for a step and for a person: as stored for CSV and JSON, labels and display names
// for people.
struct Names {
  std::function<std::string(const std::string&)> step;
  std::function<std::string(const std::string&)> person;
  std::function<std::string(const std::string&)> decision;
  // Whom a step overdue went to (", escalated to Director"), or "".
  std::function<std::string(const Escalation&)> escalated_to;
  // Whom a decision was made as (a role, or a person named as an approver).
  std::function<std::string(const std::string&)> as;
};

// Every approver with their decision, time and version, step by step.
std::string approvers_of(const Json& approved, const Names& names) {
  std::vector<std::string> parts;
  for (const auto& step : approved.value("steps", Json::array())) {
    for (const auto& d : step.value("decisions", Json::array())) {
      std::string who = names.person(d.value("actor", ""));
      if (d.contains("on_behalf_of")) {
        who += " on behalf of " + names.person(d["on_behalf_of"].get<std::string>());
      }
      const std::string escalated =
          d.value("escalated", false)
              ? fmt::format("; as {}, escalated", names.as(d.value("as", "")))
              : std::string();
      parts.push_back(fmt::format("{}: {} {} at {} (v{}{})", names.step(step.value("step", "")),
                                  who, names.decision(d.value("decision", "")), d.value("at", ""),
                                  d.value("document_version", 0), escalated));
    }
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

// What a reader of the register must not miss: approvers who decided on another version than
// the one approved (possible only in approvals recorded before every new version voided the
// whole chain), and an item whose text has moved on from the version approved. Empty when the
// approval is whole.
std::string discrepancies(const Json& approved, int current_version, const Names& names) {
  const int version = approved.value("document_version", 0);
  std::vector<std::string> out;
  for (const auto& step : approved.value("steps", Json::array())) {
    for (const auto& d : step.value("decisions", Json::array())) {
      if (d.value("document_version", 0) != version) {
        out.push_back(fmt::format(
            "{} decided {} on version {}, not version {}", names.person(d.value("actor", "")),
            names.step(step.value("step", "")), d.value("document_version", 0), version));
      }
    }
  }
  if (current_version != 0 && current_version != version) {
    out.push_back(fmt::format("the current version is {}, not the version {} approved",
                              current_version, version));
  }
  return fmt::format("{}", fmt::join(out, "; "));
}

// An approval that no longer stands: the item's approval of record is a later one, or there is
// none (a new version or a changed condition, such as an embargo brought forward, voided it).
std::string no_longer_stands(const Json& approved, const std::optional<Item>& item) {
  if (!item) return {};
  const Json current = item->data.value("_approved", Json());
  if (!current.is_object()) return "this approval no longer stands: it was voided since";
  const auto same = [&](const char* key) {
    return current.value(key, Json()) == approved.value(key, Json());
  };
  if (same("at") && same("document_hash") && same("document_version")) return {};
  return fmt::format("this approval no longer stands: the approval of {} (UK time) replaced it",
                     uk_datetime(current.value("at", "")));
}

}  // namespace

ReportTable signoff_table(Store& store, const AuditQuery& range, ChainHead& head,
                          const std::function<std::string(const Item&)>& headline_of,
                          AuditWords& words) {
  ReportTable table;
  table.title = "Sign-offs approved";
  table.columns = {{"ref", "Reference", true},
                   {"headline", "Headline", true},
                   {"approved_at", "Approved at (UK)", true, CellShown::uk_time},
                   {"document_version", "Version", true},
                   {"current_version", "Current version", true},
                   {"state", "State now", true},
                   {"warning", "Warnings", true},
                   {"document_hash", "Approved version (SHA-256)", false},
                   {"approvers", "Approvers", false, CellShown::uk_times_within},
                   {"submitted_at", "First submitted (UK)", false, CellShown::uk_time},
                   {"hours_to_approval", "Hours to approval", true},
                   {"escalated", "Escalated or overdue", false, CellShown::uk_times_within}};
  AuditQuery query = range;
  query.action = "decide";
  // ref -> the row of its latest approval, and that row as people read it
  std::map<std::string, std::vector<Json>> latest;
  std::map<std::string, std::vector<std::string>> latest_shown;
  std::vector<std::string> order;
  const auto as_stored = [](const std::string& name) { return name; };
  // Whom an escalation went to: as its event records, or, recorded before events named whom,
  // as the step said in the workflow version the item ran on.
  const auto fallback_of = [&](const Escalation& e) {
    std::vector<std::string> fallback;
    if (e.to.is_array()) {
      for (const auto& entry : e.to) fallback.push_back(entry.get<std::string>());
    } else if (const Definition* then = words.definition_version(e.version)) {
      const StateSpec* state = then->state(e.step);
      if (state && state->signoff) fallback = state->signoff->escalate_to;
    }
    return fallback;
  };
  const Names stored_names{as_stored, as_stored, as_stored,
                           [&](const Escalation& e) {
                             const auto fallback = fallback_of(e);
                             return fallback.empty() ? std::string()
                                                     : fmt::format(", escalated to {}",
                                                                   fmt::join(fallback, " and "));
                           },
                           as_stored};
  head = query_history(store, query, [&](AuditRow&& row) {
    auto approved = row.changes.find("_approved");
    if (approved == row.changes.end() || !approved->is_object()) return;
    std::optional<Item> item = store.item(row.ref);
    std::string submitted_at = item ? item->created_at : "";
    std::vector<Escalation> escalations;
    for (const auto& stored : store.events_for(row.ref)) {
      if (stored.seq > row.seq) break;
      Event e = Event::from_body(stored.seq, stored.body);
      if (e.action == "escalate") {
        escalations.push_back({e.payload.value("step", ""), e.payload.value("due_at", ""),
                               e.payload.value("escalated_to", Json()), e.version});
      }
    }
    double hours = 0;
    auto from = parse_datetime(submitted_at), to = parse_datetime(row.at);
    if (from && to) hours = static_cast<double>((*to - *from).count()) / 3600.0;
    const std::string headline = item ? headline_of(*item) : std::string();
    const int current_version =
        item ? item->data.value("_document", Json::object()).value("version", 0) : 0;
    auto warning = [&](const Names& names) {
      std::string text = discrepancies(*approved, current_version, names);
      if (auto voided = no_longer_stands(*approved, item); !voided.empty()) {
        text += (text.empty() ? "" : "; ") + voided;
      }
      return text;
    };
    auto escalated = [&](const Names& names) {
      std::vector<std::string> parts;
      for (const Escalation& e : escalations) {
        parts.push_back(
            fmt::format("{} overdue at {}{}", names.step(e.step), e.due_at, names.escalated_to(e)));
      }
      return fmt::format("{}", fmt::join(parts, "; "));
    };
    if (!latest.count(row.ref)) order.push_back(row.ref);
    const std::string stored_warning = warning(stored_names),
                      stored_escalated = escalated(stored_names);
    latest[row.ref] = {row.ref,
                       headline,
                       row.at,
                       approved->value("document_version", 0),
                       current_version,
                       item ? Json(item->state) : Json(),
                       stored_warning.empty() ? Json() : Json(stored_warning),
                       approved->value("document_hash", ""),
                       approvers_of(*approved, stored_names),
                       submitted_at,
                       std::round(hours * 10) / 10,
                       stored_escalated.empty() ? Json() : Json(stored_escalated)};
    // The same row as people read it: labels for the state and steps, display names.
    const Definition* d = words.definition(row.ref);
    const Names people{
        [&](const std::string& step) { return d ? state_label(*d, step) : step; },
        [&](const std::string& name) { return words.person(name); },
        [](const std::string& decision) {  // mid-sentence: "approved with changes"
          std::string said = decision_label(decision);
          if (!said.empty()) {
            said[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(said[0])));
          }
          return said;
        },
        [&](const Escalation& e) {
          const auto fallback = fallback_of(e);
          return fallback.empty() ? std::string()
                                  : ", escalated to " + approvers_in_words(store, fallback, "and");
        },
        [&](const std::string& as) { return approver_in_words(store, as); }};
    latest_shown[row.ref] = {"",
                             "",
                             "",
                             "",
                             "",
                             item && d ? state_label(*d, item->state) : "",
                             warning(people),
                             "",
                             approvers_of(*approved, people),
                             "",
                             "",
                             escalated(people)};
  });
  for (const auto& ref : order) {
    table.rows.push_back(latest[ref]);
    table.shown.push_back(latest_shown[ref]);
  }
  return table;
}

}  // namespace commsflow
