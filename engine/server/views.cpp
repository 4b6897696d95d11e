#include "server/views.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

namespace commsflow::server {

namespace {

// A bound as JSON: a whole number (a length, a count) as one, 120 not 120.0.
Json bound_json(double bound) {
  const double whole = std::trunc(bound);
  if (whole == bound && std::abs(bound) < 9.0e15) return static_cast<std::int64_t>(whole);
  return bound;
}

}  // namespace

Json field_json(const FieldSpec& f) {
  Json j{{"name", f.name},
         {"type", to_string(f.type)},
         {"label", field_label(f)},
         {"required", f.required}};
  if (!f.options.empty()) j["options"] = f.options;
  if (f.min) j["min"] = bound_json(*f.min);
  if (f.max) j["max"] = bound_json(*f.max);
  if (f.default_value) j["default"] = *f.default_value;
  if (!f.role.empty()) j["role"] = f.role;
  if (!f.required_if.empty()) {
    Json r = Json::object();
    for (const auto& [field, values] : f.required_if) r[field] = values;
    j["required_if"] = r;
  }
  return j;
}

Json definition_json(const Definition& d) {
  Json fields = Json::array();
  for (const auto& f : d.fields) fields.push_back(field_json(f));
  return Json{{"name", d.name},       {"title", d.title}, {"prefix", d.prefix},
              {"version", d.version}, {"fields", fields}, {"submit_roles", d.submit.roles}};
}

Json item_json(Engine& engine, const Item& item, const Actor& actor) {
  Json out = item.to_json();
  Json actions = Json::array();
  // Guards judge the item as stored, not the reader's view of it.
  for (const auto& a : engine.available_actions(engine.item(item.ref), &actor)) {
    actions.push_back(Json{{"name", a.name},
                           {"label", a.label},
                           {"to", a.to_text()},
                           {"roles", a.roles},
                           {"blocked_by", a.blocked_by},
                           {"sets", a.sets},
                           {"fields", a.fields},
                           {"allowed", a.allowed}});
  }
  out["actions"] = actions;
  return out;
}

Json diagnostics_json(const std::vector<Diagnostic>& problems) {
  Json out = Json::array();
  for (const auto& p : problems) {
    out.push_back(Json{{"file", p.file}, {"line", p.line}, {"message", p.message}});
  }
  return out;
}

}  // namespace commsflow::server
