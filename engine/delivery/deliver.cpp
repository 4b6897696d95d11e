// deliver_due: one pass of the delivery worker (`commsflow deliver`, and continuously inside
// `commsflow serve`). Three steps, the database unlocked while mail is sent:
//   1. claim: in one transaction, read the rows due, give a row for a role to the role's
//      holders, skip rows no longer needed (unneeded_reason) or for someone who may no longer
//      see the item, record rows that cannot be sent (no address), compose the rest (a
//      person's queue notices, due soon or overdue, in one email) and lease them (next attempt
//      pushed past the send) so that another worker leaves them alone;
//   2. send each message;
//   3. record each email's outcome, for each row it carries, in its own transaction: sent, or
//      the error with the next attempt after a backoff, or failed for good after the attempts
//      allowed.
// A crash after 2 and before 3 leaves the row leased, not sent: it is sent again when the lease
// ends, with the same Message-ID.
#include <commsflow/delivery.h>
#include <commsflow/engine.h>
#include <commsflow/read_access.h>
#include <commsflow/registry.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <functional>
#include <map>

namespace commsflow {

namespace {

// How long a claimed row is left alone: longer than any send can take.
constexpr std::chrono::minutes kLease{5};

// One email and the rows it tells (several for a digest of queue notices).
struct Claimed {
  std::vector<OutboxEntry> rows;
  MailMessage message;
};

std::unique_lock<std::mutex> hold(const EngineLock& lock_engine) {
  return lock_engine ? lock_engine() : std::unique_lock<std::mutex>();
}

// Marks one attempt failed: to be tried again after the backoff, or failed for good.
void record_failure(OutboxEntry& row, const std::string& why, const MailSettings& settings,
                    TimePoint now, DeliveryReport& report) {
  row.attempts += 1;
  row.last_error = why;
  if (auto next = next_attempt(settings, row.attempts, now)) {
    row.next_attempt_at = format_datetime(*next);
    if (report.next_retry_at.empty() || row.next_attempt_at < report.next_retry_at) {
      report.next_retry_at = row.next_attempt_at;
    }
    ++report.retrying;
  } else {
    row.status = "failed";
    ++report.failed;
  }
  report.problems.push_back(fmt::format("outbox {} ({}): {}", row.id, row.recipient, why));
}

void skip(Store& store, OutboxEntry& row, const std::string& why, DeliveryReport& report) {
  row.status = "skipped";
  row.last_error = why;
  store.record_delivery(row);
  ++report.skipped;
}

std::vector<Claimed> claim(Engine& engine, const MailSettings& settings, int batch,
                           DeliveryReport& report) {
  Store& store = engine.store();
  const TimePoint now = engine.clock().now();
  auto tx = store.begin_write();
  std::vector<OutboxEntry> due = store.outbox_due(format_datetime(now), batch);
  std::vector<Claimed> claimed;
  std::map<std::string, std::pair<Actor, std::vector<MailPart>>> queue_notices;  // by recipient
  // A row that cannot be read or written into an email (a record in its item it cannot read)
  // fails itself, not the whole pass: the others still go. A failing store is not the row's
  // fault, and ends the pass.
  auto failing = [&](const std::vector<OutboxEntry*>& rows, const auto& attempt) {
    try {
      attempt();
    } catch (const std::exception& e) {
      if (auto* error = dynamic_cast<const Error*>(&e);
          error && error->kind() == ErrorKind::Storage) {
        throw;
      }
      for (OutboxEntry* row : rows) {
        record_failure(*row, fmt::format("the email could not be written: {}", e.what()), settings,
                       now, report);
        store.record_delivery(*row);
      }
    }
  };
  auto add_claim = [&](std::vector<OutboxEntry> rows, const std::function<MailMessage()>& write) {
    std::vector<OutboxEntry*> each;
    for (OutboxEntry& row : rows) each.push_back(&row);
    failing(each, [&] { claimed.push_back(Claimed{rows, write()}); });
  };
  auto claim_one = [&](OutboxEntry& row) {
    auto item = store.item(row.ref);
    if (std::string why = unneeded_reason(store, row, item); !why.empty()) {
      skip(store, row, why, report);
      return;
    }
    if (row.recipient.starts_with("role:")) {
      // Nobody held the role when the row was made: whoever holds it now is told, except the
      // author of the version to be decided on.
      const std::string role = row.recipient.substr(5);
      const std::string author =
          item->data.value("_document", Json::object()).value("author", std::string());
      std::vector<std::string> holders = store.actors_with_role(role);
      std::erase(holders, author);
      if (holders.empty()) {
        record_failure(row, fmt::format("nobody holds the role {}", role), settings, now, report);
        store.record_delivery(row);
        return;
      }
      for (const auto& holder : holders) {
        OutboxEntry given = row;
        given.recipient = holder;
        given.id = store.add_outbox(given);
        due.push_back(std::move(given));
      }
      // Passed on, not skipped: the new rows are counted as they are sent.
      row.status = "skipped";
      row.last_error = fmt::format("given to those holding the role: {}", fmt::join(holders, ", "));
      store.record_delivery(row);
      return;
    }
    auto actor = store.actor(row.recipient);
    if (!actor || actor->disabled) {
      skip(store, row, fmt::format("{} may no longer act", row.recipient), report);
      return;
    }
    if (actor->email.empty()) {
      record_failure(row,
                     fmt::format("{} has no email address (commsflow actor set {} --email ...)",
                                 actor->name, actor->name),
                     settings, now, report);
      store.record_delivery(row);
      return;
    }
    const std::optional<Item> seen = seen_by(engine, *actor, *item);
    if (!seen) {
      skip(store, row, fmt::format("{} may no longer see {}", actor->name, row.ref), report);
      return;
    }
    const Definition& d = engine.registry().version(item->version).definition;
    row.next_attempt_at = format_datetime(now + kLease);
    store.record_delivery(row);
    if (row.kind == "overdue" || row.kind == "due_soon") {
      auto& [to, parts] = queue_notices[row.recipient];
      to = *actor;
      parts.push_back(MailPart{row, *seen, &d});
      return;
    }
    add_claim({row}, [&] { return compose_mail(row, *seen, d, *actor, settings, now); });
  };
  for (size_t i = 0; i < due.size(); ++i) {
    OutboxEntry row = due[i];  // a copy: claim_one may add to `due`
    failing({&row}, [&] { claim_one(row); });
  }
  // A person's queue notices waiting together (a `tick` after a long gap) go in one email; if
  // that email cannot be written, each is tried on its own, so one bad item fails alone.
  for (auto& [recipient, notices] : queue_notices) {
    auto& [to, parts] = notices;
    auto one = [&](const MailPart& p) {
      return compose_mail(p.row, p.item, *p.definition, to, settings, now);
    };
    if (parts.size() == 1) {
      add_claim({parts[0].row}, [&] { return one(parts[0]); });
      continue;
    }
    try {
      MailMessage digest = compose_digest(parts, to, settings, now);
      std::vector<OutboxEntry> rows;
      for (const MailPart& p : parts) rows.push_back(p.row);
      claimed.push_back(Claimed{std::move(rows), std::move(digest)});
    } catch (const std::exception&) {
      for (const MailPart& p : parts) add_claim({p.row}, [&] { return one(p); });
    }
  }
  tx->commit();
  return claimed;
}

}  // namespace

std::optional<Item> seen_by(Engine& engine, const Actor& person, const Item& item) {
  ReadAccess access(engine,
                    Reader::for_actor(engine.store(), person, uk_today(engine.clock().now())));
  return access.view(item);
}

DeliveryReport deliver_due(Engine& engine, Mailer& mailer, const MailSettings& settings,
                           const EngineLock& lock_engine, int batch) {
  DeliveryReport report;
  std::vector<Claimed> claimed;
  {
    auto lock = hold(lock_engine);
    claimed = claim(engine, settings, batch, report);
  }
  for (Claimed& c : claimed) {
    std::string problem;
    try {
      mailer.send(c.message);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    auto lock = hold(lock_engine);
    const TimePoint now = engine.clock().now();
    Store& store = engine.store();
    auto tx = store.begin_write();
    if (problem.empty()) ++report.emails;
    for (OutboxEntry& row : c.rows) {
      if (problem.empty()) {
        row.attempts += 1;
        row.status = "sent";
        row.sent_at = format_datetime(now);
        row.sent_to = c.message.to;
        row.last_error.clear();
        row.next_attempt_at.clear();
        ++report.sent;
      } else {
        record_failure(row, problem, settings, now, report);
      }
      store.record_delivery(row);
    }
    tx->commit();
  }
  return report;
}

}  // namespace commsflow
