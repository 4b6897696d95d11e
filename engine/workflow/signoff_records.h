// The engine's records of a sign-off, kept in step as an item moves. They live in the item's data
// under keys that begin with '_' (workflow fields never do), so they travel in events and replay
// like any other data:
//   _document  {version, hash, author, at}            the current document version
//   _signoff   {step, started_at, due_at?, reminded_at?, escalated_at?, groups: {name: {decisions,
//               result?}}, void: [decisions on earlier versions]}
//   _chain     [{step, result, at, decisions}]        steps passed since the chain began
//   _approved  {document_version, document_hash, at, state, conditions, steps}   the approval of
//               record
//   _reached   [step names]                           every sign-off step the item has reached
//   _returned  {step, document_version, at}           the step that last asked for changes, until
//               the item changes
//
// Used by the core (an action that moves an item) and by sign-off (signoff.h), inside the
// caller's write transaction. Each function changes the item's data; call them before the event
// is built.
#pragma once

#include <commsflow/engine.h>
#include <commsflow/signoff.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// When an item moves from `before.state` to `after.state`: starts a sign-off step (due time,
// timers, notifications), records a passed step (`outcome` "approved" or "not_relevant") and the
// approval of record, or clears them (signoff_steps.cpp).
void on_state_change(Engine& engine, CompiledWorkflow& wf, const Item& before, Item& after,
                     std::string_view outcome);
void start_step(Engine& engine, CompiledWorkflow& wf, Item& item, const StateSpec& state);
// Drops `after`'s `_returned` once the change from `before` answers it: a new document version, or
// any workflow field changed. Called for every change, before its event is built.
void forget_answered_return(const Item& before, Item& after);
// The step's fallback approvers once it is overdue (empty before).
std::vector<std::string> escalated_entries(const SignoffSpec& spec, const Json& signoff);

// Adds an outbox row for each person who may fill one of `entries`, except the author of the
// item's current document version (who may not decide on it), anyone acting only for them,
// whoever decided in this step already, and those in `skip`; returns those it told
// (signoff_notify.cpp).
std::set<std::string> notify_step(Engine& engine, const Item& item, const StateSpec& state,
                                  std::string_view kind, const std::vector<std::string>& entries,
                                  const std::string& why, const std::set<std::string>& skip = {});

// The item's document as stored (documents.cpp).
//
// Error(Storage) unless `v`, a stored version of `ref`'s document, still hashes to the hash it
// was written with, and to `recorded` (the hash the item's history gave it) when that is given:
// text changed outside commsflow is never shown, decided on or acted on as the text approved.
void require_version_intact(std::string_view ref, const DocumentVersion& v,
                            std::string_view recorded = {});
// The same for the item's current version, when it has a document; read inside the caller's
// transaction. Every change to the item (a new version too) is refused until it is restored.
void require_document_intact(Store& store, const Item& item);

// For an action that releases the item's document (ActionSpec::releases): the reason it may not,
// when no approval of record stands for the current version and its hash; else empty, with that
// version and its SHA-256 added to `payload` (`document_version`, `document_hash`), as a decision
// records what it was given.
std::string release_refused(const Definition& d, const Item& item, Json& payload);

// Approvals of record (approval.cpp).
//
// A new document version: voids every standing approval of the chain and sends the item to the
// step its on_new_version policy names, recording `back_to`, `voided` and `voided_steps` in
// `payload`. Outside the chain it only drops an approval that no longer applies.
void void_for_new_version(Engine& engine, CompiledWorkflow& wf, Item& item, Json& payload);
// After an action that left the item in its state: when it changed an approval condition while
// approvals stand, records `conditions_changed` and either `approval: "stands"` or where the
// workflow's approval.on_change (default: the chain's start) sent the item.
void reconsider_approval(Engine& engine, CompiledWorkflow& wf, const Item& before, Item& item,
                         std::string_view action, const Json& actor, Json& payload);

}  // namespace commsflow
