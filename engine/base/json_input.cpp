#include "base/json_input.h"

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

Json parse_input_object(std::string_view text, std::string_view what) {
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), [](int depth, Json::parse_event_t, Json&) {
      if (depth > kMaxJsonDepth) {
        fail(ErrorKind::BadInput, "the JSON nests deeper than {} levels, the limit", kMaxJsonDepth);
      }
      return true;
    });
  } catch (const Json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ...;
    // last read: '...'": where and what, without the prefix or the text read.
    std::string why = e.what();
    if (auto at = why.find("parse error at "); at != std::string::npos) why = why.substr(at + 15);
    if (auto read = why.find("; last read"); read != std::string::npos) why.erase(read);
    fail(ErrorKind::BadInput, "{} is not JSON: {}", what, why);
  }
  if (!value.is_object()) {
    fail(ErrorKind::BadInput, "{} must be a JSON object ({{ \"field\": value, ... }}), not {}",
         what,
         value.is_array()     ? "a list"
         : value.is_string()  ? "text"
         : value.is_null()    ? "null"
         : value.is_boolean() ? "true or false"
                              : "a number");
  }
  return value;
}

}  // namespace commsflow
