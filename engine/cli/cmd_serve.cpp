// serve: the web app and JSON API over the same engine as the other commands (run by
// serve_run.cpp).
#include <arpa/inet.h>
#include <commsflow/delivery.h>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/hand_over.h"

namespace commsflow::cli {

namespace {

// CLI11's check: empty for an IP address (IPv4 or IPv6), else what is wrong.
std::string ip_address(const std::string& address) {
  unsigned char parsed[sizeof(in6_addr)];
  return inet_pton(AF_INET, address.c_str(), parsed) == 1 ||
                 inet_pton(AF_INET6, address.c_str(), parsed) == 1
             ? std::string()
             : fmt::format("'{}' is not an IP address (such as 127.0.0.1 or ::1)", address);
}

}  // namespace

void add_serve_command(CLI::App& app, Session& s) {
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the web app and the JSON API (/api/v1/) until SIGTERM or Ctrl-C.\n"
      "People sign in with the password set by `commsflow actor passwd NAME`; scripts use a\n"
      "token from `commsflow token create --as NAME`. Workflow files are reloaded when they\n"
      "change (a broken file is logged and shown on /admin; the previous version keeps serving).");
  auto args = std::make_shared<ServeArgs>();
  server::ServerOptions* options = &args->options;
  cmd->add_option("--bind", options->bind, "Address to listen on")
      ->capture_default_str()
      ->check([](const std::string& address) {
        return address == "localhost" ? std::string() : ip_address(address);
      });
  cmd->add_option("--port", options->port, "Port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--assets", args->assets,
                  "nhsuk-frontend's dist/nhsuk folder (default: found from the executable or "
                  "./web/node_modules)");
  cmd->add_option("--reload-every", args->reload_seconds,
                  "Seconds between checks for changed workflow files")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--public-url", options->public_url,
                  "Where people reach the server, e.g. https://comms.example.nhs.uk behind an "
                  "HTTPS proxy: with https, the session cookie is Secure and answers carry HSTS "
                  "(default: COMMSFLOW_PUBLIC_URL in the mail settings)")
      ->check([](const std::string& url) {
        const std::string problem = web_address_problem(url);
        return problem.empty() ? problem : fmt::format("'{}' {}", url, problem);
      });
  cmd->add_option("--trusted-proxy", options->trusted_proxy,
                  "Address of the reverse proxy in front (e.g. 127.0.0.1): its X-Real-IP header "
                  "names the client, for slowing sign-in per address")
      // Compared with each connection's address as the system gives it: an IP address, never a
      // name; anything else would let the server listen beyond loopback with no proxy.
      ->check(ip_address);
  cmd->add_option("--session-minutes", args->session_minutes, "How long a sign-in lasts")
      ->check(CLI::Range(1, 7 * 24 * 60))
      ->capture_default_str();
  cmd->add_option("--group-commit", args->group_commit,
                  "on: changes made at the same moment (actions, decisions, new items, ...) "
                  "share one transaction and one COMMIT, each in a savepoint of its own, and each "
                  "is answered once that COMMIT is durable; off: each change commits on its own")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--group-commit-max", options->group_commit_max,
                  "With group commit on, the most changes one COMMIT takes (1: each commits on "
                  "its own, through the same writer)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--mail-config", args->mail_config,
                  "A file of COMMSFLOW_...=value lines saying how email leaves (or set them in "
                  "the environment; see README, \"Email\"). Without either, notifications wait "
                  "in the outbox");
  cmd->callback([&s, args] { serve(s, *args); });
}

}  // namespace commsflow::cli
