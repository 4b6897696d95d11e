// Shared pieces of the pages: the signed-in wrapper every page route goes through, and sending
// a page. See pages.cpp (frame, sign-in, queue, lists, audit, admin) and item_pages.cpp (new
// request, item page and its action forms).
//
// Thread-safe; handlers take the engine mutex for the engine calls they make.
#pragma once

#include <functional>
#include <string>

#include "server/auth.h"
#include "server/html.h"

namespace commsflow::server {

using PageHandler =
    std::function<void(const Principal&, const httplib::Request&, httplib::Response&)>;

// Wraps a page handler: without a signed-in actor, a GET is redirected to the sign-in page and
// anything else gets 401; a change without the session's CSRF token gets 403; an Error escaping
// the handler becomes an error page with its status.
httplib::Server::Handler page(Context& context, bool changes, PageHandler handler);

// Registers a form's POST route. The HTTP library parses a form body itself only up to 8 KiB,
// and answers a larger one 413 with an empty page, the typed text lost: a feedback letter
// quoted whole, or a full equality impact assessment, could not be sent. A body read here is
// parsed as the library parses it, up to the server's limit on any body
// (ServerOptions::max_body_bytes), and given to `handler` with the query's parameters.
void post_form(httplib::Server& http, const std::string& pattern, httplib::Server::Handler handler);

// Error(NotFound) ("Page not found") unless `allowed`: for pages only some roles may use.
void require_page(bool allowed);
void send_page(httplib::Response& res, int status, const Principal* principal,
               const std::string& title, const std::string& path, const std::string& body);

// Answers a form that changed something, once done: a redirect to the page at `path`, whose
// next GET in this session shows `banner` once (PageNotices), so that reloading it does not post
// the form again; without a session (an API token), that page itself, made by `page_with`.
void answer_done(Context& c, const Principal& p, httplib::Response& res, const std::string& path,
                 std::string banner, const std::function<void(const std::string&)>& page_with);
// The banner kept by answer_done for this session's GET of `path`, once; "" otherwise (a HEAD
// does not use it up).
std::string kept_banner(Context& c, const Principal& p, const httplib::Request& req,
                        const std::string& path);

// A posted or query parameter's value, empty when absent.
std::string param(const httplib::Request& req, const char* name);

// A queue tier's label in its NHS tag colour (text, never colour alone); a value that is no tier
// as a readable label; "None" for none.
std::string tier_tag(const QueueSpec& spec, const Json& value);

void add_item_page_routes(httplib::Server& http, Context& context);

// GET /incidents (those in progress), POST /incidents (declare) and /incidents/close, through
// the engine's incident calls (incident_pages.cpp). The queue links to it for those who may
// declare.
void add_incident_page_routes(httplib::Server& http, Context& context);
// /sign-offs: the decisions waiting for the person, and their delegations with the form to
// delegate.
void add_signoff_page_routes(httplib::Server& http, Context& context);
bool may_declare_incidents(Engine& engine, const Actor& actor);

// GET /account: who you are, your sessions (end one, or every other) and your API tokens
// (account_pages.cpp).
void add_account_page_routes(httplib::Server& http, Context& context);

// GET /audit: the integrity of the record and the report form; GET /audit/download?report=
// history|sign-offs&format=csv|json|html with the optional filters actor, workflow, action, from
// and to, which answers a wrong filter with the Audit page again, saying which (audit_pages.cpp).
void add_audit_page_routes(httplib::Server& http, Context& context);

}  // namespace commsflow::server
