// What the backends share about rows. (Store::open is store/open.cpp.)
#include <commsflow/store.h>

#include <algorithm>

namespace commsflow {

bool Store::is_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Json Item::to_json() const& {
  return Item(*this).to_json();
}

Json Item::to_json() && {
  Json j{{"ref", std::move(ref)},
         {"workflow", std::move(workflow)},
         {"version", std::move(version)},
         {"state", std::move(state)},
         {"data", std::move(data)},
         {"revision", revision},
         {"created_at", std::move(created_at)},
         {"updated_at", std::move(updated_at)}};
  if (!parent.empty()) j["parent"] = std::move(parent);
  return j;
}

bool Actor::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Actor::holds_any(const std::vector<std::string>& wanted) const {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& role) { return has_role(role); });
}

}  // namespace commsflow
