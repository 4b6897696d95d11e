#include <commsflow/error.h>
#include <commsflow/event.h>
#include <commsflow/json_text.h>
#include <commsflow/sha256.h>

#include <utility>

namespace commsflow {

// The canonical body is what Json::dump() gives for the object of the event's fields (keys
// sorted, no whitespace). It is written here key by key, in that sorted order, rather than by
// building the object first: building it copied the payload and changes and cost a tenth of
// an action. append_json writes each value with dump()'s bytes. A new field goes in at its
// place in that order (tests/unit/event_body_test.cpp checks the bytes).
std::string Event::body() const {
  std::string out;
  out.reserve(256 + ref.size() + version.size() + note.size());
  auto key = [&out](const char* name) {
    out += out.empty() ? "{\"" : ",\"";
    out += name;
    out += "\":";
  };
  auto field = [&](const char* name, const Json& value) {
    key(name);
    append_json(out, value);
  };
  auto text = [&](const char* name, const std::string& value) {
    key(name);
    append_json_string(out, value);
  };
  text("action", action);
  text("actor", actor);
  text("at", at);
  field("changes", changes);
  text("from", from_state);
  if (!note.empty()) text("note", note);
  if (!on_behalf_of.empty()) text("on_behalf_of", on_behalf_of);
  if (!parent.empty()) text("parent", parent);
  field("payload", payload);
  text("ref", ref);
  key("seq");
  out += std::to_string(seq);
  text("to", to_state);
  text("version", version);
  out += '}';
  return out;
}

Event Event::from_body(std::int64_t seq, std::string_view body) {
  try {
    Json j = parse_stored_json(body);
    Event e;
    e.seq = j.at("seq").get<std::int64_t>();
    e.ref = j.at("ref").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.actor = j.at("actor").get<std::string>();
    e.at = j.at("at").get<std::string>();
    e.from_state = j.at("from").get<std::string>();
    e.to_state = j.at("to").get<std::string>();
    e.version = j.at("version").get<std::string>();
    e.payload = std::move(j.at("payload"));
    e.changes = std::move(j.at("changes"));
    e.on_behalf_of = j.value("on_behalf_of", "");
    e.note = j.value("note", "");
    e.parent = j.value("parent", "");
    if (!e.changes.is_object() || !e.payload.is_object()) throw std::runtime_error("not objects");
    return e;
  } catch (const std::exception& ex) {
    fail(ErrorKind::Storage, "event {} is not a valid event record: {}", seq, ex.what());
  }
}

const std::string& genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string chain_hash(std::string_view prev_hash_hex, std::string_view body) {
  Digest prev{};
  if (!from_hex(prev_hash_hex, prev)) {
    fail(ErrorKind::Storage, "stored hash '{}' is not 64 hex digits", prev_hash_hex);
  }
  // One digest context per thread, reused: making and freeing one per event cost as much as
  // hashing a short body.
  thread_local Sha256 hasher;
  return to_hex(hasher.begin().add(prev).add(body).finish());
}

void apply_changes(Json& data, const Json& changes) {
  for (const auto& [key, value] : changes.items()) {
    if (value.is_null()) {
      data.erase(key);
    } else {
      data[key] = value;
    }
  }
}

Json diff_changes(const Json& before, const Json& after) {
  Json changes = Json::object();
  for (const auto& [key, value] : after.items()) {
    auto it = before.find(key);
    if (it == before.end() || *it != value) changes[key] = value;
  }
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key)) changes[key] = nullptr;
  }
  return changes;
}

}  // namespace commsflow
