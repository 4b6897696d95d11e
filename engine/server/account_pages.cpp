// The signed-in person's own account: their roles, their sessions (each can be ended, or every
// other at once, say after using a shared computer) and their API tokens.
#include "base/uk_time.h"
#include "server/pages.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

std::string account_body(Context& c, const Principal& p, const std::string& notice) {
  auto lock = c.lock();
  Accounts accounts = c.accounts();
  std::string rows;
  for (const auto& s : accounts.sessions_of(p.actor.name, c.now())) {
    const bool current = s.token_digest == p.session_digest;
    std::string end =
        current
            ? R"(<strong class="nhsuk-tag nhsuk-tag--green">This session</strong>)"
            : fmt::format(
                  R"(<form method="post" action="/account/sessions/end">{}<input type="hidden" name="session" value="{}"><button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit">End<span class="nhsuk-u-visually-hidden"> the session signed in at {}</span></button></form>)",
                  csrf_field(p), escape(s.token_digest), escape(uk_datetime(s.created_at)));
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td></tr>)",
        time_html(s.created_at), time_html(s.expires_at), end);
  }
  std::string tokens;
  for (const auto& t : accounts.api_tokens(p.actor.name)) {
    std::string status = !t.revoked_at.empty()     ? "Revoked " + time_html(t.revoked_at)
                         : t.expires_at <= c.now() ? "Expired " + time_html(t.expires_at)
                                                   : "Expires " + time_html(t.expires_at);
    tokens += fmt::format("<li>{} &middot; {}</li>", escape(t.name), status);
  }
  return fmt::format(
      R"({}<h1>Your account</h1><p class="nhsuk-body">Signed in as <strong>{}</strong>; roles: {}.</p><h2>Where you are signed in</h2><table class="nhsuk-table"><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Signed in</th><th scope="col" class="nhsuk-table__header">Ends</th><th scope="col" class="nhsuk-table__header"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table><form method="post" action="/account/sessions/end-others">{}<button class="nhsuk-button nhsuk-button--warning" type="submit">Sign out everywhere else</button></form><h2>API tokens</h2>{}<p class="nhsuk-body">Tokens are made and revoked by an administrator.</p>)",
      notice, escape(p.actor.name), escape(roles_in_words(p.actor.roles, "and")), rows,
      csrf_field(p),
      tokens.empty() ? R"(<p class="nhsuk-body">You have no API tokens.</p>)"
                     : R"(<ul class="nhsuk-list nhsuk-list--bullet">)" + tokens + "</ul>");
}

std::string notice_html(const std::string& text) {
  return fmt::format(R"(<div class="nhsuk-inset-text" role="status"><p>{}</p></div>)",
                     escape(text));
}

}  // namespace

void add_account_page_routes(httplib::Server& http, Context& c) {
  http.Get(
      "/account",
      page(c, false, [&c](const Principal& p, const httplib::Request& req, httplib::Response& res) {
        std::string notice;
        if (req.has_param("ended")) notice = notice_html("The session was ended.");
        if (req.has_param("others")) {
          notice = notice_html("You are signed out everywhere else.");
        }
        send_page(res, 200, &p, "Your account", "/account", account_body(c, p, notice));
      }));
  http.Post(
      "/account/sessions/end",
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
  http.Post(
      "/account/sessions/end-others",
      page(c, true, [&c](const Principal& p, const httplib::Request&, httplib::Response& res) {
        {
          auto lock = c.lock();
          c.accounts().delete_other_sessions(p.actor.name, p.session_digest);
        }
        res.set_redirect("/account?others=1", 303);
      }));
}

}  // namespace commsflow::server
