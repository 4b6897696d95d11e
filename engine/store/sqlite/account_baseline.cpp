#include "store/sqlite/account_baseline.h"

#include <commsflow/event.h>

#include <map>

#include "store/sqlite/database.h"

namespace commsflow::store {

namespace {

// Each query's first column is the actor the row belongs to; the rest become one JSON object
// under `key` (a list) in that actor's record, with the given names.
void collect(Database& db, const std::string& sql, const char* key,
             const std::vector<const char*>& names, std::map<std::string, Json>& records) {
  auto& q = db.cached(sql);
  while (q.step()) {
    Json& record = records[q.text(0)];
    Json row = Json::object();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const int column = static_cast<int>(i) + 1;
      std::string_view name = names[i];
      if (name.ends_with("_id")) {
        row[names[i]] = q.integer(column);
      } else if (name == "revoked") {
        row[names[i]] = q.integer(column) != 0;
      } else {
        row[names[i]] = q.text(column);
      }
    }
    record[key].push_back(std::move(row));
  }
}

}  // namespace

void record_existing_accounts(Database& db, std::string_view at) {
  std::map<std::string, Json> records;
  {
    auto& q = db.cached("SELECT name FROM actors ORDER BY name");
    while (q.step()) {
      records[q.text(0)] = Json{{"roles", Json::array()},
                                {"disabled", false},
                                {"password", false},
                                {"tokens", Json::array()},
                                {"delegations", Json::array()}};
    }
  }
  if (records.empty()) return;
  {
    auto& q = db.cached("SELECT actor, role FROM actor_roles ORDER BY actor, role");
    while (q.step()) records[q.text(0)]["roles"].push_back(q.text(1));
  }
  {
    auto& q = db.cached("SELECT actor FROM passwords");
    while (q.step()) records[q.text(0)]["password"] = true;
  }
  collect(db,
          "SELECT actor, id, label, expires_at, token_digest, revoked_at IS NOT NULL "
          "FROM api_tokens ORDER BY id",
          "tokens", {"token_id", "name", "expires_at", "digest", "revoked"}, records);
  collect(db,
          "SELECT from_actor, id, to_actor, role, until, revoked_at IS NOT NULL "
          "FROM delegations ORDER BY id",
          "delegations", {"delegation_id", "to", "role", "until", "revoked"}, records);

  std::int64_t seq = 0;
  std::string hash = genesis_hash();
  {
    auto& q = db.cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    if (q.step()) {
      seq = q.integer(0);
      hash = q.text(1);
    }
    q.reset();
  }
  for (auto& [name, record] : records) {
    Event event;
    event.seq = ++seq;
    event.ref = "actor:" + name;
    event.action = "account_recorded";
    event.actor = "system";
    event.at = std::string(at);
    event.payload = std::move(record);
    const std::string body = event.body();
    hash = chain_hash(hash, body);
    // At schema 6 the indexed columns are still generated from the body (until 0009).
    db.cached("INSERT INTO events(seq, body, hash) VALUES (?, ?, ?)")
        .bind(1, seq)
        .bind(2, body)
        .bind(3, hash)
        .run();
  }
}

}  // namespace commsflow::store
