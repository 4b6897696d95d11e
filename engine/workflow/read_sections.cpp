// Reads the workflow's optional sections: read permissions, incidents, queue, migration,
// family and reports.
#include <commsflow/error.h>
#include <commsflow/words.h>

#include <algorithm>

#include "workflow/definition_reader.h"
#include "workflow/field_values.h"

namespace commsflow {

// `roles = { ... }, deciders = true` within `read` (for its items, a field or the draft).
ReaderSpec DefinitionReader::reader(const Json& t, int line, const std::string& what) {
  ReaderSpec r;
  if (!t.is_object()) {
    problem(line, fmt::format("{} must look like {{ roles = {{ \"role\", ... }}, deciders = "
                              "true }}",
                              what));
    return r;
  }
  check_keys(t, spec_keys::kReader, what, line);
  r.roles = string_list(t, "roles", line, "roles of " + what);
  if (auto it = t.find("deciders"); it != t.end()) {
    if (!it->is_boolean())
      problem(line, fmt::format("deciders of {} must be true or false", what));
    else
      r.deciders = it->get<bool>();
  }
  return r;
}

// `read = { roles = {...}, deciders = true, submitter = true | { "field", ... },
//           fields = { name = { roles = {...}, deciders = true } }, draft = { ... } }`.
void DefinitionReader::read_permissions(const Json& t, Definition& d) {
  auto it = t.find("read");
  if (it == t.end()) return;
  ReadSpec& r = d.read;
  r.line = index_.find_key("read", d.line, d.line);
  if (!it->is_object()) {
    problem(r.line, "read must look like { roles = { \"role\", ... }, submitter = true, ... }");
    return;
  }
  check_keys(*it, spec_keys::kRead, "read", r.line);
  Json items = Json::object();
  for (const char* key : {"roles", "deciders"}) {
    if (it->contains(key)) items[key] = it->at(key);
  }
  r.items = reader(items, r.line, "read");
  if (auto s = it->find("submitter"); s != it->end()) {
    if (s->is_boolean()) {
      r.submitter = s->get<bool>();
    } else {
      r.submitter = true;
      r.submitter_fields = string_list(*it, "submitter", r.line, "submitter of read");
    }
  }
  if (auto f = it->find("fields"); f != it->end()) {
    int line = index_.find_key("fields", r.line, r.line);
    if (!f->is_object()) {
      problem(line, "fields of read must be a table of field = { roles = { ... } }");
    } else {
      for (const auto& [name, spec] : f->items()) {
        r.fields.emplace_back(name, reader(spec, index_.find_key(name, line, line),
                                           fmt::format("read.fields.{}", name)));
      }
    }
  }
  if (auto f = it->find("draft"); f != it->end()) {
    r.draft = reader(*f, index_.find_key("draft", r.line, r.line), "read.draft");
  }
}

// `incidents = { holds = function(item, incident, ctx) ... end, pause = "pause", resume =
// "resume", held_by = "field" }`. The actions and field are checked once the states are read.
void DefinitionReader::read_incidents(const Json& t, Definition& d) {
  auto it = t.find("incidents");
  if (it == t.end()) return;
  IncidentHooks& h = d.incidents;
  h.line = index_.find_key("incidents", d.line, d.line);
  if (!it->is_object()) {
    problem(h.line,
            "incidents must look like { holds = function(item, incident, ctx) ... end, pause = "
            "\"action\", resume = \"action\", held_by = \"field\" }");
    return;
  }
  check_keys(*it, spec_keys::kIncidents, "incidents", h.line);
  h.holds = function(*it, "holds", h.line, "incidents");
  if (!h.holds) problem(h.line, "incidents needs `holds = function(item, incident, ctx) ... end`");
  h.pause = text(*it, "pause", h.line, true);
  h.resume = text(*it, "resume", h.line, true);
  h.held_by = text(*it, "held_by", h.line, true);
}

// `queue = { tier = "field", tiers = { { value = ..., label = ..., colour = ... } }, hold = {
// "state" }, due = "field", late = "field", late_reason = "field", sort = { ... } }`. Fields and
// states are checked once the states are read.
void DefinitionReader::read_queue(const Json& t, Definition& d) {
  auto it = t.find("queue");
  if (it == t.end()) return;
  QueueSpec& q = d.queue;
  q.line = index_.find_key("queue", d.line, d.line);
  if (!it->is_object()) {
    problem(q.line,
            "queue must look like { tier = \"field\", tiers = { { value = \"red\", label = "
            "\"Red\", colour = \"red\" } }, sort = { \"tier\" } }");
    return;
  }
  check_keys(*it, spec_keys::kQueue, "queue", q.line);
  q.tier_field = text(*it, "tier", q.line, false);
  q.hold_states = string_list(*it, "hold", q.line, "hold of queue");
  q.due_field = text(*it, "due", q.line, false);
  q.late_field = text(*it, "late", q.line, false);
  q.late_reason_field = text(*it, "late_reason", q.line, false);
  q.sort = string_list(*it, "sort", q.line, "sort of queue");
  q.overdue_notify = string_list(*it, "overdue_notify", q.line, "overdue_notify of queue");
  q.remind_before = seconds(*it, "remind_before", q.line, "remind_before of queue");
  q.remind_notify = string_list(*it, "remind_notify", q.line, "remind_notify of queue");
  auto tiers = it->find("tiers");
  if (tiers == it->end()) return;
  int line = index_.find_key("tiers", q.line, q.line);
  if (!tiers->is_array()) {
    problem(line, "tiers of queue must be a list of { value = ..., label = ..., colour = ... }");
    return;
  }
  for (const Json& spec : *tiers) {
    if (!spec.is_object()) {
      problem(line,
              "each tier must look like { value = \"red\", label = \"Red\", colour = "
              "\"red\" }");
      continue;
    }
    check_keys(spec, spec_keys::kQueueTier, "a tier of queue", line);
    QueueTier tier{text(spec, "value", line, true), text(spec, "label", line, false),
                   text(spec, "colour", line, false)};
    if (tier.label.empty()) tier.label = readable_label(tier.value);
    if (tier.colour.empty()) tier.colour = "grey";
    q.tiers.push_back(std::move(tier));
  }
}

// `migrate = { states = { old = "new" }, data = function(item, ctx) ... end, watch = {...} }`.
// The states it maps to, and the fields it watches, are checked once the states are read.
void DefinitionReader::read_migration(const Json& t, Definition& d) {
  auto it = t.find("migrate");
  if (it == t.end()) return;
  MigrateSpec& m = d.migrate;
  m.line = index_.find_key("migrate", d.line, d.line);
  if (!it->is_object()) {
    problem(m.line,
            "migrate must look like { states = { old = \"new\" }, data = function(item, ctx) "
            "... end }");
    return;
  }
  check_keys(*it, spec_keys::kMigrate, "migrate", m.line);
  if (auto s = it->find("states"); s != it->end()) {
    int line = index_.find_key("states", m.line, m.line);
    if (!s->is_object() && !(s->is_array() && s->empty())) {
      problem(line, "states of migrate must be a table of old_state = \"new_state\"");
    } else {
      for (const auto& [old_state, new_state] : s->items()) {
        if (!new_state.is_string()) {
          problem(index_.find_key(old_state, line, line),
                  fmt::format("migrate.states.{} must name a state of this workflow", old_state));
          continue;
        }
        m.states.emplace_back(old_state, new_state.get<std::string>());
      }
    }
  }
  m.data = function(*it, "data", m.line, "migrate");
  m.watch = string_list(*it, "watch", m.line, "watch of migrate");
}

// `children = { "feedback" }`, `parent = "service_change"`, `parent_states = { "..." }` and
// `reports = { name = function(item, ctx) return markdown end }`.
void DefinitionReader::read_family_and_reports(const Json& t, Definition& d) {
  d.children = string_list(t, "children", d.line, "children");
  if (t.contains("parent")) d.parent = text(t, "parent", d.line, false);
  d.parent_states = string_list(t, "parent_states", d.line, "parent_states");
  if (!d.parent_states.empty() && d.parent.empty()) {
    problem(d.line, "parent_states needs parent: the workflow whose states they are");
  }
  auto it = t.find("reports");
  if (it == t.end()) return;
  int reports_line = index_.find_key("reports", d.line, d.line);
  if (!it->is_object()) {
    problem(reports_line, "reports must be a table of name = function(item, ctx) ... end");
    return;
  }
  for (const auto& [name, fn] : it->items()) {
    ReportSpec r{name, 0, index_.find_key(name, reports_line, reports_line)};
    if (!is_identifier(name) || name == "timeline") {
      problem(r.line, fmt::format("report name '{}' must be lower-case letters, digits and "
                                  "underscores, and not 'timeline' (built in)",
                                  name));
    }
    if (!fn.is_object() || !fn.contains("$fn") || !fn.at("$fn").is_number_integer()) {
      problem(r.line, fmt::format("report '{}' must be a function(item, ctx)", name));
      continue;
    }
    r.render = fn.at("$fn").get<int>();
    d.reports.push_back(r);
  }
}

}  // namespace commsflow
