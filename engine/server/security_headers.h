// What every answer of the server says about itself to the browser: a strict
// Content-Security-Policy (scripts, styles and fonts from this origin only; nothing inline), no
// caching of anything but the NHS.UK frontend's static files and the stylesheet, and, when the
// server is reached over HTTPS (--public-url https://...), HSTS. Also the app's own stylesheet,
// served from the same origin so that pages need no inline style.
#pragma once

#include <commsflow/server.h>
#include <httplib.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace commsflow::server {

// The policy for pages and API answers.
extern const char* const kContentSecurityPolicy;

// True when people reach the server over HTTPS (options.public_url begins with https://).
bool served_over_https(const ServerOptions& options);

// Adds the headers to `res` (those it has set itself, such as a download's own policy, stay).
void add_security_headers(const ServerOptions& options, const httplib::Request& req,
                          httplib::Response& res);

// The most request headers, and bytes of header names and values in all, the server accepts.
inline constexpr std::size_t kMaxHeaderCount = 100;
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
bool headers_within_limits(const httplib::Request& req);

// True when a request that would change something (any method but GET, HEAD and OPTIONS) comes
// from another site's page: the browser says so in Sec-Fetch-Site, or its Origin is not this
// server (options.public_url when given, else the Host it was asked for). Such a request is
// refused before any route sees it, so that no other site can sign someone in or act for them.
// Requests from no page (curl, scripts with an API token) say neither and pass.
bool from_another_site(const ServerOptions& options, const httplib::Request& req);

// True when a request's body has no declared length: sent in chunks (any Transfer-Encoding), or
// a POST, PUT or PATCH with no Content-Length (read to the end of the stream). It is refused
// (411) before it is read, since only a declared length can be held to the size limit unread.
bool body_without_length(const httplib::Request& req);

// What is wrong with a request's declared Content-Length, or nullopt when nothing is: given more
// than once, not a plain number of bytes ("-1", "5, 7"), or more than `max_bytes`. The HTTP
// library would read and drop a body of such a length, holding a worker until the read timeout,
// before answering; it is refused before the body is read instead (413 when too large, else 400).
struct LengthRefusal {
  int status;
  std::string message;
};
std::optional<LengthRefusal> content_length_problem(const httplib::Request& req,
                                                    std::size_t max_bytes);

// The client's address: X-Real-IP when the request comes from options.trusted_proxy, otherwise
// the connection's own address.
std::string client_address(const ServerOptions& options, const httplib::Request& req);

// The files every page loads, under /static/ (static_files.cpp): the NHS.UK frontend's
// stylesheet without its web fonts, the app's few styles, and the script that starts the
// frontend's components. `assets` is the frontend's dist/nhsuk folder.
// Each is served at a versioned path (cached for a year: a new build changes the name) and at its
// plain name (revalidated).
void add_static_routes(httplib::Server& http, const std::filesystem::path& assets);
// The versioned path pages link to for a static file ("commsflow.css"), once add_static_routes
// has run; the plain /static/ path before.
std::string static_path(std::string_view name);

}  // namespace commsflow::server
