// Signoff::put_document and Signoff::documents: the versions of an item's document, each bound
// to its hash, and what a new version does to the approvals of earlier ones.
#include <commsflow/event.h>
#include <commsflow/sha256.h>
#include <commsflow/signoff.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/hidden_characters.h"
#include "base/line_diff.h"
#include "chain/document_hash.h"
#include "workflow/field_values.h"
#include "workflow/signoff_records.h"

namespace commsflow {

namespace {

// Sorts the attachments by name and sets their hashes; returns the version's hash.
std::string hash_document(const std::string& content, std::vector<Attachment>& attachments) {
  std::sort(attachments.begin(), attachments.end(),
            [](const Attachment& a, const Attachment& b) { return a.name < b.name; });
  for (auto& a : attachments) a.hash = to_hex(sha256(a.content));
  return document_hash(content, attachments);
}

}  // namespace

namespace {

[[noreturn]] void version_missing(std::string_view ref, std::int64_t version) {
  fail_altered(
      "{}: version {} of its document is missing from the database: restore it from a backup "
      "(`commsflow verify` lists every problem)",
      ref, version);
}

}  // namespace

void require_version_intact(std::string_view ref, const DocumentVersion& v,
                            std::string_view recorded) {
  const bool parts_intact = std::all_of(v.attachments.begin(), v.attachments.end(), [](auto& a) {
    return to_hex(sha256(a.content)) == a.hash;
  });
  const bool as_written = parts_intact && document_hash(v.content, v.attachments) == v.hash;
  if (as_written && (recorded.empty() || v.hash == recorded)) return;
  fail_altered(
      "{}: version {} of its document was changed outside commsflow (its stored text no longer "
      "matches the hash {}). Nothing is shown, decided or done with it until the database is "
      "restored from a backup (`commsflow verify` lists every problem)",
      ref, v.version, as_written ? "its history recorded" : "it was written with");
}

void require_document_intact(Store& store, const Item& item) {
  const auto doc = item.data.find("_document");
  if (doc == item.data.end() || !doc->is_object()) return;
  const std::int64_t number = doc->value("version", std::int64_t{0});
  const auto stored = store.document_version(item.id, number);
  if (!stored) version_missing(item.ref, number);
  require_version_intact(item.ref, *stored, doc->value("hash", ""));
}

std::string release_refused(const Definition& d, const Item& item, Json& payload) {
  const auto doc = item.data.find("_document");
  const auto approved = item.data.find("_approved");
  const std::string label = lower(d.document_label);
  if (doc == item.data.end() || !doc->is_object()) {
    return fmt::format("there is no {} to release", label);
  }
  const std::int64_t version = doc->value("version", std::int64_t{0});
  const std::string hash = doc->value("hash", "");
  if (approved == item.data.end() || !approved->is_object() ||
      approved->value("document_version", std::int64_t{0}) != version ||
      approved->value("document_hash", "") != hash) {
    return fmt::format("version {} of the {} is not the version approved", version, label);
  }
  payload["document_version"] = version;
  payload["document_hash"] = hash;
  return {};
}

Outcome<Item> Signoff::put_document(const PutDocumentRequest& request, const SeesItem& sees) {
  auto tx = engine_.store().begin_write();
  Item item = engine_.item_for_change(request.ref, sees);
  engine_.check_revision(item, request.expected_revision);
  CompiledWorkflow& wf = engine_.registry().version(item.version);
  const Definition& d = wf.definition;
  if (d.document_roles.empty()) {
    fail(ErrorKind::BadInput, "{} is a {} item, which has no document", item.ref,
         workflow_in_words(d));
  }
  if (d.is_final(item.state)) {
    return Refusal{{fmt::format("{} is closed (\"{}\"): its document can no longer change",
                                item.ref, state_label(d, item.state))}};
  }
  Actor actor = engine_.require_actor(request.actor);
  if (std::none_of(d.document_roles.begin(), d.document_roles.end(),
                   [&](const std::string& r) { return actor.has_role(r); })) {
    return Refusal{
        {fmt::format("{} may not put a new version of {}'s document: that needs the "
                     "role {}",
                     actor.shown_name(), item.ref, roles_in_words(d.document_roles, "or"))},
        /*forbidden=*/true};
  }
  if (!valid_utf8(request.content) || !valid_utf8(request.note)) {
    fail(ErrorKind::BadInput, "the document's text (or its note) is not valid UTF-8 text");
  }
  for (const std::string* text : {&request.content, &request.note}) {
    if (auto control = control_character_in(*text); !control.empty()) {
      fail(ErrorKind::BadInput,
           "the document's text (or its note) contains the control character {}", control);
    }
  }
  // A version with no text and no attachment gives approvers nothing to approve.
  if (request.content.find_first_not_of(" \t\r\n") == std::string::npos &&
      request.attachments.empty()) {
    fail_field("content", "is empty: a version needs its text (or an attachment) to be approved");
  }
  std::vector<Attachment> attachments = request.attachments;
  std::set<std::string> names;
  for (const auto& a : attachments) {
    if (a.name.empty() || a.name.find('/') != std::string::npos || !names.insert(a.name).second) {
      fail(ErrorKind::BadInput, "attachment name '{}' must be a plain file name, once", a.name);
    }
    // The document's hash lists the attachments a line each, name last: a name with a line
    // break in it could stand for two attachments, and one hash for two sets of files.
    if (!valid_utf8(a.name)) fail_field("attachment name", "is not valid UTF-8 text");
    if (auto control = control_character_in(a.name, false); !control.empty()) {
      fail_field("attachment name", "'{}' contains the control character {}", a.name, control);
    }
  }
  require_document_intact(engine_.store(), item);  // none goes over text altered outside
  const std::string hash = hash_document(request.content, attachments);
  const Json current = item.data.value("_document", Json());
  if (current.is_object() && current.value("hash", "") == hash) {
    return Refusal{{fmt::format("this is the same as version {} of {}'s document: nothing to store",
                                current.value("version", 0), item.ref)}};
  }
  const std::string now = format_datetime(engine_.clock().now());
  DocumentVersion version{current.is_object() ? current.value("version", 0) + 1 : 1,
                          hash,
                          request.content,
                          actor.name,
                          now,
                          attachments};
  engine_.store().insert_document_version(item.id, version);

  Item before = item;
  item.data["_document"] =
      Json{{"version", version.version}, {"hash", hash}, {"author", actor.name}, {"at", now}};
  Json payload{{"document_version", version.version}, {"document_hash", hash}};
  void_for_new_version(engine_, wf, item, payload);

  Event event;
  event.ref = item.ref;
  event.action = "put_document";
  event.actor = actor.name;
  event.at = now;
  event.from_state = before.state;
  event.to_state = item.state;
  event.version = item.version;
  event.payload = payload;
  event.note = request.note;
  engine_.record_change(event, before, item, now);
  tx->commit();
  return item;
}

std::vector<DocumentVersion> Signoff::documents(std::string_view ref) {
  Store& store = engine_.store();
  auto tx = store.begin_read();
  const Item item = engine_.item(ref);
  std::vector<DocumentVersion> versions = store.document_versions(item.id);
  // Each version against the hash its put_document event recorded: the item's own history,
  // which the hash chain holds, so an earlier version rewritten with a hash to match is found.
  std::map<std::int64_t, std::string> recorded;
  for (const auto& stored : store.events_for(item.ref)) {
    const Event e = Event::from_body(stored.seq, stored.body);
    if (e.action != "put_document") continue;
    recorded[e.payload.value("document_version", std::int64_t{0})] =
        e.payload.value("document_hash", "");
  }
  for (const auto& v : versions) {
    const auto it = recorded.find(v.version);
    if (it == recorded.end()) {
      fail_altered(
          "{}: version {} of its document is in the database but not in its history: it was "
          "added outside commsflow (`commsflow verify` lists every problem)",
          item.ref, v.version);
    }
    require_version_intact(item.ref, v, it->second);
    recorded.erase(it);
  }
  if (!recorded.empty()) version_missing(item.ref, recorded.begin()->first);
  return versions;
}

std::string changes_between(const DocumentVersion& before, const DocumentVersion& after) {
  // A change no one could see (a zero-width space taken out) is shown as what it is.
  return line_diff(hidden_characters_marked(before.content),
                   hidden_characters_marked(after.content));
}

}  // namespace commsflow
