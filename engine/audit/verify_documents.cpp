// Document versions are kept outside the event log; their hashes are in it. Each stored version
// must hash to what it claims, and each claim must match the put_document event that recorded it.
#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <commsflow/verify.h>

#include <algorithm>

#include "chain/document_hash.h"

namespace commsflow {

void verify_documents(Store& store, const RecordedDocuments& recorded, const ItemRefs& refs_by_id,
                      std::vector<VerifyProblem>& problems) {
  store.for_each_document_version([&](std::int64_t item_id, const DocumentVersion& v) {
    auto known =
        std::lower_bound(refs_by_id.begin(), refs_by_id.end(), item_id,
                         [](const auto& entry, std::int64_t id) { return entry.first < id; });
    const std::string ref = known != refs_by_id.end() && known->first == item_id
                                ? known->second
                                : fmt::format("item {}", item_id);
    for (const auto& a : v.attachments) {
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
}

}  // namespace commsflow
