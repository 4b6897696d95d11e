#include "base/json_input.h"

#include <commsflow/error.h>
#include <commsflow/json.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace commsflow {

namespace {

// What the parser is told to refuse as it reads, so that nothing refused is ever built: a value
// nested deeper than the limit, and a key given twice in one object (JSON leaves it to the
// reader, which would keep one answer and drop the other unsaid).
class InputRules {
 public:
  explicit InputRules(bool refuse_duplicates) : refuse_duplicates_(refuse_duplicates) {}

  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kMaxJsonDepth) {
      fail(ErrorKind::BadInput, "the JSON nests deeper than {} levels, the limit", kMaxJsonDepth);
    }
    switch (event) {
      case Json::parse_event_t::object_start:
        keys_.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys_.empty()) keys_.pop_back();
        break;
      case Json::parse_event_t::key:
        if (refuse_duplicates_ && !keys_.empty() &&
            !keys_.back().insert(parsed.get<std::string>()).second) {
          fail(ErrorKind::BadInput, "\"{}\" is given twice in one object: give it once",
               parsed.get<std::string>());
        }
        break;
      default:
        break;
    }
    return true;
  }

 private:
  bool refuse_duplicates_;
  std::vector<std::set<std::string>> keys_;  // of each object open, outermost first
};

}  // namespace

Json parse_input_json(std::string_view text) {
  // A field's text read as JSON when it looks like it: what is not well-formed is kept as text,
  // for the field's own check to name.
  InputRules rules(/*refuse_duplicates=*/false);
  return Json::parse(text.begin(), text.end(), std::ref(rules), /*allow_exceptions=*/false);
}

Json parse_input_object(std::string_view text, std::string_view what) {
  Json value;
  try {
    InputRules rules(/*refuse_duplicates=*/true);
    value = Json::parse(text.begin(), text.end(), std::ref(rules));
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
