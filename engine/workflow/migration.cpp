#include <commsflow/migration.h>
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "workflow/field_values.h"
#include "workflow/incident_policy.h"
#include "workflow/script_context.h"
#include "workflow/signoff_records.h"

namespace commsflow {

bool ItemMigration::worth_listing() const {
  if (!remarks.empty()) return true;
  return std::any_of(changes.begin(), changes.end(), [&](const FieldChange& c) {
    return std::find(watched.begin(), watched.end(), c.field) != watched.end();
  });
}

Json ItemMigration::to_json() const {
  Json changed = Json::array();
  for (const auto& c : changes) {
    changed.push_back(Json{{"field", c.field}, {"before", c.before}, {"after", c.after}});
  }
  return Json{{"ref", ref},
              {"workflow", workflow},
              {"from_version", from_version},
              {"to_version", to_version},
              {"from_state", from_state},
              {"to_state", to_state},
              {"changes", changed},
              {"remarks", remarks}};
}

namespace {

std::vector<FieldChange> field_changes(const Json& before, const Json& after) {
  std::set<std::string> keys;
  for (const auto& [key, _] : before.items()) keys.insert(key);
  for (const auto& [key, _] : after.items()) keys.insert(key);
  std::vector<FieldChange> out;
  for (const auto& key : keys) {
    if (!key.empty() && key[0] == '_') continue;  // the engine's own records do not move
    const Json was = before.value(key, Json());
    const Json now = after.value(key, Json());
    if (was != now) out.push_back(FieldChange{key, was, now});
  }
  return out;
}

// Where an item in `state` goes in the new version: the same state, or where migrate.states
// maps it; empty when neither.
std::string new_state_for(const Definition& d, const std::string& state) {
  if (d.state(state)) return state;
  for (const auto& [old_state, new_state] : d.migrate.states) {
    if (old_state == state) return new_state;
  }
  return {};
}

// What moving from `from` (the old version's state) to `to` (the new version's) does to a
// sign-off step: nothing when it stays in the same step, else the remark that says what happens
// (empty when neither is a step).
std::string signoff_remark(const Definition& old_d, const std::string& from, const Definition& d,
                           const std::string& to) {
  const StateSpec* was = old_d.state(from);
  const StateSpec* is = d.state(to);
  const bool left = was && was->signoff, entered = is && is->signoff;
  if (!left && !entered) return {};
  if (left && entered && from == to) return {};
  std::string was_words = state_label(old_d, from), is_words = state_label(d, to);
  if (was_words == is_words) {  // renamed under the same label: the names tell them apart
    was_words += fmt::format(" ({})", from);
    is_words += fmt::format(" ({})", to);
  }
  if (left && entered) {
    return fmt::format(
        "the sign-off starts again at step '{}': decisions made at '{}' do not carry over",
        is_words, was_words);
  }
  if (left) {
    return fmt::format("leaves the sign-off step '{}': decisions made there do not carry over",
                       was_words);
  }
  return fmt::format("enters the sign-off step '{}': its approvers are told", is_words);
}

class Migrator {
 public:
  Migrator(Engine& engine, const MigrationRequest& request)
      : engine_(engine), request_(request), now_(format_datetime(engine.clock().now())) {}

  // Plans the move of `item` into `plans`, or adds why it cannot move to `refused`.
  void plan(const Item& item) {
    CompiledWorkflow& old_wf = engine_.registry().version(item.version);
    if (old_wf.definition.is_final(item.state)) return;
    CompiledWorkflow& wf = engine_.registry().current(old_wf.definition.name);
    const Definition& d = wf.definition;
    if (d.version == item.version) return;
    if (request_.watching_only && d.migrate.watch.empty()) return;
    // Moved from a stored row changed outside commsflow, a forged value would become real,
    // recorded decisions (a rating, a due time, a pause).
    if (const auto altered = item_history_problems(engine_.store(), item); !altered.empty()) {
      refused_.push_back(
          fmt::format("{}'s history does not verify ({}): it is not moved; "
                      "`commsflow verify` lists every problem",
                      item.ref, altered.front()));
      return;
    }

    ItemMigration m{item.ref, d.name, item.version, d.version, item.state, {}, {}, {}, {}};
    m.to_state = new_state_for(d, item.state);
    if (m.to_state.empty()) {
      refused_.push_back(
          fmt::format("{} is in state '{}', which the new version of {} neither has nor maps: add "
                      "`migrate = {{ states = {{ {} = \"...\" }} }}` to {}",
                      item.ref, item.state, d.name, item.state, d.path));
      return;
    }
    Json data = item.data;
    // A field new in this version starts at its default, as on an item submitted now.
    for (const auto& f : d.fields) {
      if (f.default_value && !data.contains(f.name) && !old_wf.definition.field(f.name)) {
        data[f.name] = *f.default_value;
      }
    }
    if (d.migrate.data) {
      const Json ctx = script_context(d, &item, now_,
                                      {{"state", m.to_state},
                                       {"from_state", item.state},
                                       {"from_version", item.version},
                                       {"to_version", d.version},
                                       {"actor", Json{{"name", request_.actor}}}});
      // A fault names the item it met, among all those being moved.
      auto r = [&] {
        try {
          return wf.script->call(d.migrate.data, data, ctx, "migrate.data");
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::Script) throw;
          throw Error::script(fmt::format("{} (moving {})", e.what(), item.ref), e.where());
        }
      }();
      data = r.item;
      keep_engine_records(item.data, data);
      m.remarks = remarks_from(r.result, d.path);
    }
    auto problems = validate_data(d.fields, data, /*require_all=*/true);
    if (!problems.empty()) {
      std::string why =
          fmt::format("{}: its data does not fit the new version of {}:", item.ref, d.name);
      for (const auto& p : problems) why += fmt::format(" {} {};", p.field, p.message);
      why.pop_back();
      refused_.push_back(why);
      return;
    }
    const std::string signoff = signoff_remark(old_wf.definition, item.state, d, m.to_state);
    if (!signoff.empty()) m.remarks.push_back(signoff);
    m.changes = field_changes(item.data, data);
    m.watched = d.migrate.watch;
    // An active incident's policy may now hold it, or no longer.
    std::optional<PolicyChange> policy;
    if (d.incidents.holds) {
      if (!incidents_) incidents_ = active_incidents(engine_);
      Item after = item;
      after.state = m.to_state;
      after.version = d.version;
      after.data = data;
      policy = policy_change(engine_, item, after, *incidents_);
      if (policy) m.remarks.push_back(policy->remark);
    }
    plans_.push_back(
        PlannedItem{item, std::move(data), std::move(m), std::move(policy), !signoff.empty()});
  }

  bool refused() const { return !refused_.empty(); }
  Refusal refusal() const { return Refusal{refused_}; }

  // One "migrate" event per planned item, and the item written on its new version.
  void apply() {
    for (auto& p : plans_) {
      Item item = p.item;
      item.state = p.migration.to_state;
      item.version = p.migration.to_version;
      item.data = std::move(p.data);
      item.revision = p.item.revision + 1;
      item.updated_at = now_;
      if (p.signoff_moves) move_signoff_records(p.item, item);
      Event event;
      event.ref = item.ref;
      event.action = "migrate";
      event.actor = request_.actor;
      event.at = now_;
      event.from_state = p.migration.from_state;
      event.to_state = p.migration.to_state;
      event.version = p.migration.to_version;
      event.payload =
          Json{{"from_version", p.migration.from_version}, {"to_version", p.migration.to_version}};
      if (!p.migration.remarks.empty()) event.payload["remarks"] = p.migration.remarks;
      if (event.actor == kOperator) event.payload["login"] = operator_login();
      event.changes = diff_changes(p.item.data, item.data);
      engine_.store().append(event);
      if (!engine_.store().update_item(item, p.item.revision)) {
        fail(ErrorKind::Conflict, "{} was changed by someone else at the same time; try again",
             item.ref);
      }
      if (p.policy) {
        auto followed = apply_policy_change(engine_, item.ref, *p.policy);
        if (!followed) {
          fail(ErrorKind::Conflict, "{} could not be {}: {}", item.ref, p.policy->remark,
               fmt::join(followed.refusal().reasons, "; "));
        }
        // The changes reported are those the item ends with: a resume moves its due time.
        p.migration.changes = field_changes(p.item.data, followed.value().data);
      }
    }
  }

  std::vector<ItemMigration> migrations() const {
    std::vector<ItemMigration> out;
    for (const auto& p : plans_) out.push_back(p.migration);
    return out;
  }

 private:
  struct PlannedItem {
    Item item;
    Json data;
    ItemMigration migration;
    std::optional<PolicyChange> policy;  // taken once the item is on its new version
    bool signoff_moves = false;          // it leaves or enters a sign-off step (signoff_remark)
  };

  // The engine's sign-off records for an item that left or entered a step as it moved from
  // `before` to `after` (on its new version): the step left is over (its record and timers
  // dropped; left for a state outside the chain, the chain is over too), a step entered starts
  // afresh (due time, timers, its approvers told). Steps passed already stay passed: an approval
  // the item rested on becomes the chain the new step adds to.
  void move_signoff_records(const Item& before, Item& after) {
    CompiledWorkflow& wf = engine_.registry().version(after.version);
    if (after.data.contains("_signoff")) {
      after.data.erase("_signoff");
      engine_.store().clear_timers(after.id);
    }
    const StateSpec* step = wf.definition.state(after.state);
    if (!step || !step->signoff) {
      after.data.erase("_chain");  // out of the chain, as an action taking it back to work
      return;
    }
    if (auto approved = after.data.find("_approved");
        approved != after.data.end() && approved->is_object() && !after.data.contains("_chain") &&
        approved->value("state", "") == before.state) {
      Json passed = approved->value("steps", Json::array());
      after.data.erase(approved);
      after.data["_chain"] = std::move(passed);
    }
    start_step(engine_, wf, after, *step);
  }

  static std::vector<std::string> remarks_from(const Json& result, const std::string& path) {
    if (result.is_null() || (result.is_array() && result.empty()) ||
        (result.is_object() && result.empty())) {
      return {};
    }
    std::vector<std::string> out;
    if (result.is_array()) {
      for (const auto& r : result) {
        if (!r.is_string()) break;
        out.push_back(r.get<std::string>());
      }
      if (out.size() == result.size()) return out;
    }
    fail(ErrorKind::Script,
         "{}: migrate.data must return nothing or a list of remarks (it returned {})", path,
         result.dump());
  }

  Engine& engine_;
  const MigrationRequest& request_;
  const std::string now_;
  std::vector<PlannedItem> plans_;
  std::optional<std::vector<Json>> incidents_;  // the active incidents, read when first needed
  std::vector<std::string> refused_;
};

std::vector<Item> items_in_scope(Engine& engine, const MigrationRequest& request) {
  if (!request.ref.empty()) return {engine.item(request.ref)};
  if (!request.workflow.empty()) engine.registry().current(request.workflow);  // NotFound
  return engine.items(ItemFilter{request.workflow, "", -1});
}

}  // namespace

Outcome<MigrationResult> migrate(Engine& engine, const MigrationRequest& request) {
  auto tx = engine.store().begin_write();
  MigrationResult result;
  // Moving to the edited Lua is the point: with a file that did not load, its old version would
  // stay current and the move would quietly do less than asked.
  if (const auto problems = engine.registry().sync(); !problems.empty()) {
    std::string listed;
    for (const auto& p : problems) listed += fmt::format("\n{}", p.to_string());
    fail(ErrorKind::Script,
         "nothing was moved: {} problem(s) in the workflow files (fix them, `commsflow check` "
         "lists them, and run it again):{}",
         problems.size(), listed);
  }
  Migrator migrator(engine, request);
  for (const Item& item : items_in_scope(engine, request)) migrator.plan(item);
  if (migrator.refused()) return migrator.refusal();
  // A dry run makes the moves too, so that it reports what they really do (an incident's
  // policy acting on the moved item included), and is then rolled back.
  migrator.apply();
  result.items = migrator.migrations();
  if (!request.dry_run) tx->commit();
  return result;
}

}  // namespace commsflow
