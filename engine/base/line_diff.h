// A readable line diff between two texts, for comparing document versions.
#pragma once

#include <string>
#include <string_view>

namespace commsflow {

// Unified-diff hunks ("@@ -1,3 +1,4 @@", then lines marked ' ', '-' or '+'), or an empty string
// when the texts are the same. Thread-safe.
std::string line_diff(std::string_view before, std::string_view after);

}  // namespace commsflow
