#include "base/hidden_characters.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace commsflow {

namespace {

// Calls `each(code point, its bytes)` for every well-formed UTF-8 sequence of `text`, and
// `each(0xFFFFFFFF, the byte)` for a byte that begins none.
void for_each_character(std::string_view text,
                        const std::function<void(char32_t, std::string_view)>& each) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xe  ? 3
                          : (lead >> 3) == 0x1e ? 4
                                                : 0;
    bool whole = length > 0 && i + length <= text.size();
    char32_t c = length == 1   ? lead
                 : length == 2 ? lead & 0x1f
                 : length == 3 ? lead & 0x0f
                               : lead & 0x07;
    for (size_t k = 1; whole && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      whole = (next & 0xc0) == 0x80;
      c = (c << 6) | (next & 0x3f);
    }
    if (!whole) {
      each(0xFFFFFFFF, text.substr(i, 1));
      ++i;
      continue;
    }
    each(c, text.substr(i, length));
    i += length;
  }
}

std::string code_point(char32_t c) {
  return fmt::format("U+{:04X}", static_cast<std::uint32_t>(c));
}

}  // namespace

bool is_hidden_character(char32_t c) {
  return c == 0x00AD || c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
         (c >= 0xE0000 && c <= 0xE007F);
}

namespace {

// Every hidden character is outside ASCII: text that is all ASCII (most statements) has none.
bool all_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
}

}  // namespace

std::string hidden_characters_marked(std::string_view text) {
  if (all_ascii(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for_each_character(text, [&](char32_t c, std::string_view bytes) {
    if (is_hidden_character(c)) {
      out += fmt::format("[{}]", code_point(c));
    } else {
      out += bytes;
    }
  });
  return out;
}

std::vector<std::string> hidden_characters_in(std::string_view text) {
  std::vector<std::string> found;
  if (all_ascii(text)) return found;
  for_each_character(text, [&](char32_t c, std::string_view) {
    if (!is_hidden_character(c)) return;
    std::string named = code_point(c);
    if (std::find(found.begin(), found.end(), named) == found.end()) found.push_back(named);
  });
  return found;
}

}  // namespace commsflow
