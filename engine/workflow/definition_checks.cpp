// Checks that the parts of a read Definition fit together: states named by actions, outcomes
// and sections exist, roles are declared, fields are known, every state can be reached.
#include <commsflow/error.h>
#include <commsflow/words.h>
#include <commsflow/workflow_loader.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <set>

namespace commsflow {

namespace {

std::vector<std::string> signoff_targets(const SignoffSpec& so) {
  std::vector<std::string> out;
  for (const OutcomeSpec* o : {&so.approved, &so.changes_required, &so.not_relevant}) {
    out.insert(out.end(), o->to.begin(), o->to.end());
  }
  if (so.on_new_version != "restart" && so.on_new_version != "first_approval") {
    out.push_back(so.on_new_version);
  }
  return out;
}

// The role `entry` is a letter or two away from, if any: an approver that is not a role is taken
// for a person's sign-in name, so a misspelt role would leave the step waiting for nobody. Only
// an entry written as roles are (lower-case letters and underscores, four or more) is judged, a
// letter away when short and two when long: a sign-in name with a dot or a digit never is.
std::optional<std::string> near_role(const std::string& entry, const std::set<std::string>& roles) {
  if (entry.size() < 4 || !std::all_of(entry.begin(), entry.end(),
                                       [](char c) { return c == '_' || (c >= 'a' && c <= 'z'); })) {
    return std::nullopt;
  }
  const std::size_t allowed = entry.size() < 7 ? 1 : 2;
  for (const auto& role : roles) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> row(role.size() + 1);
    for (std::size_t j = 0; j < row.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= entry.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= role.size(); ++j) {
        const std::size_t above = row[j];
        row[j] = std::min(
            {row[j] + 1, row[j - 1] + 1, diagonal + (entry[i - 1] == role[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    if (row.back() <= allowed) return role;
  }
  return std::nullopt;
}

void check_signoff(const Definition& d, const StateSpec& s, const std::set<std::string>& roles,
                   std::vector<Diagnostic>& problems) {
  auto problem = [&](int line, std::string message) {
    problems.push_back(Diagnostic{d.path, line, std::move(message)});
  };
  const SignoffSpec& so = *s.signoff;
  if (d.document_roles.empty()) {
    problem(s.line, fmt::format("sign-off step '{}' decides on a document, so the workflow needs "
                                "`document = {{ roles = {{ ... }} }}`",
                                s.name));
  }
  auto check_entries = [&](int line, const std::vector<std::string>& entries, const char* what) {
    for (const auto& entry : entries) {
      if (roles.count(entry) || d.field(entry)) continue;
      if (auto role = near_role(entry, roles)) {
        problem(line, fmt::format("{} '{}' of step '{}' is not a role, so it would be taken for a "
                                  "person's sign-in name; did you mean the role '{}'?",
                                  what, entry, s.name, *role));
      }
    }
  };
  check_entries(s.line, so.escalate_to, "escalate_to");
  for (const auto& g : so.groups) {
    check_entries(g.line, g.approvers, "approver");
    if (g.rule == "quorum" && g.approvers.size() > 1 &&
        g.quorum > static_cast<int>(g.approvers.size()) &&
        std::none_of(g.approvers.begin(), g.approvers.end(),
                     [&](const std::string& a) { return roles.count(a) > 0; })) {
      problem(g.line, fmt::format("quorum {} of step '{}' is more than its {} named approvers",
                                  g.quorum, s.name, g.approvers.size()));
    }
  }
  for (const auto& [label, o] :
       {std::pair{"approved", &so.approved}, std::pair{"changes_required", &so.changes_required},
        std::pair{"not_relevant", &so.not_relevant}}) {
    for (const auto& target : o->to) {
      if (!d.state(target)) {
        problem(o->line, fmt::format("{} of sign-off step '{}' goes to missing state '{}'", label,
                                     s.name, target));
      }
    }
  }
  if (so.on_new_version != "restart" && so.on_new_version != "first_approval" &&
      !d.state(so.on_new_version)) {
    problem(s.line, fmt::format("on_new_version of sign-off step '{}' names missing state '{}'",
                                s.name, so.on_new_version));
  }
}

}  // namespace

namespace {

// `migrate` maps only states this version lacks, each to one it has, and watches its fields.
template <typename Problem>
void check_migration(const Definition& d, Problem& problem) {
  const MigrateSpec& m = d.migrate;
  for (const auto& [old_state, new_state] : m.states) {
    if (d.state(old_state)) {
      problem(m.line, fmt::format("migrate.states maps '{}', which is still a state: its items "
                                  "stay in it",
                                  old_state));
    }
    if (!d.state(new_state)) {
      problem(m.line,
              fmt::format("migrate.states.{} goes to missing state '{}'", old_state, new_state));
    }
  }
  for (const auto& name : m.watch) {
    if (!d.field(name)) {
      problem(m.line, fmt::format("migrate.watch names '{}', which is not a field", name));
    }
  }
}

// `incidents` names actions the workflow has, taking `incident_name`, and a text field.
template <typename Problem>
void check_incidents(const Definition& d, Problem& problem) {
  const IncidentHooks& h = d.incidents;
  if (h.line == 0) return;
  for (const auto& [key, name] : {std::pair{"pause", &h.pause}, std::pair{"resume", &h.resume}}) {
    const StateSpec* s = d.state_with_action(*name);
    if (!s) {
      problem(h.line,
              fmt::format("incidents.{} names '{}', which no state has as an action", key, *name));
    } else if (const ActionSpec* a = s->action(*name);
               std::none_of(a->fields.begin(), a->fields.end(),
                            [](const FieldSpec& f) { return f.name == "incident_name"; })) {
      problem(h.line, fmt::format("incidents.{}: action '{}' must take the field incident_name "
                                  "(incident_name = wf.text {{}})",
                                  key, *name));
    }
  }
  const FieldSpec* held_by = d.field(h.held_by);
  if (!held_by) {
    problem(h.line, fmt::format("incidents.held_by names '{}', which is not a field", h.held_by));
  } else if (held_by->type != FieldType::Text) {
    problem(h.line, fmt::format("incidents.held_by: field '{}' must be text", h.held_by));
  }
}

// `queue` names fields and states the workflow has, tiers once each in NHS tag colours.
template <typename Problem>
void check_queue(const Definition& d, const std::set<std::string>& roles, Problem& problem) {
  const QueueSpec& q = d.queue;
  if (q.line == 0) return;
  for (const auto& [key, name] :
       {std::pair{"tier", &q.tier_field}, std::pair{"due", &q.due_field},
        std::pair{"late", &q.late_field}, std::pair{"late_reason", &q.late_reason_field}}) {
    if (!name->empty() && !d.field(*name)) {
      problem(q.line, fmt::format("queue.{} names '{}', which is not a field", key, *name));
    }
  }
  if (!q.tiers.empty() && q.tier_field.empty()) {
    problem(q.line, "queue.tiers needs `tier = \"field\"` naming the field that holds the tier");
  }
  static const std::set<std::string> colours = {"white",  "grey", "green", "aqua-green", "blue",
                                                "purple", "pink", "red",   "orange",     "yellow"};
  const FieldSpec* tier_field = q.tier_field.empty() ? nullptr : d.field(q.tier_field);
  std::set<std::string> seen;
  for (const auto& tier : q.tiers) {
    if (!seen.insert(tier.value).second) {
      problem(q.line, fmt::format("queue.tiers lists '{}' twice", tier.value));
    }
    if (!colours.count(tier.colour)) {
      problem(q.line, fmt::format("queue.tiers: colour '{}' of '{}' is not an NHS tag colour (one "
                                  "of white, grey, green, aqua-green, blue, purple, pink, red, "
                                  "orange, yellow)",
                                  tier.colour, tier.value));
    }
    if (tier_field && tier_field->type == FieldType::Choice &&
        std::find(tier_field->options.begin(), tier_field->options.end(), tier.value) ==
            tier_field->options.end()) {
      problem(q.line, fmt::format("queue.tiers: '{}' is not one of the choices of field '{}'",
                                  tier.value, q.tier_field));
    }
  }
  for (const auto& state : q.hold_states) {
    if (!d.state(state)) {
      problem(q.line, fmt::format("queue.hold names '{}', which is not a state", state));
    }
  }
  for (const auto& [key, names] : {std::pair{"overdue_notify", &q.overdue_notify},
                                   std::pair{"remind_notify", &q.remind_notify}}) {
    if (!names->empty() && q.due_field.empty()) {
      problem(q.line,
              fmt::format("queue.{} needs `due = \"field\"`: the time an item is due", key));
    }
    for (const auto& name : *names) {
      const FieldSpec* f = d.field(name);
      if (f ? f->type != FieldType::Actor : !roles.count(name)) {
        problem(q.line, fmt::format("queue.{} names '{}', which is neither a person field "
                                    "(wf.actor) nor a role",
                                    key, name));
      }
    }
  }
  if ((q.remind_before > 0) != !q.remind_notify.empty()) {
    problem(q.line,
            "queue.remind_before and queue.remind_notify go together: how long before the "
            "due time, and who is reminded");
  }
  for (const auto& key : q.sort) {
    if (key == "tier" && q.tier_field.empty()) {
      problem(q.line, "queue.sort names \"tier\", but the queue has no `tier` field");
    } else if (key != "hold" && key != "tier" && !d.field(key)) {
      problem(q.line, fmt::format("queue.sort names '{}', which is neither \"hold\", \"tier\" "
                                  "nor a field",
                                  key));
    }
  }
}

// `read` names known roles and fields, and a draft only where there is a document.
template <typename Problem>
void check_read(const Definition& d, const std::set<std::string>& roles, Problem& problem) {
  const ReadSpec& r = d.read;
  if (r.line == 0) return;  // not declared: made from roles checked where they were named
  auto check = [&](const ReaderSpec& reader, const std::string& what) {
    for (const auto& role : reader.roles) {
      if (!roles.count(role))
        problem(r.line, fmt::format("{} names unknown role '{}'", what, role));
    }
  };
  check(r.items, "read");
  for (const auto& name : r.submitter_fields) {
    if (!d.field(name)) {
      problem(r.line, fmt::format("read.submitter names '{}', which is not a field", name));
    }
  }
  for (const auto& [name, reader] : r.fields) {
    if (!d.field(name)) {
      problem(r.line, fmt::format("read.fields names '{}', which is not a field", name));
    }
    check(reader, "read.fields." + name);
  }
  if (r.draft) {
    if (d.document_roles.empty()) {
      problem(r.line, "read.draft restricts the document, but the workflow has no `document`");
    }
    check(*r.draft, "read.draft");
  }
}

}  // namespace

void check_definition(const Definition& d, std::vector<Diagnostic>& problems) {
  auto problem = [&](int line, std::string message) {
    problems.push_back(Diagnostic{d.path, line, std::move(message)});
  };
  std::set<std::string> roles(standard_roles().begin(), standard_roles().end());
  roles.insert(d.roles.begin(), d.roles.end());
  auto check_roles = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& role : a.roles) {
      if (!roles.count(role)) {
        problem(a.roles_line,
                fmt::format("{} names unknown role '{}' (declare it in `roles = {{ ... }}` or use "
                            "a standard role)",
                            what, role));
      }
    }
  };
  auto check_sets = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& name : a.sets) {
      if (!d.field(name)) {
        problem(a.line,
                fmt::format("{} sets '{}', which is not a field of the workflow", what, name));
      }
    }
    for (const auto& name : a.required_sets) {
      if (std::find(a.sets.begin(), a.sets.end(), name) == a.sets.end()) {
        problem(a.line, fmt::format("{} requires '{}', which is not in its `sets`", what, name));
      }
    }
    for (const auto& [name, heading] : a.notify) {
      const FieldSpec* f = d.field(name);
      if (f ? f->type != FieldType::Actor : !roles.count(name)) {
        problem(a.line, fmt::format("{} notifies '{}', which is neither a person field "
                                    "(wf.actor) nor a role",
                                    what, name));
      }
    }
  };

  if (!d.state(d.initial)) {
    problem(d.line, fmt::format("initial state '{}' is not one of the states", d.initial));
  } else if (d.state(d.initial)->signoff) {
    problem(d.line, fmt::format("initial state '{}' is a sign-off step, but a new item has no "
                                "document to decide on yet",
                                d.initial));
  }
  check_read(d, roles, problem);
  check_migration(d, problem);
  check_incidents(d, problem);
  check_queue(d, roles, problem);
  for (const auto& name : d.approval.conditions) {
    if (!d.field(name)) {
      problem(d.approval.line,
              fmt::format("approval condition '{}' is not a field of the workflow", name));
    }
  }
  auto check_targets = [&](const ActionSpec& a, const std::string& what) {
    for (const auto& target : a.to) {
      if (!d.state(target)) {
        problem(a.to_line, fmt::format("{} goes to missing state '{}'", what, target));
      }
    }
    if (a.to.size() > 1 && !a.route) {
      problem(a.to_line, fmt::format("{} may go to several states, so it needs `route = "
                                     "function(item, ctx) return \"state\" end`",
                                     what));
    }
  };
  // An action's inputs (`action`) may be required by another input's answer or an item field's.
  auto check_fields = [&](const std::vector<FieldSpec>& fields, const ActionSpec* action) {
    for (const auto& f : fields) {
      // Rules no value could keep, which would refuse every item at its first save.
      if (f.min && f.max && *f.min > *f.max) {
        problem(f.line,
                fmt::format("field '{}': min {} is more than max {}", f.name, *f.min, *f.max));
      }
      for (auto o = f.options.begin(); o != f.options.end(); ++o) {
        if (std::find(f.options.begin(), o, *o) != o) {
          problem(f.line, fmt::format("field '{}' lists the option '{}' twice", f.name, *o));
        }
      }
      if (f.type == FieldType::Actor && !f.role.empty() && !roles.count(f.role)) {
        problem(f.line, fmt::format("field '{}' names unknown role '{}'", f.name, f.role));
      }
      for (const auto& [other, values] : f.required_if) {
        const FieldSpec* o = action && action->field(other) ? action->field(other) : d.field(other);
        if (!o) {
          problem(f.line, fmt::format("required_if of '{}' names '{}', which is not a field",
                                      f.name, other));
          continue;
        }
        for (const auto& v : values) {
          if (o->type == FieldType::Choice &&
              std::find(o->options.begin(), o->options.end(), v) == o->options.end()) {
            problem(f.line, fmt::format("required_if of '{}': '{}' is not an option of '{}'",
                                        f.name, v, other));
          }
          if (o->type == FieldType::Boolean && v != "true" && v != "false") {
            problem(f.line, fmt::format("required_if of '{}': '{}' is yes or no, so it takes true "
                                        "or false, not '{}'",
                                        f.name, other, v));
          }
        }
      }
    }
  };
  check_fields(d.fields, nullptr);
  for (const auto& role : d.document_roles) {
    if (!roles.count(role)) {
      problem(d.line, fmt::format("document names unknown role '{}'", role));
    }
  }
  check_roles(d.submit, "submit");
  check_targets(d.submit, "submit");
  check_sets(d.submit, "submit");
  if (!d.submit.sets.empty()) {
    for (const auto& f : d.fields) {
      const bool given =
          std::find(d.submit.sets.begin(), d.submit.sets.end(), f.name) != d.submit.sets.end();
      if (f.required && !f.default_value && !given) {
        problem(d.submit.line,
                fmt::format("submit sets leaves out '{}', which is required: no item could be "
                            "created (add it to sets, or give it a default)",
                            f.name));
      }
    }
  }
  bool any_final = false;
  for (const auto& s : d.states) {
    any_final = any_final || s.final;
    if (s.final && !s.actions.empty()) {
      problem(s.line, fmt::format("state '{}' is final, so it cannot have actions", s.name));
    }
    if (s.signoff) {
      check_signoff(d, s, roles, problems);
    } else if (!s.final && s.actions.empty()) {
      problem(s.line, fmt::format("state '{}' has no actions and is not final: items there would "
                                  "be stuck (add actions or `final = true`)",
                                  s.name));
    }
    for (const auto& a : s.actions) {
      std::string what = fmt::format("action '{}' in state '{}'", a.name, s.name);
      if (a.gate && !s.checklist) {
        problem(a.line, fmt::format("{} is a gate, so state '{}' needs `checklist = "
                                    "function(item, ctx) return {{ ... }} end`",
                                    what, s.name));
      }
      if (a.releases && d.document_roles.empty()) {
        problem(a.line, fmt::format("{} releases the document, so the workflow needs `document = "
                                    "{{ roles = {{ ... }} }}`",
                                    what));
      }
      check_targets(a, what);
      check_roles(a, what);
      check_sets(a, what);
      check_fields(a.fields, &a);
      for (const auto& name : placeholders(a.done)) {
        if (!d.field(name) && !a.field(name)) {
          problem(a.line,
                  fmt::format("done of {} names '{{{}}}', which is not a field", what, name));
        }
      }
      for (const auto& f : a.fields) {
        if (d.field(f.name)) {
          problem(f.line, fmt::format("payload field '{}' of {} has the name of an item field; use "
                                      "`sets = {{ \"{}\" }}` to let the action change it",
                                      f.name, what, f.name));
        }
      }
    }
  }
  if (!any_final) problem(d.line, "the workflow has no final state (add `final = true` to one)");

  // Reachability from the initial state.
  std::set<std::string> seen;
  std::deque<std::string> queue;
  auto visit = [&](const std::string& state) {
    if (d.state(state) && seen.insert(state).second) queue.push_back(state);
  };
  visit(d.initial);
  for (const auto& target : d.submit.to) visit(target);
  while (!queue.empty()) {
    const StateSpec* s = d.state(queue.front());
    queue.pop_front();
    for (const auto& a : s->actions) {
      for (const auto& target : a.to) visit(target);
    }
    if (s->signoff) {
      for (const auto& target : signoff_targets(*s->signoff)) visit(target);
    }
  }
  if (!seen.empty()) {
    for (const auto& s : d.states) {
      if (!seen.count(s.name)) {
        problem(s.line, fmt::format("state '{}' cannot be reached from the initial state '{}'",
                                    s.name, d.initial));
      }
    }
  }
}

}  // namespace commsflow
