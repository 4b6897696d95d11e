// The words that name things for people: an item where its workflow gives it no title field, and
// roles.
#include <commsflow/words.h>

#include <catch2/catch.hpp>

using namespace commsflow;

namespace {

FieldSpec field(const char* name, FieldType type) {
  FieldSpec f;
  f.name = name;
  f.type = type;
  return f;
}

}  // namespace

TEST_CASE("words: an item without a title is named by the first line of its first text") {
  Definition d;
  d.fields = {field("channel", FieldType::Choice), field("text", FieldType::Text),
              field("response", FieldType::Text)};
  Item item;
  item.data = Json{{"channel", "public_meeting"},
                   {"text", "Please keep evening visiting\nSecond line"},
                   {"response", "We will"}};
  CHECK(item_title(d, item) == "Please keep evening visiting");
  // A title, headline or name comes first.
  item.data["headline"] = "Visiting hours";
  CHECK(item_title(d, item) == "Visiting hours");
  // Long text is cut at 80 characters, never inside a character.
  item.data.erase("headline");
  item.data["text"] = std::string(79, 'a') + "é and more";
  CHECK(item_title(d, item) == std::string(79, 'a') + "…");
  // Blank text is passed over; with nothing to show, nothing.
  item.data["text"] = "   ";
  CHECK(item_title(d, item) == "We will");
  item.data = Json::object();
  CHECK(item_title(d, item).empty());
}

TEST_CASE("words: roles are named as titles, each of them, joined as people join a list") {
  CHECK(roles_in_words({"triager"}, "or") == "Triager");
  CHECK(roles_in_words({"comms_officer", "triager"}, "or") == "Comms officer or Triager");
  CHECK(roles_in_words({"head_of_comms", "director", "governance"}, "and") ==
        "Head of comms, Director and Governance");
  CHECK(roles_in_words({}, "or").empty());
}
