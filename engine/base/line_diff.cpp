#include "base/line_diff.h"

#include <dtl/dtl.hpp>
#include <sstream>
#include <vector>

namespace commsflow {

namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string line_diff(std::string_view before, std::string_view after) {
  dtl::Diff<std::string> diff(lines_of(before), lines_of(after));
  diff.compose();
  if (diff.getEditDistance() == 0) return {};
  diff.composeUnifiedHunks();
  std::ostringstream out;
  diff.printUnifiedFormat(out);
  return out.str();
}

}  // namespace commsflow
