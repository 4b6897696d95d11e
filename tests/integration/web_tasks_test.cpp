// The web app as a daily tool: work that ends something is confirmed first, each change is
// followed by a banner saying what happened, incidents are declared and closed in the browser
// with the same effect as the CLI, and times are typed in UK time.
#include <commsflow/delivery.h>
#include <commsflow/incidents.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "web_fixture.h"

using namespace commsflow;
using Catch::Contains;
using commsflow::test::WebFixture;

namespace {

httplib::Headers as(const std::string& cookie) {
  return {{"Cookie", cookie}};
}

}  // namespace

TEST_CASE("web: declining asks first, then a banner says what was done", "[server][pages]") {
  WebFixture f;
  const std::string ref = f.submit_website_update("Clinic times", "https://example.nhs.uk/c");
  const std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();
  const std::string path = "/items/" + ref + "/actions/decline";

  auto page = c.Get(("/items/" + ref).c_str(), as(olivia));
  REQUIRE(page->status == 200);
  CHECK_THAT(
      page->body,
      Contains(
          R"(class="nhsuk-button nhsuk-button--warning" type="submit" data-action="decline")"));

  // Without its required reason there is nothing to confirm yet: the error comes first.
  auto missing = c.Post(path.c_str(), as(olivia),
                        httplib::Params{{"csrf", f.csrf(olivia)}, {"revision", "1"}});
  CHECK(missing->status == 400);
  CHECK_THAT(missing->body, !Contains("Decline this request?"));

  const httplib::Params form{
      {"csrf", f.csrf(olivia)}, {"revision", "1"}, {"reason", "A duplicate"}};
  auto asked = c.Post(path.c_str(), as(olivia), form);
  REQUIRE(asked->status == 200);
  CHECK_THAT(asked->body,
             Contains("Decline this request? It will be closed and cannot be reopened."));
  CHECK_THAT(asked->body, Contains(R"(name="reason" value="A duplicate")"));
  CHECK_THAT(asked->body, Contains("No, go back"));
  CHECK(f.engine->item(ref).state == "requested");  // asking changed nothing

  httplib::Params confirmed = form;
  confirmed.emplace("confirmed", "yes");
  auto done = c.Post(path.c_str(), as(olivia), confirmed);
  REQUIRE(done->status == 303);
  CHECK(f.engine->item(ref).state == "declined");
  const std::string location = done->get_header_value("Location");
  CHECK(location == "/items/" + ref + "?done=" + std::to_string(f.engine->item(ref).revision));

  auto after = c.Get(location.c_str(), as(olivia));
  CHECK_THAT(after->body, Contains("nhsuk-notification-banner--success") &&
                              Contains(ref + ": Decline done") && Contains("It is now Declined.") &&
                              Contains("Reason: A duplicate."));
  // The same link says nothing to someone else, or once the item has moved on.
  auto other = c.Get(location.c_str(), as(f.sign_in("hannah.head")));
  REQUIRE(other->status == 200);
  CHECK_THAT(other->body, !Contains("nhsuk-notification-banner"));
}

TEST_CASE("web: a rule that would refuse is said before the question, and asking writes nothing",
          "[server][pages]") {
  // With the writer taking changes together and without it.
  auto options = test::test_options();
  options.group_commit = GENERATE(true, false);
  WebFixture f(options, [](const std::filesystem::path& workflows) {
    std::string lua = test::read_bytes(workflows / "website_update.lua");
    const std::string confirm =
        "confirm = \"Decline this request? It will be closed and cannot be reopened.\",";
    REQUIRE(lua.find(confirm) != std::string::npos);
    lua.insert(lua.find(confirm) + confirm.size(),
               "\n guard = function(item, ctx) return ctx.payload.reason ~= \"No\" or "
               "{ \"say why it is declined\" } end,");
    std::ofstream(workflows / "website_update.lua") << lua;
    // Assigning, which tells the one assigned, is asked about first too.
    lua = test::read_bytes(workflows / "comms_request.lua");
    const std::string assign = "actions.assign = { roles = { \"triager\" },";
    REQUIRE(lua.find(assign) != std::string::npos);
    lua.insert(lua.find(assign) + assign.size(), " confirm = \"Assign it?\",");
    std::ofstream(workflows / "comms_request.lua") << lua;
  });
  const std::string ref = f.submit_website_update("Clinic times", "https://example.nhs.uk/c");
  const std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();
  const std::string path = "/items/" + ref + "/actions/decline";
  const auto events = f.engine->history(ref).size();

  auto refused =
      c.Post(path.c_str(), as(olivia),
             httplib::Params{{"csrf", f.csrf(olivia)}, {"revision", "1"}, {"reason", "No"}});
  CHECK(refused->status == 422);
  CHECK_THAT(refused->body, Contains("say why it is declined") && !Contains("Yes, go ahead"));
  auto asked =
      c.Post(path.c_str(), as(olivia),
             httplib::Params{{"csrf", f.csrf(olivia)}, {"revision", "1"}, {"reason", "Done"}});
  REQUIRE(asked->status == 200);
  CHECK_THAT(asked->body, Contains("Decline this request?"));
  // Trying the action to ask wrote nothing: no event, no change, no one told.
  const Item item = f.engine->item(ref);
  CHECK(item.state == "requested");
  CHECK(item.revision == 1);
  CHECK(f.engine->history(ref).size() == events);
  CHECK(verify(f.engine->store()).ok());

  // Asked whether to assign: no one is told until it is confirmed.
  auto request =
      f.engine->submit("comms_request", "tom.triage", test::comms_request_fields("Rota", "low"));
  REQUIRE(request.ok());
  const std::string tom = f.sign_in("tom.triage");
  const std::string assign = "/items/" + request.value().ref + "/actions/assign";
  httplib::Params form{{"csrf", f.csrf(tom)},
                       {"revision", std::to_string(request.value().revision)},
                       {"assignee", "olivia.officer"}};
  const auto told = [&] { return f.engine->store().outbox("olivia.officer", request.value().ref); };
  const auto before = told().size();
  auto question = c.Post(assign.c_str(), as(tom), form);
  REQUIRE(question->status == 200);
  CHECK_THAT(question->body, Contains("Assign it?"));
  CHECK(told().size() == before);
  CHECK_FALSE(f.engine->item(request.value().ref).data.contains("assignee"));
  form.emplace("confirmed", "yes");
  REQUIRE(c.Post(assign.c_str(), as(tom), form)->status == 303);
  CHECK(told().size() == before + 1);
}

TEST_CASE("web: a field needed only sometimes says when, and is not called optional",
          "[server][pages]") {
  WebFixture f;
  const std::string tom = f.sign_in("tom.triage");
  auto form = f.client().Get("/requests/new?workflow=comms_request", as(tom));
  REQUIRE(form->status == 200);
  CHECK_THAT(form->body,
             Contains(R"(for="field-owner_org">Owning or partner organisation(s)</label>)") &&
                 Contains("Needed when Our responsibility is Influence, Lead or Partner. Up to "
                          "200 characters"));
}

TEST_CASE("web: the error summary follows the form's questions, and a date is not quoted as stored",
          "[server][pages]") {
  WebFixture f;
  const std::string tom = f.sign_in("tom.triage");
  auto sent = f.client().Post("/requests/new", as(tom),
                              httplib::Params{{"csrf", f.csrf(tom)},
                                              {"workflow", "comms_request"},
                                              {"title", ""},
                                              {"kind", "media"},
                                              {"requester_team", ""},
                                              {"needed_by-day", "31"},
                                              {"needed_by-month", "2"},
                                              {"needed_by-year", "2027"}});
  REQUIRE(sent->status == 400);
  const std::string& body = sent->body;
  const auto title = body.find(R"(<a href="#field-title">)");
  const auto team = body.find(R"(<a href="#field-requester_team">)");
  const auto needed = body.find(R"(<a href="#field-needed_by)");
  const auto responsibility = body.find(R"(<a href="#field-responsibility">)");
  REQUIRE(title != std::string::npos);
  REQUIRE(team != std::string::npos);
  REQUIRE(needed != std::string::npos);
  REQUIRE(responsibility != std::string::npos);
  CHECK(title < team);
  CHECK(team < needed);
  CHECK(needed < responsibility);
  CHECK_THAT(body, Contains("Needed by: there is no 31 February 2027: enter a real date<") &&
                       !Contains("2027-02-31"));
}

TEST_CASE("web: the banner says what the rules did straight after a change", "[server][pages]") {
  WebFixture f;
  auto red = f.engine->submit("comms_request", "tom.triage",
                              test::comms_request_fields("Outbreak", "high"));
  REQUIRE(red.ok());
  const std::string ref = red.value().ref;
  REQUIRE(declare_incident(*f.engine, "Storm Bert", "minor", "tom.triage").ok());
  REQUIRE(f.engine->item(ref).state == "triaged");  // red work is never paused
  const std::string tom = f.sign_in("tom.triage");
  auto c = f.client();
  // Lowered to green during a minor incident: the incident's policy pauses it at once.
  auto done = c.Post(("/items/" + ref + "/actions/override").c_str(), as(tom),
                     httplib::Params{{"csrf", f.csrf(tom)},
                                     {"revision", std::to_string(f.engine->item(ref).revision)},
                                     {"new_rating", "green"},
                                     {"reason", "Handled by the ward"}});
  REQUIRE(done->status == 303);
  REQUIRE(f.engine->item(ref).state == "paused");
  const std::string page = c.Get(done->get_header_value("Location").c_str(), as(tom))->body;
  CHECK_THAT(page, Contains(ref + ": Override done") &&
                       Contains("Then, by the workflow&apos;s rules: Pause (for Storm Bert). It "
                                "is now Paused."));
}

TEST_CASE("web: the queue points a person with decisions waiting to My sign-offs",
          "[server][pages]") {
  WebFixture f;
  auto c = f.client();
  const std::string hannah = f.sign_in("hannah.head");
  CHECK_THAT(c.Get("/queue", as(hannah))->body, !Contains("wait for you"));
  auto made = f.engine->submit("media_signoff", "olivia.officer",
                               Json{{"headline", "Ward 9"}, {"kind", "reactive_statement"}});
  REQUIRE(made.ok());
  const std::string ref = made.value().ref;
  REQUIRE(Signoff(*f.engine)
              .put_document(PutDocumentRequest{
                  ref, "olivia.officer", "Ward 9 reopens.\n", {}, "", std::nullopt})
              .ok());
  REQUIRE(f.engine
              ->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "",
                               std::nullopt})
              .ok());
  CHECK_THAT(c.Get("/queue", as(hannah))->body,
             Contains(R"(1 sign-off decision(s) wait for you: <a href="/sign-offs">)"));
  CHECK_THAT(c.Get("/queue", as(f.sign_in("tom.triage")))->body, !Contains("wait for you"));
}

TEST_CASE("web: an action that takes no input and is not possible yet shows why, not a button",
          "[server][pages]") {
  WebFixture f;
  const std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();
  // A media statement with no text yet cannot be sent for review.
  auto submitted = f.engine->submit("media_signoff", "olivia.officer",
                                    Json{{"headline", "New scanner"}, {"kind", "press_release"}});
  REQUIRE(submitted.ok());
  const std::string ref = submitted.value().ref;
  auto page = c.Get(("/items/" + ref).c_str(), as(olivia));
  REQUIRE(page->status == 200);
  CHECK_THAT(page->body,
             Contains("Not possible yet") && Contains("put the statement&apos;s text first"));
  CHECK_THAT(page->body, !Contains(R"(data-action="send_for_review")"));
}

TEST_CASE(
    "web: an incident declared in the browser pauses what the CLI would, and closing "
    "resumes it",
    "[server][pages]") {
  WebFixture f;
  auto green = f.engine->submit("comms_request", "tom.triage",
                                test::comms_request_fields("Newsletter", "low"));
  auto red = f.engine->submit("comms_request", "tom.triage",
                              test::comms_request_fields("Outbreak", "high"));
  REQUIRE(green.ok());
  REQUIRE(red.ok());
  const std::string tom = f.sign_in("tom.triage");
  auto c = f.client();

  CHECK_THAT(c.Get("/queue", as(tom))->body, Contains(R"(href="/incidents")"));
  auto empty =
      c.Post("/incidents", as(tom), httplib::Params{{"csrf", f.csrf(tom)}, {"level", "major"}});
  CHECK(empty->status == 400);
  CHECK_THAT(empty->body, Contains("Enter the name of the incident"));
  // Both questions left unanswered are said at once.
  auto blank = c.Post("/incidents", as(tom), httplib::Params{{"csrf", f.csrf(tom)}});
  CHECK(blank->status == 400);
  CHECK_THAT(blank->body,
             Contains(R"(<a href="#incident-name">Enter the name of the incident</a>)") &&
                 Contains(R"(<a href="#level-major">Select the level of the incident</a>)"));
  // And beside each question.
  CHECK_THAT(blank->body, Contains(R"(id="incident-name-error")") &&
                              Contains(R"(id="level-error")") && Contains("nhsuk-input--error"));
  // A level there is not is asked for again, as one not chosen.
  auto unknown = c.Post(
      "/incidents", as(tom),
      httplib::Params{{"csrf", f.csrf(tom)}, {"name", "Storm Bert"}, {"level", "catastrophic"}});
  CHECK(unknown->status == 400);
  CHECK_THAT(unknown->body, Contains(R"(id="level-error")") && !Contains("bad input"));
  // A name the workflow refuses is said beside its box, and kept as typed.
  const std::string long_name(300, 'x');
  auto too_long =
      c.Post("/incidents", as(tom),
             httplib::Params{{"csrf", f.csrf(tom)}, {"name", long_name}, {"level", "major"}});
  CHECK(too_long->status == 400);
  CHECK_THAT(too_long->body, Contains(R"(<a href="#incident-name">Name: must be at most)") &&
                                 Contains(R"(id="incident-name-error")") &&
                                 Contains("value=\"" + long_name) && !Contains("bad input"));
  ItemFilter incidents;
  incidents.workflow = "incident";
  CHECK(f.engine->items(incidents).empty());

  // Answered with a redirect to the page, which says what was done once: a reload does not
  // post the form again.
  auto posted =
      c.Post("/incidents", as(tom),
             httplib::Params{{"csrf", f.csrf(tom)}, {"name", "Storm Bert"}, {"level", "major"}});
  REQUIRE(posted->status == 303);
  CHECK(posted->get_header_value("Location") == "/incidents");
  auto declared = c.Get("/incidents", as(tom));
  REQUIRE(declared->status == 200);
  CHECK_THAT(declared->body, Contains("Storm Bert declared") && Contains("1 item(s) paused."));
  CHECK_THAT(c.Get("/incidents", as(tom))->body, !Contains("Storm Bert declared"));
  // Declared again (a page sent twice): refused with the reason, nothing more paused.
  auto twice =
      c.Post("/incidents", as(tom),
             httplib::Params{{"csrf", f.csrf(tom)}, {"name", "storm bert"}, {"level", "major"}});
  CHECK(twice->status == 422);
  CHECK_THAT(twice->body, Contains("incident &apos;Storm Bert&apos; is already active"));
  CHECK(f.engine->item(green.value().ref).state == "paused");
  CHECK(f.engine->item(red.value().ref).state == "triaged");
  CHECK_THAT(declared->body, Contains("Storm Bert") && Contains("Close"));
  // The close button names the incident for screen readers and posts its name.
  CHECK_THAT(declared->body,
             Contains(R"(<input type="hidden" name="name" value="Storm Bert">)") &&
                 Contains(R"(Close<span class="nhsuk-u-visually-hidden"> Storm Bert</span>)"));

  auto again =
      c.Post("/incidents", as(tom),
             httplib::Params{{"csrf", f.csrf(tom)}, {"name", "Storm Bert"}, {"level", "major"}});
  CHECK(again->status != 200);  // refused, and said so
  CHECK_THAT(again->body, Contains("There is a problem"));

  f.clock.advance(std::chrono::hours(2));  // two working hours paused (Monday, 09:00 to 11:00)
  auto close = c.Post("/incidents/close", as(tom),
                      httplib::Params{{"csrf", f.csrf(tom)}, {"name", "Storm Bert"}});
  REQUIRE(close->status == 303);
  auto closed = c.Get("/incidents", as(tom));
  REQUIRE(closed->status == 200);
  CHECK_THAT(closed->body, Contains("Storm Bert closed") && Contains("1 item(s) resumed"));
  CHECK(f.engine->item(green.value().ref).state == "triaged");
  CHECK_THAT(closed->body, Contains("No incident is in progress."));
  // The working time it was paused reads in hours and minutes, not seconds.
  const Json paused = f.engine->item(green.value().ref).data.value("paused_seconds", Json());
  REQUIRE(paused.is_number_integer());
  const std::string page = c.Get(("/items/" + green.value().ref).c_str(), as(tom))->body;
  CHECK_THAT(page, Contains("Working time paused</dt>"));
  CHECK_THAT(page, Contains(">2 hours</dd>") && !Contains(">" + paused.dump() + "</dd>"));

  // A HEAD of the page does not use up the banner kept for the next GET.
  REQUIRE(c.Post("/incidents", as(tom),
                 httplib::Params{{"csrf", f.csrf(tom)}, {"name", "Flood"}, {"level", "minor"}})
              ->status == 303);
  REQUIRE(c.Head("/incidents", as(tom))->status == 200);
  CHECK_THAT(c.Get("/sign-offs", as(tom))->body, !Contains("Flood declared"));  // its page only
  CHECK_THAT(c.Get("/incidents", as(tom))->body, Contains("Flood declared"));
  // Through an API token there is no session to keep it for: the page itself answers.
  auto by_token =
      c.Post("/incidents/close", f.bearer("tom.triage"), httplib::Params{{"name", "Flood"}});
  CHECK(by_token->status == 200);
  CHECK_THAT(by_token->body, Contains("Flood closed"));
  CHECK_THAT(c.Get("/incidents", as(tom))->body, !Contains("Flood closed"));
  // A form is not offered to someone who may not send it: they are told why, at once.
  f.add_person("grace.governance", "governance");
  const std::string grace = f.sign_in("grace.governance");
  auto not_hers = c.Get("/requests/new?workflow=incident", as(grace));
  CHECK(not_hers->status == 403);
  CHECK_THAT(not_hers->body, Contains("You cannot make this request") &&
                                 Contains("that needs the role Triager") &&
                                 !Contains(R"(name="name")"));
  // A requester neither sees the page nor is offered it.
  const std::string asha = f.sign_in("asha.requester");
  auto refused = c.Get("/incidents", as(asha));
  CHECK(refused->status == 404);
  // As an address that is not there: with the way on.
  CHECK_THAT(refused->body, Contains("Page not found") && Contains(R"(<a href="/queue">)"));
  CHECK(c.Post("/incidents", as(asha),
               httplib::Params{{"csrf", f.csrf(asha)}, {"name", "Fake"}, {"level", "major"}})
            ->status == 404);
}

TEST_CASE("web: a time typed in the browser is UK time, stored as UTC", "[server][pages]") {
  WebFixture f;
  const std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();
  // The NHS date input: day, month and year boxes, and a time box.
  auto post = [&](const char* day, const char* month, const char* year, const char* time) {
    return c.Post("/requests/new", as(olivia),
                  httplib::Params{{"csrf", f.csrf(olivia)},
                                  {"workflow", "media_signoff"},
                                  {"headline", "New scanner"},
                                  {"kind", "press_release"},
                                  {"embargo_until-day", day},
                                  {"embargo_until-month", month},
                                  {"embargo_until-year", year},
                                  {"embargo_until-time", time}});
  };
  auto submit = [&](const char* day, const char* month, const char* year, const char* time) {
    auto res = post(day, month, year, time);
    REQUIRE(res->status == 303);
    const std::string location = res->get_header_value("Location");
    return location.substr(7, location.find('?') - 7);
  };
  const std::string summer = submit("3", "6", "2026", "15:30");  // BST: an hour ahead of UTC
  CHECK(f.engine->item(summer).data["embargo_until"] == "2026-06-03T14:30:00Z");
  const std::string winter = submit("03", "12", "2026", "9:05");  // GMT
  CHECK(f.engine->item(winter).data["embargo_until"] == "2026-12-03T09:05:00Z");
  // Shown back in UK time.
  CHECK_THAT(c.Get(("/items/" + summer).c_str(), as(olivia))->body,
             Contains("Wed 3 Jun 2026, 15:30"));

  // A date that does not exist, or a time missing, is refused naming the field, with what was
  // typed kept in the boxes; nothing is stored.
  const size_t before = f.engine->items(ItemFilter{}).size();
  for (auto [day, time] : {std::pair{"30", "xx"}, {"31", "10:00"}}) {
    auto res = post(day, day == std::string("31") ? "2" : "6", "2026", time);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Contains(R"(href="#field-embargo_until")"));
    CHECK_THAT(res->body,
               Contains(fmt::format(
                   R"(name="embargo_until-day" type="text" inputmode="numeric" value="{}")", day)));
  }
  // Boxes typed wrongly are said so in words, not as the text they would have made.
  const std::vector<std::pair<std::array<const char*, 4>, std::string>> typed = {
      {{"3", "6", "26", "15:30"}, "must have a year of 4 numbers, like 2026"},
      {{"3", "", "2026", "15:30"}, "must include a month"},
      {{"3", "June", "2026", "15:30"}, "must be a real date, in numbers, like 31 3 2026"},
      {{"3", "6", "2026", ""}, "must include a time, like 14:30"},
      {{"3", "6", "2026", "25:00"}, "must include a real time, like 14:30"},
      {{"32", "6", "2026", "15:30"}, "must be a real date, in numbers, like 31 3 2026"},
      {{"3", "13", "2026", "15:30"}, "must be a real date, in numbers, like 31 3 2026"}};
  for (const auto& [boxes, said] : typed) {
    auto res = post(boxes[0], boxes[1], boxes[2], boxes[3]);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Contains("Embargoed until: " + said) && !Contains("(got "));
  }
  // Said beside every other problem the form has, so that one sending puts all of them right.
  auto both = c.Post("/requests/new", as(olivia),
                     httplib::Params{{"csrf", f.csrf(olivia)},
                                     {"workflow", "media_signoff"},
                                     {"headline", ""},
                                     {"kind", "press_release"},
                                     {"embargo_until-day", "3"},
                                     {"embargo_until-month", "6"},
                                     {"embargo_until-year", "26"},
                                     {"embargo_until-time", "15:30"}});
  CHECK(both->status == 400);
  CHECK_THAT(both->body, Contains("Enter headline") &&
                             Contains("Embargoed until: must have a year of 4 numbers"));
  // On an action's form too, and nothing changes.
  const Json kept = f.engine->item(summer).data;
  auto edited = c.Post(("/items/" + summer + "/actions/edit").c_str(), as(olivia),
                       httplib::Params{{"csrf", f.csrf(olivia)},
                                       {"headline", "New scanner"},
                                       {"embargo_until-day", "3"},
                                       {"embargo_until-month", ""},
                                       {"embargo_until-year", "2026"},
                                       {"embargo_until-time", "15:30"}});
  CHECK(edited->status == 400);
  CHECK_THAT(edited->body, Contains("Embargoed until: must include a month"));
  CHECK(f.engine->item(summer).data == kept);
  CHECK(f.engine->items(ItemFilter{}).size() == before);
}

TEST_CASE("web: emptying a box and saving clears the field", "[server][pages]") {
  WebFixture f;
  const std::string olivia = f.sign_in("olivia.officer");
  auto c = f.client();
  auto made = c.Post("/requests/new", as(olivia),
                     httplib::Params{{"csrf", f.csrf(olivia)},
                                     {"workflow", "media_signoff"},
                                     {"headline", "New scanner"},
                                     {"kind", "press_release"},
                                     {"outlet", "Valley Gazette"},
                                     {"contact", "07700 900123"},
                                     {"embargo_until-day", "3"},
                                     {"embargo_until-month", "6"},
                                     {"embargo_until-year", "2026"},
                                     {"embargo_until-time", "15:30"}});
  REQUIRE(made->status == 303);
  const std::string location = made->get_header_value("Location");
  const std::string ref = location.substr(7, location.find('?') - 7);
  // The edit form posts every box it shows; the journalist's phone and the embargo are emptied,
  // the outlet is left as it was.
  auto edited = c.Post(("/items/" + ref + "/actions/edit").c_str(), as(olivia),
                       httplib::Params{{"csrf", f.csrf(olivia)},
                                       {"revision", "1"},
                                       {"headline", "New scanner"},
                                       {"outlet", "Valley Gazette"},
                                       {"contact", ""},
                                       {"embargo_until-day", ""},
                                       {"embargo_until-month", ""},
                                       {"embargo_until-year", ""},
                                       {"embargo_until-time", ""}});
  REQUIRE(edited->status == 303);
  const Json data = f.engine->item(ref).data;
  CHECK_FALSE(data.contains("contact"));
  CHECK_FALSE(data.contains("embargo_until"));
  CHECK(data["outlet"] == "Valley Gazette");
  // A required field cannot be emptied: refused, naming it, and nothing changes.
  auto refused =
      c.Post(("/items/" + ref + "/actions/edit").c_str(), as(olivia),
             httplib::Params{{"csrf", f.csrf(olivia)}, {"revision", "2"}, {"headline", " "}});
  CHECK(refused->status == 400);
  CHECK_THAT(refused->body, Contains(R"(href="#field-edit-headline")") &&
                                Contains("is required, so it can be changed but not emptied"));
  CHECK(f.engine->item(ref).data["headline"] == "New scanner");
  auto api = f.post_json(f.bearer("olivia.officer"), "/api/v1/items/" + ref + "/actions/edit",
                         Json{{"inputs", {{"headline", nullptr}}}});
  CHECK(api->status == 400);
  CHECK(test::body_of(api)["error"]["fields"].contains("headline"));
  CHECK(f.engine->item(ref).data["headline"] == "New scanner");
}

TEST_CASE("web: no page tells a person to use the command line or the API", "[server][pages]") {
  WebFixture f;
  f.add_person("ada.admin", "admin");
  const std::string website = f.submit_website_update("Clinic times", "https://example.nhs.uk/c");
  auto media = f.engine->submit("media_signoff", "olivia.officer",
                                Json{{"headline", "New scanner"}, {"kind", "press_release"}});
  auto change =
      f.engine->submit("service_change", "eve.lead", Json{{"title", "Community nursing hub"}});
  auto request =
      f.engine->submit("comms_request", "tom.triage", test::comms_request_fields("Rota", "low"));
  REQUIRE(media.ok());
  REQUIRE(change.ok());
  REQUIRE(request.ok());
  auto c = f.client();
  const std::regex command_line(
      R"((<code>commsflow|`commsflow|commsflow (actor|submit|act|doc|decide|incident|audit|verify|import|token|report)\b|\s--[a-z]|/api/v1/items/[A-Z]))");
  for (const std::string who : {"ada.admin", "olivia.officer", "tom.triage", "eve.lead"}) {
    const std::string cookie = f.sign_in(who);
    for (const std::string& path : std::vector<std::string>{
             "/queue", "/items", "/sign-offs", "/audit", "/admin", "/account", "/incidents",
             "/requests/new", "/requests/new?workflow=website_update", "/items/" + website,
             "/items/" + media.value().ref, "/items/" + change.value().ref,
             "/items/" + request.value().ref}) {
      auto page = c.Get(path.c_str(), as(cookie));
      REQUIRE(page);
      INFO(who << " " << path);
      std::smatch found;
      const bool tells = std::regex_search(page->body, found, command_line);
      INFO((tells ? found.str() : std::string()));
      CHECK_FALSE(tells);
    }
  }
}

TEST_CASE("web: people are shown by name, and assigned by choosing from those holding the role",
          "[server][pages]") {
  WebFixture f;
  f.people().set_display_name("olivia.officer", "Olivia Officer", kOperator);
  f.people().set_display_name("tom.triage", "Tom Triage", kOperator);
  auto request =
      f.engine->submit("comms_request", "tom.triage", test::comms_request_fields("Rota", "low"));
  REQUIRE(request.ok());
  const std::string ref = request.value().ref;
  const std::string tom = f.sign_in("tom.triage");
  auto c = f.client();

  auto page = c.Get(("/items/" + ref).c_str(), as(tom));
  REQUIRE(page->status == 200);
  CHECK_THAT(page->body, Contains(R"(<strong class="cf-actor">Tom Triage</strong>)"));
  CHECK_THAT(page->body, Contains(R"(<option value="olivia.officer">Olivia Officer</option>)"));
  CHECK_THAT(page->body, !Contains(R"(<option value="hannah.head">)"));  // not a comms officer
  CHECK_THAT(page->body, Contains("Submit</strong> by Tom Triage"));

  auto assigned = c.Post(("/items/" + ref + "/actions/assign").c_str(), as(tom),
                         httplib::Params{{"csrf", f.csrf(tom)},
                                         {"revision", std::to_string(request.value().revision)},
                                         {"assignee", "olivia.officer"}});
  REQUIRE(assigned->status == 303);
  CHECK(f.engine->item(ref).data["assignee"] == "olivia.officer");  // stored by name
  auto after = c.Get(assigned->get_header_value("Location").c_str(), as(tom));
  // The workflow's wording for what was done (`done = "assigned to {assignee}"`), in names.
  CHECK_THAT(after->body, Contains(ref + " assigned to Olivia Officer"));
  CHECK_THAT(c.Get("/queue", as(tom))->body, Contains("Olivia Officer"));
}

TEST_CASE(
    "web: a change made in Lua alone reaches a running server: a new label, a new lead time, a "
    "new tier",
    "[server][reload]") {
  server::ServerOptions options = test::test_options();
  options.reload_every = std::chrono::seconds(1);
  WebFixture f(options);
  auto c = f.client();
  auto tom = f.bearer("tom.triage");  // only HTTP from here: the server's scheduler uses the engine
  auto submit = [&] {
    auto res = f.post_json(tom, "/api/v1/items",
                           Json{{"workflow", "comms_request"},
                                {"data", test::comms_request_fields("Newsletter", "low")}});
    REQUIRE(res->status == 201);
    return Json::parse(res->body);
  };
  auto version = [&] {
    return Json::parse(c.Get("/api/v1/workflows/comms_request", tom)->body)["version"];
  };
  const Json before = submit();
  const Json first_version = version();

  // The team gives the first state a label, gives green work 8 working days, not 10, and adds a
  // tier above red for ministers' requests.
  const auto file = f.workflows / "comms_request.lua";
  std::string source = test::read_bytes(file);
  for (auto [from, to] : {
           std::pair<std::string, std::string>{"green = 10 }", "green = 8 }"},
           {"    triaged = { actions", "    triaged = { label = \"With the team\", actions"},
           {"    rating = wf.choice { \"red\",", "    rating = wf.choice { \"purple\", \"red\","},
           {"      { value = \"red\", label = \"Red\", colour = \"red\" },",
            "      { value = \"purple\", label = \"Ministerial\", colour = \"purple\" },\n"
            "      { value = \"red\", label = \"Red\", colour = \"red\" },"},
           {"      triage(item)\n      if item.responsibility",
            "      triage(item)\n      if item.title:find(\"Minister\") then item.rating = "
            "\"purple\" end\n      if item.responsibility"},
       }) {
    const auto at = source.find(from);
    REQUIRE(at != std::string::npos);
    source.replace(at, from.size(), to);
  }
  std::ofstream(file, std::ios::trunc) << source;
  while (version() == first_version) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  const Json after = submit();
  CHECK(before["data"]["due_at"] == "2026-03-16T09:00:00Z");  // 10 working days from Monday 2nd
  CHECK(after["data"]["due_at"] == "2026-03-12T09:00:00Z");   // 8
  const std::string cookie = f.sign_in("tom.triage");
  CHECK_THAT(c.Get(("/items/" + after["ref"].get<std::string>()).c_str(), as(cookie))->body,
             Contains(R"(<strong id="item-state">With the team</strong>)"));
  // Open work keeps the rules it began under until it is migrated.
  CHECK_THAT(c.Get(("/items/" + before["ref"].get<std::string>()).c_str(), as(cookie))->body,
             Contains(R"(<strong id="item-state">Triaged</strong>)"));

  // The new tier heads the queue in its colour, and the queue can be filtered by it.
  auto minister = f.post_json(
      tom, "/api/v1/items",
      Json{{"workflow", "comms_request"},
           {"data", test::comms_request_fields("Minister's visit to the ward", "low")}});
  REQUIRE(minister->status == 201);
  const std::string minister_ref = Json::parse(minister->body)["ref"];
  const std::string queue = c.Get("/queue", as(cookie))->body;
  const auto first_row = queue.find("data-ref=\"");
  REQUIRE(first_row != std::string::npos);
  CHECK(queue.compare(first_row, 10 + minister_ref.size() + 1,
                      "data-ref=\"" + minister_ref + "\"") == 0);
  CHECK_THAT(queue,
             Contains(R"(<strong class="nhsuk-tag nhsuk-tag--purple">Ministerial</strong>)"));
  CHECK_THAT(queue, Contains(R"(<option value="purple">Ministerial</option>)"));
  const std::string filtered = c.Get("/queue?tier=purple", as(cookie))->body;
  CHECK_THAT(filtered, Contains("1 open item(s)") && Contains(minister_ref));
}

TEST_CASE("web: decisions and document versions name people and times as people read them",
          "[server][pages]") {
  WebFixture f;
  f.people().set_display_name("olivia.officer", "Olivia Officer", kOperator);
  f.people().set_display_name("hannah.head", "Hannah Head", kOperator);
  const std::string ref =
      f.draft_in_review(Json{{"headline", "New scanner"}}, "The new scanner opens in May.\n");
  REQUIRE(Signoff(*f.engine)
              .decide(DecideRequest{ref, "approved", "hannah.head", "Fine", {}, {}, {}})
              .ok());
  const std::string cookie = f.sign_in("olivia.officer");
  auto c = f.client();
  const std::string page = c.Get(("/items/" + ref).c_str(), as(cookie))->body;
  CHECK_THAT(page, Contains("Hannah Head") && Contains("Olivia Officer"));
  CHECK_THAT(page, Contains("Mon 2 Mar 2026, 09:00"));
  CHECK_THAT(page, !Contains(">hannah.head<") && !Contains(">olivia.officer<"));
  const std::string version = c.Get(("/items/" + ref + "/documents/1").c_str(), as(cookie))->body;
  CHECK_THAT(version, Contains("Olivia Officer") && Contains("Mon 2 Mar 2026, 09:00"));
}

namespace {

// A mailer that keeps what it is given, and whether the engine was free while it sent.
struct RecordingMailer final : Mailer {
  std::mutex mutex;
  std::mutex* engine_mutex = nullptr;
  std::vector<MailMessage> sent;
  int attempts = 0;
  bool engine_held_while_sending = false;

  void send(const MailMessage& m) override {
    const bool engine_free = engine_mutex->try_lock();
    if (engine_free) engine_mutex->unlock();
    std::lock_guard<std::mutex> guard(mutex);
    ++attempts;
    if (!engine_free) engine_held_while_sending = true;
    if (m.to == "gil@example.org") throw std::runtime_error("550 mailbox unavailable");
    sent.push_back(m);
  }
};

}  // namespace

TEST_CASE(
    "web: serve emails due notifications on its own, never holding the engine while it "
    "sends, and /admin lists the emails that failed for good",
    "[server][email]") {
  auto mailer = std::make_shared<RecordingMailer>();
  auto armed = std::make_shared<std::atomic<bool>>(false);
  server::ServerOptions options = test::test_options();
  options.deliver_every = std::chrono::seconds(1);
  MailSettings mail;
  mail.public_url = "https://comms.example.nhs.uk";
  mail.max_attempts = 1;
  options.deliver = [mailer, armed, mail](Engine& engine, const EngineLock& lock_engine) {
    if (!*armed) return;  // the test is still setting up through the engine
    mailer->engine_mutex = lock_engine().mutex();  // the mutex the server's lock holds
    deliver_due(engine, *mailer, mail, lock_engine);
  };
  WebFixture f(options);
  f.add_person("ada.admin", "admin");
  f.add_person("gil.governance", "governance");  // reads statements; their relay refuses
  People people = f.people();
  people.set_email("hannah.head", "hannah@example.org", kOperator);
  people.set_email("gil.governance", "gil@example.org", kOperator);
  auto statement =
      f.engine->submit("media_signoff", "olivia.officer",
                       test::inputs_of({"headline=Ward 7 reopens", "kind=reactive_statement",
                                        "journalist=Jo Reporter", "outlet=Valley Gazette",
                                        "journalist_deadline=2026-03-02T17:00:00Z"}));
  REQUIRE(statement.ok());
  const std::string ref = statement.value().ref;
  REQUIRE(Signoff(*f.engine)
              .put_document(PutDocumentRequest{ref, "olivia.officer", "Text.\n", {}, "", {}})
              .ok());
  REQUIRE(f.engine
              ->act(ActRequest{ref, "send_for_review", "olivia.officer", Json::object(), "",
                               std::nullopt})
              .ok());
  // A second row, for someone whose relay refuses: with one attempt allowed, it fails for good.
  OutboxEntry refused{0, "2026-03-02T09:00:00Z", "gil.governance", ref, "reminder", "why"};
  refused.state = "comms_review";
  f.store->add_outbox(refused);

  *armed = true;  // from here, only HTTP
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto attempts = [&] {
    std::lock_guard<std::mutex> guard(mailer->mutex);
    return mailer->attempts;
  };
  while (attempts() < 2 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  {
    std::lock_guard<std::mutex> guard(mailer->mutex);
    REQUIRE(mailer->sent.size() == 1);
    CHECK(mailer->sent[0].to == "hannah@example.org");
    CHECK(mailer->sent[0].link == "https://comms.example.nhs.uk/items/" + ref);
    CHECK_FALSE(mailer->engine_held_while_sending);
  }
  const std::string admin = f.client().Get("/admin", as(f.sign_in("ada.admin")))->body;
  CHECK_THAT(admin, Contains("1 email(s) could not be sent") &&
                        Contains("550 mailbox unavailable") && Contains("gil.governance") &&
                        Contains("/items/" + ref));
  // Who can sign in, with the roles they hold and where their notifications go.
  CHECK_THAT(admin,
             Contains(R"(<table class="nhsuk-table" id="people">)") &&
                 Contains("<code>hannah.head</code></td><td class=\"nhsuk-table__cell\">Head "
                          "of comms</td><td class=\"nhsuk-table__cell\">hannah@example.org") &&
                 Contains(">Active<"));
  *armed = false;
}

TEST_CASE("web: a person delegates their decisions from My sign-offs", "[server][pages]") {
  WebFixture f;  // the fixture's clock reads Mon 2 Mar 2026
  const std::string hannah = f.sign_in("hannah.head");
  auto c = f.client();
  auto page = c.Get("/sign-offs", as(hannah));
  REQUIRE(page->status == 200);
  CHECK_THAT(page->body, Contains("Let someone decide for you"));
  CHECK_THAT(page->body, Contains(R"(<option value="olivia.officer">)"));
  CHECK_THAT(page->body, !Contains(R"(<option value="hannah.head">)"));  // not herself
  CHECK_THAT(page->body, Contains(R"(name="until-day")"));
  // A requester decides nowhere: no form, and no list of everyone's sign-in names.
  auto requester = c.Get("/sign-offs", as(f.sign_in("asha.requester")));
  REQUIRE(requester->status == 200);
  CHECK_THAT(requester->body, !Contains("Let someone decide for you"));
  CHECK_THAT(requester->body, !Contains(R"(<option value="olivia.officer">)"));

  auto post = [&](const char* to, const char* role, const char* day, const char* month,
                  const char* year = "2026") {
    return c.Post("/sign-offs/delegate", as(hannah),
                  httplib::Params{{"csrf", f.csrf(hannah)},
                                  {"to", to},
                                  {"role", role},
                                  {"until-day", day},
                                  {"until-month", month},
                                  {"until-year", year}});
  };
  SECTION("nothing chosen: each field is named, nothing is stored") {
    auto r = post("", "", "", "");
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Contains(R"(href="#field-delegate-to")") &&
                            Contains("Select who may decide for you") &&
                            Contains(R"(href="#field-delegate-role")") &&
                            Contains("Until the end of: must include a day and a month"));
    CHECK(f.engine->store().delegations("").empty());
  }
  SECTION("a day that does not exist is said so in words") {
    auto r = post("olivia.officer", "head_of_comms", "31", "2");
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Contains("there is no 31 February 2026") &&
                            Contains(R"(id="field-delegate-until-error")"));
    CHECK(f.engine->store().delegations("").empty());
  }
  SECTION("a day already past is refused naming the date") {
    auto r = post("olivia.officer", "head_of_comms", "1", "3");
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Contains(R"(id="field-delegate-until-error")") &&
                            Contains("Sun 1 Mar 2026 is in the past (today is Mon 2 Mar 2026)"));
    CHECK(f.engine->store().delegations("").empty());
  }
  SECTION("a year mistyped, more than a year away, is refused naming the latest date") {
    auto r = post("olivia.officer", "head_of_comms", "31", "3", "2099");
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Contains(R"(id="field-delegate-until-error")") &&
                            Contains("Tue 31 Mar 2099 is more than a year away: a delegation "
                                     "lasts until Wed 3 Mar 2027 at the latest"));
    CHECK(f.engine->store().delegations("").empty());
    // A year to the day is taken.
    CHECK(post("olivia.officer", "head_of_comms", "3", "3", "2027")->status == 303);
  }
  SECTION("someone who does not sign in here is said beside the box") {
    auto r = post("ghost", "head_of_comms", "31", "3");
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Contains(R"(id="field-delegate-to-error")") &&
                            Contains("there is no person who signs in as &apos;ghost&apos;"));
    CHECK(f.engine->store().delegations("").empty());
  }
  SECTION("a role she does not hold is refused with the reason") {
    auto r = post("olivia.officer", "triager", "31", "3");
    CHECK(r->status == 422);
    CHECK_THAT(r->body, Contains("does not hold the role"));
    CHECK(f.engine->store().delegations("").empty());
  }
  SECTION("done: a banner says so, the delegation is listed, and it is in force") {
    // Answered with a redirect to the page, which says what was done once.
    auto posted = post("olivia.officer", "head_of_comms", "31", "3");
    REQUIRE(posted->status == 303);
    CHECK(posted->get_header_value("Location") == "/sign-offs");
    auto r = c.Get("/sign-offs", as(hannah));
    REQUIRE(r->status == 200);
    CHECK_THAT(c.Get("/sign-offs", as(hannah))->body,
               !Contains("nhsuk-notification-banner--success"));
    CHECK_THAT(r->body, Contains("nhsuk-notification-banner--success") &&
                            Contains("olivia.officer may decide for you") &&
                            Contains("As Head of comms, until the end of Tue 31 Mar 2026."));
    auto list = f.engine->store().delegations("olivia.officer");
    REQUIRE(list.size() == 1);
    CHECK(list[0].from == "hannah.head");
    CHECK(list[0].until == "2026-03-31");
    CHECK_THAT(c.Get("/sign-offs", as(f.sign_in("olivia.officer")))->body,
               Contains(R"(id="delegation-list")") && Contains("Head of comms"));
  }
  SECTION("ended early by the person who gave it; nobody else may end it") {
    REQUIRE(post("olivia.officer", "head_of_comms", "31", "3")->status == 303);
    c.Get("/sign-offs", as(hannah));  // the banner of that, shown once
    const auto id = std::to_string(f.engine->store().delegations("olivia.officer").at(0).id);
    const std::string tom = f.sign_in("tom.triage");
    auto stranger = c.Post("/sign-offs/delegations/end", as(tom),
                           httplib::Params{{"csrf", f.csrf(tom)}, {"id", id}});
    CHECK(stranger->status == 404);
    CHECK(f.engine->store().delegations("olivia.officer").at(0).revoked_at.empty());
    auto garbled = c.Post("/sign-offs/delegations/end", as(hannah),
                          httplib::Params{{"csrf", f.csrf(hannah)}, {"id", "x1"}});
    CHECK(garbled->status == 400);
    CHECK_THAT(garbled->body, Contains("must be a delegation number"));

    REQUIRE(c.Post("/sign-offs/delegations/end", as(hannah),
                   httplib::Params{{"csrf", f.csrf(hannah)}, {"id", id}})
                ->status == 303);
    auto ended = c.Get("/sign-offs", as(hannah));
    REQUIRE(ended->status == 200);
    CHECK_THAT(ended->body, Contains("nhsuk-notification-banner--success") &&
                                Contains("no longer decides for you") &&
                                !Contains(R"(id="delegation-list")"));
    CHECK_FALSE(f.engine->store().delegations("olivia.officer").at(0).revoked_at.empty());
  }
}

namespace {

// A service change by eve.lead, in its first stage.
std::string community_nursing_hub(WebFixture& f) {
  auto change =
      f.engine->submit("service_change", "eve.lead", Json{{"title", "Community nursing hub"}});
  REQUIRE(change.ok());
  return change.value().ref;
}

}  // namespace

TEST_CASE("web: feedback is logged against the service change chosen in the browser",
          "[server][pages]") {
  WebFixture f;
  const std::string ref = community_nursing_hub(f);
  const std::string eve = f.sign_in("eve.lead");
  auto c = f.client();

  // Not consulting yet: the service change does not offer to add feedback, and the form does not
  // offer it, unless it was chosen (then the refusal says why).
  auto item = c.Get(("/items/" + ref).c_str(), as(eve));
  REQUIRE(item->status == 200);
  CHECK_THAT(item->body, !Contains("/requests/new?workflow=feedback&amp;parent=" + ref) &&
                             !Contains("Add consultation feedback"));
  auto blank = c.Get("/requests/new?workflow=feedback", as(eve));
  REQUIRE(blank->status == 200);
  CHECK_THAT(blank->body, !Contains("<option value=\"" + ref + "\""));
  auto form = c.Get(("/requests/new?workflow=feedback&parent=" + ref).c_str(), as(eve));
  REQUIRE(form->status == 200);
  CHECK_THAT(
      form->body,
      Contains(
          R"(<label class="nhsuk-label" for="field-parent">Service change engagement</label>)"));
  CHECK_THAT(form->body, Contains("<option value=\"" + ref + "\" selected>" + ref +
                                  ": Community nursing hub</option>"));
  // Opened from the service change, it links back to it; opened from nowhere, it does not.
  CHECK_THAT(form->body, Contains("<a class=\"nhsuk-back-link\" href=\"/items/" + ref +
                                  "\">Back to " + ref + "</a>"));
  CHECK_THAT(blank->body, !Contains("nhsuk-back-link"));
  // A made-up parent in the URL gets no link to a page saying it does not exist.
  auto made_up = c.Get("/requests/new?workflow=feedback&parent=SC-9999", as(eve));
  REQUIRE(made_up->status == 200);
  CHECK_THAT(made_up->body, !Contains("nhsuk-back-link"));

  auto post = [&](const std::string& parent) {
    return c.Post("/requests/new", as(eve),
                  httplib::Params{{"csrf", f.csrf(eve)},
                                  {"workflow", "feedback"},
                                  {"parent", parent},
                                  {"text", "Keep the evening clinic"},
                                  {"channel", "email"}});
  };
  auto missing = post("");
  CHECK(missing->status == 400);
  CHECK_THAT(missing->body,
             Contains(R"(href="#field-parent")") && Contains("Select service change"));
  // Nothing chosen or typed: every problem at once, the service change among them.
  auto empty = c.Post("/requests/new", as(eve),
                      httplib::Params{{"csrf", f.csrf(eve)},
                                      {"workflow", "feedback"},
                                      {"parent", ""},
                                      {"text", ""},
                                      {"channel", ""}});
  CHECK(empty->status == 400);
  CHECK_THAT(empty->body, Contains(R"(href="#field-parent")") &&
                              Contains(R"(href="#field-text")") &&
                              Contains(R"(href="#field-channel")"));
  // The chosen service change reaches the workflow's rules: it is not consulting yet.
  auto early = post(ref);
  CHECK(early->status == 422);
  CHECK_THAT(early->body,
             Contains(ref + " is at &quot;Assessment&quot;: consultation feedback items "
                            "are added only at &quot;Consultation: open&quot;"));
  CHECK(f.engine->items(ItemFilter{"feedback", "", -1}).empty());
  // The API takes the reference in lower case, as every item route does.
  std::string lower = ref;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto api =
      f.post_json(f.bearer("eve.lead"), "/api/v1/items",
                  Json{{"workflow", "feedback"},
                       {"parent", lower},
                       {"data", {{"text", "Keep the evening clinic"}, {"channel", "email"}}}});
  CHECK(api->status == 422);
  CHECK_THAT(api->body, Contains("consultation feedback items are added only at"));
  // Someone who reads the service change but may not log feedback is not offered it.
  auto head = c.Get(("/items/" + ref).c_str(), as(f.sign_in("hannah.head")));
  REQUIRE(head->status == 200);
  CHECK_THAT(head->body, Contains("Community nursing hub") && !Contains("workflow=feedback"));
}

TEST_CASE("web: stakeholder rows are added, corrected and removed with a fieldset per row",
          "[server][pages]") {
  WebFixture f;
  const std::string ref = community_nursing_hub(f);
  auto act = [&](const char* action, const Json& inputs) {
    REQUIRE(f.engine->act(ActRequest{ref, action, "eve.lead", inputs, "", std::nullopt}).ok());
  };
  act("record", Json{{"substantial", "no"},
                     {"affects_services", "yes"},
                     {"assessment_rationale", "Moves two clinics into one hub"}});
  act("complete", Json::object());
  REQUIRE(f.engine->item(ref).state == "stakeholder_analysis");

  const std::string eve = f.sign_in("eve.lead");
  auto c = f.client();
  auto page = c.Get(("/items/" + ref).c_str(), as(eve));
  CHECK_THAT(page->body, Contains("Add a row to Stakeholder groups (optional)") &&
                             Contains(R"(name="stakeholders[1].group")"));
  auto record = [&](httplib::Params rows) {
    rows.emplace("csrf", f.csrf(eve));
    return c.Post(("/items/" + ref + "/actions/record").c_str(), as(eve), rows);
  };

  auto added = record({{"stakeholders[rows]", "0"},
                       {"stakeholders[1].group", "Northtown patients"},
                       {"stakeholders[1].interest", "high"},
                       {"stakeholders[1].influence", "medium"},
                       {"stakeholders[1].seldom_heard", "no"}});
  REQUIRE(added->status == 303);
  CHECK(f.engine->item(ref).data["stakeholders"] ==
        Json::parse(R"([{"group":"Northtown patients","interest":"high","influence":"medium",
                         "seldom_heard":false}])"));
  // Shown as a table, never JSON.
  page = c.Get(("/items/" + ref).c_str(), as(eve));
  CHECK_THAT(page->body, Contains("cf-records") && Contains("<td class=\"nhsuk-table__cell\">"
                                                            "Northtown patients</td>"));
  CHECK_THAT(page->body, !Contains("&quot;group&quot;"));

  // A second row missing its interest is refused in words beside the rows; nothing changes.
  const std::int64_t revision = f.engine->item(ref).revision;
  auto half = record({{"stakeholders[rows]", "1"},
                      {"stakeholders[1].group", "Northtown patients"},
                      {"stakeholders[1].interest", "high"},
                      {"stakeholders[1].influence", "medium"},
                      {"stakeholders[2].group", "Carers"},
                      {"stakeholders[2].influence", "low"}});
  CHECK(half->status == 400);
  CHECK_THAT(half->body, Contains("Stakeholder groups, row 2: select interest"));
  CHECK_THAT(half->body, Contains(R"(name="stakeholders[2].group" type="text" value="Carers")"));
  CHECK(f.engine->item(ref).revision == revision);

  // The first row removed and the second completed: only the second is kept.
  auto replaced = record({{"stakeholders[rows]", "1"},
                          {"stakeholders[1].group", "Northtown patients"},
                          {"stakeholders[1].interest", "high"},
                          {"stakeholders[1].influence", "medium"},
                          {"stakeholders[1]._remove", "yes"},
                          {"stakeholders[2].group", "Carers"},
                          {"stakeholders[2].interest", "medium"},
                          {"stakeholders[2].influence", "low"}});
  REQUIRE(replaced->status == 303);
  const Json rows = f.engine->item(ref).data["stakeholders"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["group"] == "Carers");
}
