#include <commsflow/json_text.h>

#include <charconv>

namespace commsflow {

namespace {

// True when every byte may stand in a JSON string as it is: printable ASCII other than the
// quote and the backslash. Anything else goes through dump(), which escapes and checks UTF-8.
// No early exit: the loop is one OR over every byte, which the compiler vectorises, and long
// text (a request's description) is the common case.
bool plain_ascii(std::string_view text) {
  unsigned char bad = 0;
  for (unsigned char c : text) bad |= (c < 0x20) | (c >= 0x80) | (c == '"') | (c == '\\');
  return bad == 0;
}

template <typename Integer>
void append_integer(std::string& out, Integer n) {
  char digits[24];
  auto [end, _] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  if (!plain_ascii(text)) {
    out += Json(text).dump();
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

void append_json(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      const auto& object = *value.get_ptr<const Json::object_t*>();
      out += '{';
      bool first = true;
      for (const auto& [key, member] : object) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json(out, member);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& element : *value.get_ptr<const Json::array_t*>()) {
        if (!first) out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    case Json::value_t::string:
      append_json_string(out, *value.get_ptr<const Json::string_t*>());
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::number_integer:
      append_integer(out, value.get<Json::number_integer_t>());
      return;
    case Json::value_t::number_unsigned:
      append_integer(out, value.get<Json::number_unsigned_t>());
      return;
    default:  // fractions (dump()'s own shortest form), binary, discarded
      out += value.dump();
      return;
  }
}

std::string json_text(const Json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace commsflow
