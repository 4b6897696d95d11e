// Sign-off, standing on the engine's core: documents with versions, decisions in sign-off steps,
// delegation, the timers that remind and escalate, and what waits for each person.
//
// Each change is one transaction, as in the core (engine.h): a refusal is a Refusal and writes
// nothing; bad input, unknown items or actors and script failures throw commsflow::Error.
// A Signoff holds only a reference to the engine; make one where it is needed. Not thread-safe.
#pragma once

#include <commsflow/engine.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commsflow {

// A decision as someone typed it ("Approved with changes", " approved "), made the name it can
// only be (approved_with_changes); text that names no decision is left for decide to refuse.
std::string typed_decision(std::string text);

// A decision in a sign-off step (see decision_names(): approved, approved_with_changes,
// changes_required, not_relevant).
struct DecideRequest {
  std::string ref;
  std::string decision;
  std::string actor;
  std::string comment;
  std::string on_behalf_of;  // optional: whose delegation to use when more than one applies
  std::optional<std::int64_t> expected_revision;
  // The document version the decider read. When given, the decision is refused (a conflict)
  // unless it is still the current one. The CLI and the API require it, so that nobody decides
  // on a text put after they read theirs; the engine's own callers may leave it out.
  std::optional<std::int64_t> document_version;
};

struct PutDocumentRequest {
  std::string ref;
  std::string actor;
  std::string content;
  std::vector<Attachment> attachments;  // hashes are computed by the engine
  std::string note;
  std::optional<std::int64_t> expected_revision;
};

// A timer that `tick` fired: the item, the timer's action and what it did.
struct FiredTimer {
  std::string ref;
  std::string action;  // remind, escalate, or overdue (a queued item past its due time)
  std::string message;
};

// An item waiting for an actor's decision.
struct PendingDecision {
  Item item;
  std::string step;
  std::string due_at;        // empty when the step has no due time
  std::string on_behalf_of;  // set when the actor would decide as a delegate
  std::vector<std::string> groups;
  // Set when the actor may decide only because the step was escalated (its `escalate_to`): the
  // approver entries (roles or names) of those groups, in whose place they decide.
  std::vector<std::string> in_place_of;
};

class Signoff {
 public:
  explicit Signoff(Engine& engine) : engine_(engine) {}

  // Records a decision on the item's current document version in its current sign-off step
  // (engine/workflow/decide.cpp). Refused when the item is not in a sign-off step, the actor may
  // not decide there (directly or as a delegate), the actor wrote the current version, they
  // already decided, or the step's Lua guard says no. When the decision completes the step, the
  // item moves where the step's outcome leads, in the same transaction.
  // `sees`, when given: see SeesItem (engine.h); likewise for put_document.
  Outcome<Item> decide(const DecideRequest& request, const SeesItem& sees = {});
  // Stores a new version of the item's document (engine/workflow/documents.cpp). Refused in a
  // final state, for an actor without a document role, or for content identical to the current
  // version. In the chain, or once it has approved the item, every approval of an earlier version
  // is voided and the item goes back to the step the on_new_version policy names (by default the
  // start of the chain).
  Outcome<Item> put_document(const PutDocumentRequest& request, const SeesItem& sees = {});
  std::vector<DocumentVersion> documents(std::string_view ref);  // oldest first
  // Lets `to` decide for `from` in `role` until the end of `until`. `by` must be `from` or an
  // admin. Refused or Error(BadInput) naming the problem (engine/workflow/delegation.cpp).
  Outcome<Delegation> delegate(std::string_view from, std::string_view to, std::string_view role,
                               std::string_view until, std::string_view by);
  // The actor's roles in which some sign-off step of a workflow in service decides (as an
  // approver, or once overdue), or all of them when a step names the actor: the ones they may
  // let someone else decide in.
  std::vector<std::string> deciding_roles(const Actor& actor);
  // Fires every timer due by now, each in its own transaction, as actor `system`; then tells
  // the people a queue names when its items pass their due time (engine/workflow/timers.cpp).
  std::vector<FiredTimer> tick();
  // Items in a sign-off step waiting for `actor`'s decision, soonest due first
  // (engine/workflow/inbox.cpp).
  std::vector<PendingDecision> inbox(std::string_view actor);
  // The people who may now decide in `item`'s current sign-off step in `leaver`'s place, in each
  // of `groups` (the groups the leaver could decide in, as their inbox gave them): in a group
  // whose rule needs the leaver's own entry (an "all" group, a "primary" one's primary), who
  // fill that entry; in any other, or once the step is escalated, anyone who may decide there in
  // their own right or as its fallback (not as someone's delegate). The version's author is left
  // out. Empty when nobody can take the leaver's part.
  std::vector<std::string> others_in_place_of(const Item& item, const Actor& leaver,
                                              const std::vector<std::string>& groups);
  std::vector<OutboxEntry> outbox(std::string_view recipient, std::string_view ref);

 private:
  Engine& engine_;
};

// What changed from one version of a document to another, line by line: unified-diff hunks
// ("@@ -1,3 +1,4 @@", then lines marked ' ', '-' or '+'), empty when the texts are the same.
// Thread-safe (a pure function; engine/workflow/documents.cpp).
std::string changes_between(const DocumentVersion& before, const DocumentVersion& after);

}  // namespace commsflow
