// The hash chain, verification, tamper detection and replay.
#include <commsflow/sha256.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <random>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;
using commsflow::test::raw_sql;
using commsflow::test::TempDir;

namespace {

// Three items with a few events each: 8 events in all, after the fixture's three actors
// (events 1-3): events 4-11.
std::vector<std::string> seed(Fixture& f) {
  Item a = f.submit("Alpha");
  Item b = f.submit("Bravo");
  Item c = f.submit("Charlie");
  f.act(a.ref, "send", "olivia", Json{{"body", "alpha text"}});
  f.act(a.ref, "approve", "hannah");
  f.act(b.ref, "edit", "olivia", Json{{"body", "bravo text"}});
  f.act(c.ref, "send", "olivia", Json{{"body", "charlie text"}});
  f.act(c.ref, "send_back", "hannah", Json{{"comment", "too long"}});
  return {a.ref, b.ref, c.ref};
}

bool mentions(const VerifyReport& r, const std::string& text) {
  for (const auto& p : r.problems) {
    if (p.message.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("SHA-256 matches the standard test vector and the chain formula") {
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string zeros(32, '\0');
  CHECK(chain_hash(genesis_hash(), "body") == to_hex(sha256(zeros + "body")));
  Digest d{};
  CHECK_FALSE(from_hex("xyz", d));
  CHECK_THROWS_AS(chain_hash("not-hex", "body"), Error);
}

TEST_CASE("a hash is read back from its hex in either case, and anything else is refused") {
  const std::string hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  Digest d{};
  REQUIRE(from_hex(hex, d));
  CHECK(d == sha256("abc"));
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Digest from_upper{};
  REQUIRE(from_hex(upper, from_upper));
  CHECK(from_upper == d);
  // One character that is not a hex digit, wherever it is, or a wrong length.
  for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    for (char bad : {'g', 'G', ' ', '/', ':', '@', '`', '\0', '\xff'}) {
      std::string wrong = hex;
      wrong[at] = bad;
      INFO("position " << at << ", byte " << static_cast<int>(static_cast<unsigned char>(bad)));
      CHECK_FALSE(from_hex(wrong, d));
    }
  }
  CHECK_FALSE(from_hex(hex.substr(1), d));
  CHECK_FALSE(from_hex(hex + "0", d));
  // As the engine writes it, it is exactly to_hex: lower case, 64 digits.
  CHECK(is_hex_of(hex, sha256("abc")));
  CHECK_FALSE(is_hex_of(upper, sha256("abc")));
  CHECK_FALSE(is_hex_of(hex.substr(1), sha256("abc")));
  CHECK_FALSE(is_hex_of(hex, sha256("abd")));
}

TEST_CASE("an intact history verifies and reports its head") {
  Fixture f;
  seed(f);
  VerifyReport r = verify(*f.store);
  CHECK(r.ok());
  CHECK(r.events == 3 + 8);  // the fixture's three actors, then the items' events
  CHECK(r.items == 3);
  CHECK(r.head_seq == 3 + 8);
  CHECK(r.head_hash == f.store->last_event()->hash);
}

TEST_CASE("an empty database verifies with the genesis head") {
  TempDir dir;
  Store::Options options;
  options.create = true;
  auto store_owner = Store::open(dir / "empty.db", options);
  Store& store = *store_owner;
  VerifyReport r = verify(store);
  CHECK(r.ok());
  CHECK(r.events == 0);
  CHECK(r.head_hash == genesis_hash());
}

TEST_CASE("tampering is detected and located", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  raw_sql(f.db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;");

  SECTION("one byte of an event body changed") {
    raw_sql(
        f.db_path,
        "UPDATE events SET body = replace(body, 'charlie text', 'charlie tExt') WHERE seq = 10");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 10);
    CHECK(r.problems[0].ref == refs[2]);
    CHECK_THAT(r.problems[0].message, Catch::Contains("does not match its hash"));
    // Only that event is named: the next link still checks against the stored hash.
    CHECK(std::none_of(r.problems.begin(), r.problems.end(), [](auto& p) { return p.seq == 11; }));
    // Replay sees the changed body too: the item row no longer matches it.
    CHECK(mentions(r, "data.body"));
  }
  SECTION("an event deleted") {
    raw_sql(f.db, "DELETE FROM events WHERE seq = 8");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 9);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("event 8 is missing (the sequence jumps to 9)"));
    CHECK(mentions(r, "does not match its hash"));
  }
  SECTION("two events swapped") {
    raw_sql(f.db,
            "UPDATE events SET seq = -1 WHERE seq = 7; UPDATE events SET seq = 7 WHERE seq = 8; "
            "UPDATE events SET seq = 8 WHERE seq = -1;");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 7);
    CHECK(mentions(r, "event 7 (" + refs[0] + ") was written as event 8"));
    CHECK(mentions(r, "reordered"));
  }
  SECTION("the item row edited directly") {
    raw_sql(f.db, "UPDATE items SET state = 'approved' WHERE ref = '" + refs[1] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].ref == refs[1]);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("stored state is approved but its events give draft"));
  }
  SECTION("item data edited directly") {
    raw_sql(f.db, "UPDATE items SET data = json_set(data, '$.title', 'Forged') WHERE ref = '" +
                      refs[0] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::Contains("data.title"));
    CHECK_THAT(r.problems[0].message, Catch::Contains("Forged"));
  }
  SECTION("long text edited: quoted cut short, never inside a character") {
    std::string accents;
    for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";  // é
    raw_sql(f.db, "UPDATE items SET data = json_set(data, '$.title', 'a" + accents +
                      "') WHERE ref = '" + refs[0] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    const std::string& message = r.problems[0].message;
    CHECK_THAT(message, Catch::Contains("stored data.title is \"a\xc3\xa9") &&
                            Catch::Contains("...") && !Catch::Contains(accents));
    CHECK_NOTHROW(r.to_json().dump());  // valid UTF-8 throughout
  }
  SECTION("a stored hash rewritten in upper case") {
    // The same bytes, but not the text the engine wrote: that event alone is named, and the
    // chain goes on from the bytes it holds, so the next event still checks.
    raw_sql(f.db, "UPDATE events SET hash = upper(hash) WHERE seq = 6");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].seq == 6);
    CHECK_THAT(r.problems[0].message, Catch::Contains("does not match its hash"));
  }
  SECTION("a stored hash that is not hex") {
    raw_sql(f.db, "UPDATE events SET hash = 'not a hash' WHERE seq = 6");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 6);
    CHECK_THAT(r.problems[0].message, Catch::Contains("does not match its hash"));
    CHECK(mentions(r, "event 6 has a malformed hash"));
    // With nothing to go on from, the next link cannot check either.
    CHECK(std::any_of(r.problems.begin(), r.problems.end(), [](auto& p) {
      return p.seq == 7 && p.message.find("does not match its hash") != std::string::npos;
    }));
  }
  SECTION("an item row deleted, and one added that no event made") {
    raw_sql(f.db,
            "INSERT INTO items(ref, workflow, version, state, data, revision, created_at, "
            "updated_at) SELECT 'FORGED-1', workflow, version, state, data, revision, "
            "created_at, updated_at FROM items WHERE ref = '" +
                refs[0] + "'; DELETE FROM items WHERE ref = '" + refs[1] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 2);
    CHECK(r.problems[0].message == "item FORGED-1 has no events");
    CHECK(r.problems[1].ref == refs[1]);
    CHECK(r.problems[1].message == "events for " + refs[1] + " exist but the item does not");
  }
  SECTION("a stored time changed by hand is quoted with its UK reading") {
    raw_sql(f.db,
            "UPDATE items SET updated_at = '2026-07-01T12:00:00Z' WHERE ref = '" + refs[0] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(mentions(r,
                   "stored updated_at is \"2026-07-01T12:00:00Z\" (Wed 1 Jul 2026, 13:00:00 "
                   "BST) but its events give \""));
  }
  SECTION("the last event deleted together with the change it made") {
    raw_sql(f.db, "DELETE FROM events WHERE seq = 11");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].ref == refs[2]);
    CHECK(mentions(r, "stored revision is 3 but its events give 2"));
  }
}

TEST_CASE("replaying random action sequences reproduces every stored item exactly") {
  auto seed_value = GENERATE(1u, 2u, 3u, 4u, 5u);
  std::mt19937 rng(seed_value);
  Fixture f;
  std::vector<std::string> refs;
  const std::vector<std::pair<std::string, std::string>> moves = {{"send", "olivia"},
                                                                  {"edit", "olivia"},
                                                                  {"approve", "hannah"},
                                                                  {"send_back", "hannah"},
                                                                  {"approve", "olivia"}};
  for (int step = 0; step < 120; ++step) {
    if (refs.empty() || rng() % 5 == 0) {
      refs.push_back(f.submit("Item " + std::to_string(step)).ref);
      continue;
    }
    const std::string& ref = refs[rng() % refs.size()];
    auto [action, actor] = moves[rng() % moves.size()];
    Json inputs = Json::object();
    if (action == "send" && rng() % 3) inputs["body"] = "text " + std::to_string(rng() % 100);
    if (action == "edit") inputs["words"] = static_cast<int>(rng() % 500);
    if (action == "send_back") inputs["comment"] = "comment " + std::to_string(step);
    // Refusals and wrong-state actions are part of the test: they must change nothing.
    try {
      f.engine->act(ActRequest{ref, action, actor, inputs, "", std::nullopt});
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
    }
    if (step % 40 == 39) f.reopen();
  }
  for (const auto& ref : refs) {
    Item stored = f.engine->item(ref);
    Item replayed = replay(f.engine->history(ref));
    CHECK(replayed.state == stored.state);
    CHECK(replayed.data == stored.data);
    CHECK(replayed.revision == stored.revision);
    CHECK(replayed.created_at == stored.created_at);
    CHECK(replayed.updated_at == stored.updated_at);
    CHECK(replayed.version == stored.version);
  }
  CHECK(verify(*f.store).ok());
}

namespace {

// Rewrites event `seq` with `edit` applied to its body and recomputes every later hash, as
// someone covering their tracks would: the chain then checks out on its own.
void rewrite_and_rechain(Fixture& f, std::int64_t seq, const std::string& from,
                         const std::string& to) {
  std::vector<StoredEvent> events;
  f.store->for_each_event([&](const EventRowView& row) {
    events.push_back(StoredEvent{row.seq, std::string(row.body), std::string(row.hash)});
  });
  std::string prev = genesis_hash();
  std::string sql = "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;";
  for (auto& e : events) {
    if (e.seq == seq) {
      auto at = e.body.find(from);
      REQUIRE(at != std::string::npos);
      e.body.replace(at, from.size(), to);
    }
    e.hash = chain_hash(prev, e.body);
    prev = e.hash;
    if (e.seq >= seq) {
      // The indexed columns are made to agree with the new body too, where it can be read.
      std::string columns;
      try {
        Event read = Event::from_body(e.seq, e.body);
        columns = fmt::format(", ref = '{}', actor = '{}', action = '{}', at = '{}'", read.ref,
                              read.actor, read.action, read.at);
      } catch (const Error&) {
      }
      sql += fmt::format("UPDATE events SET body = '{}', hash = '{}'{} WHERE seq = {};", e.body,
                         e.hash, columns, e.seq);
    }
  }
  raw_sql(f.db, sql);
}

}  // namespace

TEST_CASE("verify names an event whose indexed columns disagree with its body", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  REQUIRE(verify(*f.store).ok());
  // History searches and audit reports go by the columns: re-attributing an approval there
  // alone, leaving the hashed body as it was, would change what a report of someone's actions
  // shows.
  const std::string actor = test::query_text(f.db, "SELECT actor FROM events WHERE seq = 7");
  test::raw_sql(f.db,
                "DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE seq = 7");
  VerifyReport r = verify(*f.store);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].seq == 7);
  CHECK(r.problems[0].ref == refs[0]);
  CHECK_THAT(r.problems[0].message,
             Catch::Contains("actor column says 'mallory' but its body says '" + actor + "'"));
  // The item's own check, which its page and `show` make, finds it too.
  CHECK_THAT(item_history_problems(*f.store, *f.store->item(refs[0])),
             Catch::VectorContains(std::string(
                 "event 7's indexed columns (who, action, time) no longer say what its body says: "
                 "they were changed after it was written")));
  CHECK(item_history_problems(*f.store, *f.store->item(refs[1])).empty());
}

TEST_CASE("verify names a column stored as a blob, which searches would miss", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  REQUIRE(verify(*f.store).ok());
  // The same bytes as a blob: equal to the body byte for byte, but SQLite compares types, so
  // an audit of the actor's events, or a search for the item, would silently leave them out.
  test::raw_sql(f.db,
                "DROP TRIGGER events_no_update; UPDATE events SET actor = CAST(actor AS BLOB) "
                "WHERE seq = 7; UPDATE items SET state = CAST(state AS BLOB) WHERE ref = '" +
                    refs[1] + "'");
  CHECK(test::query_text(f.db, "SELECT count(*) FROM events WHERE seq = 7 AND actor = '" +
                                   test::query_text(f.db,
                                                    "SELECT body ->> 'actor' FROM events "
                                                    "WHERE seq = 7") +
                                   "'") == "0");
  VerifyReport r = verify(*f.store);
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].seq == 7);
  CHECK(r.problems[0].ref == refs[0]);
  CHECK_THAT(r.problems[0].message,
             Catch::Contains("event 7: its column actor (a blob) is not text"));
  CHECK(r.problems[1].ref == refs[1]);
  CHECK_THAT(r.problems[1].message,
             Catch::Contains("item " + refs[1] + ": its column state (a blob) is not text"));
}

TEST_CASE("verify checks the workflow each item row names and the Lua stored for it", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  REQUIRE(verify(*f.store).ok());

  SECTION("an item moved to another workflow's lists") {
    test::raw_sql(f.db,
                  "UPDATE items SET workflow = 'comms_request' WHERE ref = '" + refs[1] + "'");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].ref == refs[1]);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("its workflow column says 'comms_request' but its version "
                               "belongs to 'review'"));
  }
  SECTION("the stored Lua of a version edited") {
    // What `show` and the next action run is the stored source: an edit there changes the
    // rules an item is under without a trace in its history.
    test::raw_sql(f.db, "UPDATE definitions SET source = source || '-- edited'");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("its stored Lua does not hash to its version"));
  }
}

TEST_CASE("a recorded chain head proves the history up to it is unchanged", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  VerifyReport at_meeting = verify(*f.store);
  ChainHead anchor =
      parse_chain_head(fmt::format("{}:{}", at_meeting.head_seq, at_meeting.head_hash));
  CHECK(anchor.seq == 11);
  // Work carries on after the head was recorded.
  f.act(refs[1], "send", "olivia", Json{{"body", "later text"}});
  f.act(refs[1], "approve", "hannah");

  SECTION("intact") {
    VerifyReport r = verify(*f.store, anchor);
    CHECK(r.ok());
    CHECK(r.head_seq == 13);
    CHECK(verify(*f.store, ChainHead{0, genesis_hash()}).ok());
  }
  SECTION("an approval re-attributed and every later hash recomputed") {
    rewrite_and_rechain(f, 8, "\"actor\":\"hannah\"", "\"actor\":\"olivia\"");
    // The chain and the replay alone cannot tell: nothing the replay uses changed.
    CHECK(verify(*f.store).ok());
    VerifyReport r = verify(*f.store, anchor);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].seq == 11);
    CHECK_THAT(r.problems[0].message, Catch::Contains("differs from the anchor 11:"));
    CHECK_THAT(r.problems[0].message, Catch::Contains("every later hash rewritten"));
  }
  SECTION("a change after the anchor does not break it") {
    rewrite_and_rechain(f, 12, "later text", "other text");
    VerifyReport r = verify(*f.store, anchor);
    CHECK_FALSE(r.ok());  // the replay of the item sees the change...
    CHECK(std::none_of(r.problems.begin(), r.problems.end(),
                       [](auto& p) { return p.message.find("anchor") != std::string::npos; }));
  }
  SECTION("an event before the anchor edited in place") {
    raw_sql(f.db,
            "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, 'alpha text', "
            "'alpha tExt') WHERE seq = 7");
    VerifyReport r = verify(*f.store, anchor);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 7);
    CHECK(mentions(r, "differs from the anchor"));
    CHECK(mentions(r, "the problems above show where"));
  }
  SECTION("the log cut back before the anchor") {
    raw_sql(f.db, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq >= 11");
    VerifyReport r = verify(*f.store, anchor);
    CHECK(
        mentions(r, "the anchor 11:" + anchor.hash + " is event 11 but the log ends at event 10"));
  }
  SECTION("the anchored event itself deleted") {
    raw_sql(f.db, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 11");
    VerifyReport r = verify(*f.store, anchor);
    CHECK(mentions(r, "is event 11, which is missing from the log"));
  }
  SECTION("a head that was never this log's") {
    VerifyReport r = verify(*f.store, ChainHead{8, std::string(64, 'f')});
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::Contains("differs from the anchor 8:ffff"));
  }
}

TEST_CASE("a chain head is read as SEQ:HASH and nothing else") {
  std::string hash(64, 'a');
  ChainHead h = parse_chain_head("12:" + std::string(64, 'A'));
  CHECK(h.seq == 12);
  CHECK(h.hash == hash);
  for (const std::string& bad : std::vector<std::string>{
           "", "12", ":" + hash, "x:" + hash, "-1:" + hash, "0:" + hash, "12:abc",
           "12:" + hash + "0", "12 :" + hash, "12:" + std::string(64, 'g')}) {
    INFO(bad);
    try {
      parse_chain_head(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      CHECK_THAT(e.what(), Catch::Contains("SEQ:HASH"));
    }
  }
}

TEST_CASE("verify reads every event body in full, however it is written", "[sqlite]") {
  Fixture f;
  auto refs = seed(f);
  // Event 7 is the first "send" of refs[0]: its changes set body to "alpha text".
  const std::string change = "\"body\":\"alpha text\"";

  SECTION("a body that is not JSON is named, and the other events still replay") {
    rewrite_and_rechain(f, 7, "\"changes\":{", "\"changes\":{,");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 7);
    CHECK_THAT(r.problems[0].message, Catch::Contains("event 7 is not a valid event record"));
    // Without that event the item is one revision short; the other items still match.
    CHECK(mentions(r, "item " + refs[0] + ": stored revision is 3 but its events give 2"));
    CHECK(std::none_of(r.problems.begin(), r.problems.end(),
                       [&](auto& p) { return p.ref == refs[1] || p.ref == refs[2]; }));
  }
  SECTION("bad JSON inside a change's value") {
    auto bad = GENERATE(std::string("[1,[2,,3]]"), std::string("1.2.3"), std::string("01"),
                        std::string("tru"), std::string("nul"), std::string("\"a\\x\""),
                        std::string("{\"k\" 1}"), std::string("[1 2]"), std::string("-"));
    INFO(bad);
    rewrite_and_rechain(f, 7, change, "\"body\":" + bad);
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 7);
    CHECK_THAT(r.problems[0].message, Catch::Contains("event 7 is not a valid event record"));
  }
  SECTION("bad JSON in a field replay does not use") {
    rewrite_and_rechain(f, 7, "\"changes\":", "\"extra\":[tru],\"changes\":");
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problems[0].message, Catch::Contains("event 7 is not a valid event record"));
  }
  SECTION("a field missing or of the wrong type") {
    auto [from, to] =
        GENERATE(std::pair<std::string, std::string>{"\"seq\":7", "\"seq\":\"7\""},
                 std::pair<std::string, std::string>{"\"changes\":{", "\"x\":{"},
                 std::pair<std::string, std::string>{"\"to\":\"", "\"to\":1,\"tox\":\""});
    INFO(from << " -> " << to);
    rewrite_and_rechain(f, 7, from, to);
    VerifyReport r = verify(*f.store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems[0].seq == 7);
    CHECK_THAT(r.problems[0].message, Catch::Contains("event 7 is not a valid event record"));
  }
  SECTION("the same values written differently replay to the same item") {
    // Spaces, \u escapes and a key written twice are never written by the engine, but read as
    // JSON they give the same event: the history still verifies.
    auto to = GENERATE(std::string("\"body\" : \"alph\\u0061 text\" "),
                       std::string("\"body\":\"forged\",\"body\":\"alpha text\""));
    rewrite_and_rechain(f, 7, change, to);
    VerifyReport r = verify(*f.store);
    CHECK(r.ok());
  }
  SECTION("a key written twice counts its later value") {
    rewrite_and_rechain(f, 7, change, change + ",\"body\":\"forged\"");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::Contains("stored data.body is \"alpha text\""));
    CHECK_THAT(r.problems[0].message, Catch::Contains("its events give \"forged\""));
  }
  SECTION("a value removed by a null change") {
    rewrite_and_rechain(f, 7, change, "\"body\":null");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::Contains("its events give (unset)"));
  }
}

TEST_CASE("values of every JSON type replay exactly, and a changed one is named", "[sqlite]") {
  Fixture f;
  Item item = f.submit("Alpha");
  // Two more events for the item written directly, as the engine writes them, with data of
  // every JSON type: numbers before other keys, escapes, nesting, and a value removed.
  const std::vector<Json> steps = {
      Json{{"n", 1},
           {"f", 2.5},
           {"neg", -3},
           {"big", 12345678901234},
           {"t", true},
           {"no", false},
           {"list", Json::array({1, "two", Json{{"three", 3}}, nullptr})},
           {"nested", Json{{"k", Json::array({Json::object(), Json::array()})}}},
           {"text", "quote \" backslash \\ newline \n tab \t accents é ✓ \x01 control"},
           {"empty", ""},
           {"a key \"quoted\"", 0}},
      Json{{"n", 2}, {"f", nullptr}, {"list", "now a string"}, {"z", Json::object()}}};
  {
    auto tx = f.store->begin_write();
    auto last = f.store->last_event();
    REQUIRE(last);
    std::string prev = last->hash;
    for (const Json& changes : steps) {
      Event e;
      e.seq = last->seq + 1 + static_cast<std::int64_t>(&changes - steps.data());
      e.ref = item.ref;
      e.action = "edit";
      e.actor = "olivia";
      e.at = "2026-03-02T10:00:00Z";
      e.from_state = item.state;
      e.to_state = item.state;
      e.version = item.version;
      e.changes = changes;
      const std::string body = e.body();
      const std::string hash = chain_hash(prev, body);
      f.store->append_event(StoredEvent{e.seq, body, hash});
      prev = hash;
      apply_changes(item.data, changes);
      item.revision += 1;
      item.updated_at = e.at;
      REQUIRE(f.store->update_item(item, item.revision - 1));
    }
    tx->commit();
  }
  {
    VerifyReport intact = verify(*f.store);
    std::string found;
    for (const auto& p : intact.problems) found += p.message + "\n";
    INFO(found);
    REQUIRE(intact.ok());
  }

  auto set_data = [&](const std::string& path, const std::string& sql_value) {
    raw_sql(f.db, fmt::format("UPDATE items SET data = json_set(data, '{}', {}) WHERE ref = '{}'",
                              path, sql_value, item.ref));
  };
  SECTION("written in another form but equal as JSON: still the same item") {
    set_data("$.n", "2.0");  // nlohmann compares numbers by value, as verify did before
    CHECK(verify(*f.store).ok());
    // The item's own check agrees with verify: no warning, nothing refused.
    CHECK(item_history_problems(*f.store, *f.store->item(item.ref)).empty());
  }
  SECTION("a changed number") {
    set_data("$.big", "12345678901235");
    CHECK_THAT(item_history_problems(*f.store, *f.store->item(item.ref)),
               Catch::VectorContains(std::string(
                   "the stored item is not what its 3 event(s) record: it was changed outside "
                   "commsflow")));
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("stored data.big is 12345678901235 but its events give "
                               "12345678901234"));
  }
  SECTION("a changed nested value") {
    set_data("$.nested.k[0]", "json('{\"x\":1}')");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::Contains("data.nested"));
  }
  SECTION("a removed value put back") {
    set_data("$.f", "2.5");
    VerifyReport r = verify(*f.store);
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message,
               Catch::Contains("stored data.f is 2.5 but its events give (unset)"));
  }
}
