#include <commsflow/migration.h>
#include <commsflow/registry.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "workflow/field_values.h"
#include "workflow/incident_policy.h"
#include "workflow/script_context.h"

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
    plans_.push_back(PlannedItem{item, std::move(data), std::move(m), std::move(policy)});
  }

  bool refused() const { return !refused_.empty(); }
  Refusal refusal() const { return Refusal{refused_}; }

  // One "migrate" event per planned item, and the item written on its new version.
  void apply() {
    for (auto& p : plans_) {
      Item item = p.item;
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
      event.changes = diff_changes(item.data, p.data);
      engine_.store().append(event);
      item.state = p.migration.to_state;
      item.version = p.migration.to_version;
      item.data = std::move(p.data);
      item.revision = p.item.revision + 1;
      item.updated_at = now_;
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
  };

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
  result.problems = engine.registry().sync();
  Migrator migrator(engine, request);
  for (const Item& item : items_in_scope(engine, request)) migrator.plan(item);
  if (migrator.refused()) return migrator.refusal();
  result.items = migrator.migrations();
  if (!request.dry_run) {
    migrator.apply();
    tx->commit();
  }
  return result;
}

}  // namespace commsflow
