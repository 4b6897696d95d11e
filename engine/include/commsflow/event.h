// One thing that happened to an item, and its place in the hash chain.
//
// The canonical body is the JSON object of the event's fields with keys sorted and no
// whitespace; it is what gets stored and hashed:
//   hash(n) = SHA-256(hash(n-1) as 32 raw bytes || body(n)),  hash(0) = 32 zero bytes.
#pragma once

#include <commsflow/json.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace commsflow {

struct Event {
  std::int64_t seq = 0;
  std::string ref;
  std::string action;
  std::string actor;
  std::string on_behalf_of;  // empty unless a delegate acted
  std::string at;
  std::string from_state;  // empty for the event that created the item
  std::string to_state;
  std::string version;  // definition version the action ran under
  Json payload = Json::object();
  Json changes = Json::object();  // top-level data changes: key -> new value, null = removed
  std::string note;
  std::string parent;  // set only on the event that creates a child item

  // Written key by key in sorted order: a new field must be added there, in its place.
  std::string body() const;
  // Throws Error(Storage) naming the sequence when the body is not a valid event.
  static Event from_body(std::int64_t seq, std::string_view body);
};

// True for the event of the engine's own put_document, which stores a new version of the item's
// document and sets its `_document` record (no workflow action can): a workflow may name an
// action of its own put_document, and that stores no version.
inline bool stores_document_version(const Event& e) {
  return e.action == "put_document" && e.changes.contains("_document");
}

// Hex SHA-256 of the genesis "previous hash": 64 zeros.
const std::string& genesis_hash();
// hex(SHA-256(unhex(prev_hash_hex) || body)). Throws if prev_hash_hex is not 64 hex digits.
std::string chain_hash(std::string_view prev_hash_hex, std::string_view body);

// Applies an event's `changes` to data: each key set to its value, or removed when null.
void apply_changes(Json& data, const Json& changes);
// The changes that turn `before` into `after` (top-level keys only).
Json diff_changes(const Json& before, const Json& after);

}  // namespace commsflow
