// The signed-in person's own account: their roles, their sessions (each can be ended, or every
// other at once, say after using a shared computer) and their API tokens.
#include <commsflow/uk_time.h>

#include "server/pages.h"
#include "server/templates.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

std::string account_body(Context& c, const Principal& p, const std::string& notice) {
  auto lock = c.lock();
  Accounts& accounts = c.accounts();
  Json rows = Json::array();
  for (const auto& s : accounts.sessions_of(p.actor.name, c.now())) {
    const bool current = s.token_digest == p.session_digest;
    std::string end =
        current ? render("nhs-tag", {{"text", "This session"}, {"colour", "green"}})
                : render("post-button",
                         {{"action", "/account/sessions/end"},
                          {"csrf", p.csrf},
                          {"fields", {{{"name", "session"}, {"value", s.token_digest}}}},
                          {"label", "End"},
                          {"hidden", "the session signed in at " + uk_datetime(s.created_at)},
                          {"style", "secondary"},
                          {"inline", true}});
    rows.push_back({{"cells",
                     {{{"text", ""}, {"html", time_html(s.created_at)}},
                      {{"text", ""}, {"html", time_html(s.expires_at)}},
                      {{"text", ""}, {"html", end}}}}});
  }
  Json tokens = Json::array();
  for (const auto& t : accounts.api_tokens(p.actor.name)) {
    const auto& [status, when] = !t.revoked_at.empty()     ? std::pair{"Revoked", t.revoked_at}
                                 : t.expires_at <= c.now() ? std::pair{"Expired", t.expires_at}
                                                           : std::pair{"Expires", t.expires_at};
    tokens.push_back({{"name", t.name}, {"status", status}, {"when", time_html(when)}});
  }
  return render("account",
                {{"notice", notice},
                 {"actor", p.actor.name},
                 {"roles", roles_in_words(p.actor.roles, "and")},
                 {"sessions",
                  {{"head", {{{"text", "Signed in"}}, {{"text", "Ends"}}, {{"hidden", "Action"}}}},
                   {"rows", rows}}},
                 {"end_others",
                  {{"action", "/account/sessions/end-others"},
                   {"csrf", p.csrf},
                   {"label", "Sign out everywhere else"},
                   {"style", "warning"}}},
                 {"has_tokens", !tokens.empty()},
                 {"tokens", tokens}});
}

}  // namespace

void add_account_page_routes(httplib::Server& http, Context& c) {
  http.Get(
      "/account",
      page(c, false, [&c](const Principal& p, const httplib::Request& req, httplib::Response& res) {
        std::string notice;
        if (req.has_param("ended")) notice = "The session was ended.";
        if (req.has_param("others")) {
          notice = "You are signed out everywhere else.";
        }
        send_page(res, 200, &p, "Your account", "/account", account_body(c, p, notice));
      }));
  post_form(
      http, "/account/sessions/end",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, httplib::Response& res) {
        std::string digest = req.has_param("session") ? req.get_param_value("session") : "";
        bool ended = false;
        {
          auto lock = c.lock();
          ended = c.accounts().delete_session_of(p.actor.name, digest);
        }
        if (!ended) fail(ErrorKind::NotFound, "session: no such session of yours");
        res.set_redirect(digest == p.session_digest ? "/sign-in" : "/account?ended=1", 303);
      }));
  post_form(
      http, "/account/sessions/end-others",
      page(c, true, [&c](const Principal& p, const httplib::Request&, httplib::Response& res) {
        {
          auto lock = c.lock();
          c.accounts().delete_other_sessions(p.actor.name, p.session_digest);
        }
        res.set_redirect("/account?others=1", 303);
      }));
}

}  // namespace commsflow::server
