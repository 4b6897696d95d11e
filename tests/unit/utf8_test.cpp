// Text must be well-formed UTF-8: everything is stored as JSON and shown on web pages.
#include <catch2/catch.hpp>

#include "base/hidden_characters.h"
#include "support.h"
#include "workflow/field_values.h"

using namespace commsflow;
using Catch::Matchers::Contains;

TEST_CASE("valid_utf8 accepts well-formed text and refuses broken, overlong and surrogate forms") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("Siân, Zoë and 東京 😀"));
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("caf\xc3"));           // cut short
  CHECK_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("a\x80z"));            // a stray continuation byte
}

TEST_CASE(
    "text that is not UTF-8 is refused as bad input naming the field, and nothing is written") {
  test::Fixture f;
  CHECK_THROWS_WITH(f.engine->submit("review", "olivia", Json{{"title", "Bad \xff byte"}}),
                    Contains("title: is not valid UTF-8 text"));
  Item item = f.submit();
  CHECK_THROWS_WITH(
      f.engine->act(ActRequest{item.ref, "edit", "olivia", Json::object(), "\xfe", std::nullopt}),
      Contains("note: is not valid UTF-8"));
  CHECK(f.engine->item(item.ref).revision == item.revision);
}

TEST_CASE("characters that show nothing are found and marked, and nothing else is") {
  // "We will not close the ward", as a right-to-left override shows "esolc ton".
  const std::string reversed = "We will \u202Eesolc ton\u202C the ward.";
  CHECK(hidden_characters_marked(reversed) == "We will [U+202E]esolc ton[U+202C] the ward.");
  CHECK(hidden_characters_in(reversed) == std::vector<std::string>{"U+202E", "U+202C"});
  CHECK(hidden_characters_marked("ward\u200B 7\u200B") == "ward[U+200B] 7[U+200B]");
  CHECK(hidden_characters_in("ward\u200B 7\u200B") == std::vector<std::string>{"U+200B"});
  CHECK(hidden_characters_marked("\uFEFFtag\U000E0041") == "[U+FEFF]tag[U+E0041]");
  // Seen characters are left alone, whatever the script; a stray byte is kept as it was.
  const std::string seen = "Siân, Zoë, 東京, مرحبا 😀";
  CHECK(hidden_characters_marked(seen) == seen);
  CHECK(hidden_characters_in(seen).empty());
  CHECK(hidden_characters_marked("a\xff\u200Bz") == "a\xff[U+200B]z");
}
