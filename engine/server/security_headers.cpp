#include "server/security_headers.h"

namespace commsflow::server {

const char* const kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

namespace {

bool is_static(const std::string& path) {
  return path.rfind("/nhsuk/", 0) == 0 || path.rfind("/assets/", 0) == 0 ||
         path.rfind("/static/", 0) == 0;
}

}  // namespace

bool served_over_https(const ServerOptions& options) {
  return options.public_url.rfind("https://", 0) == 0;
}

void add_security_headers(const ServerOptions& options, const httplib::Request& req,
                          httplib::Response& res) {
  if (!res.has_header("Content-Security-Policy")) {
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  }
  if (!res.has_header("Cache-Control")) {
    // Static files are the same for everyone; everything else may be someone's data.
    res.set_header("Cache-Control", is_static(req.path) ? "public, max-age=3600" : "no-store");
  }
  if (served_over_https(options)) {
    res.set_header("Strict-Transport-Security", "max-age=31536000");
  }
}

bool headers_within_limits(const httplib::Request& req) {
  if (req.headers.size() > kMaxHeaderCount) return false;
  std::size_t bytes = 0;
  for (const auto& [name, value] : req.headers) bytes += name.size() + value.size();
  return bytes <= kMaxHeaderBytes;
}

std::string client_address(const ServerOptions& options, const httplib::Request& req) {
  if (!options.trusted_proxy.empty() && req.remote_addr == options.trusted_proxy) {
    std::string real = req.get_header_value("X-Real-IP");
    if (!real.empty()) return real;
  }
  return req.remote_addr;
}

}  // namespace commsflow::server
