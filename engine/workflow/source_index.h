// Finds where a key is written in a Lua source, for messages about plain tables (states and
// actions) whose lines Lua does not record. A heuristic over the text: the first `key =` at or
// after a given line, outside comments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

class SourceIndex {
 public:
  explicit SourceIndex(std::string_view source);
  // 1-based line of the first `key =` at or after `from_line`; `fallback` when none.
  int find_key(std::string_view key, int from_line, int fallback) const;
  // 1-based line of the first call `x.name {` or `x.name (` (also with ':'); `fallback` when none.
  int find_call(std::string_view name, int fallback) const;

 private:
  std::vector<std::string> lines_;  // comments removed
};

}  // namespace commsflow
