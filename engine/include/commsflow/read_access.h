// Need to know: the one check every reader goes through (the CLI's readers, every API route and
// every page), so that what a person sees of an item is decided in one place.
//
// What a reader sees of an item comes from its workflow's `read` (see ReadSpec in definition.h):
//   - nothing: the item is "not found" for them, exactly as if it did not exist;
//   - part of it: its submitter, where the workflow lists the fields a submitter sees;
//   - all of it but the fields (and draft text) restricted to others.
// Admins and the operator of the database file see everything. The whole event log (audit,
// exports, verify) is for audit readers only: governance, head_of_comms, director and admin.
//
// Not thread-safe: a ReadAccess shares its Engine's thread.
#pragma once

#include <commsflow/audit.h>
#include <commsflow/engine.h>
#include <commsflow/queue.h>
#include <commsflow/signoff.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// The person reading.
class Reader {
 public:
  // The operator of the database file (the CLI without --as): an admin by definition.
  static Reader operator_reader();
  // An actor, with the delegations to them in force on `today` (they may decide for others).
  // A disabled actor sees nothing.
  static Reader for_actor(Store& store, const Actor& actor, std::string_view today);

  const std::string& name() const { return name_; }
  bool sees_everything() const { return everything_; }
  bool may_audit() const;       // governance, head_of_comms, director, admin
  bool may_administer() const;  // admin
  // Error(NotFound) unless the reader may read the whole log (audit, exports, the register).
  void require_audit() const;
  bool holds(std::string_view role) const;
  // True when an approver entry is one of the reader's roles or a role delegated to them, or,
  // when it is a name (not `entry_is_role`: names_role), the reader or someone who delegated to
  // them.
  bool decides_as(std::string_view entry, bool entry_is_role) const;

 private:
  std::string name_;
  std::set<std::string> roles_;
  std::set<std::string> delegated_roles_;  // roles delegated to the reader
  std::set<std::string> delegated_by_;     // those who delegated them
  bool everything_ = false;
  bool disabled_ = false;
};

// What one reader sees of one item.
struct Sight {
  bool item = false;              // may see that it exists, its state and times
  bool limited = false;           // sees only the fields in `only` (which may be none)
  std::vector<std::string> only;  // when limited: the only fields they see
  std::set<std::string> hidden;   // fields they may not see
  bool document = false;          // may read the document's text
  bool whole() const { return item && !limited; }
  // True when the reader may see `field` of the item.
  bool shows(std::string_view field) const {
    if (!item || hidden.count(std::string(field)) > 0) return false;
    return !limited || std::find(only.begin(), only.end(), field) != only.end();
  }
};

class ReadAccess {
 public:
  ReadAccess(Engine& engine, Reader reader) : engine_(engine), reader_(std::move(reader)) {}
  const Reader& reader() const { return reader_; }
  Engine& engine() { return engine_; }

  Sight sight(const Item& item);
  // The item as the reader sees it, or nullopt when they may not see it.
  std::optional<Item> view(const Item& item);

  // As the engine's readers (engine.h, queue.h, signoff.h), limited to what the reader may see. A
  // refused item throws Error(NotFound) with the same message as one that does not exist.
  Item item(std::string_view ref);
  std::vector<Item> items(const ItemFilter& filter);
  std::vector<Event> history(std::string_view ref);
  // The document's versions the reader may read, oldest first. A reader the workflow's
  // `read.draft` leaves out (or a submitter who sees only some fields) reads only the versions
  // that were ever approved of record, so that an approved text can still be audited once it has
  // been taken back to work: `drafts_withheld`, when given, is set when others exist.
  // Error(NotFound) when the reader may read none of them.
  std::vector<DocumentVersion> documents(std::string_view ref, bool* drafts_withheld = nullptr);
  std::int64_t for_each_in_queue(const QueueQuery& query,
                                 const std::function<void(const Item&)>& visit);
  QueuePage queue(const QueueQuery& query);
  // Items waiting for the reader's decision.
  std::vector<PendingDecision> inbox();
  // Error(NotFound) unless the reader sees all of the item (reports may show any of it).
  void require_whole(std::string_view ref);
  // Whether the workflow is one to offer the reader in a filter: they hold a role that reads
  // every item of its current version, or they may see one of its open items (as its submitter
  // or a decider). Walks the workflow's queue only in the second case.
  bool may_see_some_of(std::string_view workflow);

 private:
  bool is_decider(const Definition& d, const Item& item) const;
  // Whether the reader holds a role `d.read.items` lets read every item of that version.
  bool reads_every_item_by_role(const Definition& d) const;
  // True when the reader's roles show them every item of every version of the workflow in use.
  bool sees_every_item_of(std::string_view workflow);
  std::string submitter(const Item& item);
  Event view(const Event& event, const Sight& sight) const;

  Engine& engine_;
  Reader reader_;
};

// The whole log is the auditors' (governance, head_of_comms, director, admin): every event, who
// took it, when, and its states and decisions. What an event changed and the inputs and comments
// given are personal data, and an auditor sees them only as far as they may see that item: the
// fields `read.fields` keeps from them are left out, and all of them for an item they may not see
// (as for a submitter limited to some fields). People's e-mail addresses in account events are
// for admins alone, as on the people list.
class AuditSight {
 public:
  explicit AuditSight(ReadAccess& access) : access_(access) {}
  // Leaves out of `row` what the reader may not see.
  void limit(AuditRow& row);
  // The words that name `item` (item_title), as far as the reader may see them.
  std::string title(const Item& item);

 private:
  ReadAccess& access_;
  std::map<std::string, Sight, std::less<>> by_ref_;
};

// By their roles alone: whether the actor may read the whole log (governance, head_of_comms,
// director, admin), and whether they may administer (admin).
bool may_audit(const Actor& actor);
bool may_administer(const Actor& actor);

// The message of a refused or missing item, the same for both.
[[noreturn]] void item_not_found(std::string_view ref);

}  // namespace commsflow
