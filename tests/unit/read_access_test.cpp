// What one reader sees of an item (read_access.h), in the engine without a server.
#include <commsflow/read_access.h>

#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;

namespace {

// Requesters see what they submit, but only `secret`, which only comms officers may see: so
// nothing of its data at all.
const char* const kNoteWorkflow = R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "note", prefix = "NT",
  fields = { title = wf.text {}, secret = wf.text {} },
  submit = { roles = { "requester" } },
  read = { roles = { "comms_officer" }, submitter = { "secret" },
           fields = { secret = { roles = { "comms_officer" } } } },
  initial = "open",
  states = { open = { actions = { close = { to = "done", roles = { "comms_officer" } } } },
             done = { final = true } },
}
)lua";

ReadAccess access_of(Fixture& f, const std::string& name) {
  return ReadAccess(*f.engine, Reader::for_actor(*f.store, *f.store->actor(name), "2026-03-02"));
}

}  // namespace

TEST_CASE("read access: a submitter limited to fields that are all hidden sees none of them") {
  Fixture f(kNoteWorkflow, "note.lua");
  auto submitted =
      f.engine->submit("note", "rita", Json{{"title", "Mine"}, {"secret", "Only for comms"}});
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  REQUIRE(f.engine->act(ActRequest{ref, "close", "olivia", {}, "closed, see file", {}}).ok());

  ReadAccess rita = access_of(f, "rita");
  Item seen = rita.item(ref);
  CHECK(seen.state == "done");
  CHECK(seen.data == Json::object());
  for (const auto& e : rita.history(ref)) {
    CHECK(e.changes == Json::object());
    CHECK(e.note.empty());
  }
  // She sees the item, so a report on it is refused saying why, not that it does not exist.
  CHECK_THROWS_WITH(rita.require_whole(ref),
                    Catch::Contains(ref + " has details you may not see, so its reports are not "
                                          "open to you"));

  ReadAccess olivia = access_of(f, "olivia");
  CHECK(olivia.item(ref).data["secret"] == "Only for comms");
  CHECK(olivia.history(ref).back().note == "closed, see file");

  ReadAccess hannah = access_of(f, "hannah");
  CHECK_THROWS_WITH(hannah.item(ref), Catch::Contains("no item " + ref));
  CHECK(hannah.items(ItemFilter{}).empty());
  CHECK(Reader::operator_reader().sees_everything());
  CHECK(ReadAccess(*f.engine, Reader::operator_reader()).item(ref).data.size() == 2);
}
