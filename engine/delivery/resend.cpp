// resend_failed (delivery.h): emails that failed for good, put back to be sent.
#include <commsflow/delivery.h>
#include <commsflow/error.h>
#include <commsflow/store.h>

namespace commsflow {

std::vector<OutboxEntry> resend_failed(Store& store, const std::vector<std::int64_t>& ids) {
  auto tx = store.begin_write();
  std::vector<OutboxEntry> rows;
  if (ids.empty()) {
    rows = store.outbox_with_status("failed");
  } else {
    for (std::int64_t id : ids) {
      std::optional<OutboxEntry> row = store.outbox_row(id);
      if (!row) fail(ErrorKind::NotFound, "there is no outbox row #{}", id);
      if (row->status != "failed") {
        fail(ErrorKind::BadInput, "outbox row #{} has not failed: it is {}", id,
             row->status == "sent"      ? "sent already"
             : row->status == "skipped" ? "no longer needed, and was not sent"
                                        : "waiting to be sent");
      }
      rows.push_back(std::move(*row));
    }
  }
  for (OutboxEntry& row : rows) {
    row.status = "waiting";
    row.attempts = 0;
    row.next_attempt_at.clear();  // at the next pass
    store.record_delivery(row);
  }
  tx->commit();
  return rows;
}

}  // namespace commsflow
