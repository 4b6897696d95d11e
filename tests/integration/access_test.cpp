// Need to know, through the server: every route as every demo role (against the README's table),
// what a requester sees of her own request, and accounts that end: a disabled actor, a removed
// role, a revoked or expired token.
#include <commsflow/people.h>
#include <commsflow/read_access.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "integration/web_fixture.h"

using namespace commsflow;
using namespace commsflow::test;

namespace {

// The README's route table: route -> (column heading -> status).
struct Matrix {
  std::vector<std::string> columns;
  std::vector<std::pair<std::string, std::vector<int>>> rows;
};

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const auto first = cell.find_first_not_of(" `");
    const auto last = cell.find_last_not_of(" `");
    out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

Matrix readme_matrix() {
  std::ifstream readme(std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "README.md");
  REQUIRE(readme);
  Matrix m;
  bool inside = false;
  for (std::string line; std::getline(readme, line);) {
    if (line.find("access-matrix: begin") != std::string::npos) {
      inside = true;
      continue;
    }
    if (line.find("access-matrix: end") != std::string::npos) break;
    if (!inside || line.rfind("|", 0) != 0 || line.rfind("|---", 0) == 0) continue;
    auto row = cells(line);
    if (m.columns.empty()) {
      m.columns.assign(row.begin() + 1, row.end());
      continue;
    }
    REQUIRE(row.size() == m.columns.size() + 1);
    std::vector<int> statuses;
    for (std::size_t i = 1; i < row.size(); ++i) statuses.push_back(std::stoi(row[i]));
    m.rows.emplace_back(row[0], statuses);
  }
  return m;
}

// One person per role of the README's table, beyond the fixture's own.
const std::map<std::string, std::string>& person_for_role() {
  static const std::map<std::string, std::string> people = {{"requester", "asha.requester"},
                                                            {"triager", "tom.triage"},
                                                            {"comms_officer", "olivia.officer"},
                                                            {"head_of_comms", "hannah.head"},
                                                            {"director", "dev.director"},
                                                            {"clinical_lead", "cara.clinical"},
                                                            {"governance", "grace.governance"},
                                                            {"engagement_lead", "eve.lead"},
                                                            {"admin", "ada.admin"}};
  return people;
}

Json comms_request(const std::string& title) {
  return Json{{"title", title},
              {"kind", "media"},
              {"requester_team", "Maternity"},
              {"strategic_priority", "secondary"},
              {"incident", "none"},
              {"statutory", "no"},
              {"reputational_risk", "low"},
              {"impact", "low"},
              {"resource", "low"},
              {"time_sensitive", "no"},
              {"responsibility", "own"}};
}

// The items the table names, made through the engine while the server is idle.
struct Scene {
  explicit Scene(WebFixture& f) {
    for (const auto& [role, name] : person_for_role()) {
      f.engine->add_actor(name, {role});
      f.people().set_password_hash(name, WebFixture::password_hash(), kOperator);
    }
    auto own = f.engine->submit("comms_request", "asha.requester", comms_request("Baby week"));
    REQUIRE(own.ok());
    req = own.value().ref;
    REQUIRE(f.engine
                ->act(ActRequest{req,
                                 "assign",
                                 "tom.triage",
                                 Json{{"assignee", "olivia.officer"}},
                                 "internal: VIP",
                                 {}})
                .ok());
    auto other = f.engine->submit("comms_request", "tom.triage", comms_request("Ward move"));
    REQUIRE(other.ok());
    req2 = other.value().ref;

    auto statement = f.engine->submit("media_signoff", "olivia.officer",
                                      Json{{"headline", "Ward 7 statement"},
                                           {"kind", "reactive_statement"},
                                           {"journalist", "Jo Reporter"},
                                           {"contact", "07700 900123"},
                                           {"clinical_content", true}});
    REQUIRE(statement.ok());
    med = statement.value().ref;
    REQUIRE(
        Signoff(*f.engine)
            .put_document(PutDocumentRequest{med, "olivia.officer", "Draft text.\n", {}, "", {}})
            .ok());
    REQUIRE(f.engine->act(ActRequest{med, "send_for_review", "olivia.officer", {}, "", {}}).ok());
    auto decided =
        Signoff(*f.engine).decide(DecideRequest{med, "approved", "hannah.head", "", "", {}, {}});
    REQUIRE(decided.ok());
    REQUIRE(decided.value().state == "clinical_review");

    auto change = f.engine->submit("service_change", "eve.lead", Json{{"title", "Move clinic"}});
    REQUIRE(change.ok());
    sc = change.value().ref;
  }

  std::string path(std::string route) const {
    for (const auto& [name, ref] :
         {std::pair{"REQ2", req2}, {"REQ", req}, {"MED", med}, {"SC", sc}}) {
      route = std::regex_replace(route, std::regex(std::string("/") + name + "(/|$)"),
                                 "/" + ref + "$1");
    }
    return route;
  }

  std::string req, req2, med, sc;
};

}  // namespace

TEST_CASE("access: every route as every role answers as the README's table says",
          "[server][access]") {
  Matrix m = readme_matrix();
  REQUIRE(m.columns.size() == person_for_role().size() + 1);
  REQUIRE(m.rows.size() >= 20);
  WebFixture f;
  Scene scene(f);

  std::map<std::string, std::string> cookies;
  for (const auto& column : m.columns) {
    if (column != "out") cookies[column] = f.sign_in(person_for_role().at(column));
  }
  int checked = 0;
  for (const auto& [route, statuses] : m.rows) {
    const std::string path = scene.path(route);
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      const std::string& column = m.columns[i];
      httplib::Headers headers;
      if (column != "out") headers.emplace("Cookie", cookies.at(column));
      auto res = f.client().Get(path.c_str(), headers);
      REQUIRE(res);
      INFO(route << " as " << column << " (" << path << ")");
      CHECK(res->status == statuses[i]);
      ++checked;
    }
  }
  CHECK(checked == static_cast<int>(m.rows.size() * m.columns.size()));
}

TEST_CASE("access: a refused item looks exactly like a missing one", "[server][access]") {
  WebFixture f;
  Scene scene(f);
  auto hidden = f.client().Get(("/api/v1/items/" + scene.med).c_str(), f.bearer("asha.requester"));
  auto missing = f.client().Get("/api/v1/items/MED-2026-9999", f.bearer("asha.requester"));
  REQUIRE(hidden);
  REQUIRE(missing);
  CHECK(hidden->status == 404);
  CHECK(missing->status == 404);
  CHECK(body_of(hidden)["error"]["code"] == body_of(missing)["error"]["code"]);

  // Changes to an item one may not see are not found either: nothing is confirmed or done.
  const std::string item = "/api/v1/items/" + scene.med;
  for (const auto& [path, body] :
       {std::pair{item + "/actions/withdraw", Json::object()},
        std::pair{item + "/decide", Json{{"decision", "approved"}, {"document_version", 1}}},
        std::pair{item + "/documents", Json{{"content", "Mine now"}}}}) {
    auto res = f.post_json(f.bearer("asha.requester"), path, body);
    REQUIRE(res);
    INFO(path << ": " << res->body);
    CHECK(res->status == 404);
  }
  CHECK(f.engine->item(scene.med).state == "clinical_review");
  CHECK(Signoff(*f.engine).documents(scene.med).size() == 1);
}

TEST_CASE("access: a requester sees her request's state, rating and due time, not the notes",
          "[server][access]") {
  WebFixture f;
  Scene scene(f);
  Json item =
      body_of(f.client().Get(("/api/v1/items/" + scene.req).c_str(), f.bearer("asha.requester")));
  CHECK(item["state"] == "triaged");
  CHECK(item["data"]["rating"] == "amber");
  CHECK(item["data"].contains("due_at"));
  CHECK(item["data"]["title"] == "Baby week");
  CHECK_FALSE(item["data"].contains("assignee"));
  CHECK_FALSE(item["data"].contains("rating_reasons"));

  Json history = body_of(f.client().Get(("/api/v1/items/" + scene.req + "/history").c_str(),
                                        f.bearer("asha.requester")))["events"];
  // The assignment changed nothing she may see, so she is not shown that it happened.
  REQUIRE(history.size() == 1);
  CHECK(history[0]["action"] == "submit");
  Json team_history = body_of(f.client().Get(("/api/v1/items/" + scene.req + "/history").c_str(),
                                             f.bearer("tom.triage")))["events"];
  REQUIRE(team_history.size() == 2);
  CHECK(team_history[1]["action"] == "assign");

  // The triager sees all of it.
  Json full =
      body_of(f.client().Get(("/api/v1/items/" + scene.req).c_str(), f.bearer("tom.triage")));
  CHECK(full["data"]["assignee"] == "olivia.officer");

  // Lists and the queue hold her own request only.
  Json listed = body_of(f.client().Get("/api/v1/items", f.bearer("asha.requester")))["items"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["ref"] == scene.req);
  Json queue = body_of(f.client().Get("/api/v1/queue", f.bearer("asha.requester")));
  CHECK(queue["total"] == 1);
  // The queue page does not tell her the assigned request is "Not assigned": she has no
  // assignee column; the triager has, with the name.
  auto page_for = [&](const char* who) {
    auto res = f.client().Get("/queue", httplib::Headers{{"Cookie", f.sign_in(who)}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return res->body;
  };
  const std::string hers = page_for("asha.requester");
  CHECK_THAT(hers, Catch::Contains(scene.req) && !Catch::Contains("Not assigned") &&
                       !Catch::Contains(">Assignee</th>"));
  CHECK_THAT(page_for("tom.triage"),
             Catch::Contains(">Assignee</th>") && Catch::Contains(">olivia.officer</td>"));
}

TEST_CASE("access: the Workflow filters offer only workflows the reader may see something of",
          "[server][access]") {
  WebFixture f;
  Scene scene(f);
  auto page_for = [&](const char* who, const char* path) {
    auto res = f.client().Get(path, httplib::Headers{{"Cookie", f.sign_in(who)}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return res->body;
  };
  const auto offers = [](const std::string& title) {
    return Catch::Contains(">" + title + "</option>");
  };
  // The requester sees her own request: the queue and the list offer that workflow alone.
  for (const char* path : {"/queue", "/items"}) {
    INFO(path);
    const std::string hers = page_for("asha.requester", path);
    CHECK_THAT(hers, offers("Comms request") && !offers("Media statement sign-off") &&
                         !offers("Service change engagement") && !offers("Incident"));
  }
  // Without a workflow chosen, the State box lists the states of the workflows offered.
  const std::string her_items = page_for("asha.requester", "/items");
  CHECK_THAT(her_items, Catch::Contains(R"(id="filter-state" name="state")") &&
                            Catch::Contains(R"(<option value="triaged">Triaged</option>)") &&
                            !Catch::Contains(">Consultation: open</option>"));
  CHECK_THAT(page_for("asha.requester", "/items?state=triaged"),
             Catch::Contains(scene.req) && Catch::Contains("1 item(s)."));
  CHECK_THAT(page_for("asha.requester", "/items?state=closed"), Catch::Contains("0 item(s)."));
  // The clinical lead, asked to decide on the statement, sees no comms request: her queue opens
  // on the statement's workflow, and offers no other.
  const std::string clinical = page_for("cara.clinical", "/queue");
  CHECK_THAT(clinical, offers("Media statement sign-off") && !offers("Comms request") &&
                           Catch::Contains(scene.med));
  // The head of comms reads every workflow but incidents are not a queue.
  CHECK_THAT(page_for("hannah.head", "/queue"),
             offers("Comms request") && offers("Media statement sign-off") &&
                 offers("Service change engagement") && !offers("Incident"));
  // A workflow chosen by URL stays chosen, seen or not: the page shows the choice made.
  CHECK_THAT(page_for("asha.requester", "/queue?workflow=service_change"),
             Catch::Contains("Nothing in the queue matches") &&
                 Catch::Contains("selected>Service change engagement</option>"));
}

TEST_CASE("access: restricted fields and the draft are hidden from those without the role",
          "[server][access]") {
  WebFixture f;
  Scene scene(f);
  auto cookie = f.sign_in("grace.governance");
  auto get = [&](const std::string& who, const std::string& path) {
    auto res = f.client().Get(path.c_str(), httplib::Headers{{"Cookie", f.sign_in(who)}});
    REQUIRE(res);
    return res;
  };
  Json as_director = body_of(get("dev.director", "/api/v1/items/" + scene.med));
  CHECK(as_director["data"]["journalist"] == "Jo Reporter");
  CHECK_FALSE(as_director["data"].contains("contact"));
  Json as_clinical = body_of(get("cara.clinical", "/api/v1/items/" + scene.med));
  CHECK_FALSE(as_clinical["data"].contains("journalist"));
  Json history = body_of(get("cara.clinical", "/api/v1/items/" + scene.med + "/history"));
  CHECK(history.dump().find("07700 900123") == std::string::npos);

  // Governance sees the statement, but not its draft text before approval.
  auto page = f.client().Get(("/items/" + scene.med).c_str(), httplib::Headers{{"Cookie", cookie}});
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("Draft text.") == std::string::npos);
  auto officer_page = get("olivia.officer", "/items/" + scene.med);
  CHECK(officer_page->body.find("07700 900123") != std::string::npos);
}

TEST_CASE("access: the audit log holds every event, and of each item only what the auditor sees",
          "[server][access]") {
  WebFixture f;
  Scene scene(f);
  f.people().set_email("olivia.officer", "olivia.officer@nhs.net", kOperator);
  auto download = [&](const std::string& who, const std::string& format) {
    auto res = f.client().Get(("/audit/download?report=history&format=" + format).c_str(),
                              httplib::Headers{{"Cookie", f.sign_in(who)}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return res->body;
  };
  for (const char* format : {"csv", "json", "html"}) {
    INFO(format);
    // The director sees the statement, not the journalist's phone number.
    const std::string director = download("dev.director", format);
    CHECK(director.find(scene.med) != std::string::npos);
    CHECK(director.find("Jo Reporter") != std::string::npos);
    CHECK(director.find("07700 900123") == std::string::npos);
    // Governance sees that the comms request was assigned, and when, but none of what it says
    // (it sees no comms requests), nor the journalist's details.
    const std::string governance = download("grace.governance", format);
    CHECK(governance.find(scene.req) != std::string::npos);
    CHECK(governance.find("Baby week") == std::string::npos);
    CHECK(governance.find("internal: VIP") == std::string::npos);
    CHECK(governance.find("Jo Reporter") == std::string::npos);
    CHECK(governance.find("Ward 7 statement") != std::string::npos);
    // That her address was set is audit; the address itself is for admins, as on the people list.
    CHECK(director.find(format == std::string_view("html") ? "Email set" : "email_set") !=
          std::string::npos);
    CHECK(director.find("olivia.officer@nhs.net") == std::string::npos);
    // An admin sees it all.
    const std::string admin = download("ada.admin", format);
    CHECK(admin.find("07700 900123") != std::string::npos);
    CHECK(admin.find("internal: VIP") != std::string::npos);
    CHECK(admin.find("olivia.officer@nhs.net") != std::string::npos);
  }
}

TEST_CASE("access: a disabled actor's session and tokens stop at once - history still names them",
          "[server][access]") {
  WebFixture f;
  std::string cookie = f.sign_in("olivia.officer");
  REQUIRE(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 200);
  REQUIRE(f.client().Get("/api/v1/me", f.bearer("olivia.officer"))->status == 200);
  auto submitted =
      f.engine->submit("media_signoff", "olivia.officer",
                       Json{{"headline", "Leaver's statement"}, {"kind", "reactive_statement"}});
  REQUIRE(submitted.ok());

  f.people().disable("olivia.officer", kOperator);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 401);
  CHECK(f.client().Get("/api/v1/me", f.bearer("olivia.officer"))->status == 401);
  auto again = f.client().Post(
      "/sign-in", httplib::Params{{"name", "olivia.officer"}, {"password", kPassword}});
  REQUIRE(again);
  CHECK(again->status != 303);
  CHECK(f.engine->history(submitted.value().ref).front().actor == "olivia.officer");
  CHECK_THROWS_WITH(
      f.engine->act(ActRequest{
          submitted.value().ref, "withdraw", "olivia.officer", Json{{"reason", "gone"}}, "", {}}),
      Catch::Contains("disabled"));

  // Enabled again, she signs in; the token that was hers stays revoked (it may have left with
  // her), and a new one works.
  f.people().enable("olivia.officer", kOperator);
  CHECK(f.client().Get("/api/v1/me", f.bearer("olivia.officer"))->status == 401);
  CHECK(f.client()
            .Post("/sign-in", httplib::Params{{"name", "olivia.officer"}, {"password", kPassword}})
            ->status == 303);
  CHECK(verify(*f.store).ok());
}

TEST_CASE("access: removing a role ends the actor's sessions and what the role let them see",
          "[server][access]") {
  WebFixture f;
  f.engine->add_actor("hannah.head", {"triager"});
  std::string cookie = f.sign_in("hannah.head");
  REQUIRE(f.client().Get("/audit", httplib::Headers{{"Cookie", cookie}})->status == 200);
  f.people().remove_role("hannah.head", "head_of_comms", kOperator);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", cookie}})->status == 401);
  std::string fresh = f.sign_in("hannah.head");
  CHECK(f.client().Get("/audit", httplib::Headers{{"Cookie", fresh}})->status == 404);
  CHECK_THROWS_WITH(f.people().remove_role("hannah.head", "triager", kOperator),
                    Catch::Contains("last role"));
}

TEST_CASE("access: a revoked or expired token is refused", "[server][access]") {
  WebFixture f;
  REQUIRE(f.client().Get("/api/v1/me", f.bearer("tom.triage"))->status == 200);
  auto tokens = f.store->accounts().api_tokens("tom.triage");
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].expires_at == "2026-05-31T09:00:00Z");  // 90 days from the fixture's clock
  // The scheme is taken in any case, as HTTP allows.
  CHECK(f.client()
            .Get("/api/v1/me", {{"Authorization", "bearer " + f.tokens.at("tom.triage")}})
            ->status == 200);
  REQUIRE(f.people().revoke_api_token(tokens[0].id, kOperator).ok());
  auto revoked = f.client().Get("/api/v1/me", f.bearer("tom.triage"));
  CHECK(revoked->status == 401);
  // Told that the token was not taken, not to send one.
  CHECK_THAT(body_of(revoked)["error"]["message"].get<std::string>(),
             Catch::StartsWith("the API token was not accepted: it is unknown, has expired"));
  CHECK_THAT(body_of(f.client().Get("/api/v1/me"))["error"]["message"].get<std::string>(),
             Catch::StartsWith("sign in first, or send an API token"));
  CHECK_THROWS_WITH(f.people().revoke_api_token(tokens[0].id, kOperator),
                    Catch::Contains("already revoked"));
  // Someone else's token is not theirs to revoke.
  auto hannahs = f.store->accounts().api_tokens("hannah.head");
  auto refused = f.people().revoke_api_token(hannahs[0].id, "tom.triage");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.refusal().forbidden);

  std::string token = random_token();
  f.people().create_api_token("tom.triage", token_digest(token), "short", std::chrono::hours(24),
                              kOperator);
  httplib::Headers bearer{{"Authorization", "Bearer " + token}};
  REQUIRE(f.client().Get("/api/v1/me", bearer)->status == 200);
  f.clock.advance(std::chrono::hours(25));
  CHECK(f.client().Get("/api/v1/me", bearer)->status == 401);
}

// A change sent with a token the server has seen is let through without a read of the database
// and confirmed in its own transaction. What another process does meanwhile (the CLI revoking
// the token, disabling its owner, taking a role away) holds from the next change on.
TEST_CASE("access: a known token is confirmed by each change, against changes made elsewhere",
          "[server][access][security]") {
  WebFixture f;
  // Another connection to the same database, as `commsflow token revoke` and the rest have.
  auto elsewhere = Store::open(f.database.location(), Store::Options{});
  const std::string at = "2026-03-02T09:00:00Z";
  auto website_updates = [&] {
    return elsewhere->items(ItemFilter{"website_update", "", -1}).size();
  };
  auto submit = [&](const std::string& actor, const std::string& title) {
    return f.post_json(f.bearer(actor), "/api/v1/items",
                       Json{{"workflow", "website_update"},
                            {"data", {{"title", title}, {"page_url", "https://nhs.uk/a"}}}});
  };
  auto refused_as_unauthorized = [](const httplib::Result& res) {
    REQUIRE(res);
    INFO(res->body);
    CHECK(res->status == 401);
    CHECK(body_of(res)["error"]["code"] == "unauthorized");
  };

  SECTION("a revoked token") {
    REQUIRE(submit("asha.requester", "First")->status == 201);
    auto tokens = elsewhere->accounts().api_tokens("asha.requester");
    REQUIRE(tokens.size() == 1);
    elsewhere->accounts().revoke_api_token(tokens[0].id, at);
    refused_as_unauthorized(submit("asha.requester", "Second"));
    CHECK(website_updates() == 1);
    refused_as_unauthorized(f.client().Get("/api/v1/me", f.bearer("asha.requester")));
    // Asked again, it is refused again: the refusal is not a one-off.
    refused_as_unauthorized(submit("asha.requester", "Third"));
    CHECK(website_updates() == 1);
  }

  SECTION("a disabled owner") {
    REQUIRE(submit("olivia.officer", "First")->status == 201);
    REQUIRE(elsewhere->set_disabled("olivia.officer", at));
    refused_as_unauthorized(submit("olivia.officer", "Second"));
    CHECK(website_updates() == 1);
  }

  SECTION("a role taken away, and one given") {
    REQUIRE(elsewhere->add_actor(Actor{"olivia.officer", {"triager"}}, at).size() == 1);
    REQUIRE(submit("olivia.officer", "First")->status == 201);
    REQUIRE(elsewhere->remove_role("olivia.officer", "comms_officer"));
    // The change is judged with the roles she holds now, not those the server saw last.
    auto refused = submit("olivia.officer", "Second");
    REQUIRE(refused);
    INFO(refused->body);
    CHECK(refused->status == 403);
    CHECK(website_updates() == 1);
    // And a role given elsewhere counts at once, too.
    REQUIRE(submit("tom.triage", "Third")->status == 403);
    REQUIRE(elsewhere->add_actor(Actor{"tom.triage", {"requester"}}, at).size() == 1);
    CHECK(submit("tom.triage", "Third")->status == 201);
    CHECK(website_updates() == 2);
  }
}

TEST_CASE("access: a signed-in person sees their sessions and ends the others",
          "[server][access][security]") {
  WebFixture f;
  std::string here = f.sign_in("hannah.head");
  std::string phone = f.sign_in("hannah.head");
  std::string shared = f.sign_in("hannah.head");
  auto page = f.client().Get("/account", httplib::Headers{{"Cookie", here}});
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK_THAT(page->body, Catch::Contains("This session"));
  // UK time (BST in May) for people, with the UTC value in the markup.
  CHECK_THAT(
      page->body,
      Catch::Contains(
          R"(test &middot; Expires <time datetime="2026-05-31T09:00:00Z">Sun 31 May 2026, 10:00</time>)"));

  // End one session by the digest its row carries (the first "End" form is another session).
  std::smatch found;
  REQUIRE(std::regex_search(page->body, found,
                            std::regex(R"re(name="session" value="([0-9a-f]{64})")re")));
  auto ended = f.client().Post("/account/sessions/end", httplib::Headers{{"Cookie", here}},
                               httplib::Params{{"csrf", f.csrf(here)}, {"session", found[1]}});
  REQUIRE(ended);
  CHECK(ended->status == 303);
  const int still_signed_in =
      (f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", phone}})->status == 200) +
      (f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", shared}})->status == 200);
  CHECK(still_signed_in == 1);

  // Someone else's session is not theirs to end.
  std::string tom = f.sign_in("tom.triage");
  auto others =
      f.client().Post("/account/sessions/end", httplib::Headers{{"Cookie", here}},
                      httplib::Params{{"csrf", f.csrf(here)},
                                      {"session", token_digest(tom.substr(tom.find('=') + 1))}});
  REQUIRE(others);
  CHECK(others->status == 404);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", tom}})->status == 200);

  auto rest = f.client().Post("/account/sessions/end-others", httplib::Headers{{"Cookie", here}},
                              httplib::Params{{"csrf", f.csrf(here)}});
  REQUIRE(rest);
  CHECK(rest->status == 303);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", phone}})->status == 401);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", shared}})->status == 401);
  CHECK(f.client().Get("/api/v1/me", httplib::Headers{{"Cookie", here}})->status == 200);
}
