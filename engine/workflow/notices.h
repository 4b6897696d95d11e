// Notices: the emails a workflow asks for beyond sign-off steps (notices.cpp). Each adds outbox
// rows inside the caller's transaction, or (notify_due) in transactions of its own.
#pragma once

#include <commsflow/engine.h>
#include <commsflow/signoff.h>

#include <string>
#include <vector>

namespace commsflow {

// After `actor` took `action`, which left `before` as `after`: a row of kind "notice" whose
// message is the heading the action's `notify` gives, for each person it names (ActionSpec).
void notify_action(Engine& engine, const ActionSpec& action, const Item& before, const Item& after,
                   const Actor& actor);

// After any change of an item (Engine::record_change): waiting notices it made stale are not
// sent. An action's notices once the item is finished; the queue's reminders and overdue notices
// once its due time has moved (a new rating, a resume), since they tell of the old one.
void withdraw_stale_notices(Engine& engine, const Item& before, const Item& after);

// Run by `tick`, for each workflow whose queue names people to tell: an open item (not held)
// within `remind_before` of its due time gets, once, a `due_soon` row for each person in
// `remind_notify`; one past it gets, once, an `overdue` row for each in `overdue_notify`. Each
// item in its own transaction.
void notify_due(Engine& engine, std::vector<FiredTimer>& fired);

}  // namespace commsflow
