// Telling people by email: the outbox's rows sent through SMTP or GOV.UK Notify, each attempt
// recorded, failures retried with backoff and given up after a limit (engine/delivery/).
//
// A row is sent at least once: a crash between sending and recording may send it twice, never
// zero times, and every attempt carries the same Message-ID (and Notify reference), made from the
// row, so a duplicate can be recognised. Sending never holds the database write lock.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/store.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

class Engine;

// One email to one person.
struct MailMessage {
  std::string to;       // the address
  std::string to_name;  // how they are shown
  std::string subject;
  std::string text;        // the plain text part
  std::string html;        // the HTML part (readable without images)
  std::string link;        // the item's page
  std::string message_id;  // "<commsflow.outbox.42.1764666000@host>": the same on every attempt
  std::string reference;   // the same, for Notify: "commsflow-outbox-42-1764666000"
};

// How email leaves: read from COMMSFLOW_* environment variables, or a file of the same
// KEY=VALUE lines (see README, "Email").
struct MailSettings {
  std::string transport;  // "smtp", "notify", or empty: nothing is sent, rows wait
  std::string smtp_url;   // smtp://relay:587 (STARTTLS) or smtps://relay:465
  std::string smtp_user;
  std::string smtp_password;
  bool smtp_starttls = true;  // for smtp://: refuse to send unless the relay takes STARTTLS
  std::string smtp_ca_file;   // a CA bundle for a private relay; empty: the system's
  std::string from;           // "Comms team <comms@example.nhs.uk>"
  std::string notify_api_key;
  std::string notify_template_id;
  std::string notify_url = "https://api.notifications.service.gov.uk";
  std::string public_url;  // where people reach the web app: links in the emails
  int max_attempts = 8;
  std::chrono::seconds first_retry{60};  // doubling with each failure, at most an hour
  std::chrono::seconds timeout{30};      // for one send
};

// What is wrong with `url` as where people reach the web app (an http:// or https:// address
// with a host and no space or control character in it), in words that follow the address
// quoted; empty when nothing is. For --public-url and COMMSFLOW_PUBLIC_URL alike.
std::string web_address_problem(std::string_view url);

// The settings from the environment, then `file` when it is not empty (its lines win), then
// `public_url` when it is not empty (a command's --public-url). Throws Error(BadInput) naming the
// setting, or file:line, for a bad or missing value.
MailSettings read_mail_settings(const std::filesystem::path& file = {},
                                const std::string& public_url = {});

// Sends one message; throws std::runtime_error saying why it was not accepted.
class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual void send(const MailMessage& message) = 0;
};

// The mailer the settings choose, or nullptr when they choose none.
std::unique_ptr<Mailer> make_mailer(const MailSettings& settings);

// The email for one outbox row to `to`: the subject names what is needed and by when in UK time
// ("Decision needed by 14:30 today: MED-2026-0007 Statement on …"), the body links to the item's
// page (where the decide form is: following the link decides nothing). No document text and no
// field values beyond the item's title.
MailMessage compose_mail(const OutboxEntry& row, const Item& item, const Definition& definition,
                         const Actor& to, const MailSettings& settings, TimePoint now);

// One of several queue notices (due_soon, overdue) for one person that one email gives together.
struct MailPart {
  OutboxEntry row;
  Item item;  // as the recipient may see it
  const Definition* definition = nullptr;
};

// Several queue notices for one person waiting at once (a `tick` after a long gap): one email
// that lists them (overdue first, then the soonest due), each with its due time in UK time and
// a link to its page. It carries the first row's Message-ID.
MailMessage compose_digest(const std::vector<MailPart>& parts, const Actor& to,
                           const MailSettings& settings, TimePoint now);

// Why `row` no longer asks anything of its recipient, or empty while it does: its item (`item`,
// as stored now) is gone or has left the row's step; a later row says the same again; or, in a
// sign-off step, the recipient wrote the version to be decided on or has decided. Delivery skips
// such a row with this reason, and `commsflow outbox` shows it.
std::string unneeded_reason(Store& store, const OutboxEntry& row, const std::optional<Item>& item);

// The item as `person` may see it now, or nullopt when they may not see it at all: need to know,
// asked again as each email leaves (someone who has lost the roles that let them read an item is
// not sent even its title).
std::optional<Item> seen_by(Engine& engine, const Actor& person, const Item& item);

struct DeliveryReport {
  int sent = 0;                       // rows: one email may carry several (compose_digest)
  int emails = 0;                     // the emails that carried them
  int retrying = 0;                   // failed this time, to be tried again
  int failed = 0;                     // failed for the last time
  int skipped = 0;                    // no longer needed: the item moved on
  std::string next_retry_at;          // the soonest retry of those failed this time (UTC text)
  std::vector<std::string> problems;  // "outbox 42 (olivia): connection refused"
};

// How a caller that shares the engine with other threads takes it (the server's lock): the
// engine is used only while the returned lock is held.
using EngineLock = std::function<std::unique_lock<std::mutex>()>;

// One pass over the rows due now (at most `batch`): each is composed and sent with the database
// unlocked, then its outcome recorded in its own transaction. With `lock_engine`, the engine is
// used only while holding what it returns, and never while sending.
DeliveryReport deliver_due(Engine& engine, Mailer& mailer, const MailSettings& settings,
                           const EngineLock& lock_engine = {}, int batch = 100);

// Puts the outbox rows `ids` that failed for good (every one that did, when `ids` is empty) back
// to be sent at the next delivery pass, their attempts counted afresh and their last error kept
// until then. In one transaction: a row that is not there or has not failed is refused by its
// number (Error(NotFound) or Error(BadInput)), and nothing changes. Returns the rows put back.
std::vector<OutboxEntry> resend_failed(Store& store, const std::vector<std::int64_t>& ids);

// When row attempt `attempts` (1 for the first) failed at `now`, the next is due at the returned
// time; nullopt once `attempts` reaches the settings' limit.
std::optional<TimePoint> next_attempt(const MailSettings& settings, int attempts, TimePoint now);

}  // namespace commsflow
