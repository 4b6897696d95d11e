// AuditWords: the labels and names people read in an audit report for what its rows store.
#include <commsflow/audit.h>
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace commsflow {

const Definition* AuditWords::definition(std::string_view ref) {
  if (auto known = by_ref_.find(ref); known != by_ref_.end()) return known->second;
  const Definition* found = nullptr;
  if (auto item = engine_.store().item(ref)) {
    try {
      found = &engine_.registry().version(item->version).definition;
    } catch (const Error&) {
      // A stored version that no longer loads: its names are shown as stored.
    }
  }
  by_ref_.emplace(std::string(ref), found);
  return found;
}

std::string AuditWords::person(std::string_view name) {
  if (name.empty()) return {};
  if (auto known = people_.find(name); known != people_.end()) return known->second;
  return people_.emplace(std::string(name), person_name(engine_.store(), name)).first->second;
}

namespace {

// An event's changes or payload in people's words: each field by its label and its value as
// `show` gives it; the engine's own records (keys beginning with '_') as the report gives any
// value, their times in UK time.
std::string values_in_words(Store& store, const Definition* d, const Json& values) {
  if (!values.is_object() || values.empty()) return {};
  static const ReportColumn kWords{"", "", false, CellShown::words};
  std::vector<std::string> parts;
  for (const auto& [key, value] : values.items()) {
    const FieldSpec* f = d ? d->field(key) : nullptr;
    const bool engine_record = !key.empty() && key[0] == '_';
    std::string text = value.is_null()       ? "(removed)"
                       : engine_record || !d ? cell_for_people(kWords, value)
                       : f                   ? value_in_words(store, *f, value)
                                             : payload_in_words(store, *d, key, value);
    parts.push_back(fmt::format("{}: {}",
                                f               ? field_label(*f)
                                : engine_record ? key
                                                : readable_label(key),
                                text));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

std::vector<std::string> AuditWords::shown(const AuditRow& row) {
  const Definition* d = definition(row.ref);
  auto state = [&](const std::string& name) {
    return d && !name.empty() ? state_label(*d, name) : std::string();
  };
  // In the columns of audit_table: seq, at, ref, workflow, actor, on_behalf_of, action, from,
  // to, decision, document version and hash, comment, note, changes, payload; the rest read
  // as stored.
  return {"",
          "",
          "",
          d ? (d->title.empty() ? readable_label(d->name) : d->title) : "",
          person(row.actor),
          person(row.on_behalf_of),
          d ? action_label(*d, row.action) : "",
          state(row.from_state),
          state(row.to_state),
          row.decision.empty() ? "" : decision_label(row.decision),
          "",
          "",
          "",
          "",
          values_in_words(engine_.store(), d, row.changes),
          values_in_words(engine_.store(), d, row.payload)};
}

}  // namespace commsflow
