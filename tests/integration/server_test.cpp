// The web app and JSON API (`commsflow serve`), served in-process on a free loopback port over
// a fresh database with the shipped workflows, and driven with an HTTP client.
#include <arpa/inet.h>
#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <commsflow/people.h>
#include <commsflow/queue.h>
#include <commsflow/server.h>
#include <commsflow/signoff.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "base/csv.h"
#include "integration/web_fixture.h"
#include "server/security_headers.h"
#include "store/sqlite/fault_vfs.h"
#include "support.h"

using namespace commsflow;
using namespace commsflow::test;

TEST_CASE("server: without a session, pages redirect to sign-in and the API answers 401",
          "[server][security]") {
  WebFixture f;
  auto c = f.client();
  auto page = c.Get("/queue");
  REQUIRE(page);
  CHECK(page->status == 303);
  CHECK_THAT(page->get_header_value("Location"), Catch::StartsWith("/sign-in?next="));
  // Signing out when the session has already ended goes to the sign-in page.
  auto sign_out = c.Post("/sign-out");
  REQUIRE(sign_out);
  CHECK(sign_out->status == 303);
  CHECK(sign_out->get_header_value("Location") == "/sign-in");
  // HEAD is answered as GET is (a link checker, a monitor).
  auto head = c.Head("/queue");
  REQUIRE(head);
  CHECK(head->status == 303);
  CHECK_THAT(head->get_header_value("Location"), Catch::StartsWith("/sign-in?next="));
  // The page's filters come back after sign-in.
  auto filtered = c.Get("/queue?workflow=comms_request&tier=red");
  REQUIRE(filtered);
  // (The client decodes a Location header; the server sends next=%2Fqueue%3Fworkflow...%26tier...)
  CHECK(filtered->get_header_value("Location") ==
        "/sign-in?next=/queue?workflow=comms_request&tier=red");
  auto signed_in =
      c.Post("/sign-in", httplib::Params{{"name", "tom.triage"},
                                         {"password", kPassword},
                                         {"next", "/queue?workflow=comms_request&tier=red"}});
  REQUIRE(signed_in);
  CHECK(signed_in->get_header_value("Location") == "/queue?workflow=comms_request&tier=red");

  auto api = c.Get("/api/v1/items");
  REQUIRE(api);
  CHECK(api->status == 401);
  CHECK(body_of(api)["error"]["code"] == "unauthorized");

  auto post = f.post_json({}, "/api/v1/items", Json{{"workflow", "website_update"}});
  CHECK(post->status == 401);
  auto form = c.Post("/requests/new", httplib::Params{{"workflow", "website_update"}});
  CHECK(form->status == 401);
  CHECK(f.engine->items(ItemFilter{}).empty());

  auto bogus = c.Get("/api/v1/items", httplib::Headers{{"Authorization", "Bearer nonsense"}});
  CHECK(bogus->status == 401);
  auto sign_in_page = c.Get("/sign-in");
  CHECK(sign_in_page->status == 200);
  CHECK_THAT(sign_in_page->body,
             Catch::Contains("<label class=\"nhsuk-label\" for=\"field-name\">"));
}

TEST_CASE("api: a body that is not a JSON object is refused saying what is wrong with it",
          "[server][api]") {
  WebFixture f;
  auto post = [&](const std::string& body) {
    auto res =
        f.client().Post("/api/v1/items", f.bearer("asha.requester"), body, "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    return body_of(res)["error"]["message"].get<std::string>();
  };
  CHECK_THAT(post("{\"workflow\": website_update}"),
             Catch::StartsWith("the request body is not JSON: line 1, column 14: syntax error"));
  CHECK(post("[\"website_update\"]") ==
        "the request body must be a JSON object ({ \"field\": value, ... }), not a list");
  CHECK_THAT(post("\"website_update\""), Catch::EndsWith("not text"));
  // A key given twice: neither answer is taken.
  CHECK(post(R"({"workflow": "website_update", "data": {"title": "A", "title": "B"}})") ==
        "\"title\" is given twice in one object: give it once");
  CHECK(f.engine->items(ItemFilter{}).empty());
}

TEST_CASE("api: a member a request does not take is refused by name, and nothing changes",
          "[server][api]") {
  WebFixture f;
  auto refused = [&](const std::string& path, const Json& body) {
    auto res = f.post_json(f.bearer("olivia.officer"), path, body);
    REQUIRE(res);
    CHECK(res->status == 400);
    return body_of(res)["error"];
  };
  const Json misspelt =
      refused("/api/v1/items", Json{{"workflow", "website_update"},
                                    {"data", {{"title", "Fix times"}, {"urgency", "routine"}}},
                                    {"extra", 1}});
  CHECK(misspelt["fields"]["extra"] ==
        "is not taken here (the body takes: workflow, data, parent)");
  CHECK(f.engine->items(ItemFilter{}).empty());

  const std::string ref = f.submit_website_update("Fix times", "https://example.nhs.uk/a");
  const Item before = f.engine->item(ref);
  const std::string act = "/api/v1/items/" + ref + "/actions/accept";
  // "input" for "inputs": not taken as an action with no input.
  CHECK(
      refused(act, Json{{"input", {{"page_url", "https://example.nhs.uk/b"}}}})["fields"].contains(
          "input"));
  // "revison" for "revision": not taken as an action with no revision to check.
  const Json revison =
      refused(act, Json{{"inputs", {{"page_url", "https://example.nhs.uk/b"}}}, {"revison", 1}});
  CHECK(revison["fields"]["revison"] ==
        "is not taken here (the body takes: inputs, note, revision)");
  CHECK(
      refused("/api/v1/items/" + ref + "/decide",
              Json{{"decision", "approved"}, {"document_version", 1}, {"comments", "ok"}})["fields"]
          .contains("comments"));
  CHECK(f.engine->item(ref).revision == before.revision);
  CHECK(f.engine->history(ref).size() == 1);
}

TEST_CASE("server: sign-in sets a strict HttpOnly cookie - wrong passwords are refused",
          "[server][security]") {
  WebFixture f;
  auto c = f.client();
  auto wrong = c.Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", "nope"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(wrong->get_header_value("Set-Cookie").empty());
  CHECK_THAT(wrong->body, Catch::Contains("Enter a correct name and password"));
  auto unknown = c.Post("/sign-in", httplib::Params{{"name", "nobody"}, {"password", kPassword}});
  CHECK(unknown->status == 401);

  // Names are lower case: one typed with capitals, or pasted with a space, is the same name.
  CHECK(c.Post("/sign-in", httplib::Params{{"name", " Tom.Triage "}, {"password", kPassword}})
            ->status == 303);

  auto ok =
      c.Post("/sign-in",
             httplib::Params{{"name", "tom.triage"}, {"password", kPassword}, {"next", "/admin"}});
  REQUIRE(ok->status == 303);
  CHECK(ok->get_header_value("Location") == "/admin");
  std::string set_cookie = ok->get_header_value("Set-Cookie");
  CHECK_THAT(set_cookie, Catch::Contains("HttpOnly"));
  CHECK_THAT(set_cookie, Catch::Contains("SameSite=Strict"));
  CHECK_THAT(set_cookie, Catch::Contains("Max-Age="));
  // The database keeps only the digest of the cookie's token.
  std::string token = set_cookie.substr(set_cookie.find('=') + 1);
  token = token.substr(0, token.find(';'));
  CHECK(test::query_text(f.dir / "web.db", "SELECT count(*) FROM sessions WHERE token_digest = '" +
                                               token + "'") == "0");
  CHECK(test::query_text(f.dir / "web.db", "SELECT count(*) FROM sessions WHERE token_digest = '" +
                                               token_digest(token) + "'") == "1");

  // A form on another site cannot sign the browser in, nor count as a guess.
  auto forged = c.Post("/sign-in", httplib::Headers{{"Sec-Fetch-Site", "cross-site"}},
                       httplib::Params{{"name", "tom.triage"}, {"password", kPassword}});
  CHECK(forged->status == 403);
  CHECK(forged->get_header_value("Set-Cookie").empty());
  CHECK(c.Post("/sign-in", httplib::Headers{{"Sec-Fetch-Site", "same-origin"}},
               httplib::Params{{"name", "tom.triage"}, {"password", kPassword}})
            ->status == 303);

  // An off-site `next` is not followed.
  auto offsite = c.Post("/sign-in", httplib::Params{{"name", "tom.triage"},
                                                    {"password", kPassword},
                                                    {"next", "//evil.example/"}});
  CHECK(offsite->get_header_value("Location") == "/queue");
}

TEST_CASE("server: repeated failed sign-ins lock the name out for a while", "[server][security]") {
  server::ServerOptions options = test_options();
  options.failures_before_lockout = 3;
  options.lockout_base = std::chrono::hours(1);  // far longer than the test takes
  WebFixture f(options);
  auto c = f.client();
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", "wrong"}});
    CHECK(r->status == 401);
  }
  auto locked =
      c.Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", kPassword}});
  REQUIRE(locked);
  CHECK(locked->status == 429);
  CHECK(std::stoll(locked->get_header_value("Retry-After")) > 0);
  CHECK(locked->get_header_value("Set-Cookie").empty());
  CHECK_THAT(locked->body, Catch::Contains("Too many failed attempts"));
  // Kept in the database, where every server of it (and this one, restarted) finds it.
  CHECK(test::query_text(f.database.location(),
                         "SELECT failures FROM sign_in_failures WHERE key = 'name:tom.triage'") ==
        "3");
  // Another name is not affected.
  CHECK(c.Post("/sign-in", httplib::Params{{"name", "hannah.head"}, {"password", kPassword}})
            ->status == 303);
}

TEST_CASE("server: guesses sent at the same moment take turns, so no more are checked than allowed",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.failures_before_lockout = 3;
  options.lockout_base = std::chrono::hours(1);
  WebFixture f(options);
  // Twelve guesses at once, then the right password: each waits until the one before it has been
  // counted, so no more than three passwords are ever checked, however the requests are timed.
  std::vector<int> statuses(12);
  std::vector<std::thread> guessers;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    guessers.emplace_back([&, i] {
      auto r = f.client().Post("/sign-in",
                               httplib::Params{{"name", "tom.triage"}, {"password", "guess"}});
      statuses[i] = r ? r->status : 0;
    });
  }
  for (auto& g : guessers) g.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 401) == 3);
  CHECK(std::count(statuses.begin(), statuses.end(), 429) == 9);
  CHECK(f.client()
            .Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", kPassword}})
            ->status == 429);
}

TEST_CASE("server: right passwords from one address do not count against it",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.failures_before_address_lockout = 2;
  options.lockout_base = std::chrono::hours(1);
  WebFixture f(options);
  // An office behind one address: many people sign in, one of them mistyping once.
  CHECK(f.client()
            .Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", "typo"}})
            ->status == 401);
  for (const char* name : {"tom.triage", "hannah.head", "olivia.officer", "asha.requester"}) {
    INFO(name);
    CHECK(f.client()
              .Post("/sign-in", httplib::Params{{"name", name}, {"password", kPassword}})
              ->status == 303);
  }
  CHECK(test::query_text(f.database.location(),
                         "SELECT failures FROM sign_in_failures WHERE key LIKE 'address:%'") ==
        "1");
  // A second failure reaches the address's limit: it is locked, for every name.
  CHECK(f.client()
            .Post("/sign-in", httplib::Params{{"name", "hannah.head"}, {"password", "typo"}})
            ->status == 401);
  CHECK(f.client()
            .Post("/sign-in", httplib::Params{{"name", "olivia.officer"}, {"password", kPassword}})
            ->status == 429);
}

TEST_CASE("server: sessions end at sign-out and when they expire", "[server][security]") {
  WebFixture f;
  std::string cookie = f.sign_in("tom.triage");
  auto c = f.client();
  CHECK(c.Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 200);

  // Typed as an address, the sign-out page asks for the button: a GET signs nobody out.
  auto asked = c.Get("/sign-out", httplib::Headers{{"Cookie", cookie}});
  CHECK(asked->status == 200);
  CHECK_THAT(asked->body, Catch::Contains("<form method=\"post\" action=\"/sign-out\">") &&
                              Catch::Contains("value=\"" + f.csrf(cookie) + "\""));
  CHECK(c.Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 200);
  CHECK(c.Get("/sign-out")->status == 303);  // signed out already: to the sign-in page
  // Sign-out needs the CSRF token too.
  CHECK(c.Post("/sign-out", httplib::Headers{{"Cookie", cookie}}, httplib::Params{})->status ==
        403);
  auto out = c.Post("/sign-out", httplib::Headers{{"Cookie", cookie}},
                    httplib::Params{{"csrf", f.csrf(cookie)}});
  CHECK(out->status == 303);
  CHECK(c.Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 401);

  std::string second = f.sign_in("tom.triage");
  f.clock.advance(std::chrono::hours(9));  // the default lifetime is 8 hours
  CHECK(c.Get("/api/v1/me", httplib::Headers{{"Cookie", second}})->status == 401);
}

TEST_CASE("server: API creates, shows and moves items, with statuses for each failure",
          "[server][api]") {
  WebFixture f;
  std::string ref = f.submit_website_update("Fix clinic times", "http://example.nhs.uk/clinics");
  CHECK(ref == "WEB-2026-0001");

  auto olivia = f.bearer("olivia.officer");
  Json item = body_of(f.client().Get(("/api/v1/items/" + ref).c_str(), olivia));
  CHECK(item["state"] == "requested");
  CHECK(item["data"]["requested_by"] == "asha.requester");
  REQUIRE(item["actions"].size() == 2);
  CHECK(item["actions"][0]["name"] == "accept");
  CHECK(item["actions"][0]["allowed"] == true);
  // A reference typed in lower case names the same item, on the API and the pages.
  CHECK(body_of(f.client().Get("/api/v1/items/web-2026-0001", olivia))["ref"] == ref);
  CHECK(body_of(f.client().Get("/api/v1/items/Web-2026-0001/history", olivia)).size() == 1);
  auto page = f.client().Get("/items/web-2026-0001",
                             httplib::Headers{{"Cookie", f.sign_in("olivia.officer")}});
  CHECK(page->status == 200);
  CHECK_THAT(page->body, Catch::Contains("action=\"/items/WEB-2026-0001/actions/accept\""));
  CHECK(f.client().Get("/api/v1/items/web-2026-0009", olivia)->status == 404);

  auto act = [&](const httplib::Headers& who, const std::string& action, Json body = {}) {
    if (body.is_null()) body = Json::object();
    return f.post_json(who, "/api/v1/items/" + ref + "/actions/" + action, body);
  };

  SECTION("a stale revision is a 409 conflict and changes nothing") {
    auto r = act(olivia, "accept", Json{{"revision", 7}});
    CHECK(r->status == 409);
    CHECK(body_of(r)["error"]["code"] == "conflict");
    CHECK(f.engine->item(ref).state == "requested");
  }
  SECTION("another role is a 403 with the reason") {
    auto r = act(f.bearer("asha.requester"), "accept");
    CHECK(r->status == 403);
    Json e = body_of(r)["error"];
    CHECK(e["code"] == "forbidden");
    CHECK_THAT(e["reasons"][0].get<std::string>(), Catch::Contains("Comms officer"));
    CHECK(f.engine->item(ref).revision == 1);
  }
  SECTION("a workflow rule's refusal is a 422 with its reasons") {
    REQUIRE(act(olivia, "accept", Json{{"revision", 1}})->status == 200);
    auto r = act(olivia, "send_for_review");
    CHECK(r->status == 422);
    Json e = body_of(r)["error"];
    CHECK(e["code"] == "refused");
    CHECK(e["reasons"][0] == "the page address must start with https://");
    CHECK(f.engine->item(ref).state == "in_progress");
  }
  SECTION("bad input is a 400 naming the field") {
    auto r = act(olivia, "accept", Json{{"inputs", {{"needed_by", "next tuesday"}}}});
    CHECK(r->status == 400);
    Json e = body_of(r)["error"];
    CHECK(e["code"] == "bad_input");
    CHECK(e["fields"].contains("needed_by"));
    auto bad_body = f.client().Post(("/api/v1/items/" + ref + "/actions/accept").c_str(), olivia,
                                    "[1, 2", "application/json");
    CHECK(bad_body->status == 400);
    // Members of the wrong type are the caller's bad input, named, never a server error.
    for (auto [member, value] : {std::pair{"note", Json(5)},
                                 {"inputs", Json("needed_by=tomorrow")},
                                 {"revision", Json("1")}}) {
      auto typed = act(olivia, "accept", Json{{member, value}});
      CHECK(typed->status == 400);
      CHECK(body_of(typed)["error"]["fields"].contains(member));
    }
    // Bytes that are not UTF-8, quoted back in the message, come back replaced: never a 500.
    auto bad_bytes = f.client().Get("/api/v1/items?limit=%FF", olivia);
    CHECK(bad_bytes->status == 400);
    CHECK_THAT(body_of(bad_bytes)["error"]["fields"]["limit"].get<std::string>(),
               Catch::Contains("'\xEF\xBF\xBD'"));
    CHECK(f.engine->item(ref).revision == 1);
  }
  SECTION("unknown items and routes are 404") {
    CHECK(f.client().Get("/api/v1/items/WEB-2026-0999", olivia)->status == 404);
    auto r = f.client().Get("/api/v1/nothing-here", olivia);
    CHECK(r->status == 404);
    CHECK(body_of(r)["error"]["code"] == "not_found");
  }
  SECTION("the whole chain: accept, edit, send for review, approve, publish") {
    auto hannah = f.bearer("hannah.head");
    CHECK(act(olivia, "accept")->status == 200);
    CHECK(
        act(olivia, "edit", Json{{"inputs", {{"page_url", "https://example.nhs.uk/c"}}}})->status ==
        200);
    CHECK(act(olivia, "send_for_review")->status == 200);
    CHECK(act(hannah, "approve", Json{{"note", "checked"}})->status == 200);
    auto published = act(olivia, "publish");
    CHECK(body_of(published)["state"] == "published");
    Json history = body_of(f.client().Get(("/api/v1/items/" + ref + "/history").c_str(), olivia));
    CHECK(history["events"].size() == 6);
    CHECK(history["events"][4]["note"] == "checked");
    // Verification is for audit roles: the head of comms, not the officer.
    CHECK(body_of(f.client().Get("/api/v1/audit/verify", hannah))["ok"] == true);
    CHECK(f.client().Get("/api/v1/audit/verify", olivia)->status == 404);
  }
}

namespace {

// A comms request's answers that rate it green.
Json green_request() {
  return Json{{"title", "Ward closure statement"},
              {"kind", "media"},
              {"requester_team", "Estates"},
              {"strategic_priority", "none"},
              {"incident", "none"},
              {"statutory", "no"},
              {"reputational_risk", "low"},
              {"impact", "low"},
              {"resource", "low"},
              {"time_sensitive", "no"},
              {"responsibility", "own"}};
}

}  // namespace

TEST_CASE("server: the queue API lists comms requests by rating", "[server][api]") {
  WebFixture f;
  auto tom = f.bearer("tom.triage");
  Json base = green_request();
  Json red = base;
  red["reputational_risk"] = "high";
  REQUIRE(f.post_json(tom, "/api/v1/items", Json{{"workflow", "comms_request"}, {"data", base}})
              ->status == 201);
  REQUIRE(f.post_json(tom, "/api/v1/items", Json{{"workflow", "comms_request"}, {"data", red}})
              ->status == 201);
  Json queue = body_of(f.client().Get("/api/v1/queue?workflow=comms_request", tom));
  REQUIRE(queue["items"].size() == 2);
  CHECK(queue["items"][0]["data"]["rating"] == "red");
  CHECK(queue["items"][1]["data"]["rating"] == "green");

  Json list = body_of(f.client().Get("/api/v1/items?workflow=comms_request&limit=1", tom));
  CHECK(list["items"].size() == 1);
  // The next page starts at `offset`, not at the first again.
  Json next = body_of(f.client().Get("/api/v1/items?workflow=comms_request&limit=1&offset=1", tom));
  REQUIRE(next["items"].size() == 1);
  CHECK(next["offset"] == 1);
  CHECK(next["items"][0]["ref"] != list["items"][0]["ref"]);
  CHECK(body_of(f.client().Get("/api/v1/items?workflow=comms_request&offset=2", tom))["items"]
            .empty());
  // A parameter the route does not take is named, not passed over.
  for (const char* guessed : {"/api/v1/items?limit=1&page=2", "/api/v1/queue?page=2"}) {
    INFO(guessed);
    auto refused = f.client().Get(guessed, tom);
    CHECK(refused->status == 400);
    CHECK_THAT(body_of(refused)["error"]["fields"]["page"].get<std::string>(),
               Catch::StartsWith("is not taken here (the query takes: workflow, "));
  }
  CHECK(f.client().Get("/api/v1/items?limit=lots", tom)->status == 400);
  for (const char* limit : {"0", "-5", "5x"}) {  // as the queue: 1 or more, or none given
    INFO(limit);
    CHECK(f.client().Get((std::string("/api/v1/items?limit=") + limit).c_str(), tom)->status ==
          400);
  }
  // A misspelt workflow is not found, and a misspelt state is bad input naming the field: never
  // an empty list.
  for (const char* misspelt :
       {"/api/v1/queue?workflow=comms_reqest", "/api/v1/items?workflow=comms_reqest"}) {
    auto refused = f.client().Get(misspelt, tom);
    INFO(misspelt);
    CHECK(refused->status == 404);
    CHECK_THAT(body_of(refused)["error"]["message"].get<std::string>(),
               Catch::Contains("unknown workflow 'comms_reqest'"));
  }
  for (const char* misspelt :
       {"/api/v1/items?workflow=comms_request&state=triagd", "/api/v1/items?state=triagd"}) {
    auto refused = f.client().Get(misspelt, tom);
    INFO(misspelt);
    CHECK(refused->status == 400);
    CHECK(body_of(refused)["error"]["fields"].contains("state"));
  }
}

TEST_CASE("server: a session's changes need its CSRF token", "[server][security]") {
  WebFixture f;
  std::string ref = f.submit_website_update("Fix clinic times", "https://example.nhs.uk/c");
  std::string cookie = f.sign_in("olivia.officer");
  auto c = f.client();

  auto api = c.Post(("/api/v1/items/" + ref + "/actions/accept").c_str(),
                    httplib::Headers{{"Cookie", cookie}}, "{}", "application/json");
  CHECK(api->status == 403);
  CHECK(body_of(api)["error"]["code"] == "csrf");
  auto form = c.Post(("/items/" + ref + "/actions/accept").c_str(),
                     httplib::Headers{{"Cookie", cookie}}, httplib::Params{{"revision", "1"}});
  CHECK(form->status == 403);
  auto forged =
      c.Post(("/items/" + ref + "/actions/accept").c_str(), httplib::Headers{{"Cookie", cookie}},
             httplib::Params{{"csrf", std::string(64, '0')}});
  CHECK(forged->status == 403);
  CHECK(f.engine->item(ref).state == "requested");

  auto ok =
      c.Post(("/items/" + ref + "/actions/accept").c_str(), httplib::Headers{{"Cookie", cookie}},
             httplib::Params{{"csrf", f.csrf(cookie)}, {"revision", "1"}});
  CHECK(ok->status == 303);
  CHECK(f.engine->item(ref).state == "in_progress");
}

TEST_CASE("server: a refused action's form keeps what was typed, the note for the history too",
          "[server][pages]") {
  WebFixture f;
  std::string ref = f.submit_website_update("Fix clinic times", "https://example.nhs.uk/c");
  std::string cookie = f.sign_in("olivia.officer");
  // Declined without the reason it needs.
  auto refused = f.client().Post(("/items/" + ref + "/actions/decline").c_str(),
                                 httplib::Headers{{"Cookie", cookie}},
                                 httplib::Params{{"csrf", f.csrf(cookie)},
                                                 {"revision", "1"},
                                                 {"reason", ""},
                                                 {"note", "Agreed with Estates by phone"}});
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK_THAT(refused->body, Catch::Contains("reason"));
  CHECK_THAT(refused->body, Catch::Contains("value=\"Agreed with Estates by phone\""));
  CHECK(f.engine->item(ref).state == "requested");
}

TEST_CASE("server: pages show text from data as text, never as markup", "[server][security]") {
  WebFixture f;
  std::string title = "<script>alert('x')</script> & \"quotes\"";
  std::string ref = f.submit_website_update(title, "https://example.nhs.uk/<b>");
  std::string cookie = f.sign_in("olivia.officer");
  auto c = f.client();
  for (const std::string& path :
       std::vector<std::string>{"/items/" + ref, "/items", "/queue?workflow=website_update"}) {
    auto page = c.Get(path.c_str(), httplib::Headers{{"Cookie", cookie}});
    REQUIRE(page->status == 200);
    INFO(path);
    CHECK_THAT(page->body, !Catch::Contains("<script>alert"));
    CHECK_THAT(page->body,
               Catch::Contains(
                   "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
  }
}

TEST_CASE("server: the New request form comes from the workflow's fields", "[server][pages]") {
  WebFixture f(test_options(), [](const std::filesystem::path& workflows) {
    // A field added in Lua, and given at submit, appears on the form with no rebuild.
    std::string source = test::read_bytes(workflows / "website_update.lua");
    const std::string anchor = "    urgency = wf.choice";
    REQUIRE(source.find(anchor) != std::string::npos);
    source.insert(
        source.find(anchor),
        "    audience = wf.choice { \"public\", \"staff\", label = \"Who is it for\" },\n");
    const std::string sets = "sets = { \"title\",";
    REQUIRE(source.find(sets) != std::string::npos);
    source.insert(source.find(sets) + sets.size(), " \"audience\",");
    const std::string shown = "submitter = { \"title\",";  // and seen again by who gave it
    REQUIRE(source.find(shown) != std::string::npos);
    source.insert(source.find(shown) + shown.size(), " \"audience\",");
    std::ofstream(workflows / "website_update.lua") << source;
  });
  std::string cookie = f.sign_in("asha.requester");
  auto c = f.client();
  auto form = c.Get("/requests/new?workflow=website_update", httplib::Headers{{"Cookie", cookie}});
  REQUIRE(form->status == 200);
  CHECK_THAT(form->body,
             Catch::Contains("for=\"field-audience\">Who is it for (optional)</label>"));
  CHECK_THAT(form->body, Catch::Contains("for=\"field-title\">What needs changing</label>"));
  // Fields the rules set are not asked for.
  CHECK_THAT(form->body, !Catch::Contains("field-requested_by"));

  std::string csrf = f.csrf(cookie);
  auto missing = c.Post("/requests/new", httplib::Headers{{"Cookie", cookie}},
                        httplib::Params{{"csrf", csrf},
                                        {"workflow", "website_update"},
                                        {"title", ""},
                                        {"needed_by-day", "31"},
                                        {"needed_by-month", "2"},
                                        {"needed_by-year", "2026"}});
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK_THAT(missing->body, Catch::Contains("nhsuk-error-summary"));
  CHECK_THAT(missing->body, Catch::Contains("href=\"#field-title\""));
  CHECK_THAT(missing->body, Catch::Contains("id=\"field-needed_by-error\""));
  // The NHS date input: day, month and year boxes, keeping what was typed.
  CHECK_THAT(missing->body, Catch::Contains(R"(id="field-needed_by" name="needed_by-day")"));
  CHECK_THAT(missing->body,
             Catch::Contains(R"(name="needed_by-day" type="text" inputmode="numeric" value="31")"));
  CHECK_THAT(
      missing->body,
      Catch::Contains(R"(name="needed_by-month" type="text" inputmode="numeric" value="2")"));
  CHECK(f.engine->items(ItemFilter{}).empty());
  // A question answered twice takes neither answer, and says so beside it.
  httplib::Params twice{{"csrf", csrf},           {"workflow", "website_update"},
                        {"title", "First title"}, {"title", "Second title"},
                        {"audience", "public"},   {"needed_by-day", "20"},
                        {"needed_by-month", "3"}, {"needed_by-year", "2026"}};
  auto doubled = c.Post("/requests/new", httplib::Headers{{"Cookie", cookie}}, twice);
  CHECK(doubled->status == 400);
  CHECK_THAT(doubled->body, Catch::Contains("was answered more than once: give one answer") &&
                                Catch::Contains("id=\"field-title-error\""));
  CHECK(f.engine->items(ItemFilter{}).empty());

  auto ok = c.Post("/requests/new", httplib::Headers{{"Cookie", cookie}},
                   httplib::Params{{"csrf", csrf},
                                   {"workflow", "website_update"},
                                   {"title", "Add parking info"},
                                   {"audience", "public"},
                                   {"needed_by-day", "20"},
                                   {"needed_by-month", "3"},
                                   {"needed_by-year", "2026"}});
  REQUIRE(ok->status == 303);
  CHECK(ok->get_header_value("Location") == "/items/WEB-2026-0001?created=1");
  // Each page's title says what it is: the form its workflow, the item its reference and title.
  CHECK_THAT(form->body, Catch::Contains("<title>New Website update request - commsflow</title>"));
  CHECK_THAT(c.Get("/items/WEB-2026-0001", httplib::Headers{{"Cookie", cookie}})->body,
             Catch::Contains("<title>WEB-2026-0001: Add parking info - commsflow</title>"));
  Item item = f.engine->item("WEB-2026-0001");
  CHECK(item.data["audience"] == "public");
  CHECK(item.data["needed_by"] == "2026-03-20");
}

TEST_CASE("server: a form longer than 8 KiB is taken whole, and one over the body limit is refused",
          "[server][pages]") {
  WebFixture f;
  std::string cookie = f.sign_in("asha.requester");
  auto c = f.client();
  // 4,000 letters the form encodes in nine bytes each ("%E2%80%94"): 36 KB of form.
  std::string details;
  for (int i = 0; i < 4000; ++i) details += "\u2014";
  auto ok = c.Post("/requests/new", httplib::Headers{{"Cookie", cookie}},
                   httplib::Params{{"csrf", f.csrf(cookie)},
                                   {"workflow", "website_update"},
                                   {"title", "Long details"},
                                   {"details", details},
                                   {"needed_by-day", "20"},
                                   {"needed_by-month", "3"},
                                   {"needed_by-year", "2026"}});
  REQUIRE(ok);
  REQUIRE(ok->status == 303);
  CHECK(f.engine->item("WEB-2026-0001").data["details"] == details);

  // Over the server's limit on any body: refused with a page saying so, nothing stored.
  server::ServerOptions small = test_options();
  small.max_body_bytes = 16 * 1024;
  WebFixture limited(small);
  std::string their_cookie = limited.sign_in("asha.requester");
  auto refused = limited.client().Post("/requests/new", httplib::Headers{{"Cookie", their_cookie}},
                                       httplib::Params{{"csrf", limited.csrf(their_cookie)},
                                                       {"workflow", "website_update"},
                                                       {"title", "Too long"},
                                                       {"details", details}});
  REQUIRE(refused);
  CHECK(refused->status == 413);
  CHECK_THAT(refused->body, Catch::Contains("The request body is too large (at most 16384 bytes)"));
  CHECK(limited.engine->items(ItemFilter{}).empty());
}

TEST_CASE("server: a workflow rule's reason that names a field is shown beside it",
          "[server][pages]") {
  WebFixture f(test_options(), [](const std::filesystem::path& workflows) {
    std::string source = test::read_bytes(workflows / "website_update.lua");
    const std::string effect = "    effect = function(item, ctx) item.requested_by";
    REQUIRE(source.find(effect) != std::string::npos);
    source.insert(source.find(effect),
                  "    guard = function(item, ctx)\n"
                  "      if (item.page_url or \"\"):match(\"^https://example%.nhs%.uk/\") then "
                  "return true end\n"
                  "      return { \"Page address: must be a page of our own website\", "
                  "\"Nothing else may be asked today\" }\n"
                  "    end,\n");
    std::ofstream(workflows / "website_update.lua") << source;
  });
  std::string cookie = f.sign_in("asha.requester");
  auto r = f.client().Post("/requests/new", httplib::Headers{{"Cookie", cookie}},
                           httplib::Params{{"csrf", f.csrf(cookie)},
                                           {"workflow", "website_update"},
                                           {"title", "Fix clinic times"},
                                           {"page_url", "https://elsewhere.example.com/"}});
  REQUIRE(r);
  CHECK(r->status == 422);
  // Beside the box, and linked to it from the summary; a reason naming no field is listed.
  CHECK_THAT(r->body,
             Catch::Contains(R"(id="field-page_url-error")") &&
                 Catch::Contains(R"(<a href="#field-page_url">Page address: must be a page of our )"
                                 R"(own website</a>)") &&
                 Catch::Contains("Nothing else may be asked today") &&
                 !Catch::Contains("A workflow rule said no"));
  CHECK_THAT(r->body, Catch::Contains(R"(value="https://elsewhere.example.com/")"));
  CHECK(f.engine->items(ItemFilter{}).empty());
}

TEST_CASE("server: an action without the role is refused on the item page", "[server][pages]") {
  WebFixture f;
  std::string ref = f.submit_website_update("Fix clinic times", "https://example.nhs.uk/c");
  std::string cookie = f.sign_in("asha.requester");
  auto c = f.client();
  auto page = c.Get(("/items/" + ref).c_str(), httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(page->body, Catch::Contains("Accept: for Comms officer"));
  CHECK_THAT(page->body, !Catch::Contains("action=\"/items/" + ref + "/actions/accept\""));
  auto r = c.Post(("/items/" + ref + "/actions/accept").c_str(),
                  httplib::Headers{{"Cookie", cookie}}, httplib::Params{{"csrf", f.csrf(cookie)}});
  CHECK(r->status == 403);
  CHECK_THAT(r->body, Catch::Contains("nhsuk-error-summary"));
  CHECK_THAT(r->body, Catch::Contains("may not take &quot;Accept&quot; on " + ref));
  CHECK(f.engine->item(ref).state == "requested");
}

TEST_CASE("server: a workflow script failing is a 500 naming the file and line",
          "[server][reload]") {
  WebFixture f(test_options(), [](const std::filesystem::path& workflows) {
    std::string source = test::read_bytes(workflows / "website_update.lua");
    const std::string anchor = "  if item.page_url and item.page_url:match";
    REQUIRE(source.find(anchor) != std::string::npos);
    source.insert(source.find(anchor), "  local broken = nil; broken = broken.field\n");
    std::ofstream(workflows / "website_update.lua") << source;
  });
  std::string ref = f.submit_website_update("Fix clinic times", "https://example.nhs.uk/c");
  auto olivia = f.bearer("olivia.officer");
  REQUIRE(f.post_json(olivia, "/api/v1/items/" + ref + "/actions/accept", Json::object())->status ==
          200);
  auto r = f.post_json(olivia, "/api/v1/items/" + ref + "/actions/send_for_review", Json::object());
  REQUIRE(r);
  CHECK(r->status == 500);
  Json e = body_of(r)["error"];
  CHECK(e["code"] == "script");
  // Where it failed, within the workflows folder: not where the server keeps its files.
  CHECK(e["where"] == "website_update.lua:7");
  CHECK_THAT(e["message"].get<std::string>(), !Catch::Contains(f.workflows.string()));
  CHECK(f.engine->item(ref).state == "in_progress");

  // A person at the form is told it is the workflow's fault, not theirs, and nothing was saved;
  // the Lua message is for the log.
  const std::string cookie = f.sign_in("olivia.officer");
  auto page = f.client().Post(("/items/" + ref + "/actions/send_for_review").c_str(),
                              httplib::Headers{{"Cookie", cookie}},
                              httplib::Params{{"csrf", f.csrf(cookie)}});
  REQUIRE(page);
  CHECK(page->status == 500);
  const auto summary_at = page->body.find("nhsuk-error-summary__list");
  REQUIRE(summary_at != std::string::npos);
  const std::string summary =
      page->body.substr(summary_at, page->body.find("</ul>", summary_at) - summary_at);
  CHECK_THAT(summary, Catch::Contains("Nothing was saved: the workflow could not run "
                                      "(website_update.lua:7)") &&
                          Catch::Contains("not in what you entered") &&
                          !Catch::Contains("attempt to index"));
  CHECK(f.engine->item(ref).state == "in_progress");
}

TEST_CASE("server: a broken workflow file is reported and the old version keeps serving",
          "[server][reload]") {
  WebFixture f(test_options(), [](const std::filesystem::path& workflows) {
    // Lua names the files it looked in, with the server's folders.
    std::ofstream(workflows / "broken.lua") << "local m = require(\"missing\")\nreturn m\n";
  });
  auto tom = f.bearer("tom.triage");
  Json workflows = body_of(f.client().Get("/api/v1/workflows", tom));
  REQUIRE(workflows["broken"].size() == 1);
  CHECK_THAT(workflows["broken"][0]["file"].get<std::string>(), Catch::Contains("broken.lua"));
  // Every shipped workflow still serves.
  CHECK(workflows["workflows"].size() ==
        workflow_files(f.workflows).size() - 1);  // all but broken.lua
  // The server's folders, and how many items each workflow holds, are for admins.
  CHECK(workflows["broken"][0]["file"] == "broken.lua");
  CHECK_THAT(
      workflows["broken"][0]["message"].get<std::string>(),
      Catch::Contains("no module lib/missing.lua") && !Catch::Contains(f.workflows.string()));
  CHECK_FALSE(workflows["workflows"][0].contains("open_items"));
  f.add_person("ada.admin", "admin");
  Json as_admin = body_of(f.client().Get("/api/v1/workflows", f.bearer("ada.admin")));
  CHECK(as_admin["broken"][0]["file"].get<std::string>().ends_with("/broken.lua"));
  CHECK_THAT(as_admin["broken"][0]["message"].get<std::string>(),
             Catch::Contains(f.workflows.string()));
  CHECK(as_admin["workflows"][0].contains("open_items"));
  std::string cookie = f.sign_in("ada.admin");
  auto admin = f.client().Get("/admin", httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(admin->body, Catch::Contains("Workflow files that did not load"));
  CHECK_THAT(admin->body, Catch::Contains("broken.lua"));
}

TEST_CASE("server: workflow files edited while serving are reloaded on the schedule",
          "[server][reload]") {
  server::ServerOptions options = test_options();
  options.reload_every = std::chrono::seconds(1);
  WebFixture f(options);
  auto tom = f.bearer("tom.triage");
  // The scheduler uses the engine now, so the test only talks to the server over HTTP.
  auto c = f.client();
  auto version = [&] {
    auto res = c.Get("/api/v1/workflows/website_update", tom);
    REQUIRE(res);
    return Json::parse(res->body)["version"].get<std::string>();
  };
  // A length's bound is a whole number, as the workflow gives it.
  CHECK_THAT(c.Get("/api/v1/workflows/website_update", tom)->body,
             Catch::Contains(R"("max":120,)") && !Catch::Contains("120.0"));
  auto broken_count = [&] {
    auto res = c.Get("/api/v1/workflows", tom);
    REQUIRE(res);
    return Json::parse(res->body)["broken"].size();
  };
  auto olivia = f.bearer("olivia.officer");
  auto version_of = [&](const std::string& ref) {
    return body_of(c.Get(("/api/v1/items/" + ref).c_str(), olivia))["version"].get<std::string>();
  };
  std::string before = version();
  const std::string old_item = f.submit_website_update("Opening times", "/opening");
  CHECK(version_of(old_item) == before);
  std::string source = test::read_bytes(f.workflows / "website_update.lua");
  std::ofstream(f.workflows / "website_update.lua") << source << "\n-- edited\n";
  // Poll until the scheduler has loaded the edit (no time limit is asserted).
  while (version() == before) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string edited = version();
  // What a user sees: new requests follow the edited file, open ones keep the version they began
  // in.
  const std::string new_item = f.submit_website_update("Parking", "/parking");
  CHECK(version_of(new_item) == edited);
  CHECK(version_of(old_item) == before);

  std::ofstream(f.workflows / "website_update.lua") << "return {\n";
  while (broken_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(version() == edited);  // the broken file did not replace the working version
  // and new requests are still taken, under the last version that loaded.
  CHECK(version_of(f.submit_website_update("Car park", "/car-park")) == edited);
  f.web->stop();
  f.thread.join();
  f.thread = std::thread([] {});
  CHECK_THAT(f.log.str(), Catch::Contains("workflow not loaded"));
  CHECK_THAT(f.log.str(), Catch::Contains("website_update.lua"));
  // The edit that loaded was said too, once.
  const std::string taken =
      "workflow website_update version " + edited.substr(0, 12) + " is in service";
  CHECK_THAT(f.log.str(), Catch::Contains(taken));
  CHECK(f.log.str().find(taken) == f.log.str().rfind(taken));
}

TEST_CASE("server: My sign-offs and the inbox API list what waits for me - decide moves it on",
          "[server][signoff]") {
  WebFixture f;
  // Set up a statement in comms review directly through the engine (the server is idle).
  const std::string ref = f.draft_in_review(Json{{"headline", "Ward <b>closure</b> statement"}},
                                            "We are reviewing ward 7.\n");

  auto hannah = f.bearer("hannah.head");
  Json inbox = body_of(f.client().Get("/api/v1/inbox", hannah));
  REQUIRE(inbox["items"].size() == 1);
  CHECK(inbox["items"][0]["ref"] == ref);
  CHECK(inbox["items"][0]["step"] == "comms_review");
  CHECK(body_of(f.client().Get("/api/v1/inbox", f.bearer("asha.requester")))["items"].empty());

  std::string cookie = f.sign_in("hannah.head");
  auto page = f.client().Get("/sign-offs", httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(page->body, Catch::Contains("data-ref=\"" + ref + "\""));
  CHECK_THAT(page->body, Catch::Contains("Ward &lt;b&gt;closure&lt;/b&gt; statement"));

  // The director sees it but is not among this step's approvers; a requester does not see it.
  f.add_person("dev.director", "director");
  auto refused = f.post_json(f.bearer("dev.director"), "/api/v1/items/" + ref + "/decide",
                             Json{{"decision", "approved"}, {"document_version", 1}});
  CHECK(refused->status == 403);
  CHECK(body_of(refused)["error"]["code"] == "forbidden");
  auto hidden = f.post_json(f.bearer("asha.requester"), "/api/v1/items/" + ref + "/decide",
                            Json{{"decision", "approved"}, {"document_version", 1}});
  CHECK(hidden->status == 404);
  // A decision names the version of the text read: without it, 400 naming the field; on a
  // version since replaced, 409; and nothing is decided either way.
  auto unnamed =
      f.post_json(hannah, "/api/v1/items/" + ref + "/decide", Json{{"decision", "approved"}});
  CHECK(unnamed->status == 400);
  CHECK(body_of(unnamed)["error"]["fields"]["document_version"].get<std::string>().starts_with(
      "is required"));
  auto as_text = f.post_json(hannah, "/api/v1/items/" + ref + "/decide",
                             Json{{"decision", "approved"}, {"document_version", "1"}});
  CHECK(as_text->status == 400);
  CHECK(body_of(as_text)["error"]["fields"]["document_version"].get<std::string>().starts_with(
      "is \"1\", not a version number"));
  REQUIRE(f.post_json(f.bearer("olivia.officer"), "/api/v1/items/" + ref + "/documents",
                      Json{{"content", "Ward closure: the beds close in January.\n"}})
              ->status == 201);
  auto stale = f.post_json(hannah, "/api/v1/items/" + ref + "/decide",
                           Json{{"decision", "approved"}, {"document_version", 1}});
  CHECK(stale->status == 409);
  CHECK_THAT(body_of(stale)["error"]["message"].get<std::string>(),
             Catch::Contains("you read version 1 of the text, but version 2 was put since"));
  CHECK(body_of(f.client().Get("/api/v1/inbox", hannah))["items"].size() == 1);
  // Changes asked for without saying which: 400 naming the comment.
  auto unsaid = f.post_json(hannah, "/api/v1/items/" + ref + "/decide",
                            Json{{"decision", "approved_with_changes"}, {"document_version", 2}});
  CHECK(unsaid->status == 400);
  CHECK_THAT(body_of(unsaid)["error"]["fields"]["comment"].get<std::string>(),
             Catch::Contains("say which changes you want"));
  CHECK(body_of(f.client().Get("/api/v1/inbox", hannah))["items"].size() == 1);
  auto decided =
      f.post_json(hannah, "/api/v1/items/" + ref + "/decide",
                  Json{{"decision", "approved"}, {"document_version", 2}, {"comment", "Fine"}});
  INFO(decided->body);
  CHECK(decided->status == 200);
  CHECK(body_of(decided)["state"] != "comms_review");
  CHECK(body_of(f.client().Get("/api/v1/inbox", hannah))["items"].empty());
}

TEST_CASE("server: the queue API and page come in pages, with the total", "[server][api]") {
  WebFixture f;
  auto tom = f.bearer("tom.triage");
  Json empty = body_of(f.client().Get("/api/v1/queue", tom));
  CHECK(empty["total"] == 0);
  CHECK(empty["items"] == Json::array());

  Json fields{
      {"title", "Clinic moves"},      {"kind", "media"},        {"requester_team", "Estates"},
      {"strategic_priority", "none"}, {"incident", "none"},     {"statutory", "no"},
      {"reputational_risk", "low"},   {"impact", "low"},        {"resource", "low"},
      {"time_sensitive", "no"},       {"responsibility", "own"}};
  for (int i = 0; i < 120; ++i) {
    fields["reputational_risk"] = i % 3 == 0 ? "high" : "low";  // red, or green
    REQUIRE(f.engine->submit("comms_request", "tom.triage", fields).ok());
  }
  std::vector<std::string> order;
  for_each_in_queue(*f.engine, QueueQuery("comms_request"),
                    [&](const Item& item) { order.push_back(item.ref); });
  REQUIRE(order.size() == 120);

  Json first = body_of(f.client().Get("/api/v1/queue", tom));
  CHECK(first["total"] == 120);
  CHECK(first["offset"] == 0);
  CHECK(first["limit"] == 100);  // the default page
  REQUIRE(first["items"].size() == 100);
  CHECK(first["items"][0]["ref"] == order[0]);
  CHECK(first["items"][0]["data"]["rating"] == "red");
  Json rest =
      body_of(f.client().Get("/api/v1/queue?workflow=comms_request&offset=100&limit=50", tom));
  REQUIRE(rest["items"].size() == 20);
  CHECK(rest["items"][0]["ref"] == order[100]);
  CHECK(rest["items"][19]["ref"] == order[119]);
  Json past = body_of(f.client().Get("/api/v1/queue?offset=500", tom));
  CHECK(past["total"] == 120);
  CHECK(past["items"] == Json::array());

  for (auto [query, name] : {std::pair{"limit=ten", "limit"},
                             {"limit=0", "limit"},
                             {"limit=1001", "limit"},
                             {"limit=5x", "limit"},
                             {"limit=+5", "limit"},
                             {"offset=-1", "offset"},
                             {"offset=1.5", "offset"},
                             {"offset=99999999999999999999", "offset"}}) {
    auto res = f.client().Get(fmt::format("/api/v1/queue?{}", query), tom);
    REQUIRE(res);
    INFO(query << ": " << res->body);
    CHECK(res->status == 400);
    CHECK_THAT(body_of(res)["error"]["message"].get<std::string>(), Catch::StartsWith(name));
  }

  std::string cookie = f.sign_in("tom.triage");
  httplib::Headers session{{"Cookie", cookie}};
  auto rows = [](const std::string& body) {
    size_t count = 0;
    for (size_t at = body.find("data-ref="); at != std::string::npos;
         at = body.find("data-ref=", at + 1))
      ++count;
    return count;
  };
  auto page1 = f.client().Get("/queue", session);
  REQUIRE(page1->status == 200);
  CHECK(rows(page1->body) == 50);
  CHECK_THAT(page1->body, Catch::Contains("120 open item(s)"));
  CHECK_THAT(page1->body, Catch::Contains("Page 1 of 3"));
  // The Late column says whether a request came too late for its date, not whether work on it
  // is on time: "No", never "On time" beside an Overdue tag.
  CHECK_THAT(page1->body, Catch::Contains(R"(<td class="nhsuk-table__cell">No</td>)"));
  CHECK_THAT(page1->body, !Catch::Contains("On time"));
  CHECK_THAT(page1->body, Catch::Contains(fmt::format(R"(data-ref="{}")", order[0])));
  CHECK_THAT(
      page1->body,
      Catch::Contains(
          R"(rel="next" href="/queue?workflow=comms_request&amp;tier=&amp;late=&amp;sort=&amp;page=2")"));
  CHECK_THAT(page1->body, !Catch::Contains(R"(rel="previous")"));
  auto page3 = f.client().Get("/queue?tier=&page=3", session);
  REQUIRE(page3->status == 200);
  CHECK(rows(page3->body) == 20);
  CHECK_THAT(page3->body, Catch::Contains(fmt::format(R"(data-ref="{}")", order[119])));
  CHECK_THAT(page3->body, Catch::Contains(R"(rel="previous")"));
  CHECK_THAT(page3->body, !Catch::Contains(R"(rel="next")"));
  auto reds = f.client().Get("/queue?tier=red", session);
  CHECK(rows(reds->body) == 40);
  CHECK_THAT(reds->body, Catch::Contains("40 open item(s)"));
  CHECK_THAT(reds->body, !Catch::Contains("Page 1 of"));  // one page
  auto past_end = f.client().Get("/queue?page=4", session);
  CHECK(past_end->status == 200);
  CHECK(rows(past_end->body) == 0);
  CHECK_THAT(past_end->body,
             Catch::Contains("There is no page 4 of the queue") && !Catch::Contains("Page 4 of 3"));
  for (const char* bad :
       {"/queue?page=0", "/queue?page=-1", "/queue?page=two", "/queue?page=2.0"}) {
    auto res = f.client().Get(bad, session);
    INFO(bad);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("page: must be a whole number"));
  }
  // A rating and "late only" kept from the comms request queue when the workflow is changed to
  // one whose queue has neither are dropped, not applied unseen.
  const std::string update = f.submit_website_update("Fix times", "https://example.nhs.uk/a");
  auto carried = f.client().Get("/queue?workflow=website_update&tier=red&late=yes",
                                httplib::Headers{{"Cookie", f.sign_in("hannah.head")}});
  REQUIRE(carried->status == 200);
  CHECK_THAT(carried->body, Catch::Contains("data-ref=\"" + update + "\"") &&
                                !Catch::Contains("id=\"filter-tier\""));
  // A filter the page does not offer is said, not ignored.
  for (const auto& [bad, said] : std::vector<std::pair<std::string, std::string>>{
           {"/queue?sort=xyz", "ort: must be due or ref"},
           {"/queue?late=maybe", "ate: must be yes, or left out"}}) {
    auto res = f.client().Get(bad, session);
    INFO(bad);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains(said));
  }
}

TEST_CASE("server: the queue page shows an incident banner while an incident is active",
          "[server][pages]") {
  WebFixture f;
  auto tom = f.bearer("tom.triage");
  // The level is asked for, never assumed: a major incident pauses more work.
  auto no_level = f.post_json(tom, "/api/v1/incidents", Json{{"name", "Storm <Bert>"}});
  REQUIRE(no_level);
  CHECK(no_level->status == 400);
  CHECK(body_of(no_level)["error"]["fields"]["level"] == "is required: \"major\" or \"minor\"");
  ItemFilter incidents;
  incidents.workflow = "incident";
  CHECK(f.engine->items(incidents).empty());
  const std::string green =
      f.engine->submit("comms_request", "tom.triage", green_request()).value().ref;
  std::string cookie = f.sign_in("tom.triage");
  CHECK_THAT(f.client().Get("/queue", httplib::Headers{{"Cookie", cookie}})->body,
             Catch::Contains("(due in "));
  auto declared =
      f.post_json(tom, "/api/v1/incidents", Json{{"name", "Storm <Bert>"}, {"level", "major"}});
  REQUIRE(declared);
  INFO(declared->body);
  REQUIRE(declared->status == 201);
  REQUIRE(f.engine->item(green).state == "paused");
  auto queue = f.client().Get("/queue", httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(queue->body, Catch::Contains("Incident in progress"));
  CHECK_THAT(queue->body, Catch::Contains("Storm &lt;Bert&gt; (major incident"));
  // Paused work's clock is stopped: no countdown to a time that moves when work resumes.
  CHECK_THAT(queue->body, Catch::Contains("(on hold: its clock is stopped)"));
  CHECK_THAT(queue->body, !Catch::Contains("(due in "));

  // One who may not see incidents learns nothing of them, not even that this one is active.
  for (const char* name : {"Storm <Bert>", "No such storm"}) {
    auto guess =
        f.post_json(f.bearer("asha.requester"), "/api/v1/incidents/close", Json{{"name", name}});
    CHECK(guess->status == 404);
    CHECK_THAT(guess->body, Catch::Contains("no active incident named"));
  }
  // Nor by declaring one by the same name: refused for the role first.
  auto same = f.post_json(f.bearer("asha.requester"), "/api/v1/incidents",
                          Json{{"name", "storm <bert>"}, {"level", "major"}});
  CHECK(same->status == 403);
  CHECK_THAT(same->body, !Catch::Contains("already active") && !Catch::Contains("INC-"));
  auto closed = f.post_json(tom, "/api/v1/incidents/close", Json{{"name", "Storm <Bert>"}});
  REQUIRE(closed->status == 200);
  queue = f.client().Get("/queue", httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(queue->body, !Catch::Contains("Incident in progress"));
  // Each is in the server's log, as every other change is.
  CHECK_THAT(
      f.log.str(),
      Catch::Contains("tom.triage declared major incident INC-2026-0001, pausing 1 item(s)") &&
          Catch::Contains("tom.triage closed incident INC-2026-0001, resuming 1 item(s)"));
  auto again = f.post_json(tom, "/api/v1/incidents/close", Json{{"name", "Storm <Bert>"}});
  CHECK(again->status >= 400);
  auto unnamed = f.post_json(tom, "/api/v1/incidents/close", Json{{"nam", "Storm <Bert>"}});
  CHECK(unnamed->status == 400);
  CHECK(body_of(unnamed)["error"]["fields"]["nam"] == "is not taken here (the body takes: name)");
  auto nameless = f.post_json(tom, "/api/v1/incidents/close", Json::object());
  CHECK(nameless->status == 400);
  CHECK(body_of(nameless)["error"]["fields"].contains("name"));
}

TEST_CASE("server: the tick hook runs on the scheduler", "[server][timers]") {
  std::mutex m;
  std::condition_variable cv;
  int ticks = 0;
  server::ServerOptions options = test_options();
  options.tick = [&](Engine&) {
    std::lock_guard<std::mutex> g(m);
    ++ticks;
    cv.notify_all();
  };
  WebFixture f(options);
  std::unique_lock<std::mutex> lock(m);
  // The first tick is due at once; waiting has no time limit that the test asserts on.
  cv.wait(lock, [&] { return ticks > 0; });
  CHECK(ticks >= 1);
}

TEST_CASE("cli: actor passwd reads the password from stdin - token create prints a token once",
          "[server][cli]") {
  TempDir dir;
  auto workflows = test::shipped_workflows().string();
  REQUIRE(test::run_cli(dir.path(), {"--workflows", workflows, "init"}).exit_code == 0);
  REQUIRE(test::run_cli(dir.path(),
                        {"--workflows", workflows, "actor", "add", "sam", "--role", "triager"})
              .exit_code == 0);
  auto short_pw = test::run_cli(dir.path(), {"--workflows", workflows, "actor", "passwd", "sam"},
                                "", "short\n");
  CHECK(short_pw.exit_code == 2);
  CHECK_THAT(short_pw.err, Catch::Contains("at least 10 characters"));
  auto spaces = test::run_cli(dir.path(), {"--workflows", workflows, "actor", "passwd", "sam"}, "",
                              "            \n");
  CHECK(spaces.exit_code == 2);
  CHECK_THAT(spaces.err, Catch::Contains("password: must be more than spaces"));
  CHECK(test::query_text(dir / "commsflow.db", "SELECT count(*) FROM passwords") == "0");
  auto none = test::run_cli(dir.path(), {"--workflows", workflows, "actor", "passwd", "sam"});
  CHECK(none.exit_code == 2);
  auto unknown = test::run_cli(dir.path(), {"--workflows", workflows, "actor", "passwd", "kim"}, "",
                               "long enough password\n");
  CHECK(unknown.exit_code == 2);

  auto ok = test::run_cli(dir.path(), {"--workflows", workflows, "actor", "passwd", "sam"}, "",
                          "long enough password\n");
  CHECK(ok.exit_code == 0);
  std::string hash =
      test::query_text(dir / "commsflow.db", "SELECT hash FROM passwords WHERE actor = 'sam'");
  CHECK_THAT(hash, Catch::StartsWith("$argon2id$"));
  CHECK(verify_password("long enough password", hash));

  auto token =
      test::run_cli(dir.path(), {"--workflows", workflows, "token", "create", "--as", "sam"});
  REQUIRE(token.exit_code == 0);
  std::string value = token.out.substr(0, token.out.find('\n'));
  CHECK(value.size() == 64);
  CHECK(
      test::query_text(dir / "commsflow.db", "SELECT actor FROM api_tokens WHERE token_digest = '" +
                                                 token_digest(value) + "'") == "sam");
  CHECK(test::run_cli(dir.path(), {"--workflows", workflows, "token", "create", "--as", "kim"})
            .exit_code == 2);
}

TEST_CASE("cli: serve stops cleanly on SIGTERM", "[server][cli]") {
  TempDir dir;
  auto workflows = test::shipped_workflows().string();
  REQUIRE(test::run_cli(dir.path(), {"--workflows", workflows, "init", "--demo"}).exit_code == 0);
  // Every demo actor can sign in with the demo password.
  CHECK(test::query_text(dir / "commsflow.db",
                         "SELECT count(*) FROM actors WHERE name IN ('asha.requester', "
                         "'tom.triage', 'hannah.head', 'admin') AND name NOT IN (SELECT actor "
                         "FROM passwords)") == "0");
  CHECK(verify_password(
      "demo-password", test::query_text(dir / "commsflow.db",
                                        "SELECT hash FROM passwords WHERE actor = 'hannah.head'")));
  int log[2];
  REQUIRE(pipe(log) == 0);
  std::string assets =
      std::string(COMMSFLOW_SOURCE_DIR) + "/web/node_modules/nhsuk-frontend/dist/nhsuk";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(dir.path().c_str()) != 0) _exit(126);
    close(log[0]);
    dup2(log[1], 2);
    execl(COMMSFLOW_BIN, COMMSFLOW_BIN, "--workflows", workflows.c_str(), "serve", "--port", "0",
          "--assets", assets.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(log[1]);
  // Wait for the server to say it is listening (its signal handling is set up by then).
  std::string output;
  char buffer[256];
  while (output.find("serving http://") == std::string::npos) {
    ssize_t n = read(log[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  INFO(output);
  REQUIRE(output.find("serving http://") != std::string::npos);
  kill(pid, SIGTERM);
  while (true) {
    ssize_t n = read(log[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  close(log[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(output, Catch::Contains("received SIGTERM"));
  CHECK_THAT(output, Catch::Contains("stopped"));
}

namespace {

// A reactive statement by olivia with two document versions, waiting in comms_review for
// hannah (the only step it needs). Made through the engine while the server is idle.
std::string statement_in_review(WebFixture& f) {
  auto submitted =
      f.engine->submit("media_signoff", "olivia.officer",
                       Json{{"headline", "Ward 7 statement"}, {"kind", "reactive_statement"}});
  REQUIRE(submitted.ok());
  std::string ref = submitted.value().ref;
  for (const char* text : {"We are reviewing ward <7>.\nVisiting is unchanged.\n",
                           "We are reviewing ward <7> & ward 8.\nVisiting is unchanged.\n"}) {
    REQUIRE(Signoff(*f.engine)
                .put_document(PutDocumentRequest{ref, "olivia.officer", text, {}, "", std::nullopt})
                .ok());
  }
  REQUIRE(f.engine
              ->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "",
                               std::nullopt})
              .ok());
  return ref;
}

// statement_in_review, approved by hannah (its only step), and hannah signed in: the cookie.
std::string approved_and_signed_in(WebFixture& f, std::string& ref) {
  ref = statement_in_review(f);
  REQUIRE(Signoff(*f.engine)
              .decide(DecideRequest{ref, "approved", "hannah.head", "Fine", "", std::nullopt, {}})
              .ok());
  return f.sign_in("hannah.head");
}

std::string get_page(WebFixture& f, const std::string& cookie, const std::string& path,
                     int status = 200) {
  auto res = f.client().Get(path.c_str(), httplib::Headers{{"Cookie", cookie}});
  REQUIRE(res);
  INFO(path << "\n" << res->body);
  CHECK(res->status == status);
  return res->body;
}

// The page without the line breaks and indentation templates put between tags, for checks on
// how elements nest.
std::string without_layout_space(const std::string& html) {
  return std::regex_replace(html, std::regex(">\\s+<"), "><");
}

}  // namespace

TEST_CASE("server: the item page shows the stage checklist, met and unmet lines",
          "[server][pages]") {
  WebFixture f;
  auto submitted =
      f.engine->submit("service_change", "eve.lead", Json{{"title", "Move <minor> injuries"}});
  REQUIRE(submitted.ok());
  std::string ref = submitted.value().ref;
  REQUIRE(f.engine
              ->act(ActRequest{ref, "record", "eve.lead", Json{{"affects_services", "yes"}}, "",
                               std::nullopt})
              .ok());
  std::string page = without_layout_space(get_page(f, f.sign_in("eve.lead"), "/items/" + ref));
  CHECK_THAT(page, Catch::Contains("<h2 id=\"checklist\">Checklist for Assessment</h2>"));
  CHECK_THAT(page, Catch::Contains("1 of 3 done."));
  // The NHS task list: a done line says so; an open one is tagged, with what is missing.
  CHECK_THAT(
      page,
      Catch::Contains(
          R"(data-ok="yes"><div class="nhsuk-task-list__name-and-hint"><div>Whether it changes how or which services are delivered</div></div><div class="nhsuk-task-list__status">Done</div>)"));
  CHECK_THAT(
      page,
      Catch::Contains(
          R"(data-ok="no"><div class="nhsuk-task-list__name-and-hint"><div>Rationale for the assessment</div><div class="nhsuk-task-list__hint">not written yet</div></div><div class="nhsuk-task-list__status"><strong class="nhsuk-tag nhsuk-tag--blue">Not done</strong></div>)"));

  // A workflow without checklists shows none.
  std::string other = f.submit_website_update("Fix times", "https://example.nhs.uk/t");
  CHECK_THAT(get_page(f, f.sign_in("olivia.officer"), "/items/" + other),
             !Catch::Contains("id=\"checklist\""));
}

TEST_CASE("server: the item page links each child item", "[server][pages]") {
  // Feedback is normally logged only while a consultation is open; this copy of the workflow
  // takes it at any stage, so the test need not walk the whole engagement cycle.
  WebFixture f(test_options(), [](const std::filesystem::path& workflows) {
    std::ifstream in(workflows / "feedback.lua");
    std::stringstream text;
    text << in.rdbuf();
    std::string lua = text.str();
    const std::string states = "parent_states = { \"consultation_open\" },";
    auto at = lua.find(states);
    REQUIRE(at != std::string::npos);
    lua.erase(at, states.size());
    std::ofstream(workflows / "feedback.lua") << lua;
  });
  auto parent = f.engine->submit("service_change", "eve.lead", Json{{"title", "Move clinic"}});
  REQUIRE(parent.ok());
  std::string ref = parent.value().ref;
  std::string cookie = f.sign_in("eve.lead");
  // No children yet: the section says so and offers to add one.
  std::string empty = without_layout_space(get_page(f, cookie, "/items/" + ref));
  CHECK_THAT(empty,
             Catch::Contains(
                 "<h2 id=\"children\">Linked items</h2><p class=\"nhsuk-body\">None yet.</p>"));
  CHECK_THAT(empty, Catch::Contains("/requests/new?workflow=feedback&amp;parent=" + ref));
  // What is needed next says a child may be added, and by whom, as well as the actions open.
  CHECK_THAT(empty, Catch::Contains("Record evidence, by Engagement lead; Add consultation "
                                    "feedback, by Engagement lead; Close the stage: not possible "
                                    "yet ("));

  auto child = f.engine->submit("feedback", "eve.lead",
                                Json{{"text", "Buses <rarely> run"}, {"channel", "email"}}, ref);
  INFO((child.ok() ? "" : child.refusal().reasons.front()));
  REQUIRE(child.ok());
  std::string child_ref = child.value().ref;
  std::string page = get_page(f, cookie, "/items/" + ref);
  CHECK_THAT(page, Catch::Contains("<h2 id=\"children\">Linked items</h2>"));
  CHECK_THAT(page, Catch::Contains("<a href=\"/items/" + child_ref + "\">" + child_ref + "</a>"));
  CHECK_THAT(page, Catch::Contains("Consultation feedback &middot; state Received"));
  // The child's page names the item it belongs to, linked; the parent's names none.
  CHECK_THAT(get_page(f, cookie, "/items/" + child_ref),
             Catch::Contains("<p class=\"nhsuk-body\">Part of the service change engagement <a "
                             "href=\"/items/" +
                             ref + "\">" + ref + ": Move clinic</a>.</p>"));
  CHECK_THAT(page, !Catch::Contains("Part of the"));
}

TEST_CASE("server: what is needed next names who may take each action, not everyone for all",
          "[server][pages]") {
  WebFixture f;
  auto submitted = f.engine->submit("comms_request", "tom.triage", green_request());
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  REQUIRE(f.engine
              ->act(ActRequest{ref, "accept", "tom.triage", Json{{"assignee", "olivia.officer"}},
                               "", std::nullopt})
              .ok());
  const std::string page = get_page(f, f.sign_in("tom.triage"), "/items/" + ref);
  const auto at = page.find(R"(id="needed-next">)");
  REQUIRE(at != std::string::npos);
  const std::string needed = page.substr(at, page.find("</dd>", at) - at);
  // Starting the work is the officer's or a triager's; the rest a triager's alone.
  CHECK_THAT(needed, Catch::Contains("Pause, Retriage or Decline, by Triager; "));
  CHECK_THAT(needed, Catch::EndsWith("; Start, by Comms officer or Triager"));
}

TEST_CASE("server: document versions are listed with their hashes and diffs render escaped",
          "[server][pages][signoff]") {
  WebFixture f;
  std::string ref = statement_in_review(f);
  auto versions = Signoff(*f.engine).documents(ref);
  REQUIRE(versions.size() == 2);
  std::string cookie = f.sign_in("hannah.head");

  // The queue names the statement by its headline.
  CHECK_THAT(get_page(f, cookie, "/queue?workflow=media_signoff"),
             Catch::Contains("Ward 7 statement"));

  std::string page = get_page(f, cookie, "/items/" + ref);
  // The page opens with what is needed next and the text being approved; the versions and
  // their hashes come after the details, folded.
  CHECK_THAT(page, Catch::Contains(R"(id="needed-next">A decision from )"));
  CHECK_THAT(page, Catch::Contains(R"(<h2 id="current-text">The text for approval</h2>)"));
  CHECK_THAT(page, Catch::Contains("We are reviewing ward &lt;7&gt; &amp; ward 8."));
  CHECK(page.find("id=\"current-text\"") < page.find("<h2>Details</h2>"));
  CHECK_THAT(page, Catch::Contains(R"(<details class="nhsuk-details" id="documents">)"));
  CHECK(page.find("<h2>Details</h2>") < page.find("cf-hash"));
  for (const auto& v : versions) {
    CHECK_THAT(page, Catch::Contains(fmt::format("data-version=\"{}\"", v.version)));
    CHECK_THAT(page, Catch::Contains("<code class=\"cf-hash\">" + v.hash + "</code>"));
  }
  CHECK(page.find("data-version=\"2\"") < page.find("data-version=\"1\""));  // newest first
  CHECK_THAT(page, Catch::Contains(R"(<a href="/items/)" + ref + R"(/documents/2#diff">)"));

  std::string doc = get_page(f, cookie, "/items/" + ref + "/documents/2");
  CHECK_THAT(doc, Catch::Contains("<h1>Document version 2</h1>"));
  CHECK_THAT(doc, Catch::Contains(versions[1].hash));
  CHECK_THAT(doc, Catch::Contains("olivia.officer"));
  CHECK_THAT(doc, Catch::Contains("We are reviewing ward &lt;7&gt; &amp; ward 8."));
  CHECK_THAT(doc, Catch::Contains("<del>-We are reviewing ward &lt;7&gt;.</del>"));
  CHECK_THAT(doc, Catch::Contains("<ins>+We are reviewing ward &lt;7&gt; &amp; ward 8.</ins>"));
  CHECK_THAT(doc, Catch::Contains(" Visiting is unchanged."));
  CHECK_THAT(doc, !Catch::Contains("ward <7>"));

  std::string first = get_page(f, cookie, "/items/" + ref + "/documents/1");
  CHECK_THAT(first, !Catch::Contains("id=\"diff\""));  // nothing before version 1
  std::string backwards = get_page(f, cookie, "/items/" + ref + "/documents/1?against=2");
  CHECK_THAT(backwards, Catch::Contains("<h2>Changes from version 2 to version 1</h2>"));
  CHECK_THAT(backwards,
             Catch::Contains("<del>-We are reviewing ward &lt;7&gt; &amp; ward 8.</del>"));

  get_page(f, cookie, "/items/" + ref + "/documents/3", 404);
  get_page(f, cookie, "/items/" + ref + "/documents/2?against=9", 404);
  // Characters that show nothing are marked, on the item's page, the version's and the diff.
  CHECK_THAT(page, !Catch::Contains("do not show"));
  REQUIRE(Signoff(*f.engine)
              .put_document(PutDocumentRequest{ref,
                                               "olivia.officer",
                                               "We will \u202Eesolc ton\u202C the\u200B ward.\n",
                                               {},
                                               "",
                                               std::nullopt})
              .ok());
  const std::string marked = "We will [U+202E]esolc ton[U+202C] the[U+200B] ward.";
  for (const auto& path : {"/items/" + ref, "/items/" + ref + "/documents/3"}) {
    const std::string shown = get_page(f, f.sign_in("olivia.officer"), path);
    CHECK_THAT(shown, Catch::Contains(marked));
    CHECK_THAT(shown, Catch::Contains("This text holds characters that do not show"));
    CHECK_THAT(shown, Catch::Contains("(U+202E, U+202C and U+200B)"));
  }
  // The version's page shows the text marked only; the item's page keeps it as stored in the
  // box for a new version, so that editing it changes nothing unseen.
  const std::string version =
      get_page(f, f.sign_in("olivia.officer"), "/items/" + ref + "/documents/3");
  CHECK_THAT(version, Catch::Contains("<ins>+" + marked + "</ins>"));
  CHECK_THAT(version, !Catch::Contains("\u202E"));
  CHECK_THAT(get_page(f, cookie, "/items/" + ref + "/documents/2?against=one", 400),
             Catch::Contains("against: must be a version number"));
}

TEST_CASE("server: a version approved with changes asked says so beside it",
          "[server][pages][signoff]") {
  WebFixture f;
  const std::string ref = statement_in_review(f);
  const std::int64_t version = Signoff(*f.engine).documents(ref).back().version;
  DecideRequest decide{ref, "approved_with_changes", "hannah.head", "Say ward 7 in full", "", {},
                       {}};
  decide.document_version = version;
  REQUIRE(Signoff(*f.engine).decide(decide).ok());
  REQUIRE(f.engine->item(ref).state == "approved");
  CHECK_THAT(get_page(f, f.sign_in("olivia.officer"), "/items/" + ref),
             Catch::Contains("<td class=\"nhsuk-table__cell\">Approved (with changes asked: not "
                             "for issue as it is)</td>"));
}

TEST_CASE("server: governance reads an approved text after it is taken back to work, and no draft",
          "[server][pages][signoff][access]") {
  WebFixture f;
  std::string ref;
  approved_and_signed_in(f, ref);  // version 2 approved
  f.add_person("gil.governance", "governance");
  std::string gil = f.sign_in("gil.governance");
  CHECK_THAT(get_page(f, gil, "/items/" + ref + "/documents/2"),
             Catch::Contains("We are reviewing ward &lt;7&gt; &amp; ward 8."));
  // Approved, the statement shows governance the text approved, and never the draft before it.
  std::string approved_page = get_page(f, gil, "/items/" + ref);
  CHECK_THAT(approved_page, Catch::Contains(R"(<h2 id="current-text">The text approved</h2>)"));
  CHECK_THAT(approved_page, !Catch::Contains("data-version=\"1\""));
  CHECK_THAT(approved_page, Catch::Contains("<td class=\"nhsuk-table__cell\">Approved</td>"));
  get_page(f, gil, "/items/" + ref + "/documents/1", 404);
  get_page(f, gil, "/items/" + ref + "/documents/2?against=1", 404);

  REQUIRE(
      f.engine->act(ActRequest{ref, "redraft", "olivia.officer", Json::object(), "", std::nullopt})
          .ok());
  // Taken back to work, before a new version: the text shown was approved, and is not the text
  // for approval now. Those who write it are shown it as the current draft, back in drafting.
  std::string redrafted = get_page(f, gil, "/items/" + ref);
  CHECK_THAT(redrafted, Catch::Contains(R"(<h2 id="current-text">The text last approved</h2>)"));
  CHECK_THAT(get_page(f, f.sign_in("hannah.head"), "/items/" + ref),
             Catch::Contains(R"(<h2 id="current-text">The current draft</h2>)"));
  REQUIRE(Signoff(*f.engine)
              .put_document(PutDocumentRequest{
                  ref, "olivia.officer", "Ward 7 is closed.\n", {}, "", std::nullopt})
              .ok());
  REQUIRE_FALSE(f.engine->item(ref).data.contains("_approved"));

  // The item page lists the version approved, and only it; the new draft's text is nowhere.
  std::string page = get_page(f, gil, "/items/" + ref);
  CHECK_THAT(page, Catch::Contains("The versions approved and their SHA-256 hashes"));
  CHECK_THAT(page, Catch::Contains("data-version=\"2\""));
  // What became of its approval is said beside it: a new version took it back.
  CHECK_THAT(page,
             Catch::Contains("<td class=\"nhsuk-table__cell\">Approved, no longer stands</td>"));
  CHECK_THAT(page, !Catch::Contains("data-version=\"1\""));
  CHECK_THAT(page, !Catch::Contains("data-version=\"3\""));
  CHECK_THAT(page, !Catch::Contains("Ward 7 is closed."));
  CHECK_THAT(page, !Catch::Contains(R"(id="current-text")"));  // the current text is a draft
  CHECK_THAT(page, !Catch::Contains(R"(/documents/2#diff)"));  // no earlier version to compare

  std::string approved = get_page(f, gil, "/items/" + ref + "/documents/2");
  CHECK_THAT(approved, Catch::Contains("We are reviewing ward &lt;7&gt; &amp; ward 8."));
  CHECK_THAT(approved, !Catch::Contains("id=\"diff\""));  // version 1 was never approved
  CHECK_THAT(get_page(f, gil, "/items/" + ref + "/documents/3", 404),
             Catch::Contains("has no approved document version 3 you may read"));
  get_page(f, gil, "/items/" + ref + "/documents/1", 404);
  get_page(f, gil, "/items/" + ref + "/documents/2?against=3", 404);

  // Those who write the text still read every version.
  std::string hannah = f.sign_in("hannah.head");
  CHECK_THAT(get_page(f, hannah, "/items/" + ref + "/documents/3"),
             Catch::Contains("Ward 7 is closed."));
  CHECK_THAT(get_page(f, hannah, "/items/" + ref),
             Catch::Contains("Document versions and their SHA-256 hashes"));

  // In review again: what is needed next points to the text only for one who is shown it.
  REQUIRE(f.engine
              ->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "",
                               std::nullopt})
              .ok());
  CHECK_THAT(get_page(f, hannah, "/items/" + ref),
             Catch::Contains(R"(id="needed-next">A decision from Comms review on the text below)"));
  const std::string in_review = get_page(f, gil, "/items/" + ref);
  CHECK_THAT(in_review, Catch::Contains(R"(id="needed-next">A decision from Comms review<)") &&
                            !Catch::Contains("the text below"));
}

TEST_CASE(
    "server: governance sees a first version approved, then taken back to work, as the text "
    "last approved",
    "[server][pages][signoff][access]") {
  WebFixture f;
  auto submitted =
      f.engine->submit("media_signoff", "olivia.officer",
                       Json{{"headline", "Ward 9 statement"}, {"kind", "reactive_statement"}});
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  REQUIRE(Signoff(*f.engine)
              .put_document(PutDocumentRequest{
                  ref, "olivia.officer", "Ward 9 is open.\n", {}, "", std::nullopt})
              .ok());
  REQUIRE(
      f.engine->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "", {}})
          .ok());
  REQUIRE(Signoff(*f.engine)
              .decide(DecideRequest{ref, "approved", "hannah.head", "Fine", "", std::nullopt, {}})
              .ok());
  REQUIRE(f.engine->act(ActRequest{ref, "redraft", "olivia.officer", Json::object(), "", {}}).ok());
  f.add_person("gil.governance", "governance");
  // Every version there is was approved, so nothing is withheld: the heading still says that
  // this text is the one approved before, not one for approval.
  std::string page = get_page(f, f.sign_in("gil.governance"), "/items/" + ref);
  CHECK_THAT(page, Catch::Contains(R"(<h2 id="current-text">The text last approved</h2>)"));
  CHECK_THAT(page, Catch::Contains("Ward 9 is open."));
}

TEST_CASE("server: the decide API takes on_behalf_of as people type a name", "[server][api]") {
  WebFixture f;
  const std::string ref = statement_in_review(f);
  f.add_person("sam.deputy", "comms_officer");
  REQUIRE(Signoff(*f.engine)
              .delegate("hannah.head", "sam.deputy", "head_of_comms", "2026-03-31", "hannah.head")
              .ok());
  auto decided = f.post_json(
      f.bearer("sam.deputy"), "/api/v1/items/" + ref + "/decide",
      Json{{"decision", "approved"}, {"document_version", 2}, {"on_behalf_of", " Hannah.Head "}});
  INFO(decided->body);
  REQUIRE(decided->status == 200);
  CHECK(f.engine->history(ref).back().on_behalf_of == "hannah.head");
}

TEST_CASE("server: a journalist's deadline that has passed is said at a glance on open work",
          "[server][pages][signoff]") {
  WebFixture f;
  auto submitted = f.engine->submit("media_signoff", "olivia.officer",
                                    Json{{"headline", "Ward 9 statement"},
                                         {"kind", "reactive_statement"},
                                         {"journalist_deadline", "2026-03-02T10:00:00Z"}});
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  const std::string hannah = f.sign_in("hannah.head");
  const std::string passed = R"(<strong class="nhsuk-tag nhsuk-tag--red">Passed</strong>)";
  CHECK_THAT(get_page(f, hannah, "/items/" + ref), !Catch::Contains(passed));

  f.clock.advance(std::chrono::hours(2));
  const std::string page = get_page(f, hannah, "/items/" + ref);
  CHECK_THAT(page,
             Catch::Contains(R"(<dt class="nhsuk-summary-list__key">Journalist deadline</dt>)"));
  CHECK_THAT(page, Catch::Contains(passed));
  CHECK_THAT(page, Catch::Contains(R"(<time datetime="2026-03-02T10:00:00Z">)"));

  REQUIRE(f.engine
              ->act(ActRequest{
                  ref, "withdraw", "hannah.head", Json{{"reason", "Story dropped"}}, "", {}})
              .ok());
  CHECK_THAT(get_page(f, hannah, "/items/" + ref), !Catch::Contains(passed));
}

TEST_CASE("server: the decide form records a decision - refusals change nothing",
          "[server][pages][signoff]") {
  WebFixture f;
  std::string ref = statement_in_review(f);
  const Item before = f.engine->item(ref);
  std::string hannah = f.sign_in("hannah.head");
  auto c = f.client();
  const std::string path = "/items/" + ref + "/decide";

  std::string page = get_page(f, hannah, "/items/" + ref);
  CHECK_THAT(page, Catch::Contains("<form method=\"post\" action=\"" + path + "\""));
  CHECK_THAT(page, Catch::Contains(
                       "<legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Your "
                       "decision on document version 2 in step Comms review</legend>"));
  // The form says which version the decision is on: the one shown to the person.
  CHECK_THAT(page, Catch::Contains("name=\"document_version\" value=\"2\""));
  for (const char* d : {"approved", "approved_with_changes", "changes_required", "not_relevant"}) {
    CHECK_THAT(page, Catch::Contains(fmt::format("value=\"{}\"", d)));
  }
  CHECK_THAT(page, Catch::Contains("<h3>Current step: Comms review</h3>"));
  CHECK_THAT(page, Catch::Contains("No decisions yet."));
  // Someone who may not decide here gets no form.
  // The director sees the statement but decides in none of its steps so far.
  f.add_person("dev.director", "director");
  std::string director = f.sign_in("dev.director");
  CHECK_THAT(get_page(f, director, "/items/" + ref), !Catch::Contains("action=\"" + path + "\""));

  SECTION("without the CSRF token the post is refused") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"decision", "approved"}, {"revision", "4"}});
    CHECK(res->status == 403);
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("a version or revision that is not a whole number is refused, nothing changes") {
    for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
             {"document_version", "2abc"}, {"document_version", "0"}, {"revision", "4x"}}) {
      httplib::Params form{{"csrf", f.csrf(hannah)}, {"decision", "approved"}};
      form.emplace("document_version", field == "document_version" ? value : "2");
      if (field == "revision") form.emplace("revision", value);
      auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}}, form);
      INFO(field << "=" << value);
      CHECK(res->status == 400);
      CHECK_THAT(res->body, Catch::Contains(field + ": must be a whole number"));
      CHECK(f.engine->item(ref).revision == before.revision);
    }
  }
  SECTION("no decision chosen: an error on the radios, nothing changes") {
    auto res =
        c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
               httplib::Params{
                   {"csrf", f.csrf(hannah)}, {"document_version", "2"}, {"comment", "Hmm <i>"}});
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("<a href=\"#decide-approved\">Select your decision</a>"));
    CHECK_THAT(res->body, Catch::Contains("nhsuk-form-group--error"));
    CHECK_THAT(res->body, Catch::Contains(">Hmm &lt;i&gt;</textarea>"));
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("changes asked for are shown at a glance, to the drafter and to the next reviewer") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)},
                                      {"document_version", "2"},
                                      {"decision", "changes_required"},
                                      {"comment", "Name the <ward>."}});
    REQUIRE(res->status == 303);
    const std::string shown = get_page(f, hannah, res->get_header_value("Location"));
    CHECK_THAT(shown,
               Catch::Contains("<dt class=\"nhsuk-summary-list__key\">Changes asked for</dt>"));
    CHECK_THAT(shown, Catch::Contains("<li>Changes required by hannah.head in Comms review, on "
                                      "version 2 at "));
    CHECK_THAT(shown, Catch::Contains(": &quot;Name the &lt;ward&gt;.&quot;</li>"));
    // Back in drafting, the text is a draft again, not one waiting for approval.
    CHECK_THAT(shown, Catch::Contains(R"(<h2 id="current-text">The current draft</h2>)"));
    // What is needed next begins with the new version asked for.
    CHECK_THAT(shown, Catch::Contains("A new version of the statement (changes were asked for in "
                                      "Comms review), by Comms officer or Head of comms; "));
    // The banner's sentences end once, whatever the comment ends with.
    CHECK_THAT(shown, Catch::Contains("your decision is recorded") &&
                          Catch::Contains("Comment: Name the &lt;ward&gt;.</p>"));
  }
  SECTION("changes asked for without a comment: an error on the comment, nothing changes") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)},
                                      {"document_version", "2"},
                                      {"decision", "changes_required"},
                                      {"comment", " "}});
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("<a href=\"#decide-comment\">Say which changes you want "
                                          "(needed with &quot;Changes required&quot;)</a>"));
    CHECK_THAT(res->body, Catch::Contains("id=\"decide-comment-error\""));
    // The choice made is kept, to be sent again with the comment.
    CHECK_THAT(res->body, Catch::Contains("value=\"changes_required\" checked"));
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("a decision without the step's role shows the reason and changes nothing") {
    auto res = c.Post(
        path.c_str(), httplib::Headers{{"Cookie", director}},
        httplib::Params{
            {"csrf", f.csrf(director)}, {"document_version", "2"}, {"decision", "approved"}});
    CHECK(res->status == 403);
    CHECK_THAT(res->body, Catch::Contains("There is a problem"));
    CHECK_THAT(res->body, Catch::Contains("<li>"));
    const Item after = f.engine->item(ref);
    CHECK(after.revision == before.revision);
    CHECK(after.state == "comms_review");
  }
  SECTION("a stale revision is a conflict and changes nothing") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)},
                                      {"document_version", "2"},
                                      {"decision", "approved"},
                                      {"revision", std::to_string(before.revision - 1)}});
    CHECK(res->status == 409);
    CHECK(f.engine->item(ref).revision == before.revision);
    // The decision is not kept ticked against what the statement is now.
    CHECK_THAT(res->body, Catch::Contains(R"(value="approved")") &&
                              !Catch::Contains(R"(value="approved" checked)"));
  }
  SECTION("a decision on a version since replaced is not kept ticked against the new one") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)},
                                      {"document_version", "1"},
                                      {"decision", "approved"},
                                      {"comment", "Fine"}});
    CHECK(res->status == 409);
    CHECK_THAT(res->body, Catch::Contains(R"(name="document_version" value="2")") &&
                              !Catch::Contains(R"(value="approved" checked)"));
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("an unknown decision is bad input") {
    auto res =
        c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
               httplib::Params{
                   {"csrf", f.csrf(hannah)}, {"document_version", "2"}, {"decision", "maybe"}});
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("maybe"));
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("a form without the version it was read at is refused, and changes nothing") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)}, {"decision", "approved"}});
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("open the statement again, read it and decide"));
    CHECK(f.engine->item(ref).revision == before.revision);
  }
  SECTION("hannah approves: the item moves on and the page shows her decision") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", hannah}},
                      httplib::Params{{"csrf", f.csrf(hannah)},
                                      {"document_version", "2"},
                                      {"decision", "approved"},
                                      {"comment", "Fine <b>now</b>"},
                                      {"revision", std::to_string(before.revision)}});
    INFO(res->body);
    CHECK(res->status == 303);
    CHECK(f.engine->item(ref).state == "approved");
    std::string after = get_page(f, hannah, "/items/" + ref);
    CHECK_THAT(after, !Catch::Contains("action=\"" + path + "\""));
    CHECK_THAT(after, Catch::Contains("<h3>Approved</h3>"));
    CHECK_THAT(after, Catch::Contains("<strong>Approved</strong>: hannah.head"));
    CHECK_THAT(after, Catch::Contains("on version 2"));
    CHECK_THAT(after, Catch::Contains("Fine &lt;b&gt;now&lt;/b&gt;"));
    // The banner the redirect leads to says it in people's words: no identifiers, no hash.
    const std::string location = res->get_header_value("Location");
    const std::string shown = get_page(f, hannah, location.substr(0, location.find('#')));
    const auto start = shown.find("nhsuk-notification-banner--success");
    REQUIRE(start != std::string::npos);
    // The banner alone: the page's history lists each version's hash for governance.
    const std::string banner = shown.substr(start, shown.find("nhsuk-caption-l", start) - start);
    CHECK_THAT(banner, Catch::Contains("your decision is recorded") &&
                           Catch::Contains("Decision: Approved.") &&
                           !Catch::Contains("Decision: approved.") &&
                           !Catch::Contains("Document hash"));
  }
}

TEST_CASE("server: the Audit page links reports that download as CSV, JSON and HTML",
          "[server][audit]") {
  WebFixture f;
  std::string ref;
  std::string cookie = approved_and_signed_in(f, ref);
  std::string audit = get_page(f, cookie, "/audit");
  CHECK_THAT(audit, Catch::Contains("<form method=\"get\" action=\"/audit/download\""));
  CHECK_THAT(
      audit,
      Catch::Contains(
          "<legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Format</legend>"));
  CHECK_THAT(audit, Catch::Contains("href=\"/audit/download?report=sign-offs&amp;format=csv\""));

  SECTION("the event history as CSV") {
    auto res = f.client().Get("/audit/download?report=history&format=csv",
                              httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res->status == 200);
    CHECK_THAT(res->get_header_value("Content-Type"), Catch::StartsWith("text/csv"));
    CHECK_THAT(res->get_header_value("Content-Disposition"), Catch::Contains("audit-history.csv"));
    auto records = parse_csv(res->body, "download");
    REQUIRE(records.size() > 2);
    CHECK(records[0].fields[0] == "seq");
    CHECK(records[0].fields[2] == "ref");
    CHECK(std::any_of(records.begin(), records.end(), [&](const CsvRecord& r) {
      return r.fields[2] == ref && r.fields[6] == "decide";
    }));
  }
  SECTION("filtered by actor and action, as JSON with the chain head") {
    auto res =
        f.client().Get("/audit/download?report=history&format=json&actor=hannah.head&action=decide",
                       httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res->status == 200);
    Json j = Json::parse(res->body);
    REQUIRE(j["rows"].size() == 1);
    CHECK(j["rows"][0]["ref"] == ref);
    CHECK(j["rows"][0]["decision"] == "approved");
    CHECK(j["chain_head"]["hash"].get<std::string>().size() == 64);
    CHECK(j["database"] == "web.db");
    // The workflow by its title and the action as the report shows it find the same rows.
    auto typed = f.client().Get(
        "/audit/download?report=history&format=json&actor=hannah.head&action=Decide&workflow="
        "Media%20statement%20sign-off",
        httplib::Headers{{"Cookie", cookie}});
    INFO(typed->body);
    REQUIRE(typed->status == 200);
    CHECK(Json::parse(typed->body)["rows"] == j["rows"]);
  }
  SECTION("one item's whole history, by its reference as typed") {
    CHECK_THAT(audit, Catch::Contains(R"(id="audit-item" name="item" type="text" value="")"));
    const std::string lower = ref.substr(0, 3) == "MED" ? "med" + ref.substr(3) : ref;
    auto res = f.client().Get("/audit/download?report=history&format=json&item=" + lower,
                              httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res->status == 200);
    const Json j = Json::parse(res->body);
    CHECK(j["rows"].size() == f.engine->history(ref).size());
    for (const auto& row : j["rows"]) CHECK(row["ref"] == ref);
    CHECK(j["range"] == "item " + ref);
    // No such item, or one the reader may not see: said beside the box, as typed.
    const std::string none =
        get_page(f, cookie, "/audit/download?report=history&format=csv&item=MED-2026-9999", 400);
    CHECK_THAT(none, Catch::Contains("Item: there is no item MED-2026-9999 that you may see") &&
                         Catch::Contains(
                             R"(id="audit-item" name="item" type="text" value="MED-2026-9999")"));
    // The printable page's range reads as people say it; the JSON's keeps the stored names.
    const std::string printable = get_page(
        f, cookie,
        "/audit/download?report=history&format=html&actor=hannah.head&action=decide&workflow="
        "media_signoff");
    CHECK_THAT(
        printable,
        Catch::Contains("workflow media statement sign-off; actor hannah.head; action Decide"));
  }
  SECTION("dates as the form's hints write them, UK style, with or without a time") {
    CHECK_THAT(audit, Catch::Contains("for example 1/1/2026 09:00 (UK time)"));
    const auto rows = [&](const std::string& range) {
      auto res = f.client().Get("/audit/download?report=history&format=json" + range,
                                httplib::Headers{{"Cookie", cookie}});
      REQUIRE(res->status == 200);
      return Json::parse(res->body)["rows"].size();
    };
    const std::size_t all = rows("");
    CHECK(all > 0);
    CHECK(rows("&from=1/1/2000%2009:00&to=31/12/2098") == all);
    CHECK(rows("&from=1/1/2099") == 0);
  }
  SECTION("sign-offs as JSON and as a printable page") {
    auto res = f.client().Get("/audit/download?report=sign-offs&format=json",
                              httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res->status == 200);
    Json j = Json::parse(res->body);
    REQUIRE(j["rows"].size() == 1);
    CHECK(j["rows"][0].dump().find(ref) != std::string::npos);
    auto html = f.client().Get("/audit/download?report=sign-offs&format=html",
                               httplib::Headers{{"Cookie", cookie}});
    REQUIRE(html->status == 200);
    CHECK_THAT(html->get_header_value("Content-Type"), Catch::StartsWith("text/html"));
    CHECK_THAT(html->body, Catch::Contains(ref));
    // People read the step's label; the JSON keeps the step's name.
    CHECK_THAT(html->body, Catch::Contains("Comms review: ") && !Catch::Contains("comms_review"));
    CHECK_THAT(j["rows"][0]["approvers"].get<std::string>(), Catch::StartsWith("comms_review: "));
  }
  SECTION("bad filters and formats are 400 naming the field, on the page as it was filled in") {
    const std::string wrong = get_page(
        f, cookie,
        "/audit/download?report=sign-offs&format=html&actor=Hannah%20Head&from=yesterday", 400);
    // The Audit page again: the problem in the summary, linked to its box, and beside it.
    CHECK_THAT(wrong,
               Catch::Contains("<h1>Audit</h1>") &&
                   Catch::Contains(R"(<a href="#audit-from">From: &apos;yesterday&apos; is)") &&
                   Catch::Contains(R"(<span class="nhsuk-error-message" id="audit-from-error">)"));
    // What was typed and chosen is kept.
    CHECK_THAT(wrong, Catch::Contains(
                          R"(id="audit-actor" name="actor" type="text" value="Hannah Head")") &&
                          Catch::Contains(R"(name="from" type="text" value="yesterday")") &&
                          Catch::Contains(R"(value="sign-offs" checked>)") &&
                          Catch::Contains(R"(value="html" checked>)") &&
                          !Catch::Contains(R"(value="history" checked>)"));
    // Both dates wrong: both said.
    CHECK_THAT(
        get_page(f, cookie, "/audit/download?from=yesterday&to=tomorrow", 400),
        Catch::Contains(R"(<a href="#audit-from">)") && Catch::Contains(R"(<a href="#audit-to">)"));
    CHECK_THAT(get_page(f, cookie, "/audit/download?actor=nobody", 400),
               Catch::Contains(R"(<a href="#audit-actor">Actor: no person is named)"));
    // An action no event has is said beside its box, not given as an empty file.
    CHECK_THAT(get_page(f, cookie, "/audit/download?action=Frobnicate&format=csv", 400),
               Catch::Contains(R"(<a href="#audit-action">Action: no event in the whole history )"
                               R"(is of the action &apos;frobnicate&apos;)"));
    CHECK_THAT(get_page(f, cookie, "/audit/download?format=pdf", 400),
               Catch::Contains("Format: &apos;pdf&apos; is not one of csv, json, html"));
    CHECK_THAT(get_page(f, cookie, "/audit/download?report=all", 400), Catch::Contains("Report:"));
  }
  SECTION("without a session, downloads redirect to sign-in") {
    auto res = f.client().Get("/audit/download?format=csv");
    CHECK(res->status == 303);
  }
}

TEST_CASE("server: an audit download from a history that does not verify says so, and no CSV",
          "[server][audit][sqlite]") {
  WebFixture f;
  std::string ref;
  std::string cookie = approved_and_signed_in(f, ref);
  test::raw_sql(f.database.location(),
                "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, "
                "'\"decision\":\"approved\"', '\"decision\":\"changes_required\"') "
                "WHERE action = 'decide'");
  auto get = [&](const char* path) {
    return f.client().Get(path, httplib::Headers{{"Cookie", cookie}});
  };
  auto html = get("/audit/download?report=sign-offs&format=html");
  REQUIRE(html->status == 200);
  CHECK_THAT(html->body, Catch::Contains("<strong>Warning:</strong> the history does not verify"));
  Json j = Json::parse(get("/audit/download?report=history&format=json")->body);
  CHECK(j["verified"] == false);
  auto csv = get("/audit/download?report=history&format=csv");
  CHECK(csv->status == 409);
  CHECK_THAT(csv->body, Catch::Contains("No CSV was made: the history does not verify"));
  // The Audit page does not give the chain head as if it were proven.
  CHECK_THAT(get("/audit")->body, Catch::Contains("The history has been altered") &&
                                      Catch::Contains(": not proven, since the history does not "
                                                      "verify."));
}

TEST_CASE("server: an item whose history was changed in the database says so at its top",
          "[server][pages][sqlite]") {
  WebFixture f;
  std::string ref;
  std::string cookie = approved_and_signed_in(f, ref);
  const std::string path = "/items/" + ref;
  CHECK_THAT(get_page(f, cookie, path), !Catch::Contains("id=\"history-altered\""));
  const std::string api = "/api/v1/items/" + ref;
  Json before = body_of(f.client().Get(api.c_str(), f.bearer("hannah.head")));
  CHECK(before["history_verifies"] == true);
  CHECK_FALSE(before.contains("history_problems"));
  test::raw_sql(f.database.location(),
                "UPDATE items SET data = json_set(data, '$._approved.document_version', 7) "
                "WHERE ref = '" +
                    ref + "'");
  // Issuing is not offered as if it could be done: the engine refuses to close it on this.
  CHECK_THAT(get_page(f, cookie, path),
             Catch::Contains("its history does not verify, so it is not closed: restore the "
                             "database from a backup"));
  CHECK_THAT(get_page(f, cookie, path), Catch::Contains("id=\"history-altered\"") &&
                                            Catch::Contains("s history does not verify</span>") &&
                                            Catch::Contains("the stored item is not what its"));
  // A report's warning says where the problem is: beside the events, not in one.
  CHECK_THAT(get_page(f, cookie, "/audit/download?report=history&format=html"),
             Catch::Contains("1 problem(s) found, in what is kept beside the events: the items, "
                             "their texts or the accounts"));
  // The API says so too, as the page does.
  Json after = body_of(f.client().Get(api.c_str(), f.bearer("hannah.head")));
  CHECK(after["history_verifies"] == false);
  REQUIRE(after["history_problems"].size() == 1);
  CHECK_THAT(after["history_problems"][0].get<std::string>(),
             Catch::Contains("the stored item is not what its"));
}

TEST_CASE("server: an item changed in the database is not issued - 409, not a server fault",
          "[server][api][sqlite]") {
  WebFixture f;
  std::string ref;
  approved_and_signed_in(f, ref);
  REQUIRE(f.engine->item(ref).state == "approved");
  test::raw_sql(f.database.location(),
                "UPDATE items SET data = json_set(data, '$.headline', 'Ward 7 reopens') WHERE ref "
                "= '" +
                    ref + "'");
  auto issued = f.post_json(f.bearer("olivia.officer"), "/api/v1/items/" + ref + "/actions/issue",
                            Json{{"inputs", {{"channel", "website"}}}});
  REQUIRE(issued);
  CHECK(issued->status == 409);
  const Json error = body_of(issued)["error"];
  CHECK(error["code"] == "history_altered");
  CHECK_THAT(error["message"].get<std::string>(),
             Catch::Contains(ref + ": its history does not verify"));
  CHECK(f.engine->item(ref).state == "approved");
  // Another change in the same moment is taken as ever.
  const std::string other = f.submit_website_update("Fix times", "https://example.nhs.uk/a");
  CHECK(f.engine->item(other).state == "requested");
}

TEST_CASE("server: text changed in the database is said so on the item page, never shown",
          "[server][pages][signoff][sqlite]") {
  WebFixture f;
  const std::string ref =
      f.draft_in_review(Json{{"headline", "Ward move"}}, "The ward moves in May.\n");
  test::raw_sql(f.database.location(),
                "DROP TRIGGER document_versions_no_update; UPDATE document_versions SET content "
                "= 'The ward closes for good.'");
  auto page = f.client().Get(("/items/" + ref).c_str(),
                             httplib::Headers{{"Cookie", f.sign_in("hannah.head")}});
  REQUIRE(page->status == 200);  // the rest of the page (details, history) is still there
  CHECK_THAT(page->body, Catch::Contains("The text cannot be shown") &&
                             Catch::Contains("was changed outside commsflow"));
  CHECK_THAT(page->body, !Catch::Contains("The ward closes for good."));
  CHECK_THAT(page->body, Catch::Contains(R"(id="timeline")"));
  // The version's own page says why, as a conflict with the history, not a server fault.
  auto version = f.client().Get(("/items/" + ref + "/documents/1").c_str(),
                                httplib::Headers{{"Cookie", f.sign_in("hannah.head")}});
  REQUIRE(version);
  CHECK(version->status == 409);
  CHECK_THAT(version->body, Catch::Contains("was changed outside commsflow") &&
                                !Catch::Contains("The ward closes for good."));
}

TEST_CASE("server: the item page stores a new document version - refusals change nothing",
          "[server][pages][signoff]") {
  WebFixture f;
  std::string ref = statement_in_review(f);
  const Item before = f.engine->item(ref);
  const std::string path = "/items/" + ref + "/documents";
  std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();

  std::string page = get_page(f, olivia, "/items/" + ref);
  CHECK_THAT(page, Catch::Contains("<form method=\"post\" action=\"" + path + "\""));
  // The form starts from the current version's text, escaped.
  CHECK_THAT(page, Catch::Contains(">\nWe are reviewing ward &lt;7&gt; &amp; ward 8.\nVisiting is "
                                   "unchanged.\n</textarea>"));
  // The director sees the statement but holds no document role: no form.
  f.add_person("dev.director", "director");
  std::string director = f.sign_in("dev.director");
  CHECK_THAT(get_page(f, director, "/items/" + ref), !Catch::Contains("action=\"" + path + "\""));

  auto post = [&](const std::string& cookie, httplib::Params params) {
    params.emplace("csrf", f.csrf(cookie));
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", cookie}}, params);
    REQUIRE(res);
    INFO(res->body);
    return res;
  };
  auto unchanged = [&] {
    CHECK(Signoff(*f.engine).documents(ref).size() == 2);
    CHECK(f.engine->item(ref).revision == before.revision);
  };

  SECTION("a new text is stored as version 3 by its author") {
    auto res = post(olivia, {{"content", "Ward 7 reopens on Monday.\n"},
                             {"note", "reopening date"},
                             {"revision", std::to_string(before.revision)}});
    CHECK(res->status == 303);
    auto versions = Signoff(*f.engine).documents(ref);
    REQUIRE(versions.size() == 3);
    CHECK(versions.back().content == "Ward 7 reopens on Monday.\n");
    CHECK(versions.back().author == "olivia.officer");
    CHECK_THAT(get_page(f, olivia, "/items/" + ref), Catch::Contains("data-version=\"3\""));
  }
  SECTION("the same text as the current version is refused and shown back") {
    // As a browser sends it: line breaks as CRLF.
    const std::string current = Signoff(*f.engine).documents(ref).back().content;
    std::string crlf;
    for (char ch : current) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    auto res = post(olivia, {{"content", crlf}});
    CHECK(res->status == 422);
    CHECK_THAT(res->body, Catch::Contains("nothing to store"));
    CHECK_THAT(res->body, Catch::Contains("ward &lt;7&gt; &amp; ward 8."));
    unchanged();
  }
  SECTION("someone without a document role is forbidden") {
    auto res = post(director, {{"content", "My own statement\n"}});
    CHECK(res->status == 403);
    unchanged();
  }
  SECTION("an empty text is bad input naming the field, and the note is kept") {
    auto res = post(olivia, {{"content", "  \n"}, {"note", "typo <fix>"}});
    CHECK(res->status == 400);
    // Linked from the summary to the text box, and said beside it.
    CHECK_THAT(
        res->body,
        Catch::Contains(R"(<a href="#document-content">Enter the text of the new version</a>)"));
    CHECK_THAT(res->body, Catch::Contains("nhsuk-textarea--error") &&
                              Catch::Contains(R"(id="document-content-error")"));
    CHECK_THAT(res->body, Catch::Contains("value=\"typo &lt;fix&gt;\""));
    unchanged();
  }
  SECTION("a stale revision is a conflict") {
    auto res = post(
        olivia, {{"content", "Later text\n"}, {"revision", std::to_string(before.revision - 1)}});
    CHECK(res->status == 409);
    unchanged();
  }
  SECTION("without the CSRF token the post is refused") {
    auto res = c.Post(path.c_str(), httplib::Headers{{"Cookie", olivia}},
                      httplib::Params{{"content", "Sneaky\n"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    unchanged();
  }
}

TEST_CASE("server: the API stores a new document version, with statuses for each failure",
          "[server][api][signoff]") {
  WebFixture f;
  std::string ref = statement_in_review(f);
  const std::string path = "/api/v1/items/" + ref + "/documents";

  auto created = f.post_json(f.bearer("olivia.officer"), path,
                             Json{{"content", "Ward 7 reopens on Monday.\n"}, {"note", "date"}});
  Json item = body_of(created);
  CHECK(created->status == 201);
  CHECK(item["data"]["_document"]["version"] == 3);
  CHECK(item["data"]["_document"]["hash"] == Signoff(*f.engine).documents(ref).back().hash);

  // The director sees the statement but may not write it; a requester may not even see it.
  f.add_person("dev.director", "director");
  auto forbidden = f.post_json(f.bearer("dev.director"), path, Json{{"content", "Mine\n"}});
  CHECK(forbidden->status == 403);
  auto hidden = f.post_json(f.bearer("asha.requester"), path, Json{{"content", "Mine\n"}});
  CHECK(hidden->status == 404);
  auto missing = f.post_json(f.bearer("olivia.officer"), path, Json{{"text", "Wrong key\n"}});
  CHECK(missing->status == 400);
  CHECK_THAT(body_of(missing)["error"]["message"].get<std::string>(), Catch::Contains("content"));
  // Empty text is named under the member the API takes it in.
  auto empty = f.post_json(f.bearer("olivia.officer"), path, Json{{"content", " \n"}});
  CHECK(empty->status == 400);
  CHECK_THAT(body_of(empty)["error"]["fields"]["content"].get<std::string>(),
             Catch::Contains("is empty"));
  auto stale =
      f.post_json(f.bearer("olivia.officer"), path, Json{{"content", "Again\n"}, {"revision", 1}});
  CHECK(stale->status == 409);
  auto unknown = f.post_json(f.bearer("olivia.officer"), "/api/v1/items/MED-2026-9999/documents",
                             Json{{"content", "Nobody\n"}});
  CHECK(unknown->status == 404);
  CHECK(Signoff(*f.engine).documents(ref).size() == 3);
}

TEST_CASE(
    "server: decide answers 403 without the role and 422 for a rule - a new version "
    "restarts the chain for everyone but its author",
    "[server][signoff]") {
  WebFixture f;
  const std::string ref =
      f.draft_in_review(Json{{"headline", "Clinic hours"}}, "Open 8am to 8pm.\n");
  const std::string decide = "/api/v1/items/" + ref + "/decide";

  // No role for the step: 403, on decide as on actions and documents, for those who see the
  // statement; those who may not see it get 404, as if it did not exist.
  f.add_person("dev.director", "director");
  for (const auto& name : {"dev.director", "olivia.officer"}) {
    auto res = f.post_json(f.bearer(name), decide,
                           Json{{"decision", "approved"}, {"document_version", 1}});
    INFO(name << ": " << res->body);
    CHECK(res->status == 403);
    CHECK(body_of(res)["error"]["code"] == "forbidden");
  }
  for (const auto& name : {"asha.requester", "tom.triage"}) {
    auto res = f.post_json(f.bearer(name), decide,
                           Json{{"decision", "approved"}, {"document_version", 1}});
    CHECK(res->status == 404);
  }
  auto no_role_act = f.post_json(f.bearer("olivia.officer"),
                                 "/api/v1/items/" + ref + "/actions/withdraw", Json::object());
  CHECK(no_role_act->status == 403);
  auto no_role_doc = f.post_json(f.bearer("dev.director"), "/api/v1/items/" + ref + "/documents",
                                 Json{{"content", "Mine.\n"}});
  CHECK(no_role_doc->status == 403);

  // Hannah writes version 2: the step starts again, and it is not hers to decide.
  auto hannah = f.bearer("hannah.head");
  auto put = f.post_json(hannah, "/api/v1/items/" + ref + "/documents",
                         Json{{"content", "Open 8am to 6pm.\n"}});
  INFO(put->body);
  REQUIRE(put->status == 201);
  CHECK(body_of(put)["state"] == "comms_review");
  CHECK(body_of(f.client().Get("/api/v1/inbox", hannah))["items"].empty());
  auto rule = f.post_json(hannah, decide, Json{{"decision", "approved"}, {"document_version", 2}});
  CHECK(rule->status == 422);
  CHECK(body_of(rule)["error"]["code"] == "refused");
  CHECK_THAT(body_of(rule)["error"]["reasons"][0].get<std::string>(),
             Catch::Contains("hannah.head wrote version 2"));
  for (const auto& entry : Signoff(*f.engine).outbox("hannah.head", ref)) {
    CHECK_THAT(entry.message, !Catch::Contains("version 2"));
  }
}

TEST_CASE("server: a second server on a port in use refuses to start, naming the port",
          "[server][cli]") {
  WebFixture f;
  server::ServerOptions options = test_options();
  options.bind = "127.0.0.1";
  options.port = f.web->port();
  std::ostringstream log;
  server::WebServer second(*f.engine, f.clock, options, log);
  CHECK_THROWS_WITH(second.bind(),
                    Catch::Contains(fmt::format("port {} is in use", f.web->port())));
  // The first server still answers.
  auto res = f.client().Get("/api/v1/me", f.bearer("tom.triage"));
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("server: sign-in follows only this server's paths (no open redirect)",
          "[server][security]") {
  WebFixture f;
  auto c = f.client();
  auto next_after_sign_in = [&](const std::string& next) {
    auto res =
        c.Post("/sign-in",
               httplib::Params{{"name", "tom.triage"}, {"password", kPassword}, {"next", next}});
    REQUIRE(res);
    REQUIRE(res->status == 303);
    return res->get_header_value("Location");
  };
  for (const char* evil : {"//evil.example/", "/\t/evil.example", "/\\evil.example", "/%2F/evil",
                           "/%5c/evil", "https://evil.example/", "/\r\nSet-Cookie: x=y",
                           "/%09/evil.example", "evil.example", "/"}) {
    INFO(evil);
    CHECK(next_after_sign_in(evil) == "/queue");
  }
  CHECK(next_after_sign_in("/items/MED-2026-0001?tab=history") ==
        "/items/MED-2026-0001?tab=history");
  // The probe as a browser sends it: the query is decoded to "/\t/evil.example".
  std::string cookie = f.sign_in("tom.triage");
  auto res = c.Get("/sign-in?next=/%09/evil.example", httplib::Headers{{"Cookie", cookie}});
  REQUIRE(res);
  CHECK(res->get_header_value("Location") == "/queue");
}

TEST_CASE("server: a strict CSP on every answer - nothing behind sign-in is cached",
          "[server][security]") {
  WebFixture f;
  std::string cookie = f.sign_in("hannah.head");
  auto c = f.client();
  for (const auto& path : {"/queue", "/sign-in", "/api/v1/me", "/api/v1/queue", "/audit"}) {
    INFO(path);
    auto res = c.Get(path, httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Security-Policy") == server::kContentSecurityPolicy);
    CHECK(res->get_header_value("Cache-Control") == "no-store");
    CHECK(res->get_header_value("Strict-Transport-Security").empty());  // plain HTTP
  }
  auto page = c.Get("/queue", httplib::Headers{{"Cookie", cookie}});
  CHECK_THAT(page->body, !Catch::Contains("<style"));
  CHECK_THAT(page->body, !Catch::Contains("style=\""));
  // Pages link to versioned names, cached for a year; a new build changes the name.
  static const std::regex stylesheet(
      R"re(<link rel="stylesheet" href="(/static/commsflow-[0-9a-f]{12}\.css)">)re");
  std::smatch linked;
  REQUIRE(std::regex_search(page->body, linked, stylesheet));
  auto versioned = c.Get(linked[1].str().c_str());
  REQUIRE(versioned);
  CHECK(versioned->status == 200);
  CHECK(versioned->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");
  CHECK_THAT(versioned->body, Catch::Contains(".cf-diff"));
  // Nothing a page loads comes from another site.
  CHECK_THAT(page->body, !Catch::Contains("src=\"http") && !Catch::Contains("href=\"http"));
  auto script = c.Get("/static/commsflow.js");
  REQUIRE(script);
  CHECK_THAT(script->body, Catch::Contains("initAll()"));
  auto css = c.Get("/static/commsflow.css");
  REQUIRE(css);
  CHECK(css->status == 200);
  CHECK_THAT(css->get_header_value("Content-Type"), Catch::Contains("text/css"));
  CHECK(css->get_header_value("Cache-Control") == "no-cache");  // the plain name revalidates
  CHECK_THAT(css->body, Catch::Contains(".cf-diff"));
  // An audit download is no-store too; its printable page allows only its own inline style.
  auto report =
      c.Get("/audit/download?report=sign-offs&format=html", httplib::Headers{{"Cookie", cookie}});
  REQUIRE(report);
  CHECK(report->status == 200);
  CHECK(report->get_header_value("Cache-Control") == "no-store");
  CHECK_THAT(report->get_header_value("Content-Security-Policy"),
             Catch::StartsWith("default-src 'none'"));
  auto csv =
      c.Get("/audit/download?report=history&format=csv", httplib::Headers{{"Cookie", cookie}});
  CHECK(csv->get_header_value("Cache-Control") == "no-store");
}

TEST_CASE("server: behind HTTPS the session cookie is Secure and answers carry HSTS",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.public_url = "https://comms.example.nhs.uk";
  WebFixture f(options);
  auto res =
      f.client().Post("/sign-in", httplib::Params{{"name", "tom.triage"}, {"password", kPassword}});
  REQUIRE(res);
  CHECK_THAT(res->get_header_value("Set-Cookie"), Catch::Contains("; Secure"));
  CHECK_THAT(res->get_header_value("Strict-Transport-Security"), Catch::Contains("max-age="));
}

TEST_CASE("server: the log says why a sign-in failed and who is locked out, the page does not",
          "[server][security]") {
  WebFixture f;
  f.people().disable("olivia.officer", kOperator);
  f.engine->add_actor("nia.new", {"requester"});  // no password yet
  const auto sign_in = [&](const std::string& name, const std::string& password) {
    auto res = f.client().Post("/sign-in", httplib::Params{{"name", name}, {"password", password}});
    REQUIRE(res);
    return res->status;
  };
  for (const char* name : {"nobody.here", "olivia.officer", "nia.new"}) {
    CHECK(sign_in(name, kPassword) == 401);
  }
  CHECK(sign_in("tom.triage", "wrong password") == 401);
  const std::string log = f.log.str();
  CHECK_THAT(log,
             Catch::Contains("sign-in failed for 'nobody.here' from 127.0.0.1: no such person"));
  CHECK_THAT(log, Catch::Contains("sign-in failed for 'olivia.officer' from 127.0.0.1: disabled"));
  CHECK_THAT(log, Catch::Contains("sign-in failed for 'nia.new' from 127.0.0.1: no password set "
                                  "(`commsflow actor passwd nia.new`)"));
  CHECK_THAT(log,
             Catch::Contains("sign-in failed for 'tom.triage' from 127.0.0.1: wrong password"));
  // Locked out after the failures allowed: said in the log as well as to the person.
  int status = 401;
  for (int i = 0; i < 10 && status != 429; ++i) status = sign_in("tom.triage", "wrong again");
  CHECK(status == 429);
  CHECK_THAT(f.log.str(), Catch::Contains("sign-in refused for 'tom.triage' from 127.0.0.1: "
                                          "locked out for "));
}

TEST_CASE("server: user text cannot forge a log line", "[server][security]") {
  WebFixture f;
  auto res = f.client().Post(
      "/sign-in",
      httplib::Params{{"name", "x\n[2026-03-02T09:00:00Z] hannah.head decided approved on MED-1"},
                      {"password", "wrong"}});
  REQUIRE(res);
  CHECK(res->status == 401);
  const std::string log = f.log.str();
  // The name as the sign-in reads it (names are lower case), its line break escaped.
  CHECK_THAT(log, Catch::Contains("sign-in failed for 'x\\x0a[2026-03-02t09:00:00z] hannah.head"));
  for (std::size_t at = log.find('\n'); at != std::string::npos; at = log.find('\n', at + 1)) {
    if (at + 1 < log.size()) CHECK(log.compare(at + 1, 1, "[") == 0);  // each line is an entry
  }
}

TEST_CASE("server: a body over the limit is refused with 413 and changes nothing",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.max_body_bytes = 64 * 1024;
  WebFixture f(options);
  Json big{{"workflow", "website_update"},
           {"data", {{"title", std::string(100 * 1024, 'x')}, {"page_url", "https://x.nhs.uk"}}}};
  auto res = f.post_json(f.bearer("asha.requester"), "/api/v1/items", big);
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(f.engine->items(ItemFilter{}).empty());
  // Without a session as well: the size is refused before anything else.
  auto anonymous = f.client().Post("/api/v1/items", big.dump(), "application/json");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 413);
}

TEST_CASE("server: JSON nested past the limit is refused with 400 naming it - the server lives",
          "[server][security]") {
  WebFixture f;
  const int depth = 100'000;
  std::string nested = std::string(depth, '[') + std::string(depth, ']');
  std::string body =
      R"({"workflow": "website_update", "data": {"title": "x", "reviewer_notes": )" + nested + "}}";
  auto res = f.client().Post("/api/v1/items", f.bearer("asha.requester"), body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK_THAT(body_of(res)["error"]["message"].get<std::string>(),
             Catch::Contains("deeper than 64 levels"));
  // Just inside the limit is parsed (and then judged by the fields' rules).
  std::string ok_depth = std::string(60, '[') + std::string(60, ']');
  auto inside = f.client().Post(
      "/api/v1/items", f.bearer("asha.requester"),
      R"({"workflow": "website_update", "data": {"title": "x", "reviewer_notes": )" + ok_depth +
          "}}",
      "application/json");
  REQUIRE(inside);
  CHECK(inside->status == 400);
  CHECK_THAT(inside->body, !Catch::Contains("deeper than"));
  auto me = f.client().Get("/api/v1/me", f.bearer("tom.triage"));
  REQUIRE(me);
  CHECK(me->status == 200);
}

TEST_CASE("server: a new password ends the sessions signed in with the old one",
          "[server][security]") {
  WebFixture f;
  std::string cookie = f.sign_in("hannah.head");
  std::string other = f.sign_in("tom.triage");
  REQUIRE(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 200);
  f.people().set_password_hash("hannah.head", WebFixture::password_hash(), kOperator);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 401);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", other}})->status == 200);
  // The API token is not a session: it stays until revoked.
  CHECK(f.client().Get("/api/v1/me", f.bearer("hannah.head"))->status == 200);
}

TEST_CASE("server: text with control characters is refused naming the field",
          "[server][security]") {
  WebFixture f;
  auto res = f.post_json(
      f.bearer("asha.requester"), "/api/v1/items",
      Json{{"workflow", "website_update"}, {"data", {{"title", "Clinic\x1b[2J times"}}}});
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK_THAT(body_of(res)["error"]["fields"]["title"].get<std::string>(),
             Catch::Contains("U+001B"));
  CHECK(f.engine->items(ItemFilter{}).empty());
  // A one-line field refuses a line break; a multi-line one (no max, or over 500) keeps it.
  auto broken = f.post_json(
      f.bearer("asha.requester"), "/api/v1/items",
      Json{{"workflow", "website_update"}, {"data", {{"title", "Clinic\nFORGED LINE"}}}});
  REQUIRE(broken);
  CHECK(broken->status == 400);
  CHECK(body_of(broken)["error"]["fields"]["title"] ==
        "is one line of text: take out the line break");
  // Tabs are text, and so are line breaks where the field has more than one line.
  auto ok =
      f.post_json(f.bearer("asha.requester"), "/api/v1/items",
                  Json{{"workflow", "website_update"},
                       {"data", {{"title", "Clinic\ttimes"}, {"details", "Line one\nLine two"}}}});
  REQUIRE(ok);
  CHECK(ok->status == 201);
}

TEST_CASE("server: one guess at many names from one address is slowed too", "[server][security]") {
  server::ServerOptions options = test_options();
  options.failures_before_address_lockout = 4;
  options.lockout_base = std::chrono::hours(1);
  WebFixture f(options);
  auto c = f.client();
  for (const char* name : {"asha.requester", "olivia.officer", "hannah.head", "tom.triage"}) {
    auto r = c.Post("/sign-in", httplib::Params{{"name", name}, {"password", "Winter2026!"}});
    CHECK(r->status == 401);
  }
  // Each name failed once only, yet the address is now slowed: even a right password waits.
  auto slowed = c.Post("/sign-in", httplib::Params{{"name", "eve.lead"}, {"password", kPassword}});
  REQUIRE(slowed);
  CHECK(slowed->status == 429);
  CHECK(std::stoll(slowed->get_header_value("Retry-After")) > 0);
}

namespace {

// A loopback TCP connection to the test server that sends what it is told, or nothing.
int open_raw_connection(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

namespace {

// Sends `bytes` on a new connection and returns everything the server answers until it closes
// the connection (the sending half stays open: the server takes a half-closed connection as
// gone).
std::string exchange(int port, const std::string& bytes) {
  int fd = open_raw_connection(port);
  timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(fd);
  return out;
}

std::size_t answers_in(const std::string& stream) {
  std::size_t count = 0;
  for (auto at = stream.find("HTTP/1.1 "); at != std::string::npos;
       at = stream.find("HTTP/1.1 ", at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("server: a refused request's body is never read as a request of its own",
          "[server][security]") {
  WebFixture f;
  // Another site's page posts a body that is itself a request, from this machine.
  const std::string inner =
      "POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Real-IP: 10.0.0.9\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: 21\r\n\r\nname=eve&password=guess";
  const std::string answers =
      exchange(f.web->port(), fmt::format("POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                                          "http://evil.example\r\nContent-Type: text/plain\r\n"
                                          "Content-Length: {}\r\n\r\n{}",
                                          inner.size(), inner));
  CHECK(answers.starts_with("HTTP/1.1 403"));
  CHECK(answers_in(answers) == 1);

  // A body with no declared length is refused before it is read.
  const std::string no_length =
      exchange(f.web->port(),
               "POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               "application/x-www-form-urlencoded\r\n\r\nname=tom.triage&password=x");
  CHECK(no_length.starts_with("HTTP/1.1 411"));
  CHECK(answers_in(no_length) == 1);
}

TEST_CASE("server: a Content-Length no body could have is refused at once and not waited on",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.read_timeout = std::chrono::seconds(30);  // far longer than exchange() waits
  WebFixture f(options);
  const auto post_with_length = [&](const std::string& length) {
    return exchange(f.web->port(),
                    fmt::format("POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                "application/x-www-form-urlencoded\r\n{}\r\n"
                                "name=tom.triage&password=x",
                                length));
  };
  for (const char* length :
       {"Content-Length: -1\r\n", "Content-Length: 5, 7\r\n", "Content-Length: 0x10\r\n",
        "Content-Length: 26\r\nContent-Length: 27\r\n"}) {
    const std::string answer = post_with_length(length);
    INFO(length);
    CHECK(answer.starts_with("HTTP/1.1 400"));
    CHECK_THAT(answer, Catch::Contains("Content-Length"));
    CHECK(answers_in(answer) == 1);
  }
  for (const char* length :
       {"Content-Length: 99999999999\r\n", "Content-Length: 99999999999999999999999\r\n"}) {
    const std::string answer = post_with_length(length);
    INFO(length);
    CHECK(answer.starts_with("HTTP/1.1 413"));
    CHECK_THAT(answer, Catch::Contains("too large (at most"));
  }
  // A true length is read as ever: the password is checked, and is wrong.
  CHECK(post_with_length("Content-Length: 26\r\n").starts_with("HTTP/1.1 401"));
  // A client that asks first (Expect: 100-continue) is refused in place of being invited; one
  // within the limit is invited as ever.
  const std::string asked =
      post_with_length("Content-Length: 99999999\r\nExpect: 100-continue\r\n");
  CHECK(asked.starts_with("HTTP/1.1 413"));
  CHECK_THAT(asked, !Catch::Contains("100 Continue") && Catch::Contains("too large (at most"));
  CHECK(post_with_length("Content-Length: 26\r\nExpect: 100-continue\r\n")
            .starts_with("HTTP/1.1 100 Continue"));
}

TEST_CASE("server: the server's own origin is recognised however a proxy or browser writes it",
          "[server][security]") {
  server::ServerOptions options = test_options();
  options.public_url = "https://comms.example.org:443/";
  WebFixture f(options);
  auto sign_in = [&](httplib::Headers headers) {
    auto res = f.client().Post("/sign-in", headers,
                               httplib::Params{{"name", "tom.triage"}, {"password", kPassword}});
    REQUIRE(res);
    return res->status;
  };
  CHECK(sign_in({{"Origin", "https://comms.example.org"}}) == 303);  // the default port left out
  CHECK(sign_in({{"Origin", "https://comms.example.org:8443"}}) == 403);
  CHECK(sign_in({{"Origin", "http://comms.example.org"}}) == 403);
  // A page whose origin the browser hides ("null") but says is this site's own.
  CHECK(sign_in({{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}}) == 303);
}

TEST_CASE("server: fifty idle or slow connections do not stop a normal request",
          "[server][security]") {
  WebFixture f;
  std::vector<int> idle;
  for (int i = 0; i < 25; ++i) idle.push_back(open_raw_connection(f.web->port()));
  // Slow ones: a request line and one header, then nothing more.
  for (int i = 0; i < 25; ++i) {
    int fd = open_raw_connection(f.web->port());
    const std::string start = "GET /sign-in HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n";
    REQUIRE(::write(fd, start.data(), start.size()) == static_cast<ssize_t>(start.size()));
    idle.push_back(fd);
  }
  // A normal request is answered well before any of those time out (the client gives up after
  // 3 s, less than the server's 5 s read timeout).
  httplib::Client c("127.0.0.1", f.web->port());
  c.set_read_timeout(3, 0);
  c.set_connection_timeout(3, 0);
  for (int i = 0; i < 3; ++i) {
    auto res = c.Get("/sign-in");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  for (int fd : idle) ::close(fd);
}

TEST_CASE(
    "server: through the API an embargo moved later stands - moved earlier, the chain "
    "starts again - the register shows the versions",
    "[server][signoff]") {
  WebFixture f;
  const std::string ref = f.draft_in_review(
      Json{{"headline", "New scanner"}, {"embargo_until", "2026-03-03T00:01:00Z"}},
      "A new scanner opens.\n");
  auto approved = f.post_json(f.bearer("hannah.head"), "/api/v1/items/" + ref + "/decide",
                              Json{{"decision", "approved"}, {"document_version", 1}});
  REQUIRE(approved->status == 200);
  CHECK(body_of(approved)["state"] == "approved");

  const std::string timing = "/api/v1/items/" + ref + "/actions/update_timing";
  auto later = f.post_json(f.bearer("olivia.officer"), timing,
                           Json{{"inputs", {{"embargo_until", "2026-03-04T00:01:00Z"}}}});
  INFO(later->body);
  REQUIRE(later->status == 200);
  CHECK(body_of(later)["state"] == "approved");
  auto earlier = f.post_json(f.bearer("olivia.officer"), timing,
                             Json{{"inputs", {{"embargo_until", "2026-03-02T09:00:00Z"}}}});
  REQUIRE(earlier->status == 200);
  CHECK(body_of(earlier)["state"] == "comms_review");
  Json history = body_of(
      f.client().Get(("/api/v1/items/" + ref + "/history").c_str(), f.bearer("olivia.officer")));
  const Json& events = history.is_array() ? history : history["events"];
  REQUIRE(events.size() >= 2);
  CHECK(events[events.size() - 2]["payload"]["approval"] == "stands");
  CHECK(events.back()["payload"]["back_to"] == "comms_review");

  // Approved again (her earlier decision was voided); the register's JSON names the version
  // approved and the version now.
  REQUIRE(f.post_json(f.bearer("hannah.head"), "/api/v1/items/" + ref + "/decide",
                      Json{{"decision", "approved"}, {"document_version", 1}})
              ->status == 200);
  std::string cookie = f.sign_in("hannah.head");
  auto report = f.client().Get("/audit/download?report=sign-offs&format=json",
                               httplib::Headers{{"Cookie", cookie}});
  REQUIRE(report);
  Json rows = Json::parse(report->body)["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["document_version"] == 1);
  CHECK(rows[0]["current_version"] == 1);
  CHECK(rows[0]["warning"].is_null());
}

TEST_CASE("server: too many or too large headers are refused with 431", "[server][security]") {
  WebFixture f;
  httplib::Headers many = f.bearer("tom.triage");
  for (int i = 0; i < 200; ++i) many.emplace(fmt::format("X-Filler-{}", i), std::string(1000, 'a'));
  auto res = f.client().Get("/api/v1/me", many);
  REQUIRE(res);
  CHECK(res->status == 431);
  httplib::Headers large = f.bearer("tom.triage");
  for (int i = 0; i < 20; ++i) large.emplace(fmt::format("X-Big-{}", i), std::string(4000, 'b'));
  auto big = f.client().Get("/api/v1/me", large);
  REQUIRE(big);
  CHECK(big->status == 431);
  // Ordinary requests still pass.
  CHECK(f.client().Get("/api/v1/me", f.bearer("tom.triage"))->status == 200);
}

TEST_CASE("server: another site's page cannot sign anyone in or change anything",
          "[server][security]") {
  WebFixture f;
  const httplib::Params credentials{{"name", "tom.triage"}, {"password", kPassword}};
  auto sign_in_from = [&](httplib::Headers headers) {
    auto res = f.client().Post("/sign-in", headers, credentials);
    REQUIRE(res);
    return res;
  };
  for (const httplib::Headers& foreign :
       {httplib::Headers{{"Origin", "http://evil.example"}}, httplib::Headers{{"Origin", "null"}},
        httplib::Headers{{"Sec-Fetch-Site", "cross-site"}},
        httplib::Headers{{"Sec-Fetch-Site", "same-site"}, {"Origin", "http://127.0.0.1"}}}) {
    auto refused = sign_in_from(foreign);
    CHECK(refused->status == 403);
    CHECK_FALSE(refused->has_header("Set-Cookie"));
    CHECK_THAT(refused->body, Catch::Contains("This request came from another site"));
    // The person at the browser is shown a page saying so, not JSON.
    CHECK_THAT(refused->get_header_value("Content-Type"), Catch::StartsWith("text/html"));
    CHECK_THAT(refused->body, Catch::Contains("<h1>Sorry, this could not be done</h1>"));
  }
  // One signed in is refused on a page that still shows them signed in.
  const std::string tom = f.sign_in("tom.triage");
  httplib::Headers signed_in{{"Cookie", tom}};
  signed_in.emplace("Origin", "http://evil.example");
  auto theirs =
      f.client().Post("/incidents/new", signed_in, httplib::Params{{"csrf", f.csrf(tom)}});
  REQUIRE(theirs);
  CHECK(theirs->status == 403);
  CHECK_THAT(theirs->body,
             Catch::Contains("This request came from another site") && Catch::Contains("Sign out"));
  // The server's own page says it is the same origin, or names this server as its origin.
  const std::string own = fmt::format("http://127.0.0.1:{}", f.web->port());
  CHECK(sign_in_from({{"Origin", own}, {"Sec-Fetch-Site", "same-origin"}})->status == 303);
  CHECK(sign_in_from({{"Origin", own}})->status == 303);
  // A client that is no web page (curl, a script) says neither.
  CHECK(sign_in_from({})->status == 303);
  // The API too: a token does not make another site's request welcome.
  httplib::Headers foreign_api = f.bearer("asha.requester");
  foreign_api.emplace("Origin", "http://evil.example");
  auto api = f.post_json(foreign_api, "/api/v1/items",
                         Json{{"workflow", "website_update"}, {"data", {{"title", "x"}}}});
  REQUIRE(api);
  CHECK(api->status == 403);
  CHECK(Json::parse(api->body)["error"]["code"] == "forbidden");  // the API answers in JSON
  CHECK(f.engine->items(ItemFilter{}).size() == 0);
}

TEST_CASE("server: a request body in chunks is refused before it is read (411)",
          "[server][security]") {
  WebFixture f;
  std::size_t offered = 0;
  auto res = f.client().Post(
      "/sign-in",
      [&](std::size_t, httplib::DataSink& sink) {
        std::string chunk(64 * 1024, 'a');
        offered += chunk.size();
        // Far past the limit, were it all read.
        if (offered > 64u * 1024 * 1024) return sink.done(), true;
        return sink.write(chunk.data(), chunk.size());
      },
      "application/x-www-form-urlencoded");
  if (res) {
    CHECK(res->status == 411);
    CHECK_THAT(res->body, Catch::Contains("Content-Length"));
  }
  CHECK(offered < 64u * 1024 * 1024);  // the server closed the connection rather than read on
  // An ordinary sign-in still works.
  CHECK_FALSE(f.sign_in("tom.triage").empty());
}

TEST_CASE(
    "server: a full disk is 507 storage_full, changes nothing, and passes once space is freed",
    "[server][security]") {
  namespace faults = store::fault_vfs;
  faults::install();
  faults::reset();
  WebFixture f;  // its database opens through the fault-injecting VFS
  const Json request{{"workflow", "website_update"},
                     {"data", {{"title", "Clinic times"}, {"page_url", "https://x.nhs.uk"}}}};
  faults::fail_writes_after(0);
  auto full = f.post_json(f.bearer("asha.requester"), "/api/v1/items", request);
  REQUIRE(full);
  CHECK(full->status == 507);
  CHECK(body_of(full)["error"]["code"] == "storage_full");
  CHECK_THAT(body_of(full)["error"]["message"].get<std::string>(), Catch::Contains("disk is full"));
  CHECK(faults::refused_writes() > 0);
  faults::reset();
  CHECK(f.engine->items(ItemFilter{}).empty());
  auto freed = f.post_json(f.bearer("asha.requester"), "/api/v1/items", request);
  REQUIRE(freed);
  CHECK(freed->status == 201);
}

TEST_CASE("server: the client address comes from X-Real-IP only when the proxy is trusted",
          "[server][security]") {
  auto attempt = [](WebFixture& f, const std::string& real_ip) {
    auto res = f.client().Post("/sign-in", httplib::Headers{{"X-Real-IP", real_ip}},
                               httplib::Params{{"name", "nobody"}, {"password", "guess"}});
    REQUIRE(res);
    return res->status;
  };
  server::ServerOptions options = test_options();
  options.failures_before_address_lockout = 2;
  options.lockout_base = std::chrono::hours(1);
  SECTION("behind a trusted proxy, each client is slowed on its own") {
    options.trusted_proxy = "127.0.0.1";
    WebFixture f(options);
    CHECK(attempt(f, "192.0.2.1") == 401);
    CHECK(attempt(f, "192.0.2.1") == 401);
    CHECK(attempt(f, "192.0.2.1") == 429);
    CHECK(attempt(f, "192.0.2.2") == 401);
  }
  SECTION("without one, the header is ignored: the connection's address counts") {
    WebFixture f(options);
    CHECK(attempt(f, "192.0.2.1") == 401);
    CHECK(attempt(f, "192.0.2.2") == 401);
    CHECK(attempt(f, "192.0.2.3") == 429);
  }
}

TEST_CASE("server: serving beyond loopback needs the proxy", "[server][security]") {
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  TempDir dir;
  Store::Options store_options;
  store_options.create = true;
  auto store_owner = Store::open(dir / "open.db", store_options);
  Store& store = *store_owner;
  WorkflowRegistry registry(store, clock, test::shipped_workflows());
  registry.sync();
  Engine engine(store, registry, clock);
  server::ServerOptions options = test_options();
  options.bind = "0.0.0.0";
  options.port = 0;
  std::ostringstream log;
  server::WebServer web(engine, clock, options, log);
  CHECK_THROWS_WITH(web.bind(), Catch::Contains("--bind 0.0.0.0") && Catch::Contains("deploy/") &&
                                    Catch::Contains("--trusted-proxy"));
}

TEST_CASE("server: the frontend's stylesheet is served without fonts from another site",
          "[server][pages]") {
  server::ServerOptions options = test_options();
  options.assets =
      std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "web/node_modules/nhsuk-frontend/dist/nhsuk";
  WebFixture f(options);
  const std::string path = server::static_path("nhsuk-frontend.css");
  CHECK_THAT(path, Catch::Matches("/static/nhsuk-frontend-[0-9a-f]{12}\\.css"));
  auto css = f.client().Get(path.c_str());
  REQUIRE(css);
  CHECK(css->status == 200);
  CHECK(css->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");
  CHECK_THAT(css->body, Catch::Contains(".nhsuk-header"));
  CHECK_THAT(css->body, !Catch::Contains("@font-face") && !Catch::Contains("assets.nhs.uk"));
}

TEST_CASE("server: all items can be filtered by workflow, state and mine, searched and paged",
          "[server][pages]") {
  WebFixture f;
  const std::string clinic = f.submit_website_update("Clinic opening times", "https://x.nhs.uk/a");
  const std::string winter = f.submit_website_update("Winter campaign", "https://x.nhs.uk/b");
  auto accepted = f.engine->act(ActRequest{winter, "accept", "olivia.officer", {}, "", {}});
  REQUIRE(accepted.ok());
  for (int i = 0; i < 55; ++i) {
    REQUIRE(
        f.engine->submit("website_update", "olivia.officer", Json{{"title", "Bulk page"}}).ok());
  }
  std::string olivia = f.sign_in("olivia.officer");
  auto rows = [&](const std::string& query) {
    std::string page = get_page(f, olivia, "/items?" + query);
    std::vector<std::string> refs;
    std::regex row(R"re(<tr class="nhsuk-table__row" data-ref="([A-Z]+-\d{4}-\d{4})")re");
    for (auto it = std::sregex_iterator(page.begin(), page.end(), row);
         it != std::sregex_iterator(); ++it) {
      refs.push_back((*it)[1]);
    }
    return refs;
  };
  CHECK(rows("q=CLINIC") == std::vector<std::string>{clinic});
  CHECK(rows("q=" + winter) == std::vector<std::string>{winter});
  CHECK(rows("workflow=website_update&state=in_progress") == std::vector<std::string>{winter});
  // Olivia submitted the 55 bulk pages and was assigned none: 50 on the first page, 5 after.
  CHECK(rows("mine=yes").size() == 50);
  CHECK(rows("mine=yes&page=2").size() == 5);
  CHECK_THAT(get_page(f, olivia, "/items?mine=yes"), Catch::Contains("55 item(s)"));
  CHECK_THAT(get_page(f, olivia, "/items?q=nothing-like-this"), Catch::Contains("No items match"));
  // Past the last page: said so, with the way back, and no empty table.
  const std::string past = get_page(f, olivia, "/items?mine=yes&page=9");
  CHECK_THAT(past,
             Catch::Contains("There is no page 9 of these items") &&
                 Catch::Contains("href=\"/items?workflow=&amp;state=&amp;q=&amp;mine=yes\"") &&
                 !Catch::Contains("id=\"items\"") && !Catch::Contains("No items match"));
  get_page(f, olivia, "/items?page=0", 400);
}
