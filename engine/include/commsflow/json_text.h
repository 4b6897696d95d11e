// JSON text for what is stored and hashed: item rows and event bodies.
#pragma once

#include <commsflow/json.h>

#include <string>
#include <string_view>

namespace commsflow {

// Append `value` to `out` byte for byte as `value.dump()` writes it (no whitespace, object keys
// in their sorted order, the same escapes), and throw as dump() does on text that is not UTF-8.
// Hashes and stored rows depend on those bytes, so they must never differ. It exists because
// dump() sets up a fresh serializer on every call and writes plain text a character at a time:
// that was about a sixth of each sign-off decision. Numbers with a fraction, and text that is
// not UTF-8 (for dump()'s refusal), are still written by dump() itself.
void append_json(std::string& out, const Json& value);
// The same for a string value: "text" with its escapes.
void append_json_string(std::string& out, std::string_view text);
// append_json into a new string.
std::string json_text(const Json& value);

// The value Json::parse(text) gives, of the same types (a non-negative integer unsigned, as
// Json::parse makes it), found faster: simdjson reads the text and the value is built from what
// it found. For item rows, read on every look at an item, where parsing was a tenth of a
// change. Text simdjson declines (not JSON, a number outside 64 bits, nesting past its limit,
// an integer written "-0") goes to Json::parse, so errors are Json::parse's own.
Json parse_stored_json(std::string_view text);

}  // namespace commsflow
