#include "store/copy_tables.h"

namespace commsflow::store {

// Every table of the schema but schema_migrations (each database keeps its own). A table added
// to the schema must be added here, or `copy` would leave it behind: store_test checks the list
// against the tables the SQLite schema has.
const std::vector<CopiedTable>& copied_tables() {
  static const std::vector<CopiedTable> tables = {
      {"definitions",
       {"version", "name", "path", "source", "loaded_at", "libraries"},
       "version",
       "",
       ""},
      {"definition_libraries", {"version", "module", "source"}, "version, module", "", ""},
      {"workflows", {"name", "version", "updated_at"}, "name", "", ""},
      {"actors", {"name", "created_at", "disabled_at", "display_name", "email"}, "name", "", ""},
      {"actor_roles", {"actor", "role"}, "actor, role", "", ""},
      {"ref_counters", {"prefix", "year", "last"}, "prefix, year", "", ""},
      {"items",
       {"id", "ref", "workflow", "version", "state", "data", "revision", "created_at", "updated_at",
        "parent"},
       "id",
       "",
       "id"},
      {"events", {"seq", "body", "hash", "ref", "actor", "action", "at"}, "seq", "", ""},
      {"timers", {"id", "item_id", "action", "due_at", "payload"}, "id", "", "id"},
      {"document_versions",
       {"item_id", "version", "hash", "content", "author", "created_at"},
       "item_id, version",
       "",
       ""},
      {"document_attachments",
       {"item_id", "version", "name", "hash", "content"},
       "item_id, version, name",
       "content",
       ""},
      {"delegations",
       {"id", "from_actor", "to_actor", "role", "until", "created_by", "created_at", "revoked_at"},
       "id",
       "",
       "id"},
      {"outbox",
       {"id", "created_at", "recipient", "ref", "kind", "message", "state", "status", "attempts",
        "last_error", "next_attempt_at", "sent_at", "sent_to"},
       "id",
       "",
       "id"},
      {"passwords", {"actor", "hash", "updated_at"}, "actor", "", ""},
      {"sessions",
       {"token_digest", "actor", "csrf", "created_at", "expires_at"},
       "token_digest",
       "",
       ""},
      {"api_tokens",
       {"id", "token_digest", "actor", "label", "created_at", "expires_at", "revoked_at"},
       "id",
       "",
       "id"},
      {"sign_in_failures", {"key", "failures", "locked_until_ms"}, "key", "", ""},
  };
  return tables;
}

}  // namespace commsflow::store
