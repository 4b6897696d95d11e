#include "workflow/script_context.h"

#include <commsflow/uk_time.h>

namespace commsflow {

Json script_context(const Definition& d, const Item* item, std::string_view now, Json extra) {
  Json ctx{{"workflow", d.name},
           {"ref", item ? Json(item->ref) : Json()},
           {"state", item ? Json(item->state) : Json()},
           {"now", now}};
  if (auto t = parse_datetime(now)) ctx["today"] = uk_today(*t);
  if (item) ctx["revision"] = item->revision;
  for (auto& [key, value] : extra.items()) ctx[key] = std::move(value);
  return ctx;
}

Json actor_context(const Actor& actor) {
  return Json{{"name", actor.name}, {"roles", actor.roles}};
}

}  // namespace commsflow
