// The hash that identifies a document version.
#pragma once

#include <commsflow/store.h>

#include <string>
#include <vector>

namespace commsflow {

// SHA-256 (hex) of the text alone when there are no attachments, so `sha256sum` of the text
// gives the same value. With attachments, of a manifest naming each part's hash
// ("text <hash>\n" then "file <hash> <name>\n" per attachment, in the given order), so each part
// can still be checked on its own. Requires each attachment's hash to be set.
std::string document_hash(const std::string& content, const std::vector<Attachment>& attachments);

}  // namespace commsflow
