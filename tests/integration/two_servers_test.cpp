// Two `commsflow serve` processes on one database, as behind a load balancer: what one server
// learns about a person (a session, a sign-out, failed sign-ins) the other knows at once, and an
// edited workflow file reaches both. Runs on SQLite and, as a `postgresql:` case, on PostgreSQL,
// the backend meant for several servers. (That changes and timers survive kills of either server
// is the crash test's job: tests/crash.)
#include <commsflow/credentials.h>
#include <commsflow/people.h>
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "support.h"

using namespace commsflow;
using namespace commsflow::test;

namespace {

constexpr const char* kPassword = "correct horse battery";

// A folder with the shipped workflows and a database with two people who have passwords.
void prepare_team(const std::filesystem::path& folder) {
  std::filesystem::copy(shipped_workflows(), folder / "workflows",
                        std::filesystem::copy_options::recursive);
  LocalEngine local(folder, /*create=*/true);
  People people(*local.store, *local.registry, local.clock);
  const std::string hash = hash_password(kPassword);
  for (const auto& [name, role] :
       {std::pair{"tom.triage", "triager"}, {"asha.requester", "requester"}}) {
    local.engine->add_actor(name, {role});
    people.set_password_hash(name, hash, kOperator);
  }
}

httplib::Client client_of(const ServeChild& server) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(60, 0);
  return c;
}

httplib::Result sign_in(const ServeChild& server, const std::string& name,
                        const std::string& password) {
  return client_of(server).Post("/sign-in",
                                httplib::Params{{"name", name}, {"password", password}});
}

// The session cookie ("name=value") a successful sign-in sets.
std::string cookie_of(const httplib::Result& signed_in) {
  REQUIRE(signed_in);
  REQUIRE(signed_in->status == 303);
  const std::string set = signed_in->get_header_value("Set-Cookie");
  return set.substr(0, set.find(';'));
}

// The signed-in person as the server sees them (GET /api/v1/me).
Json me(const ServeChild& server, const std::string& cookie) {
  auto res = client_of(server).Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return Json::parse(res->body);
}

// The version of `workflow` the server serves now.
std::string served_version(const ServeChild& server, const std::string& cookie,
                           const std::string& workflow) {
  auto res = client_of(server).Get(("/api/v1/workflows/" + workflow).c_str(),
                                   httplib::Headers{{"Cookie", cookie}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return Json::parse(res->body)["version"].get<std::string>();
}

// A website update with `title`, made through the JSON API with a session; the answer.
httplib::Result submit_website_update(const ServeChild& server, const std::string& cookie,
                                      const std::string& title) {
  auto made = client_of(server).Post(
      "/api/v1/items",
      httplib::Headers{{"Cookie", cookie}, {"X-CSRF-Token", me(server, cookie)["csrf"]}},
      Json{{"workflow", "website_update"}, {"data", {{"title", title}}}}.dump(),
      "application/json");
  REQUIRE(made);
  return made;
}

}  // namespace

TEST_CASE("two servers on one database share sessions, lockouts and workflow edits",
          "[server][two_servers]") {
  TempDir dir;
  prepare_team(dir.path());
  // Both on the real clock (sessions and lockouts run on it), checking for edits each second.
  const std::vector<std::string> global = {"--workflows", "workflows"};
  const std::vector<std::string> reload = {"--reload-every", "1"};
  ServeChild first(dir.path(), global, "", reload);
  ServeChild second(dir.path(), global, "", reload);

  SECTION("a session made on one server works on the other, and ends on both at sign-out") {
    const std::string cookie = cookie_of(sign_in(first, "tom.triage", kPassword));
    const Json seen = me(second, cookie);
    CHECK(seen["name"] == "tom.triage");
    const httplib::Headers with_cookie{{"Cookie", cookie}};
    auto out = client_of(second).Post("/sign-out", with_cookie,
                                      httplib::Params{{"csrf", seen["csrf"].get<std::string>()}});
    REQUIRE(out);
    CHECK(out->status == 303);
    CHECK(client_of(first).Get("/api/v1/me", with_cookie)->status == 401);
    CHECK(client_of(second).Get("/api/v1/me", with_cookie)->status == 401);
  }

  SECTION("failed sign-ins on either server lock the name out on both") {
    for (int i = 0; i < 5; ++i) {  // the default number of failures before a lockout
      auto wrong = sign_in(i % 2 == 0 ? first : second, "tom.triage", "wrong");
      REQUIRE(wrong);
      CHECK(wrong->status == 401);
    }
    for (const ServeChild* server : {&first, &second}) {
      auto locked = sign_in(*server, "tom.triage", kPassword);
      REQUIRE(locked);
      CHECK(locked->status == 429);
      CHECK(locked->get_header_value("Set-Cookie").empty());
    }
    // Someone else still signs in on either.
    CHECK(sign_in(second, "asha.requester", kPassword)->status == 303);
  }

  SECTION("a workflow file edited while both serve reaches both") {
    const std::string cookie = cookie_of(sign_in(first, "asha.requester", kPassword));
    const std::string before = served_version(first, cookie, "website_update");
    REQUIRE(served_version(second, cookie, "website_update") == before);
    const auto file = dir.path() / "workflows" / "website_update.lua";
    const std::string source = read_bytes(file);
    std::ofstream(file) << source << "\n-- edited\n";
    // Poll until both have loaded the edit (no time limit is asserted).
    for (const ServeChild* server : {&first, &second}) {
      while (served_version(*server, cookie, "website_update") == before) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    const std::string edited = served_version(first, cookie, "website_update");
    CHECK(served_version(second, cookie, "website_update") == edited);
    // A request made through the second server follows the edited file.
    auto made = submit_website_update(second, cookie, "Parking");
    INFO(made->body);
    REQUIRE(made->status == 201);
    CHECK(Json::parse(made->body)["version"] == edited);
  }
}

TEST_CASE("a server whose PostgreSQL connections were cut serves again without a restart",
          "[server][postgresql]") {
  REQUIRE(testing_postgresql());
  TempDir dir;
  prepare_team(dir.path());
  ServeChild server(dir.path(), {"--workflows", "workflows"});
  const std::string cookie = cookie_of(sign_in(server, "asha.requester", kPassword));
  cut_postgresql_connections(folder_database(dir.path()));
  // A statement outside a transaction that finds its connection lost fails, its outcome unknown:
  // one request may be answered with an error. The connection is opened again for the next.
  auto status_of_me = [&] {
    auto res = client_of(server).Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res);
    return res->status;
  };
  int failed = 0;
  while (status_of_me() != 200 && failed < 3) ++failed;
  CHECK(failed <= 1);
  CHECK(status_of_me() == 200);
  // A change begins its transaction on a connection opened again: it is not refused at all.
  auto made = submit_website_update(server, cookie, "Parking");
  INFO(made->body);
  CHECK(made->status == 201);
}
