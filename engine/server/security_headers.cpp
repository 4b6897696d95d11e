#include "server/security_headers.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>

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

namespace {

std::string lower(std::string text) {
  for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

// "https://comms.example.nhs.uk:8443/path" -> "comms.example.nhs.uk:8443"; empty for text
// without a scheme.
std::string authority_of(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  std::string rest = url.substr(scheme_end + 3);
  return lower(rest.substr(0, rest.find('/')));
}

std::string without_port(const std::string& authority) {
  if (!authority.empty() && authority.front() == '[') {  // an IPv6 literal: "[::1]:8080"
    return authority.substr(0, authority.find(']') + 1);
  }
  return authority.substr(0, authority.rfind(':'));
}

// "https://comms.example.nhs.uk:443/x" -> "https://comms.example.nhs.uk": an origin as a browser
// sends it, without a path or the scheme's default port.
std::string origin_of(const std::string& url) {
  const std::string authority = authority_of(url);
  if (authority.empty()) return {};
  const std::string scheme = lower(url.substr(0, url.find("://")));
  std::string host = authority;
  if ((scheme == "https" && host.ends_with(":443")) ||
      (scheme == "http" && host.ends_with(":80"))) {
    host = without_port(host);
  }
  return scheme + "://" + host;
}

}  // namespace

bool from_another_site(const ServerOptions& options, const httplib::Request& req) {
  if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return false;
  // The browser's own word, where it gives one, settles it.
  const std::string fetch_site = lower(req.get_header_value("Sec-Fetch-Site"));
  if (fetch_site == "same-origin" || fetch_site == "none") return false;
  if (!fetch_site.empty()) return true;
  if (!req.has_header("Origin")) return false;
  const std::string origin = origin_of(req.get_header_value("Origin"));  // empty for "null"
  if (origin.empty()) return true;
  if (!options.public_url.empty()) return origin != origin_of(options.public_url);
  const std::string host = lower(req.get_header_value("Host"));
  if (host.empty()) return true;
  // A proxy may pass on the host with or without its port.
  return without_port(authority_of(origin)) != without_port(host) && authority_of(origin) != host;
}

bool body_without_length(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  const bool has_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  return has_body && !req.has_header("Content-Length");
}

std::optional<LengthRefusal> content_length_problem(const httplib::Request& req,
                                                    std::size_t max_bytes) {
  const std::size_t given = req.get_header_value_count("Content-Length");
  if (given == 0) return std::nullopt;
  if (given > 1) return LengthRefusal{400, "give Content-Length once"};
  const std::string value = req.get_header_value("Content-Length");
  std::uint64_t length = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (value.empty() || error == std::errc::invalid_argument || end != value.data() + value.size()) {
    return LengthRefusal{400, "Content-Length must be the body's size in bytes"};
  }
  if (error == std::errc::result_out_of_range || length > max_bytes) {
    return LengthRefusal{
        413, fmt::format("the request body is too large (at most {} bytes)", max_bytes)};
  }
  return std::nullopt;
}

std::string client_address(const ServerOptions& options, const httplib::Request& req) {
  if (!options.trusted_proxy.empty() && req.remote_addr == options.trusted_proxy) {
    std::string real = req.get_header_value("X-Real-IP");
    if (!real.empty()) return real;
  }
  return req.remote_addr;
}

}  // namespace commsflow::server
