// The store: migrations, WAL, refusing unknown or future databases, busy handling, atomicity.
#include <commsflow/accounts.h>
#include <commsflow/event.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "store/copy_tables.h"
#include "store/postgresql/connection.h"
#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;
using commsflow::test::raw_sql;
using commsflow::test::TempDir;

namespace {

std::int64_t scalar(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::int64_t v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(h);
  return v;
}

std::string file_bytes(const std::filesystem::path& p) {
  return test::read_bytes(p);
}

// How many of the instructions SQLite compiles `sql` into are `opcode`.
int count_opcode(const std::filesystem::path& db, const std::string& sql, std::string_view opcode) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, ("EXPLAIN " + sql).c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  int count = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    if (reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)) == opcode) ++count;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(h);
  return count;
}

}  // namespace

TEST_CASE("a new database is migrated, recorded and in WAL mode") {
  TempDir dir;
  auto store_owner = Store::open(dir / "a.db", Store::Options{true});
  Store& store = *store_owner;
  const int newest = store::sqlite_migrations().back().number;
  CHECK(store.schema_version() == newest);
  CHECK(scalar(dir / "a.db", "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(store::sqlite_migrations().size()));
  CHECK(scalar(dir / "a.db", "PRAGMA user_version") == newest);
  CHECK(test::query_text(dir / "a.db", "PRAGMA journal_mode") == "wal");
}

TEST_CASE("a new database file and its log are for their owner only", "[sqlite]") {
  TempDir dir;
  ::umask(022);  // as a shell leaves it: files readable by everyone unless made otherwise
  namespace fs = std::filesystem;
  const auto mode = [&](const char* name) {
    return fs::status(dir / name).permissions() & fs::perms::all;
  };
  {
    auto store = Store::open(dir / "a.db", Store::Options{true});  // migrated: a log written
    for (const char* name : {"a.db", "a.db-wal"}) {
      INFO(name);
      REQUIRE(fs::exists(dir / name));
      CHECK(mode(name) == (fs::perms::owner_read | fs::perms::owner_write));
    }
  }
  // An existing file keeps the mode its owner gave it.
  fs::permissions(dir / "a.db", fs::perms::group_read, fs::perm_options::add);
  Store::open(dir / "a.db", Store::Options{true});
  CHECK(mode("a.db") == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
}

TEST_CASE("opening an older database applies only the missing migrations, in order") {
  TempDir dir;
  std::vector<store::Migration> v1 = {{1, "first", "CREATE TABLE a(x INTEGER);"}};
  std::vector<store::Migration> v2 = {{1, "first", "CREATE TABLE a(x INTEGER);"},
                                      {2, "second", "INSERT INTO a VALUES (42);"}};
  {
    store::Database db(dir / "m.db", true, 1000, store::Durability::Full);
    CHECK(store::migrate(db, v1) == 1);
  }
  {
    store::Database db(dir / "m.db", false, 1000, store::Durability::Full);
    CHECK(store::migrate(db, v2) == 2);
    CHECK(store::migrate(db, v2) == 2);  // idempotent
  }
  CHECK(scalar(dir / "m.db", "SELECT count(*) FROM a") == 1);
  CHECK(scalar(dir / "m.db", "SELECT max(version) FROM schema_migrations") == 2);
}

TEST_CASE("a failing migration leaves the database at the previous version") {
  TempDir dir;
  std::vector<store::Migration> broken = {{1, "first", "CREATE TABLE a(x INTEGER);"},
                                          {2, "bad", "INSERT INTO a VALUES (1); SELECT nope();"}};
  store::Database db(dir / "m.db", true, 1000, store::Durability::Full);
  CHECK_THROWS_AS(store::migrate(db, broken), Error);
  CHECK(scalar(dir / "m.db", "SELECT max(version) FROM schema_migrations") == 1);
  CHECK(scalar(dir / "m.db", "SELECT count(*) FROM a") == 0);
}

TEST_CASE("the outbox rebuilt for its cheaper status rule keeps every row and the rule",
          "[sqlite]") {
  TempDir dir;
  const auto path = dir / "old.db";
  {
    // A database at the schema before the rebuild, with a row in each state of delivery.
    std::vector<store::Migration> before;
    for (const auto& m : store::sqlite_migrations()) {
      if (m.number < 13) before.push_back(m);
    }
    store::Database db(path, true, 1000, store::Durability::Full);
    REQUIRE(store::migrate(db, before) == 12);
    db.exec(
        "INSERT INTO outbox(id, created_at, recipient, ref, kind, message, state, status, "
        "attempts, last_error, next_attempt_at, sent_at, sent_to) VALUES "
        "(4, '2026-03-02T09:00:00Z', 'hannah', 'MED-2026-0001', 'decision_needed', 'Please "
        "approve', 'drafted', 'waiting', 1, 'connection refused', '2026-03-02T09:05:00Z', '', ''),"
        "(7, '2026-03-02T09:01:00Z', 'role:director', 'MED-2026-0001', 'escalation', 'Late', "
        "'drafted', 'sent', 1, '', '', '2026-03-02T09:02:00Z', 'dan@example.nhs.uk'),"
        "(9, '2026-03-02T09:03:00Z', 'eve', 'MED-2026-0002', 'reminder', 'Due soon', 'review', "
        "'failed', 5, 'mailbox full', '', '', '')");
  }
  auto store_owner = Store::open(path, Store::Options{});
  const std::string db = path.string();
  CHECK(test::query_text(db,
                         "SELECT group_concat(id || ';' || created_at || ';' || recipient || ';' "
                         "|| ref || ';' || kind || ';' || message || ';' || state || ';' || status "
                         "|| ';' || attempts || ';' || last_error || ';' || next_attempt_at || ';' "
                         "|| sent_at || ';' || sent_to, '|') FROM (SELECT * FROM outbox ORDER BY "
                         "id)") ==
        "4;2026-03-02T09:00:00Z;hannah;MED-2026-0001;decision_needed;Please approve;drafted;"
        "waiting;1;connection refused;2026-03-02T09:05:00Z;;|"
        "7;2026-03-02T09:01:00Z;role:director;MED-2026-0001;escalation;Late;drafted;sent;1;;;"
        "2026-03-02T09:02:00Z;dan@example.nhs.uk|"
        "9;2026-03-02T09:03:00Z;eve;MED-2026-0002;reminder;Due soon;review;failed;5;mailbox "
        "full;;;");
  CHECK(test::query_text(db,
                         "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                         "WHERE tbl_name = 'outbox' AND type = 'index' ORDER BY name)") ==
        "outbox_by_recipient,outbox_by_ref,outbox_waiting");
  // The rule still refuses a status that is not one of the four, and changes nothing.
  {
    store::Database raw(path, false, 1000, store::Durability::Full);
    CHECK_THROWS_WITH(raw.exec("UPDATE outbox SET status = 'lost' WHERE id = 4"),
                      Catch::Contains("CHECK constraint failed"));
    CHECK_THROWS_WITH(raw.exec("INSERT INTO outbox(created_at, recipient, ref, kind, message, "
                               "status) VALUES ('2026-03-02T10:00:00Z', 'sam', 'MED-2026-0003', "
                               "'reminder', 'x', 'lost')"),
                      Catch::Contains("CHECK constraint failed"));
  }
  CHECK(scalar(path, "SELECT count(*) FROM outbox") == 3);
  CHECK(test::query_text(db, "SELECT status FROM outbox WHERE id = 4") == "waiting");
  // What it was rebuilt for: writing a row no longer builds a temporary b-tree for the rule.
  const std::string insert =
      "INSERT INTO outbox(created_at, recipient, ref, kind, message, status) VALUES "
      "('2026-03-02T10:00:00Z', 'sam', 'MED-2026-0003', 'reminder', 'x', ?)";
  CHECK(count_opcode(path, insert, "OpenEphemeral") == 0);
  CHECK(count_opcode(path, "UPDATE outbox SET status = ? WHERE id = 4", "OpenEphemeral") == 0);
}

TEST_CASE("a database from a newer version is refused and left unchanged", "[sqlite]") {
  Fixture f;
  f.submit();
  f.engine.reset();
  f.registry.reset();
  f.store.reset();
  raw_sql(f.db,
          "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', "
          "'2030-01-01T00:00:00Z')");
  std::string before = file_bytes(f.db_path);
  try {
    Store::open(f.db, Store::Options{});
    FAIL("expected the future database to be refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Storage);
    CHECK_THAT(e.what(), Catch::Contains("newer version of commsflow"));
    CHECK_THAT(e.what(), Catch::Contains("schema version 999"));
    CHECK_THAT(e.what(), Catch::Contains(f.db_path.string()));
  }
  CHECK(file_bytes(f.db_path) == before);
}

TEST_CASE("files that are not commsflow databases are refused with the file named") {
  TempDir dir;
  SECTION("missing file") {
    CHECK_THROWS_WITH(Store::open(dir / "none.db", Store::Options{}),
                      Catch::Contains("no database at") && Catch::Contains("commsflow init"));
    CHECK_FALSE(std::filesystem::exists(dir / "none.db"));
  }
  SECTION("not SQLite") {
    dir.write("junk.db", std::string(4096, 'x'));
    CHECK_THROWS_WITH(Store::open(dir / "junk.db", Store::Options{}),
                      Catch::Contains("junk.db") && Catch::Contains("not an SQLite database"));
    CHECK(file_bytes(dir / "junk.db") == std::string(4096, 'x'));
  }
  SECTION("another application's SQLite database") {
    raw_sql(dir / "other.db", "CREATE TABLE customers(id INTEGER)");
    CHECK_THROWS_WITH(Store::open(dir / "other.db", Store::Options{}),
                      Catch::Contains("not a commsflow one"));
    CHECK(test::query_text(dir / "other.db",
                           "SELECT group_concat(name) FROM sqlite_schema WHERE type='table'") ==
          "customers");
  }
}

TEST_CASE("a database held busy by another writer reports a conflict after the timeout",
          "[sqlite]") {
  Fixture f;
  Store::Options options;
  options.busy_timeout_ms = 50;
  f.engine.reset();
  f.registry.reset();
  f.store = Store::open(f.db, options);
  f.registry = std::make_unique<WorkflowRegistry>(*f.store, f.clock, f.workflows);
  f.registry->sync();
  f.engine = std::make_unique<Engine>(*f.store, *f.registry, f.clock);

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(f.db_path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  try {
    f.engine->submit("review", "olivia", Json{{"title", "t"}});
    FAIL("expected a busy database to be reported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Conflict);
    CHECK_THAT(e.what(), Catch::Contains("another process held the database"));
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(f.engine->submit("review", "olivia", Json{{"title", "t"}}).ok());
}

TEST_CASE("a failed action rolls back everything, including the reference counter") {
  Fixture f(R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "fragile", prefix = "FR",
  fields = { title = wf.text {}, n = wf.integer {} },
  submit = { roles = { "comms_officer" },
             effect = function(item) if item.title == "boom" then error("kaboom") end end },
  initial = "open",
  states = { open = { actions = { close = { to = "closed", roles = { "comms_officer" } } } },
             closed = { final = true } },
})lua",
            "fragile.lua");
  CHECK_THROWS_WITH(f.engine->submit("fragile", "olivia", Json{{"title", "boom"}}),
                    Catch::Contains("kaboom"));
  CHECK(f.engine->items({}).empty());
  CHECK(f.store->chain_head()->seq == 3);  // the fixture's three actors, nothing since
  auto ok = f.engine->submit("fragile", "olivia", Json{{"title", "fine"}});
  REQUIRE(ok.ok());
  CHECK(ok.value().ref == "FR-2026-0001");
}

TEST_CASE("items are listed by workflow and state in id order up to a limit and by a data value") {
  Fixture f;
  {
    std::ofstream(f.workflows / "note.lua") << R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "note", prefix = "NOTE",
  fields = { title = wf.text {} },
  submit = { roles = { "comms_officer" } },
  initial = "open",
  states = { open = { actions = { close = { to = "closed", roles = { "comms_officer" } } } },
             closed = { final = true } },
})lua";
  }
  f.reopen();
  const std::string first = f.submit("First").ref;
  auto note = f.engine->submit("note", "olivia", Json{{"title", "Second"}});
  REQUIRE(note.ok());
  const std::string second = f.submit("Second").ref;
  f.act(second, "send", "olivia", Json{{"body", "Some text"}});
  const std::string third = f.submit("Third").ref;
  const auto refs = [](const std::vector<Item>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.ref);
    return out;
  };
  using Refs = std::vector<std::string>;
  CHECK(refs(f.store->items({})) == Refs{first, note.value().ref, second, third});
  CHECK(refs(f.store->items({"review", "", -1})) == Refs{first, second, third});
  CHECK(refs(f.store->items({"review", "draft", -1})) == Refs{first, third});
  CHECK(refs(f.store->items({"", "review", -1})) == Refs{second});
  CHECK(refs(f.store->items({"review", "", 2})) == Refs{first, second});
  CHECK(refs(f.store->items({"", "", 1})) == Refs{first});
  CHECK(f.store->items({"note", "review", -1}).empty());
  CHECK(f.store->items({"no_such_workflow", "", -1}).empty());
}

TEST_CASE(
    "reference numbers given in a savepoint rolled back are given again - committed ones never") {
  Fixture f;
  {
    auto outer = f.store->begin_write();
    CHECK(f.store->next_ref_number("REV", 2026) == 1);
    {
      auto kept = f.store->begin_write();  // a savepoint
      CHECK(f.store->next_ref_number("REV", 2026) == 2);
      kept->commit();
    }
    {
      auto undone = f.store->begin_write();  // rolled back: its numbers are given again
      CHECK(f.store->next_ref_number("REV", 2026) == 3);
      CHECK(f.store->next_ref_number("OTHER", 2026) == 1);
    }
    CHECK(f.store->next_ref_number("REV", 2026) == 3);
    CHECK(f.store->next_ref_number("OTHER", 2026) == 1);
    CHECK(f.store->next_ref_number("REV", 2027) == 1);
    outer->commit();
  }
  {
    auto rolled_back = f.store->begin_write();
    CHECK(f.store->next_ref_number("REV", 2026) == 4);
  }
  f.reopen();  // as another process would find them
  auto tx = f.store->begin_write();
  CHECK(f.store->next_ref_number("REV", 2026) == 4);
  CHECK(f.store->next_ref_number("OTHER", 2026) == 2);
  CHECK(f.store->next_ref_number("REV", 2027) == 2);
  tx->commit();
}

TEST_CASE("events cannot be updated or deleted through SQL while the triggers stand", "[sqlite]") {
  Fixture f;
  f.submit();
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(f.db_path.c_str(), &h) == SQLITE_OK);
  char* message = nullptr;
  CHECK(sqlite3_exec(h, "UPDATE events SET body = '{}'", nullptr, nullptr, &message) != SQLITE_OK);
  CHECK_THAT(std::string(message ? message : ""), Catch::Contains("append-only"));
  sqlite3_free(message);
  CHECK(sqlite3_exec(h, "DELETE FROM events", nullptr, nullptr, nullptr) != SQLITE_OK);
  sqlite3_close(h);
}

TEST_CASE("the chain head is the last event's seq and hash, and nothing before the first") {
  {
    TempDir dir;
    Store::Options options;
    options.create = true;
    auto empty_owner = Store::open(dir / "empty.db", options);
    Store& empty = *empty_owner;
    CHECK_FALSE(empty.chain_head());
  }
  Fixture f;
  REQUIRE(f.store->chain_head());
  CHECK(f.store->chain_head()->seq == 3);  // the fixture's three actors
  f.submit();
  auto first = f.store->chain_head();
  REQUIRE(first);
  CHECK(first->seq == 4);
  f.submit();
  auto head = f.store->chain_head();
  auto last = f.store->last_event();
  REQUIRE(head);
  REQUIRE(last);
  CHECK(head->seq == 5);
  CHECK(head->seq == last->seq);
  CHECK(head->hash == last->hash);
  CHECK(head->hash == chain_hash(first->hash, last->body));
}

TEST_CASE(
    "a writer waits for another connection's write, reports a conflict after its timeout, "
    "and writes once the other is done") {
  Fixture f;
  Store::Options options;
  options.busy_timeout_ms = 50;
  auto other = Store::open(f.db, options);
  {
    auto holding = f.store->begin_write();
    try {
      other->begin_write();
      FAIL("expected the second writer to give up");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Conflict);
      CHECK_THAT(e.what(), Catch::Contains("try again"));
    }
    CHECK_FALSE(other->in_transaction());
  }
  auto writing = other->begin_write();
  other->add_actor(Actor{"nina", {"requester"}}, "2026-03-02T09:00:00Z");
  writing->commit();
  CHECK(f.store->actor("nina").has_value());
}

TEST_CASE("failed sign-ins counted through one connection lock the name for every other") {
  Fixture f;
  auto other = Store::open(f.db, Store::Options{});
  Accounts& here = f.store->accounts();
  CHECK(here.count_sign_in_failure("name:tom") == 1);
  CHECK(here.count_sign_in_failure("name:tom") == 2);
  CHECK(other->accounts().count_sign_in_failure("name:tom") == 3);
  CHECK(other->accounts().sign_in_locked_until("name:tom") == 0);
  here.lock_sign_in("name:tom", 1'900'000'000'000);
  CHECK(other->accounts().sign_in_locked_until("name:tom") == 1'900'000'000'000);
  CHECK(other->accounts().sign_in_locked_until("name:hannah") == 0);
  other->accounts().clear_sign_in_failures("name:tom");
  CHECK(here.sign_in_locked_until("name:tom") == 0);
  CHECK(here.count_sign_in_failure("name:tom") == 1);
}

TEST_CASE("copy moves every table of the schema but schema_migrations") {
  Fixture f;
  const std::string tables =
      test::testing_postgresql()
          ? test::query_text(f.db,
                             "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                             "WHERE schemaname = current_schema()")
          : test::query_text(f.db,
                             "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
                             "WHERE type = 'table' ORDER BY name)");
  std::vector<std::string> copied{"schema_migrations"};
  for (const auto& t : store::copied_tables()) copied.push_back(t.name);
  std::sort(copied.begin(), copied.end());
  CHECK(tables == fmt::format("{}", fmt::join(copied, ",")));
}

TEST_CASE("a database that was never initialised is refused, naming `commsflow init`") {
  TempDir dir;
  test::TestDatabase fresh(dir / "never.db");
  try {
    Store::open(fresh.location(), Store::Options{});
    FAIL("expected the uninitialised database to be refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::NotFound);
    CHECK_THAT(e.what(), Catch::Contains("commsflow init"));
  }
  // And init (create) makes it.
  CHECK(Store::open(fresh.location(), Store::Options{true})->schema_version() > 0);
}

// PostgreSQL only: the server may drop a connection (it restarted, or an administrator or a
// proxy cut it). A long-running server must not answer errors from then on.
TEST_CASE("a connection PostgreSQL dropped is opened again at the next transaction",
          "[postgresql]") {
  REQUIRE(test::testing_postgresql());
  Fixture f;
  const Item before = f.submit("Before the cut");
  auto cut = [&] { test::cut_postgresql_connections(f.db); };
  cut();
  // Between transactions: the next one opens the connection again, and nothing is lost.
  const Item after = f.submit("After the cut");
  CHECK(f.engine->item(before.ref).data["title"] == "Before the cut");
  CHECK(f.engine->item(after.ref).data["title"] == "After the cut");

  // Inside a transaction: that transaction fails, saying so, and nothing of it is written.
  {
    auto tx = f.store->begin_write();
    f.store->add_actor(Actor{"late", {"comms_officer"}}, "2026-03-02T09:00:00Z");
    cut();
    // As when SQLite abandons a transaction: a statement fails, and the store then says no
    // transaction is open (group commit reads this to start the rest of a batch afresh).
    CHECK_THROWS_WITH(f.store->actor("late"),
                      Catch::Contains("connection to the database server was lost"));
    CHECK_FALSE(f.store->in_transaction());
    CHECK_THROWS_WITH(tx->commit(), Catch::Contains("connection to the database server was lost"));
  }
  {
    auto tx = f.store->begin_read();
    CHECK_FALSE(f.store->actor("late").has_value());
  }
  // Outside a transaction: the statement that finds the connection lost fails, as its outcome
  // is unknown, and the next opens it again.
  cut();
  CHECK_THROWS_WITH(f.store->accounts().password_hash("olivia"),
                    Catch::Contains("connection to the database server was lost"));
  CHECK_FALSE(f.store->accounts().password_hash("olivia").has_value());
  f.act(after.ref, "edit", "olivia", Json{{"body", "Written after the second cut"}});
  CHECK(f.engine->item(after.ref).data["body"] == "Written after the second cut");
}

TEST_CASE("a PostgreSQL connection keeps its settings when it is opened again", "[postgresql]") {
  REQUIRE(test::testing_postgresql());
  Fixture f;
  store::pg::Connection normal(f.db, 1234, /*synchronous=*/false);
  store::pg::Connection full(f.db, 1234);
  auto setting = [](store::pg::Connection& c, const std::string& name) {
    return c.run("SELECT current_setting($1)", {name}).text(0, 0);
  };
  CHECK(setting(normal, "synchronous_commit") == "off");  // as SQLite's synchronous=NORMAL
  CHECK(setting(full, "synchronous_commit") == "on");
  CHECK(setting(normal, "lock_timeout") == "1234ms");
  test::cut_postgresql_connections(f.db);
  CHECK_THROWS(setting(normal, "synchronous_commit"));  // finds the connection lost
  CHECK(setting(normal, "synchronous_commit") == "off");
  CHECK(setting(normal, "lock_timeout") == "1234ms");
}

TEST_CASE("an item's JSON is the same moved as copied, with a parent only when it has one") {
  Item item;
  item.id = 7;
  item.ref = "REQ-2026-0007";
  item.workflow = "comms_request";
  item.version = "abc123";
  item.state = "triaged";
  item.data = Json{{"title", "Clinic times"}, {"rating", "amber"}};
  item.revision = 3;
  item.created_at = "2026-03-02T09:00:00Z";
  item.updated_at = "2026-03-02T10:00:00Z";
  const Json copied = item.to_json();
  CHECK(copied == Json{{"ref", "REQ-2026-0007"},
                       {"workflow", "comms_request"},
                       {"version", "abc123"},
                       {"state", "triaged"},
                       {"data", {{"title", "Clinic times"}, {"rating", "amber"}}},
                       {"revision", 3},
                       {"created_at", "2026-03-02T09:00:00Z"},
                       {"updated_at", "2026-03-02T10:00:00Z"}});
  CHECK(item.data["title"] == "Clinic times");  // copying leaves the item as it was
  Item child = item;
  child.parent = "ENG-2026-0001";
  CHECK(Item(child).to_json()["parent"] == "ENG-2026-0001");
  CHECK(std::move(item).to_json() == copied);
}
