// The server's page templates: each embedded one parses, text is escaped, only {{{ }}} is not.
#include "server/templates.h"

#include <catch2/catch.hpp>
#include <stdexcept>

#include "server/html.h"

using namespace commsflow;
using namespace commsflow::server;

TEST_CASE("templates: every embedded template parses and renders, its partials with it") {
  REQUIRE(embedded_templates().size() >= 4);
  for (const auto& [name, text] : embedded_templates()) {
    INFO(name);
    CHECK_NOTHROW(render(name, Json::object()));
  }
}

TEST_CASE("templates: text from data is escaped; only a triple mustache inserts HTML") {
  std::string html = render("due", {{"time", "<time>x</time>"}, {"phrase", "<b>&'\"</b>"}});
  CHECK(html == "<time>x</time> (&lt;b&gt;&amp;&apos;&quot;&lt;/b&gt;)");
}

TEST_CASE("templates: empty text, null and false hide a section") {
  for (const Json& id : {Json(""), Json(nullptr), Json(false)}) {
    std::string html =
        render("error-summary", {{"problems", {{{"id", id}, {"message", "Enter a title"}}}}});
    CHECK(html.find("<li>Enter a title</li>") != std::string::npos);
    CHECK(html.find("href") == std::string::npos);
  }
  std::string linked = error_summary_html({{"field-title", "Enter a title"}});
  CHECK(linked.find(R"(<li><a href="#field-title">Enter a title</a></li>)") != std::string::npos);
}

TEST_CASE("templates: a missing template is a program fault naming it") {
  CHECK_THROWS_WITH(render("no-such-page", Json::object()),
                    Catch::Contains("\"no-such-page\" is missing"));
}

TEST_CASE("templates: the page frame names the person, escaped, and marks the current link") {
  PageFrame frame;
  frame.title = "Queue <1>";
  frame.actor = "o'brien <admin>";
  frame.csrf = "tok";
  frame.current_path = "/items";
  std::string html = page_html(frame, "<p>body</p>");
  CHECK(html.find("<title>Queue &lt;1&gt; - commsflow</title>") != std::string::npos);
  CHECK(html.find("o&apos;brien &lt;admin&gt;") != std::string::npos);
  CHECK(html.find(R"(href="/items" aria-current="page")") != std::string::npos);
  CHECK(html.find(R"(href="/queue" aria-current)") == std::string::npos);
  CHECK(html.find("/audit") == std::string::npos);
  CHECK(html.find("<p>body</p>") != std::string::npos);

  PageFrame signed_out;
  signed_out.title = "Sign in";
  std::string bare = page_html(signed_out, "");
  CHECK(bare.find("Sign out") == std::string::npos);
  CHECK(bare.find("nhsuk-header__navigation-list") == std::string::npos);
}

TEST_CASE("templates: a sign-off decision's comment and names show as text, never as markup") {
  const Json decision = {{"label", "Approved"},
                         {"who", "Eve <b>Lead</b>"},
                         {"on_behalf_of", ""},
                         {"as", ""},
                         {"version", "2"},
                         {"at", "<time datetime=\"x\">x</time>"},
                         {"comment", "<script>alert('x')</script>"}};
  std::string html = render("item-signoff", {{"current", nullptr},
                                             {"has_chain", true},
                                             {"chain",
                                              {{{"step", "Comms review"},
                                                {"result", "Approved"},
                                                {"at", ""},
                                                {"has_decisions", true},
                                                {"decisions", {decision}}}}},
                                             {"approved", nullptr}});
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find(R"(<q class="cf-comment">&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;</q>)") !=
        std::string::npos);
  CHECK(html.find("Eve &lt;b&gt;Lead&lt;/b&gt; on version 2 at <time datetime=\"x\">x</time>") !=
        std::string::npos);
  // Keys left empty in a decision hide their words rather than show the step's.
  CHECK(html.find("on behalf of") == std::string::npos);
  CHECK(html.find("(as") == std::string::npos);
}

TEST_CASE("templates: the new-version form keeps a text's leading blank line and escapes it") {
  std::string html = render("item-document-form", {{"csrf", "tok"},
                                                   {"path", "MED-1"},
                                                   {"revision", 3},
                                                   {"content", "\n</textarea><b>x"},
                                                   {"note", ""}});
  CHECK(html.find("aria-describedby=\"document-content-hint\">\n\n&lt;/textarea&gt;&lt;b&gt;x</"
                  "textarea>") != std::string::npos);
}

TEST_CASE("templates: a diff keeps its lines and marks, escaped, in its preformatted block") {
  std::string html =
      render("item-document-page", {{"path", "MED-1"},
                                    {"ref", "MED-1"},
                                    {"version", 2},
                                    {"changes",
                                     {{"from", 1},
                                      {"to", 2},
                                      {"same", false},
                                      {"lines",
                                       {{{"ins", false}, {"del", true}, {"text", "-a <7>"}},
                                        {{"ins", true}, {"del", false}, {"text", "+b"}},
                                        {{"ins", false}, {"del", false}, {"text", " c"}}}}}}});
  CHECK(html.find("<pre class=\"cf-diff\" id=\"diff\"><del>-a &lt;7&gt;</del>\n<ins>+b</ins>\n "
                  "c\n</pre>") != std::string::npos);
}
