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

TEST_CASE("templates: text from data is escaped - only a triple mustache inserts HTML") {
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
  CHECK(
      html.find(R"(<q class="cf-comment">&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;</q>)") !=
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

// A line holding only a section tag or a comment leaves nothing behind, as in standard mustache.
TEST_CASE("templates: a section tag or comment alone on its line leaves no blank line") {
  auto has_blank_line = [](const std::string& html) {
    return html.starts_with("\n") || html.find("\n\n") != std::string::npos ||
           html.find("\n  \n") != std::string::npos;
  };
  const Json banner = {
      {"success", true},
      {"id", "done-title"},
      {"title", "Success"},
      {"heading", "Declared"},
      {"paragraphs", {{{"text", "Work is paused."}}, {{"text", "Tell the team."}}}}};
  const std::string with_paragraphs = render("nhs-notification-banner", banner);
  INFO(with_paragraphs);
  CHECK_FALSE(has_blank_line(with_paragraphs));
  CHECK(with_paragraphs.find("    <p class=\"nhsuk-body\">Work is paused.</p>\n    <p "
                             "class=\"nhsuk-body\">Tell the team.</p>\n") != std::string::npos);

  Json none = banner;
  none["paragraphs"] = Json::array();
  const std::string without = render("nhs-notification-banner", none);
  INFO(without);
  CHECK_FALSE(has_blank_line(without));
  CHECK(without.find("<p") == std::string::npos);
  // The comment spanning the template's first lines is gone, and so is its line.
  CHECK(without.starts_with("<div class=\"nhsuk-notification-banner"));
}

TEST_CASE("templates: a workflow field's label, hint, error and value are text in its input") {
  const std::string html =
      render("field-input", {{"id", "field-title"},
                             {"name", "title"},
                             {"label", "Title <b>"},
                             {"optional", true},
                             {"hint", "Up to 80 characters"},
                             {"error", "Enter a title & <more>"},
                             {"described", "field-title-hint field-title-error"},
                             {"input", {{"value", "\"x\" onfocus=alert(1)"}}}});
  CHECK(html.find(R"(for="field-title">Title &lt;b&gt; (optional)</label>)") != std::string::npos);
  CHECK(html.find("Enter a title &amp; &lt;more&gt;") != std::string::npos);
  CHECK(html.find(R"x(value="&quot;x&quot; onfocus=alert(1)")x") != std::string::npos);
  CHECK(html.find(R"(aria-describedby="field-title-hint field-title-error")") != std::string::npos);
  CHECK(html.find("nhsuk-form-group--error") != std::string::npos);
  CHECK(html.find("<select") == std::string::npos);
  CHECK(html.find("<textarea") == std::string::npos);
}
