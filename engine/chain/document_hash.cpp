#include "chain/document_hash.h"

#include <commsflow/sha256.h>
#include <fmt/format.h>

namespace commsflow {

std::string document_hash(const std::string& content, const std::vector<Attachment>& attachments) {
  if (attachments.empty()) return to_hex(sha256(content));
  std::string manifest = fmt::format("text {}\n", to_hex(sha256(content)));
  for (const auto& a : attachments) manifest += fmt::format("file {} {}\n", a.hash, a.name);
  return to_hex(sha256(manifest));
}

}  // namespace commsflow
