// The web app in people's words: on every page each demo person can open, the visible text
// holds no ISO 8601 timestamp and no snake_case identifier (hashes and references aside). The
// real `commsflow serve` over `init --demo`, read as each person sees it.

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "httplib.h"
#include "support.h"

using namespace commsflow;

namespace {

// What a person reads: no scripts, styles, head, code, or tags; entities for < > & undone.
std::string visible_text(std::string html) {
  for (const char* element : {"head", "script", "style", "code", "pre"}) {
    const std::regex block(fmt::format("<{0}[\\s>][\\s\\S]*?</{0}>", element));
    html = std::regex_replace(html, block, " ");
  }
  html = std::regex_replace(html, std::regex("<[^>]*>"), " ");
  for (auto [entity, ch] : {std::pair{"&lt;", "<"},
                            {"&gt;", ">"},
                            {"&quot;", "\""},
                            {"&#39;", "'"},
                            {"&apos;", "'"},
                            {"&amp;", "&"}}) {
    html = std::regex_replace(html, std::regex(entity), ch);
  }
  return html;
}

}  // namespace

TEST_CASE("web: no page shows a person an ISO timestamp or a snake_case identifier",
          "[server][words]") {
  test::TempDir dir;
  std::filesystem::copy(test::shipped_workflows(), dir / "workflows",
                        std::filesystem::copy_options::recursive);
  REQUIRE(test::run_cli(dir.path(), {"init", "--demo"}).exit_code == 0);
  test::ServeChild server(dir.path(), {}, "2026-03-02T09:00:00Z");
  httplib::Client client("127.0.0.1", server.port());

  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})");
  static const std::regex snake(R"(\b[a-z][a-z0-9]*_[a-z0-9_]+\b)");
  std::vector<std::string> found;
  for (const char* person : {"tom.triage", "olivia.officer", "hannah.head", "cara.clinical",
                             "grace.governance", "admin"}) {
    auto signed_in =
        client.Post("/sign-in", httplib::Params{{"name", person}, {"password", "demo-password"}});
    REQUIRE(signed_in);
    REQUIRE(signed_in->status == 303);
    std::string cookie = signed_in->get_header_value("Set-Cookie");
    httplib::Headers as{{"Cookie", cookie.substr(0, cookie.find(';'))}};
    std::vector<std::string> pages = {"/queue",   "/items", "/sign-offs", "/incidents",
                                      "/account", "/audit", "/admin",     "/requests/new"};
    // Every item the person can see from All items.
    auto items = client.Get("/items", as);
    REQUIRE(items);
    static const std::regex link(R"re(href="(/items/[A-Z]+-\d{4}-\d{4})")re");
    std::set<std::string> refs;
    for (std::sregex_iterator it(items->body.begin(), items->body.end(), link), end; it != end;
         ++it) {
      refs.insert((*it)[1]);
    }
    pages.insert(pages.end(), refs.begin(), refs.end());
    for (const auto& page : pages) {
      auto res = client.Get(page.c_str(), as);
      REQUIRE(res);
      if (res->status != 200) continue;  // a page this person may not use
      const std::string text = visible_text(res->body);
      for (const auto* pattern : {&iso, &snake}) {
        for (std::sregex_iterator it(text.begin(), text.end(), *pattern), end; it != end; ++it) {
          const auto at = static_cast<size_t>(it->position());
          found.push_back(fmt::format("{} as {}: '{}' in \"…{}…\"", page, person, it->str(),
                                      text.substr(at < 40 ? 0 : at - 40, 100)));
        }
      }
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::string listing;
  for (const auto& f : found) listing += f + "\n";
  INFO(listing);
  CHECK(found.empty());
}
