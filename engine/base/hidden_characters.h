// Characters that change how text reads while showing nothing themselves. A statement holding
// U+202E (right-to-left override) can show "We will not close the ward" while its bytes say
// otherwise, and two versions differing by a zero-width space look the same: an approver must
// be shown them to know what they approve.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// Bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), zero-width
// and invisible characters (U+00AD soft hyphen, U+180E, U+200B-U+200D, U+2060-U+2064, U+FEFF),
// interlinear annotation (U+FFF9-U+FFFB) and tag characters (U+E0000-U+E007F).
bool is_hidden_character(char32_t c);

// `text` with each hidden character shown as "[U+202E]". Bytes that are not UTF-8 are kept.
std::string hidden_characters_marked(std::string_view text);

// The hidden characters in `text` as "U+202E", each once, in the order they first appear.
std::vector<std::string> hidden_characters_in(std::string_view text);

}  // namespace commsflow
