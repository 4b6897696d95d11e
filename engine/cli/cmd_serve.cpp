// serve: the web app and JSON API over the same engine as the other commands.
#include <commsflow/delivery.h>
#include <commsflow/server.h>
#include <commsflow/signoff.h>
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

std::filesystem::path own_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : path;
}

}  // namespace

void add_serve_command(CLI::App& app, Session& s) {
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the web app and the JSON API (/api/v1/) until SIGTERM or Ctrl-C.\n"
      "People sign in with the password set by `commsflow actor passwd NAME`; scripts use a\n"
      "token from `commsflow token create --as NAME`. Workflow files are reloaded when they\n"
      "change (a broken file is logged and shown on /admin; the previous version keeps serving).");
  auto options = std::make_shared<server::ServerOptions>();
  auto assets = std::make_shared<std::string>();
  auto reload = std::make_shared<int>(5);
  auto session_minutes = std::make_shared<int>(8 * 60);
  cmd->add_option("--bind", options->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", options->port, "Port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--assets", *assets,
                  "nhsuk-frontend's dist/nhsuk folder (default: found from the executable or "
                  "./web/node_modules)");
  cmd->add_option("--reload-every", *reload, "Seconds between checks for changed workflow files")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--public-url", options->public_url,
                  "Where people reach the server, e.g. https://comms.example.nhs.uk behind an "
                  "HTTPS proxy: with https, the session cookie is Secure and answers carry HSTS")
      ->check([](const std::string& url) {
        return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0
                   ? std::string()
                   : std::string("--public-url must begin with https:// or http://");
      });
  cmd->add_option("--trusted-proxy", options->trusted_proxy,
                  "Address of the reverse proxy in front (e.g. 127.0.0.1): its X-Real-IP header "
                  "names the client, for slowing sign-in per address");
  cmd->add_option("--session-minutes", *session_minutes, "How long a sign-in lasts")
      ->check(CLI::Range(1, 7 * 24 * 60))
      ->capture_default_str();
  auto group_commit = std::make_shared<std::string>("on");
  cmd->add_option("--group-commit", *group_commit,
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
  auto mail_config = std::make_shared<std::string>();
  cmd->add_option("--mail-config", *mail_config,
                  "A file of COMMSFLOW_...=value lines saying how email leaves (or set them in "
                  "the environment; see README, \"Email\"). Without either, notifications wait "
                  "in the outbox");
  cmd->callback([&s, options, assets, reload, session_minutes, group_commit, mail_config] {
    options->assets = server::find_assets(*assets, own_executable());
    options->group_commit = *group_commit == "on";
    options->busy_timeout_ms = s.options.busy_timeout_ms;
    options->reload_every = std::chrono::seconds(*reload);
    options->session_lifetime = std::chrono::minutes(*session_minutes);
    // Due timers (reminders, escalations) fire every tick_every, as `commsflow tick` does.
    options->tick = [](Engine& engine) {
      for (const auto& fired : Signoff(engine).tick()) {
        std::cerr << fmt::format("timer: {} {} ({})\n", fired.ref, fired.action, fired.message);
      }
    };
    // Notifications are emailed every deliver_every, as `commsflow deliver` does.
    const MailSettings mail = read_mail_settings(*mail_config, options->public_url);
    std::shared_ptr<Mailer> mailer = make_mailer(mail);
    if (mailer) {
      options->deliver = [mailer, mail](Engine& engine, const EngineLock& lock_engine) {
        DeliveryReport r = deliver_due(engine, *mailer, mail, lock_engine);
        for (const auto& p : r.problems) std::cerr << fmt::format("email: {}\n", p);
        if (r.sent > 0) std::cerr << fmt::format("email: {} sent\n", r.sent);
      };
    } else {
      std::cerr << "email: off (COMMSFLOW_MAIL is not set): notifications wait in the outbox\n";
    }
    Engine& engine = s.engine();
    server::WebServer web(engine, s.clock(), *options, std::cerr);
    server::run_until_signal(web, std::cerr);
  });
}

}  // namespace commsflow::cli
