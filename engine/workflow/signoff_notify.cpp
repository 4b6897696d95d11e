// Who is told when a sign-off step needs them (signoff_records.h): the outbox rows of a step.
#include <commsflow/engine.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "workflow/signoff_records.h"
#include "workflow/signoff_rules.h"

namespace commsflow {

namespace {

std::string title_of(const Item& item) {
  for (const char* key : {"headline", "title", "name"}) {
    auto it = item.data.find(key);
    if (it != item.data.end() && it->is_string()) return it->get<std::string>();
  }
  return item.ref;
}

std::string step_label(const StateSpec& state) {
  return state.label.empty() ? state.name : state.label;
}

std::vector<std::string> recipients(Engine& engine, std::string_view entry, bool entry_is_role,
                                    std::string_view excluded) {
  Store& store = engine.store();
  std::vector<std::string> out;
  // A role's holders are told, never someone merely named as it (signoff_rules.h).
  if (auto named = entry_is_role ? std::nullopt : store.actor(entry)) {
    if (!named->disabled) out.push_back(named->name);  // a leaver is told nothing, nor for them
  } else {
    out = store.actors_with_role(entry);
  }
  std::vector<std::string> delegates;
  const std::string today = uk_today(engine.clock().now());
  for (const auto& d : store.delegations_in_force(today)) {
    if (d.from == excluded || std::find(out.begin(), out.end(), d.from) == out.end()) continue;
    auto from = store.actor(d.from);  // only a delegation that lets them decide (signoff_rules.h)
    if (from && delegation_covers(d, *from, entry, today, entry_is_role) &&
        std::find(out.begin(), out.end(), d.to) == out.end()) {
      delegates.push_back(d.to);
    }
  }
  out.insert(out.end(), delegates.begin(), delegates.end());
  if (out.empty()) out.push_back(fmt::format("role:{}", entry));
  std::erase(out, excluded);
  return out;
}

}  // namespace

std::set<std::string> notify_step(Engine& engine, const Item& item, const StateSpec& state,
                                  std::string_view kind, const std::vector<std::string>& entries,
                                  const std::string& why, const std::set<std::string>& skip) {
  // Those who decided in this step already are not asked again; nor is the author.
  std::set<std::string> sent = skip;
  std::set<std::string> told;
  if (auto signoff = item.data.find("_signoff"); signoff != item.data.end()) {
    for (const auto& d : flatten_decisions(*signoff)) {
      sent.insert(d.value("on_behalf_of", d.value("actor", std::string())));
    }
  }
  std::string now = format_datetime(engine.clock().now());
  const std::string author =
      item.data.value("_document", Json::object()).value("author", std::string());
  const Definition& d = engine.registry().version(item.version).definition;
  for (const auto& entry : entries) {
    for (const auto& who : recipients(engine, entry, names_role(d, entry), author)) {
      if (!sent.insert(who).second) continue;
      told.insert(who);
      OutboxEntry row{0,
                      now,
                      who,
                      item.ref,
                      std::string(kind),
                      fmt::format("{} \"{}\", step '{}': {}", item.ref, title_of(item),
                                  step_label(state), why)};
      row.state = state.name;
      engine.store().add_outbox(row);
    }
  }
  return told;
}

}  // namespace commsflow
