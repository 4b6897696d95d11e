// The `ctx` table a workflow's Lua functions are given beside the item's data (commsflow.Context
// in workflows/types/commsflow.lua). Every call the engine makes into a workflow builds it here,
// so each function sees the same names for the same things.
#pragma once

#include <commsflow/definition.h>
#include <commsflow/json.h>
#include <commsflow/store.h>

#include <string_view>

namespace commsflow {

// {workflow, ref, state, revision, now} for `item` (null: an item not yet made, whose ref and
// state are nil), with `extra`'s keys added; they win over the common ones (a step being started
// names its own state).
Json script_context(const Definition& d, const Item* item, std::string_view now,
                    Json extra = Json::object());

// {name, roles}: who is acting, as ctx.actor.
Json actor_context(const Actor& actor);

}  // namespace commsflow
