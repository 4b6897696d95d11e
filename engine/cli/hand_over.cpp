// The `commsflow` program's stand-ins for what it does not link (hand_over.h): each hands the
// command over to commsflow-full before the command has written anything.
#include "cli/hand_over.h"

#include <commsflow/delivery.h>
#include <commsflow/store.h>

#include "store/sqlite/sqlite_store.h"

namespace commsflow {

// As store/open.cpp, for an SQLite file; a database named by URL is PostgreSQL's.
std::unique_ptr<Store> Store::open(const std::string& location, Options options) {
  if (is_url(location)) throw cli::HandOver{"PostgreSQL"};
  return std::make_unique<store::SqliteStore>(std::filesystem::path(location), options);
}

std::unique_ptr<Mailer> make_mailer(const MailSettings& settings) {
  if (settings.transport.empty()) return nullptr;  // no email: nothing needs commsflow-full
  throw cli::HandOver{"email"};
}

namespace cli {

void serve(Session&, ServeArgs&) {
  throw HandOver{"the web server"};
}

}  // namespace cli

}  // namespace commsflow
