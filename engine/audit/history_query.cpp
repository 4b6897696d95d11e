#include <commsflow/audit.h>
#include <commsflow/clock.h>
#include <commsflow/engine.h>
#include <commsflow/error.h>
#include <commsflow/event.h>
#include <commsflow/people.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "workflow/field_values.h"

namespace commsflow {

namespace {

// A bound as the stored form of a time. A date is a UK day (from its midnight, UK time) and a
// datetime without a zone is UK time. `end_of` turns a date into the start of the next day and
// a datetime into the next minute, or the next second when seconds were given, so that both
// bounds the user gives are inclusive ("to 14:06" takes in 14:06:13).
std::string stored_bound(const char* name, const std::string& given, bool end_of) {
  if (given.empty()) return {};
  // Its date may be written as people write dates ("31/12/2026"), as in fields.
  const auto sep = given.find_first_of("T ");
  const std::string date = date_as_iso(given.substr(0, sep));
  const std::string text = sep == std::string::npos ? date : date + given.substr(sep);
  if (auto day = parse_date(text)) {
    auto midnight =
        parse_uk_local(format_date(end_of ? *day + std::chrono::days(1) : *day) + "T00:00");
    if (midnight) return format_datetime(*midnight);
  }
  const bool to_the_second =
      sep != std::string::npos && std::count(given.begin() + sep, given.end(), ':') >= 2;
  const std::chrono::seconds last(to_the_second ? 1 : 60);
  if (auto t = parse_datetime(text)) return format_datetime(end_of ? *t + last : *t);
  if (auto t = parse_uk_local(text)) return format_datetime(end_of ? *t + last : *t);
  if (std::string skipped = skipped_by_clocks(text); !skipped.empty()) {
    fail_field(name, "'{}': {}", given, skipped);
  }
  if (std::string missing = parse_date(date) ? std::string() : no_such_day(date);
      !missing.empty()) {
    fail_field(name, "'{}': {}", given, missing);
  }
  fail_field(name,
             "'{}' is not a date (2026-03-31 or 31/03/2026) or a date and time (2026-03-31 09:00)",
             given);
}

std::string text_of(const Json& payload, const char* key) {
  auto it = payload.find(key);
  if (it == payload.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

AuditRow to_row(std::int64_t seq, std::string_view body, std::string_view hash,
                std::string_view workflow) {
  Event e = Event::from_body(seq, body);
  AuditRow row;
  row.seq = seq;
  row.at = std::move(e.at);
  row.ref = std::move(e.ref);
  row.workflow = std::string(workflow);
  row.actor = std::move(e.actor);
  row.on_behalf_of = std::move(e.on_behalf_of);
  row.action = std::move(e.action);
  row.from_state = std::move(e.from_state);
  row.to_state = std::move(e.to_state);
  row.decision = text_of(e.payload, "decision");
  row.document_version = text_of(e.payload, "document_version");
  row.document_hash = text_of(e.payload, "document_hash");
  row.comment = text_of(e.payload, "comment");
  row.note = std::move(e.note);
  row.changes = std::move(e.changes);
  row.payload = std::move(e.payload);
  row.hash = std::string(hash);
  return row;
}

Json cell(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

// A document version as a number, as the event holds it and `audit signoffs` gives it.
Json version_cell(const std::string& text) {
  const bool number = !text.empty() && text.size() < 10 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  return number ? Json(std::stoi(text)) : cell(text);
}

}  // namespace

ChainHead query_history(Store& store, const AuditQuery& query,
                        const std::function<void(AuditRow&&)>& visit) {
  // Both bounds are read before either is said wrong, so that both are said at once.
  std::vector<FieldProblem> wrong;
  const auto bound = [&](const char* name, const std::string& given, bool end_of) {
    try {
      return stored_bound(name, given, end_of);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::BadInput || e.fields().empty()) throw;
      wrong.insert(wrong.end(), e.fields().begin(), e.fields().end());
      return std::string();
    }
  };
  EventFilter filter{query.ref,
                     query.actor,
                     query.workflow,
                     query.action,
                     bound("from", query.from, false),
                     bound("to", query.to, true)};
  if (wrong.size() == 1) throw Error::bad_field(wrong[0].field, wrong[0].message);
  if (!wrong.empty()) throw Error::bad_fields("audit", std::move(wrong));
  if (!filter.from.empty() && !filter.to.empty() && filter.from >= filter.to) {
    fail_field("from", "{} is after to: {}", query.from, query.to);
  }

  auto tx = store.begin_read();
  // A person may be named as people know them, when that names one person.
  if (!filter.actor.empty() && filter.actor != kSystemActor && !store.actor(filter.actor)) {
    if (auto name = sign_in_name_of(store, filter.actor)) filter.actor = *name;
  }
  ChainHead head{0, genesis_hash()};
  if (auto last = store.chain_head()) head = *last;
  bool any = false;
  store.for_each_matching_event(filter, [&](std::int64_t seq, std::string_view body,
                                            std::string_view hash, std::string_view workflow) {
    any = true;
    visit(to_row(seq, body, hash, workflow));
  });
  if (!any && !query.ref.empty() && !store.item(query.ref)) {
    fail(ErrorKind::NotFound, "no item {}", query.ref);
  }
  // A mistyped name would otherwise read as "this person did nothing".
  if (!any && !filter.actor.empty() && filter.actor != kSystemActor && !store.actor(filter.actor)) {
    // Said alike on the command line and the web: no command is suggested.
    fail_field("actor",
               "no person is named '{}' (give the name they sign in with, or the name they are "
               "shown by when no one else has it)",
               query.actor);
  }
  if (!any && !query.workflow.empty() && !store.current_version(query.workflow)) {
    std::vector<std::string> names;
    for (const auto& [name, version] : store.workflows()) names.push_back(name);
    fail_field("workflow", "no workflow is named '{}' ({})", query.workflow,
               names.empty() ? std::string("there are none")
                             : fmt::format("the workflows: {}", fmt::join(names, ", ")));
  }
  tx->commit();
  return head;
}

bool action_ever_taken(Store& store, std::string_view action) {
  auto tx = store.begin_read();
  bool ever = false;
  EventFilter action_only;
  action_only.action = std::string(action);
  store.for_each_matching_event(action_only, [&](std::int64_t, std::string_view, std::string_view,
                                                 std::string_view) { ever = true; });
  tx->commit();
  return ever;
}

std::string unknown_action_note(Store& store, const AuditQuery& query, size_t rows) {
  if (rows > 0 || query.action.empty() || action_ever_taken(store, query.action)) return {};
  return fmt::format(
      "no event in the whole history is of the action '{}': it has not been taken yet, or "
      "it is spelt otherwise (actions are named as in the workflows, such as submit or "
      "decide)",
      query.action);
}

AuditResult query_history(Store& store, const AuditQuery& query) {
  AuditResult result;
  result.head =
      query_history(store, query, [&](AuditRow&& row) { result.rows.push_back(std::move(row)); });
  return result;
}

std::string describe(const AuditQuery& query) {
  std::vector<std::string> parts;
  if (!query.ref.empty()) parts.push_back("item " + query.ref);
  if (!query.workflow.empty()) parts.push_back("workflow " + query.workflow);
  if (!query.actor.empty()) parts.push_back("actor " + query.actor);
  if (!query.action.empty()) parts.push_back("action " + query.action);
  if (!query.from.empty() && !query.to.empty()) {
    parts.push_back(fmt::format("from {} to {}", query.from, query.to));
  } else if (!query.from.empty()) {
    parts.push_back("from " + query.from);
  } else if (!query.to.empty()) {
    parts.push_back("up to " + query.to);
  }
  if (parts.empty()) return "all events";
  return fmt::format("{}", fmt::join(parts, "; "));
}

std::vector<Json> audit_cells(AuditRow r) {
  return {Json(r.seq),
          cell(r.at),
          cell(r.ref),
          cell(r.workflow),
          cell(r.actor),
          cell(r.on_behalf_of),
          cell(r.action),
          cell(r.from_state),
          cell(r.to_state),
          cell(r.decision),
          version_cell(r.document_version),
          cell(r.document_hash),
          cell(r.comment),
          cell(r.note),
          r.changes.empty() ? Json(nullptr) : std::move(r.changes),
          r.payload.empty() ? Json(nullptr) : std::move(r.payload),
          cell(r.hash)};
}

ReportTable audit_table(const std::vector<AuditRow>& rows) {
  ReportTable table;
  table.title = "Audit history";
  table.columns = {{"seq", "#", true},
                   {"at", "Time (UK)", true, CellShown::uk_time},
                   {"ref", "Item", true},
                   {"workflow", "Workflow", false},
                   {"actor", "Actor", true},
                   {"on_behalf_of", "On behalf of", true},
                   {"action", "Action", true},
                   {"from_state", "From", true},
                   {"to_state", "To", true},
                   {"decision", "Decision", false},
                   {"document_version", "Document version", false},
                   {"document_hash", "Document hash", false},
                   {"comment", "Comment", false},
                   {"note", "Note", false},
                   {"changes", "Changes", false},
                   {"payload", "Payload", false},
                   {"event_hash", "Event hash", false}};
  for (const auto& r : rows) table.rows.push_back(audit_cells(r));
  return table;
}

}  // namespace commsflow
