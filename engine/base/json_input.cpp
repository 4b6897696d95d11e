#include <commsflow/error.h>
#include <commsflow/json.h>

namespace commsflow {

Json parse_input_json(std::string_view text) {
  // The callback sees each value's depth as the parser reaches it, so the parse stops at the
  // first value too deep: nothing deeper is ever built.
  auto limit = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) {
      fail(ErrorKind::BadInput, "the JSON nests deeper than {} levels, the limit", kMaxJsonDepth);
    }
    return true;
  };
  return Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
}

}  // namespace commsflow
