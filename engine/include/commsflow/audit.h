// Audit queries: who did what to which item, when, on whose behalf, and on which document version.
//
// An audit reads the event log (the only source of truth) in one read transaction, so it sees
// one consistent snapshot together with the chain head at that moment, and never blocks the
// team's writes (WAL readers take no write lock). It never changes anything.
//
// Functions here are safe to call on any Store not used by another thread at the same time.
#pragma once

#include <commsflow/json.h>
#include <commsflow/report_table.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

class Engine;
struct Definition;
struct FieldSpec;

// What to look for. Every non-empty field narrows the result; they combine with AND.
struct AuditQuery {
  std::string ref;       // one item's complete history
  std::string actor;     // who acted, or on whose behalf a delegate acted
  std::string workflow;  // workflow name
  std::string action;    // e.g. "decide"
  std::string from;      // a date (2026-01-01: from its start) or a datetime, inclusive
  std::string to;        // a date (2026-03-31: to its end) or a datetime, inclusive
};

// One event, with the fields an auditor asks about lifted out of its payload.
struct AuditRow {
  std::int64_t seq = 0;
  std::string at;
  std::string ref;
  std::string workflow;
  std::string actor;
  std::string on_behalf_of;  // empty unless a delegate acted
  std::string action;
  std::string from_state;  // empty for the event that created the item
  std::string to_state;
  std::string decision;          // payload.decision, when present
  std::string document_version;  // payload.document_version, when present
  std::string document_hash;     // payload.document_hash: the version a decision applied to
  std::string comment;           // payload.comment, when present
  std::string note;
  Json changes = Json::object();  // item data changed: field -> new value, null = removed
  Json payload = Json::object();  // the whole payload, for anything not lifted out above
  std::string hash;               // the event's chain hash
};

// The history matching `query`, oldest first, and the chain head of the same snapshot.
struct AuditResult {
  std::vector<AuditRow> rows;
  ChainHead head;
};

// Runs the query in one read transaction, calling `visit` for each row in sequence order while
// the transaction is open; returns the chain head of that snapshot.
// Throws Error(BadInput) naming `from` or `to` when a bound is not a date or datetime, or when
// `from` is after `to`; Error(NotFound) when `query.ref` names no item; Error(Storage) when an
// event cannot be read.
ChainHead query_history(Store& store, const AuditQuery& query,
                        const std::function<void(AuditRow&&)>& visit);
// The same, collecting the rows.
AuditResult query_history(Store& store, const AuditQuery& query);
// A query's `action` is the workflows' own word, and a filter on one that no event in the whole
// log has is most likely mistyped (or the action was never taken): when the query gave `rows`
// rows, none, the words that say so beside the empty answer; else empty. Reads the whole log
// only then.
std::string unknown_action_note(Store& store, const AuditQuery& query, size_t rows);

// Plain words for the query's filters, e.g. "actor hannah; from 2026-01-01 to 2026-03-31", or
// "all events"; for report headers.
std::string describe(const AuditQuery& query);

// What people read, in a report's text and HTML, for the names an audit row stores: a person's
// display name for their sign-in name, and the workflow's title and the labels of its actions,
// states (sign-off steps among them) and decisions, from the workflow version of the row's item;
// and its changes and payload field by field, by label, as `show` gives the values. CSV and JSON
// keep the names as stored. A name it cannot place (an item since gone, a version
// that no longer loads) is shown as stored. Shares the engine's thread.
class AuditWords {
 public:
  explicit AuditWords(Engine& engine) : engine_(engine) {}
  // One text per column of audit_table, for ReportTable::shown ("" where the cell reads well).
  std::vector<std::string> shown(const AuditRow& row);
  std::string person(std::string_view name);
  // The definition `ref`'s item runs on; null when it cannot be placed.
  const Definition* definition(std::string_view ref);
  // The definition of a workflow version (an event's `version`); null when it no longer loads.
  const Definition* definition_version(std::string_view version);
  // An event's changes or payload, field by field: each field by its label and its value as
  // `show` gives it; the engine's own records (a sign-off step, a document, an account's
  // details) by what they are, member by member (see recorded).
  // `row` is the event they belong to, whose action's inputs are read by their fields.
  std::string values(const Definition* d, const AuditRow& row, const Json& values);
  // describe(query) as people read it: the workflow by its title, the action by its label, the
  // person by the name they are shown by.
  std::string described(const AuditQuery& query);

 private:
  // A value under `key` in words: a person (a member named actor, author, by...) by display
  // name, a state or step by its label, another name readably, a stored time in UK time, a
  // record as "(Key: value; ...)", a list as "(a, b)" when `nested`.
  std::string recorded(const Definition* d, const std::string& key, const Json& value, bool nested);
  // A field's value as `show` gives it, a list of records row by row.
  std::string field_value(const FieldSpec& f, const Json& value);

  Engine& engine_;
  std::map<std::string, const Definition*, std::less<>> by_ref_;
  std::map<std::string, std::string, std::less<>> people_;
};

// The names a query's filters are stored by, from what people type: a workflow by its title
// ("Media statement sign-off"), an action by its label ("Answer the suggestion") or by its name
// in any case ("Decide", "send for review"). A name stored already, or one nothing matches, is
// kept for query_history to look for (and to say when no event has it); so is a label that
// several actions have.
void resolve_typed_names(Engine& engine, AuditQuery& query);

// The rows as a report table: one row per event. With no rows, the columns only: add rows with
// audit_cells, e.g. from query_history's visitor, to avoid holding every AuditRow as well.
ReportTable audit_table(const std::vector<AuditRow>& rows = {});
// One row per item approved through a sign-off chain in `range` (its from/to; the other filters
// narrow the decide events considered): reference, headline, the approved version and hash, each
// approver with decision and time (and on whose behalf), time from first submission to final
// approval, and any step that was escalated as overdue. An item approved more than once in the
// range appears once, with its latest approval. Sets `head` to the snapshot's chain head.
// `headline_of` gives an item's headline as the reader may see it (empty where they may not).
// People read its state and approvers in `words`.
ReportTable signoff_table(Store& store, const AuditQuery& range, ChainHead& head,
                          const std::function<std::string(const Item&)>& headline_of,
                          AuditWords& words);

// One row's cells in the columns of audit_table (pass an rvalue to move its payload in).
std::vector<Json> audit_cells(AuditRow row);

}  // namespace commsflow
