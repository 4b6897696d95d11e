// deliver: one pass of email delivery over the outbox, for a cron job (`commsflow serve` does the
// same continuously). How mail leaves is read from COMMSFLOW_* variables or --mail-config.
#include <commsflow/delivery.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include "cli/commands.h"

namespace commsflow::cli {

void add_deliver_command(CLI::App& app, Session& s) {
  auto* cmd = app.add_subcommand(
      "deliver",
      "Email every notification that is due, once (for cron; `serve` does it continuously).\n"
      "Settings: COMMSFLOW_MAIL=smtp|notify and the rest, from the environment or\n"
      "--mail-config FILE (see README, \"Email\"). Failures are retried with backoff on later\n"
      "passes and given up after the attempts allowed (`commsflow outbox --failed` lists\n"
      "them, `commsflow outbox resend` sends them again).\n"
      "Exit 1 when any email could not be sent in this pass.");
  auto config = std::make_shared<std::string>();
  auto public_url = std::make_shared<std::string>();
  cmd->add_option("--mail-config", *config, "A file of COMMSFLOW_...=value lines");
  cmd->add_option("--public-url", *public_url,
                  "Where people reach the web app, for the links in emails "
                  "(default: COMMSFLOW_PUBLIC_URL)")
      ->check([](const std::string& url) {
        const std::string problem = web_address_problem(url);
        return problem.empty() ? problem : fmt::format("'{}' {}", url, problem);
      });
  cmd->callback([&s, config, public_url] {
    MailSettings settings = read_mail_settings(*config, *public_url);
    auto mailer = make_mailer(settings);
    if (!mailer) {
      fail(ErrorKind::BadInput,
           "email is off (COMMSFLOW_MAIL=off, the default): nothing is sent until it is "
           "COMMSFLOW_MAIL=smtp or notify (see README, \"Email\")");
    }
    DeliveryReport r = deliver_due(s.engine(), *mailer, settings);
    // For cron and monitoring: an email that could not be sent this pass is a failed run, even
    // when it will be tried again.
    if (r.retrying > 0 || r.failed > 0) s.exit_code = 1;
    if (s.options.json) {
      s.print_json(Json{{"sent", r.sent},
                        {"emails", r.emails},
                        {"retrying", r.retrying},
                        {"failed", r.failed},
                        {"skipped", r.skipped},
                        {"next_retry_at", r.next_retry_at.empty() ? Json() : Json(r.next_retry_at)},
                        {"problems", r.problems}});
      return;
    }
    for (const auto& p : r.problems) fmt::print("{}\n", p);
    fmt::print("{} sent{}, {} to retry{}, {} failed for good{}, {} no longer needed\n", r.sent,
               r.emails != r.sent ? fmt::format(" (in {} emails)", r.emails) : "", r.retrying,
               r.next_retry_at.empty()
                   ? ""
                   : fmt::format(" (the first from {})", uk_datetime(r.next_retry_at)),
               r.failed, r.failed > 0 ? " (`commsflow outbox --failed`)" : "", r.skipped);
  });
}

}  // namespace commsflow::cli
