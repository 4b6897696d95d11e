// JSON views of engine objects for the API: workflow definitions (the form spec), items with
// the actions available to an actor, reload problems and verify reports.
//
// Callers hold the engine mutex. Not thread-safe on their own.
#pragma once

#include <commsflow/engine.h>
#include <commsflow/verify.h>
#include <commsflow/words.h>
#include <commsflow/workflow_loader.h>

namespace commsflow::server {

Json field_json(const FieldSpec& field);
// {name, title, prefix, fields: [...], submit_roles}
Json definition_json(const Definition& definition);
// item.to_json() plus `actions`: [{name, label, to, roles, blocked_by, sets, fields, allowed}],
// where `allowed` says whether `actor` holds one of the action's roles.
Json item_json(Engine& engine, const Item& item, const Actor& actor);
Json diagnostics_json(const std::vector<Diagnostic>& problems);

}  // namespace commsflow::server
