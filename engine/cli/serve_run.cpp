// serve (hand_over.h) in commsflow-full: the web server, timers and email delivery.
#include <commsflow/delivery.h>
#include <commsflow/server.h>
#include <commsflow/signoff.h>
#include <fmt/format.h>

#include <iostream>

#include "cli/hand_over.h"

namespace commsflow::cli {

void serve(Session& s, ServeArgs& args) {
  server::ServerOptions& options = args.options;
  options.assets = server::find_assets(args.assets, own_executable());
  options.group_commit = args.group_commit == "on";
  options.busy_timeout_ms = s.options.busy_timeout_ms;
  options.reload_every = std::chrono::seconds(args.reload_seconds);
  options.session_lifetime = std::chrono::minutes(args.session_minutes);
  // Due timers (reminders, escalations) fire every tick_every, as `commsflow tick` does.
  options.tick = [](Engine& engine) {
    for (const auto& fired : Signoff(engine).tick()) {
      std::cerr << fmt::format("timer: {} {} ({})\n", fired.ref, fired.action, fired.message);
    }
  };
  // Notifications are emailed every deliver_every, as `commsflow deliver` does.
  const MailSettings mail = read_mail_settings(args.mail_config, options.public_url);
  // Where people reach the server, given once for the emails' links and the cookie alike: the
  // mail settings' COMMSFLOW_PUBLIC_URL (checked there) stands for --public-url, so an https
  // address there makes the session cookie Secure as the option does.
  if (options.public_url.empty()) options.public_url = mail.public_url;
  std::shared_ptr<Mailer> mailer = make_mailer(mail);
  if (mailer) {
    options.deliver = [mailer, mail](Engine& engine, const EngineLock& lock_engine) {
      DeliveryReport r = deliver_due(engine, *mailer, mail, lock_engine);
      for (const auto& p : r.problems) std::cerr << fmt::format("email: {}\n", p);
      if (r.sent > 0) std::cerr << fmt::format("email: {} sent in {} emails\n", r.sent, r.emails);
    };
    // Said at start, so that the log shows email is on and how it leaves (never a password
    // written into the relay's URL).
    std::string relay = mail.smtp_url;
    if (const auto scheme = relay.find("://"); scheme != std::string::npos) {
      const auto at = relay.find('@', scheme);
      if (at != std::string::npos && at < relay.find('/', scheme + 3)) {
        relay.erase(scheme + 3, at + 1 - (scheme + 3));
      }
    }
    std::cerr << fmt::format("email: on, by {}{}, from {}\n", mail.transport,
                             mail.transport == "smtp" ? " through " + relay : "",
                             mail.transport == "smtp" ? mail.from : std::string("GOV.UK Notify"));
  } else {
    std::cerr << "email: off (COMMSFLOW_MAIL is not set): notifications wait in the outbox\n";
  }
  Engine& engine = s.engine();
  server::WebServer web(engine, s.clock(), options, std::cerr);
  server::run_until_signal(web, std::cerr);
}

}  // namespace commsflow::cli
