// The event body is written key by key for speed; it must stay byte for byte the canonical
// dump of the event's fields as one JSON object, or every stored hash would stop verifying.
#include <commsflow/event.h>

#include <catch2/catch.hpp>

using commsflow::Event;
using commsflow::Json;

namespace {

std::string canonical(const Event& e) {
  Json j{{"seq", e.seq},        {"ref", e.ref},         {"action", e.action},
         {"actor", e.actor},    {"at", e.at},           {"from", e.from_state},
         {"to", e.to_state},    {"version", e.version}, {"payload", e.payload},
         {"changes", e.changes}};
  if (!e.on_behalf_of.empty()) j["on_behalf_of"] = e.on_behalf_of;
  if (!e.note.empty()) j["note"] = e.note;
  if (!e.parent.empty()) j["parent"] = e.parent;
  return j.dump();
}

Event sample() {
  Event e;
  e.seq = 42;
  e.ref = "MED-2026-0007";
  e.action = "approve";
  e.actor = "hannah.head";
  e.at = "2026-03-02T09:00:00Z";
  e.from_state = "comms_review";
  e.to_state = "approved";
  e.version = std::string(64, 'a');
  e.payload = Json{{"reason", "Fine"}, {"count", 3}, {"ok", true}};
  e.changes = Json{{"approved_by", "hannah.head"}, {"draft", nullptr}, {"list", {1, "two"}}};
  return e;
}

}  // namespace

TEST_CASE("an event body is the canonical dump of its fields") {
  Event e = sample();
  SECTION("plain") {
    CHECK(e.body() == canonical(e));
  }
  SECTION("with a note, a delegate and a parent") {
    e.note = "Signed off \"as is\", see\nthread";
    e.on_behalf_of = "dan.director";
    e.parent = "SC-2026-0001";
    CHECK(e.body() == canonical(e));
  }
  SECTION("the event that created an item, with empty payload and text needing escapes") {
    e.seq = 1;
    e.from_state = "";
    e.payload = Json::object();
    e.changes = Json{{"title", "Café \\ \"quotes\" \t tab \x01 control"}};
    CHECK(e.body() == canonical(e));
  }
  SECTION("it reads back as the same event") {
    e.note = "n";
    e.parent = "SC-2026-0001";
    Event back = Event::from_body(e.seq, e.body());
    CHECK(back.body() == e.body());
  }
}
