#include <commsflow/json_text.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace commsflow {

namespace {

template <typename Integer>
void append_integer(std::string& out, Integer n) {
  char digits[24];
  auto [end, _] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// Json::parse makes "-0" a signed integer and "0" an unsigned one; simdjson gives both as the
// same int64 0. True when the text may hold the former, so that it goes to Json::parse: a '-'
// then '0' not followed by another digit, a fraction or an exponent. Dates ("2026-03-02") do
// not match; a match inside a string only costs the faster path.
bool may_hold_negative_zero(std::string_view text) {
  for (auto at = text.find("-0"); at != std::string_view::npos; at = text.find("-0", at + 2)) {
    const char next = at + 2 < text.size() ? text[at + 2] : ' ';
    if (!(next >= '0' && next <= '9') && next != '.' && next != 'e' && next != 'E') return true;
  }
  return false;
}

Json from_element(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      Json object(Json::value_t::object);
      auto& members = *object.get_ptr<Json::object_t*>();
      // Stored objects come with their keys in order, so each goes in at the end; a repeated
      // key keeps its last value, as in Json::parse.
      for (auto [key, value] : simdjson::dom::object(element)) {
        members.insert_or_assign(members.end(), std::string(key), from_element(value));
      }
      return object;
    }
    case simdjson::dom::element_type::ARRAY: {
      Json array(Json::value_t::array);
      auto& elements = *array.get_ptr<Json::array_t*>();
      for (auto value : simdjson::dom::array(element)) elements.push_back(from_element(value));
      return array;
    }
    case simdjson::dom::element_type::STRING:
      return Json(std::string(std::string_view(element)));
    case simdjson::dom::element_type::INT64: {
      const std::int64_t n = std::int64_t(element);
      return n >= 0 ? Json(static_cast<std::uint64_t>(n)) : Json(n);
    }
    case simdjson::dom::element_type::UINT64:
      return Json(std::uint64_t(element));
    case simdjson::dom::element_type::DOUBLE:
      return Json(double(element));
    case simdjson::dom::element_type::BOOL:
      return Json(bool(element));
    default:
      return Json(nullptr);
  }
}

}  // namespace

Json parse_stored_json(std::string_view text) {
  // One parser per thread, kept: it holds buffers sized for the largest text it has read, so
  // rare large texts go to Json::parse rather than leaving every server thread that much bigger.
  constexpr std::size_t kLargestForSimdjson = 256 * 1024;
  if (text.size() <= kLargestForSimdjson && !may_hold_negative_zero(text)) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS) {
      return from_element(root);
    }
  }
  return Json::parse(text);
}

// The bytes dump() writes as they are within a string: printable ASCII other than the quote
// and the backslash. A table look-up per byte, with an early exit, is the fastest test for the
// short text (keys, names, states, dates) that most strings are.
constexpr std::array<bool, 256> kPlainBytes = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

void append_json_string(std::string& out, std::string_view text) {
  std::size_t plain = 0;
  while (plain < text.size() && kPlainBytes[static_cast<unsigned char>(text[plain])]) ++plain;
  if (plain == text.size()) {
    const std::size_t at = out.size();
    out.resize(at + text.size() + 2);
    out[at] = '"';
    std::memcpy(out.data() + at + 1, text.data(), text.size());
    out.back() = '"';
    return;
  }
  // dump() writes well-formed UTF-8 as it is, and refuses anything else: let it do the refusing.
  const bool beyond_ascii = std::any_of(text.begin() + static_cast<std::ptrdiff_t>(plain),
                                        text.end(), [](char c) { return c & 0x80; });
  if (beyond_ascii && !simdjson::validate_utf8(text.data(), text.size())) {
    out += Json(text).dump();
    return;
  }
  // dump()'s escapes: the short forms where JSON has them, \u00xx (lower-case hex) otherwise.
  // Everything between two escaped bytes (UTF-8 included) goes in as one run.
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;
  for (std::size_t at = plain; at < text.size(); ++at) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, at - run);
    run = at + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escape, sizeof escape);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
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
  out.reserve(1024);  // an item's data, mostly: fewer steps of growth
  append_json(out, value);
  return out;
}

}  // namespace commsflow
