// Accounts over their life (people.h): each change is an event in the hash chain, and verify
// finds an edit of the account tables made around commsflow.
#include <commsflow/credentials.h>
#include <commsflow/people.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>

#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;
using commsflow::test::raw_sql;

namespace {

// A head of comms who decides in a sign-off step, so that her decisions can be delegated.
struct SignoffFixture : Fixture {
  SignoffFixture()
      : Fixture(R"lua(local wf = require "commsflow"
return wf.workflow {
  name = "statement", prefix = "ST",
  fields = { title = wf.text { required = true } },
  document = { roles = { "comms_officer" } },
  submit = { roles = { "comms_officer" } },
  initial = "drafting",
  states = {
    drafting = { actions = { send = { to = "review", roles = { "comms_officer" } } } },
    review = wf.signoff { approvers = { "head_of_comms" }, approved = "approved",
                          changes_required = "drafting" },
    approved = { final = true },
  },
}
)lua",
                "statement.lua") {}
};

People people(Fixture& f) {
  return People(*f.store, *f.registry, f.clock);
}

// The account events of `name`, as "action by actor".
std::vector<std::string> account_events(Fixture& f, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& stored : f.store->events_for("actor:" + name)) {
    Event e = Event::from_body(stored.seq, stored.body);
    out.push_back(e.action + " by " + e.actor);
  }
  return out;
}

std::string problems_of(Store& store) {
  std::string out;
  for (const auto& p : verify(store).problems) out += p.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("people: a token's name is one line of text, or nothing is written", "[people]") {
  Fixture f;
  People p = people(f);
  p.add("sam", {"comms_officer"}, kOperator);
  const std::string events = test::query_text(f.db, "SELECT count(*) FROM events");
  CHECK_THROWS_WITH(p.create_api_token("sam", token_digest("t"), "nightly\nexport",
                                       kDefaultTokenLifetime, kOperator),
                    Catch::Contains("--name contains the control character U+000A"));
  CHECK_THROWS_WITH(p.create_api_token("sam", token_digest("t"), std::string(101, 'x'),
                                       kDefaultTokenLifetime, kOperator),
                    Catch::Contains("--name: at most 100 characters"));
  CHECK(f.store->accounts().api_tokens("sam").empty());
  CHECK(test::query_text(f.db, "SELECT count(*) FROM events") == events);
}

TEST_CASE("people: every change to an account is an event, by whom and when", "[people]") {
  SignoffFixture f;
  People p = people(f);
  p.add("sam", {"comms_officer"}, "hannah");
  p.add("sam", {"head_of_comms"}, "hannah");
  p.set_password_hash("sam", hash_password("a long enough password"), kOperator);
  ApiTokenRecord token =
      p.create_api_token("sam", token_digest("t"), "export", kDefaultTokenLifetime, kOperator);
  REQUIRE(p.revoke_api_token(token.id, "sam").ok());
  auto delegation =
      Signoff(*f.engine).delegate("sam", "olivia", "head_of_comms", "2026-03-31", "sam");
  REQUIRE(delegation.ok());
  REQUIRE(p.revoke_delegation(delegation.value().id, "olivia").ok());
  p.remove_role("sam", "head_of_comms", kOperator);
  p.disable("sam", kOperator);
  p.enable("sam", kOperator);

  CHECK(account_events(f, "sam") ==
        std::vector<std::string>{"actor_added by hannah", "role_granted by hannah",
                                 "password_set by operator", "token_created by operator",
                                 "token_revoked by sam", "delegation_created by sam",
                                 "delegation_revoked by olivia", "role_removed by operator",
                                 "actor_disabled by operator", "actor_enabled by operator"});
  // The password's hash is never in the record, only the fact.
  for (const auto& stored : f.store->events_for("actor:sam")) {
    CHECK(stored.body.find("$argon2") == std::string::npos);
  }
  CHECK(problems_of(*f.store).empty());
}

TEST_CASE("people: a password set anew ends a lockout from failed sign-ins", "[people]") {
  Fixture f;
  People p = people(f);
  p.add("sam", {"comms_officer"}, kOperator);
  Accounts& accounts = f.store->accounts();
  {
    auto tx = f.store->begin_write();
    for (int i = 0; i < 6; ++i) accounts.count_sign_in_failure("name:sam");
    accounts.lock_sign_in("name:sam", 4102444800000);  // far ahead
    accounts.count_sign_in_failure("name:olivia");
    accounts.lock_sign_in("name:olivia", 4102444800000);
    tx->commit();
  }
  p.set_password_hash("sam", hash_password("a long enough password"), kOperator);
  CHECK(accounts.sign_in_locked_until("name:sam") == 0);
  CHECK(accounts.count_sign_in_failure("name:sam") == 1);                // counting starts again
  CHECK(accounts.sign_in_locked_until("name:olivia") == 4102444800000);  // only hers
}

TEST_CASE("people: bad account changes are refused and change nothing", "[people]") {
  SignoffFixture f;
  People p = people(f);
  const auto before = f.store->chain_head()->seq;
  CHECK_THROWS_WITH(p.add("operator", {"admin"}, kOperator), Catch::Contains("reserved"));
  // Named as a role, someone would fill every sign-off step that names it: refused, for the
  // workflow's roles and the standard ones alike, and no account made.
  for (const char* role : {"head_of_comms", "comms_officer", "admin"}) {
    CHECK_THROWS_WITH(p.add(role, {"requester"}, kOperator),
                      Catch::Contains(fmt::format(
                          "actor name '{}' is the name of a role they are not given", role)));
    CHECK_FALSE(f.store->actor(role).has_value());
  }
  // One who holds the role may bear its name, and keeps the role while named so.
  p.add("admin", {"admin", "requester"}, kOperator);
  CHECK_THROWS_WITH(p.remove_role("admin", "admin", kOperator),
                    Catch::Contains("admin is named as the role admin, so keeps it"));
  CHECK(f.store->actor("admin")->has_role("admin"));
  CHECK_THROWS_WITH(p.remove_role("rita", "admin", kOperator),
                    Catch::Contains("does not hold the role admin"));
  CHECK_THROWS_WITH(p.remove_role("rita", "requester", kOperator), Catch::Contains("last role"));
  CHECK_THROWS_WITH(p.disable("nobody", kOperator), Catch::Contains("unknown actor 'nobody'"));
  CHECK_THROWS_WITH(p.enable("rita", kOperator), Catch::Contains("not disabled"));
  CHECK_THROWS_WITH(p.revoke_api_token(99, kOperator), Catch::Contains("no API token has id 99"));
  CHECK_THROWS_WITH(p.revoke_delegation(7, kOperator), Catch::Contains("no delegation has id 7"));
  auto refused =
      p.revoke_delegation(Signoff(*f.engine)
                              .delegate("hannah", "olivia", "head_of_comms", "2026-03-31", "hannah")
                              .value()
                              .id,
                          "rita");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.refusal().forbidden);
  CHECK(f.store->chain_head()->seq == before + 2);  // only the admin account and the delegation
}

TEST_CASE("people: verify fails when the account tables are edited around commsflow",
          "[people][audit]") {
  Fixture f;
  People p = people(f);
  p.create_api_token("olivia", token_digest("t"), "export", kDefaultTokenLifetime, kOperator);
  REQUIRE(problems_of(*f.store).empty());

  SECTION("a role granted in the table") {
    raw_sql(f.db, "INSERT INTO actor_roles(actor, role) VALUES ('rita', 'admin')");
    CHECK_THAT(problems_of(*f.store),
               Catch::Contains("actor_roles: rita holds admin, requester but the events say "
                               "requester"));
  }
  SECTION("an actor added in the table") {
    raw_sql(f.db,
            "INSERT INTO actors(name, created_at) VALUES ('mallory', '2026-03-02T09:00:00Z')");
    CHECK_THAT(problems_of(*f.store), Catch::Contains("actor mallory is in the actors table"));
  }
  SECTION("a disabled actor enabled in the table") {
    p.disable("rita", kOperator);
    raw_sql(f.db, "UPDATE actors SET disabled_at = NULL WHERE name = 'rita'");
    CHECK_THAT(problems_of(*f.store),
               Catch::Contains("rita is enabled but the events say disabled"));
  }
  SECTION("a token's life extended in the table") {
    raw_sql(f.db, "UPDATE api_tokens SET expires_at = '2099-01-01T00:00:00Z'");
    CHECK_THAT(problems_of(*f.store), Catch::Contains("token 1 differs from its events"));
  }
  SECTION("a password set in the table") {
    raw_sql(f.db,
            "INSERT INTO passwords(actor, hash, updated_at) VALUES ('rita', 'x', "
            "'2026-03-02T09:00:00Z')");
    CHECK_THAT(problems_of(*f.store), Catch::Contains("passwords: rita has a password: yes"));
  }
  SECTION("a password hash copied from another account") {
    p.set_password_hash("rita", "$argon2id$v=19$rita", kOperator);
    p.set_password_hash("olivia", "$argon2id$v=19$olivia", kOperator);
    REQUIRE(problems_of(*f.store).empty());
    // Olivia's password would now sign in as Rita.
    raw_sql(f.db,
            "UPDATE passwords SET hash = (SELECT hash FROM passwords WHERE actor = 'olivia') "
            "WHERE actor = 'rita'");
    CHECK_THAT(problems_of(*f.store),
               Catch::Contains("passwords: rita's password is not the one last set through "
                               "commsflow"));
  }
  SECTION("a delegation made in the table") {
    raw_sql(f.db,
            "INSERT INTO delegations(from_actor, to_actor, role, until, created_by, created_at) "
            "VALUES ('hannah', 'rita', 'head_of_comms', '2026-12-31', 'hannah', "
            "'2026-03-02T09:00:00Z')");
    CHECK_THAT(problems_of(*f.store), Catch::Contains("was not created by an event"));
  }
}

TEST_CASE("people: accounts made before the record began are recorded once, as they stood",
          "[people][store]") {
  test::TempDir dir;
  const auto path = dir / "old.db";
  {
    // A database at the schema before accounts were chained, with an actor and a token.
    std::vector<store::Migration> before;
    for (const auto& m : store::sqlite_migrations()) {
      if (m.number < 6) before.push_back(m);
    }
    store::Database db(path, true, 1000, store::Durability::Full);
    REQUIRE(store::migrate(db, before) == 5);
    db.exec(
        "INSERT INTO actors(name, created_at) VALUES ('old.hand', '2025-01-01T09:00:00Z');"
        "INSERT INTO actor_roles(actor, role) VALUES ('old.hand', 'triager');"
        "INSERT INTO api_tokens(token_digest, actor, label, created_at) VALUES "
        "('abc', 'old.hand', 'cron', '2026-01-01T09:00:00Z');");
  }
  auto store_owner = Store::open(path, Store::Options{});
  Store& store = *store_owner;
  auto events = store.events_for("actor:old.hand");
  REQUIRE(events.size() == 1);
  Event recorded = Event::from_body(events[0].seq, events[0].body);
  CHECK(recorded.action == "account_recorded");
  CHECK(recorded.payload["roles"] == Json::array({"triager"}));
  CHECK(recorded.payload["tokens"][0]["expires_at"] == "2026-04-01T09:00:00Z");
  CHECK(problems_of(store).empty());
  test::raw_sql(path, "DELETE FROM actor_roles");
  CHECK_THAT(problems_of(store), Catch::Contains("actor_roles: old.hand holds (none)"));
}

TEST_CASE("people: a display name is set with the actor or later, each time as an event",
          "[people]") {
  Fixture f;
  People p = people(f);
  CHECK(p.add("sam", {"comms_officer"}, kOperator, "Sam Officer").shown_name() == "Sam Officer");
  CHECK(f.store->actor("sam")->display_name == "Sam Officer");
  CHECK(f.store->actor("olivia")->shown_name() == "olivia");  // none given: the name
  p.set_display_name("sam", "Samira Officer", "hannah");
  p.set_display_name("sam", "Samira Officer", "hannah");  // unchanged: no event
  CHECK(account_events(f, "sam") ==
        std::vector<std::string>{"actor_added by operator", "display_name_set by hannah"});
  CHECK(f.store->actor("sam")->shown_name() == "Samira Officer");
  CHECK(verify(*f.store).ok());

  CHECK_THROWS_WITH(p.set_display_name("sam", "Sam\nOfficer", kOperator),
                    Catch::Contains("control character"));
  CHECK_THROWS_WITH(p.set_display_name("sam", std::string(101, 'x'), kOperator),
                    Catch::Contains("at most 100"));
  CHECK_THROWS_AS(p.set_display_name("nobody", "No One", kOperator), Error);
  CHECK(f.store->actor("sam")->display_name == "Samira Officer");

  // An edit made around commsflow is found.
  raw_sql(f.db, "UPDATE actors SET display_name = 'Someone Else' WHERE name = 'sam'");
  CHECK_THAT(problems_of(*f.store),
             Catch::Contains("sam is shown as 'Someone Else' but the events say 'Samira Officer'"));
}

TEST_CASE(
    "people: an email address is checked, set with the actor or later, each time as an "
    "event that verify holds it to",
    "[people]") {
  Fixture f;
  People p = people(f);
  CHECK(p.add("sam", {"comms_officer"}, kOperator, "", "sam.officer@nhs.net").email ==
        "sam.officer@nhs.net");
  p.set_email("sam", "sam.officer@example.nhs.uk", "hannah");
  p.set_email("sam", "sam.officer@example.nhs.uk", "hannah");  // unchanged: no event
  CHECK(account_events(f, "sam") ==
        std::vector<std::string>{"actor_added by operator", "email_set by hannah"});
  CHECK(verify(*f.store).ok());

  for (const char* bad : {"sam", "sam@", "@nhs.net", "sam@nhs", "sam officer@nhs.net",
                          "sam@nhs.net\r\nBcc: everyone@nhs.net", "sam@@nhs.net", "sam.@nhs.net",
                          "sam@-nhs.net", "<sam@nhs.net>"}) {
    INFO(bad);
    CHECK_THROWS_WITH(p.set_email("sam", bad, kOperator),
                      Catch::StartsWith("--email:") && Catch::Contains("is not an email address"));
  }
  CHECK_THROWS_WITH(p.add("tia", {"comms_officer"}, kOperator, "", "tia@"),
                    Catch::Contains("--email"));
  CHECK_FALSE(f.store->actor("tia"));  // nothing half-made
  CHECK(f.store->actor("sam")->email == "sam.officer@example.nhs.uk");
  p.set_email("sam", "", kOperator);  // no address: nobody is emailed
  CHECK(f.store->actor("sam")->email.empty());

  raw_sql(f.db, "UPDATE actors SET email = 'someone.else@nhs.net' WHERE name = 'sam'");
  CHECK_THAT(
      problems_of(*f.store),
      Catch::Contains("sam has the email address 'someone.else@nhs.net' but the events say ''"));
}
