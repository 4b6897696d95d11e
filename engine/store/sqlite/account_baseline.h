// The accounts that existed before changes to them were recorded in the hash chain.
#pragma once

#include <string_view>

namespace commsflow::store {

class Database;

// Appends one `account_recorded` event (actor "system") per actor, holding its roles, whether it
// has a password, its API tokens and the delegations it gave, so that `verify` can check the
// account tables from then on. Call inside the write transaction of the migration that began
// the record (schema/sqlite/0006_accounts_in_chain.sql). Writes nothing when there are no actors.
void record_existing_accounts(Database& db, std::string_view at);

}  // namespace commsflow::store
