// The files every page loads. Nothing a page needs comes from another site: the NHS.UK
// frontend's stylesheet is served without its @font-face rules, which fetch Frutiger from
// assets.nhs.uk, so pages use the frontend's fallback fonts (Arial, then the system's sans-serif).
#include <commsflow/sha256.h>
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "server/security_headers.h"

namespace commsflow::server {

namespace {

constexpr const char* kStylesheet = R"(.cf-late { font-weight: 600; }
.cf-filters { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-end; }
.cf-filters .nhsuk-form-group { margin-bottom: 16px; }
.cf-action { border-left: 4px solid #d8dde0; padding-left: 16px; margin-bottom: 24px; }
pre.cf-data { white-space: pre-wrap; margin: 0; }
code.cf-hash { word-break: break-all; }
pre.cf-diff { white-space: pre-wrap; }
pre.cf-diff ins { text-decoration: none; background: #cce2d8; }
pre.cf-diff del { background: #f6d7d2; }
/* On a phone a wide table scrolls sideways inside itself; the page never does. */
@media (max-width: 40em) {
  table.nhsuk-table { display: block; overflow-x: auto; }
}
main { overflow-wrap: break-word; }
main code { overflow-wrap: anywhere; }
)";

// Starts the frontend's components (the error summary takes focus, the header menu folds on a
// phone) in browsers that run modules; without it the pages work as plain HTML.
constexpr const char* kScript = R"(import { initAll } from '/nhsuk/nhsuk-frontend.min.js';
document.body.classList.add('nhsuk-frontend-supported');
initAll();
)";

// The frontend's stylesheet without @font-face rules; empty when the file cannot be read (the
// pages then show unstyled, which the server's start-up log already warns of).
std::string frontend_stylesheet(const std::filesystem::path& assets) {
  std::ifstream in(assets / "nhsuk-frontend.min.css", std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  const std::string css = read.str();
  std::string out;
  out.reserve(css.size());
  const std::string_view rule = "@font-face{";
  std::size_t at = 0;
  for (std::size_t found; (found = css.find(rule, at)) != std::string::npos;) {
    out.append(css, at, found - at);
    const std::size_t end = css.find('}', found);
    at = end == std::string::npos ? css.size() : end + 1;
  }
  out.append(css, at, std::string::npos);
  return out;
}

// The versioned path of each file ("commsflow.css" -> "/static/commsflow-1a2b3c4d5e6f.css"),
// set as the routes are added. Every server in a process serves the same files.
std::mutex versions_mutex;
std::map<std::string, std::string, std::less<>> versions;

// Serves `content` at /static/NAME (for pages made before a change; revalidated) and at its
// versioned path (never changes, so cached for a year).
void serve(httplib::Server& http, const std::string& name,
           std::shared_ptr<const std::string> content, const char* type) {
  const auto dot = name.rfind('.');
  const std::string versioned =
      fmt::format("/static/{}-{}{}", name.substr(0, dot), to_hex(sha256(*content)).substr(0, 12),
                  name.substr(dot));
  {
    std::lock_guard<std::mutex> guard(versions_mutex);
    versions[name] = versioned;
  }
  http.Get("/static/" + name, [content, type](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(*content, type);
  });
  http.Get(versioned, [content, type](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    res.set_content(*content, type);
  });
}

}  // namespace

std::string static_path(std::string_view name) {
  std::lock_guard<std::mutex> guard(versions_mutex);
  auto it = versions.find(name);
  return it == versions.end() ? fmt::format("/static/{}", name) : it->second;
}

void add_static_routes(httplib::Server& http, const std::filesystem::path& assets) {
  serve(http, "nhsuk-frontend.css",
        std::make_shared<const std::string>(frontend_stylesheet(assets)),
        "text/css; charset=utf-8");
  serve(http, "commsflow.css", std::make_shared<const std::string>(kStylesheet),
        "text/css; charset=utf-8");
  serve(http, "commsflow.js", std::make_shared<const std::string>(kScript),
        "text/javascript; charset=utf-8");
}

}  // namespace commsflow::server
