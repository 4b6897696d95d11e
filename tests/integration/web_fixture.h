// A running `commsflow serve` on loopback for tests: a fresh database with the shipped
// workflows, five actors with passwords and API tokens, and helpers to sign in and call it.
#pragma once

#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <commsflow/engine.h>
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/server.h>
#include <commsflow/signoff.h>
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "support.h"

namespace commsflow::test {

constexpr const char* kPassword = "correct horse battery";

// Options for test servers. Reloads are scheduled an hour apart: the tests read the engine
// between requests, and with the only reload being the one at start-up no server thread touches
// the engine while a test does.
inline server::ServerOptions test_options() {
  server::ServerOptions options;
  options.reload_every = std::chrono::hours(1);
  return options;
}

struct WebFixture {
  explicit WebFixture(server::ServerOptions options = test_options(),
                      const std::function<void(const std::filesystem::path&)>& prepare = {}) {
    workflows = dir / "workflows";
    std::filesystem::copy(test::shipped_workflows(), workflows,
                          std::filesystem::copy_options::recursive);
    if (prepare) prepare(workflows);
    Store::Options store_options;
    store_options.create = true;
    store = Store::open(database.location(), store_options);
    registry = std::make_unique<WorkflowRegistry>(*store, clock, workflows);
    registry->sync();
    engine = std::make_unique<Engine>(*store, *registry, clock);
    for (auto [name, role] : {std::pair{"asha.requester", "requester"},
                              {"olivia.officer", "comms_officer"},
                              {"hannah.head", "head_of_comms"},
                              {"tom.triage", "triager"},
                              {"eve.lead", "engagement_lead"}}) {
      engine->add_actor(name, {role});
      people().set_password_hash(name, password_hash(), kOperator);
      std::string token = random_token();
      people().create_api_token(name, token_digest(token), "test", kDefaultTokenLifetime,
                                kOperator);
      tokens[name] = token;
    }
    options.port = 0;
    options.bind = "127.0.0.1";
    web = std::make_unique<server::WebServer>(*engine, clock, options, log);
    web->bind();
    thread = std::thread([this] { web->run(); });
  }
  ~WebFixture() {
    web->stop();
    thread.join();
  }

  // One Argon2id hash shared by every test actor, to keep the suite quick.
  static const std::string& password_hash() {
    static const std::string hash = hash_password(kPassword);
    return hash;
  }

  People people() { return People(*store, *registry, clock); }

  // Adds someone with a password and an API token (while the server is idle).
  void add_person(const std::string& name, const std::string& role) {
    engine->add_actor(name, {role});
    people().set_password_hash(name, password_hash(), kOperator);
    std::string token = random_token();
    people().create_api_token(name, token_digest(token), "test", kDefaultTokenLifetime, kOperator);
    tokens[name] = token;
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", web->port());
    c.set_read_timeout(60, 0);
    return c;
  }

  // Signs in through the form; returns the Cookie header value.
  std::string sign_in(const std::string& name) {
    auto res = client().Post("/sign-in", httplib::Params{{"name", name}, {"password", kPassword}});
    REQUIRE(res);
    REQUIRE(res->status == 303);
    std::string cookie = res->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }
  std::string csrf(const std::string& cookie) {
    auto res = client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}});
    REQUIRE(res);
    return Json::parse(res->body)["csrf"];
  }
  // An API token header for the actor (made before the server started).
  httplib::Headers bearer(const std::string& name) {
    return {{"Authorization", "Bearer " + tokens.at(name)}};
  }

  httplib::Result post_json(const httplib::Headers& headers, const std::string& path,
                            const Json& body) {
    return client().Post(path.c_str(), headers, body.dump(), "application/json");
  }

  // Submits a website update as asha through the API; returns its reference.
  std::string submit_website_update(const std::string& title, const std::string& url) {
    auto res = post_json(
        bearer("asha.requester"), "/api/v1/items",
        Json{{"workflow", "website_update"}, {"data", {{"title", title}, {"page_url", url}}}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return Json::parse(res->body)["ref"];
  }

  // A media statement drafted by olivia.officer with `text` as version 1 and sent for review
  // (so in comms review), set up through the engine while the server is idle; its reference.
  std::string draft_in_review(Json fields, const std::string& text) {
    fields["kind"] = "reactive_statement";
    auto submitted = engine->submit("media_signoff", "olivia.officer", fields);
    REQUIRE(submitted.ok());
    const std::string ref = submitted.value().ref;
    REQUIRE(Signoff(*engine)
                .put_document(PutDocumentRequest{ref, "olivia.officer", text, {}, "", {}})
                .ok());
    REQUIRE(
        engine->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "", {}})
            .ok());
    return ref;
  }

  TempDir dir;
  test::TestDatabase database{dir / "web.db"};
  std::filesystem::path workflows;
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;
  std::map<std::string, std::string> tokens;
  std::ostringstream log;
  std::unique_ptr<server::WebServer> web;
  std::thread thread;
};

inline Json body_of(const httplib::Result& res) {
  REQUIRE(res);
  return Json::parse(res->body);
}

}  // namespace commsflow::test
