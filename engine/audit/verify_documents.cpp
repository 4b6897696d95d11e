// Document versions are kept outside the event log; their hashes are in it. Each stored version
// must hash to what it claims, each claim must match the put_document event that recorded it,
// and each version an event recorded must still be stored.
#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <commsflow/verify.h>

#include <algorithm>
#include <set>

#include "chain/document_hash.h"

namespace commsflow {

void verify_documents(Store& store, const RecordedDocuments& recorded, const ItemRefs& refs_by_id,
                      std::vector<VerifyProblem>& problems) {
  std::set<std::pair<std::string, std::int64_t>> stored;
  store.for_each_document_version([&](std::int64_t item_id, const DocumentVersion& v) {
    auto known =
        std::lower_bound(refs_by_id.begin(), refs_by_id.end(), item_id,
                         [](const auto& entry, std::int64_t id) { return entry.first < id; });
    const std::string ref = known != refs_by_id.end() && known->first == item_id
                                ? known->second
                                : fmt::format("item {}", item_id);
    for (const auto& a : v.attachments) {
      // No name the engine stores has a line break: the hash lists attachments a line each.
      if (a.name.find('\n') != std::string::npos) {
        problems.push_back(VerifyProblem{
            0, ref,
            fmt::format("{} document version {}: an attachment's name has a line break in it, "
                        "which the engine never stores: its hash no longer tells its files apart",
                        ref, v.version)});
      }
      if (to_hex(sha256(a.content)) != a.hash) {
        problems.push_back(VerifyProblem{
            0, ref,
            fmt::format("{} document version {}: attachment {} does not match its hash", ref,
                        v.version, a.name)});
      }
    }
    if (document_hash(v.content, v.attachments) != v.hash) {
      problems.push_back(VerifyProblem{
          0, ref,
          fmt::format("{} document version {}: its content does not match its hash: it was "
                      "changed after it was written",
                      ref, v.version)});
    }
    stored.emplace(ref, v.version);
    auto it = recorded.find({ref, v.version});
    if (it == recorded.end()) {
      problems.push_back(VerifyProblem{
          0, ref, fmt::format("{} document version {} has no put_document event", ref, v.version)});
    } else if (it->second != v.hash) {
      problems.push_back(VerifyProblem{
          0, ref,
          fmt::format("{} document version {}: its hash {} is not the one its event recorded ({})",
                      ref, v.version, v.hash, it->second)});
    }
  });
  for (const auto& [key, hash] : recorded) {
    if (stored.contains(key)) continue;
    const auto& [ref, version] = key;
    problems.push_back(VerifyProblem{
        0, ref,
        fmt::format("{} document version {} was recorded by a put_document event but is not "
                    "stored: it was deleted",
                    ref, version)});
  }
}

}  // namespace commsflow
