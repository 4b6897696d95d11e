// make_mailer: the mailer MailSettings::transport chooses. In the programs that link libcurl; the
// `commsflow` program hands a command that sends email over to commsflow-full (cli/hand_over.cpp).
#include <commsflow/delivery.h>

#include "delivery/mailers.h"

namespace commsflow {

std::unique_ptr<Mailer> make_mailer(const MailSettings& settings) {
  if (settings.transport == "smtp") return smtp_mailer(settings);
  if (settings.transport == "notify") return notify_mailer(settings);
  return nullptr;
}

}  // namespace commsflow
