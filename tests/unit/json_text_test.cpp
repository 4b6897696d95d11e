// append_json writes what is hashed and stored: it must give dump()'s bytes for every value, or
// stored hashes would stop verifying. These compare the two on chosen and on random values.
#include <commsflow/json_text.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

using commsflow::Json;
using commsflow::json_text;

namespace {

// Random text drawn from the bytes that matter: plain ASCII, the quote, the backslash,
// control characters, DEL, well-formed UTF-8 of each length and, rarely, broken bytes.
std::string random_text(std::mt19937& random, bool allow_broken) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  "0",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\x01",
                                                  "\x1f",
                                                  "\b",
                                                  "\t",
                                                  "\n",
                                                  "\f",
                                                  "\r",
                                                  "\x7f",
                                                  "\xc2\xa3",
                                                  "\xc3\xab",
                                                  "\xe2\x80\x94",
                                                  "\xe6\x9d\xb1",
                                                  "\xf0\x9f\x98\x80",
                                                  "{",
                                                  "}",
                                                  ":",
                                                  ","};
  static const std::vector<std::string> broken = {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80"};
  std::string text;
  int length = std::uniform_int_distribution<int>(0, 12)(random);
  for (int i = 0; i < length; ++i) {
    if (allow_broken && random() % 50 == 0) {
      text += broken[random() % broken.size()];
    } else if (random() % 2 == 0) {
      text += static_cast<char>('a' + random() % 26);
    } else {
      text += pieces[random() % pieces.size()];
    }
  }
  return text;
}

Json random_value(std::mt19937& random, int depth, bool allow_broken) {
  switch (random() % (depth < 4 ? 9 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(random()) - (1LL << 31);
    case 3:
      return std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(random() % 3);
    case 4:
      return std::numeric_limits<std::uint64_t>::max() - random() % 3;
    case 5:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(random);
    case 6:
      return random_text(random, allow_broken);
    case 7: {
      Json object = Json::object();
      int size = static_cast<int>(random() % 5);
      for (int i = 0; i < size; ++i) {
        object[random_text(random, allow_broken)] = random_value(random, depth + 1, allow_broken);
      }
      return object;
    }
    default: {
      Json array = Json::array();
      int size = static_cast<int>(random() % 5);
      for (int i = 0; i < size; ++i) array.push_back(random_value(random, depth + 1, allow_broken));
      return array;
    }
  }
}

}  // namespace

TEST_CASE("append_json writes what dump() writes, value by value") {
  for (const Json& value : {Json(nullptr),
                            Json(true),
                            Json(false),
                            Json(0),
                            Json(-1),
                            Json(42u),
                            Json(std::numeric_limits<std::int64_t>::min()),
                            Json(std::numeric_limits<std::uint64_t>::max()),
                            Json(1.0),
                            Json(0.1),
                            Json(1e300),
                            Json(-0.0),
                            Json(""),
                            Json("plain text"),
                            Json("quote \" and backslash \\"),
                            Json("tab\tnew line\ncontrol \x01 and DEL \x7f"),
                            Json("Siân, Zoë and 東京 😀"),
                            Json::object(),
                            Json::array(),
                            Json::parse(R"({"b":[1,{"z":null,"a":"x"}],"a":{}})"),
                            Json::binary({1, 2, 3})}) {
    INFO(value.dump());
    CHECK(json_text(value) == value.dump());
  }
}

TEST_CASE("append_json writes what dump() writes on ten thousand random values") {
  std::mt19937 random(20261204);
  for (int i = 0; i < 10000; ++i) {
    Json value = random_value(random, 0, /*allow_broken=*/false);
    INFO("value " << i << ": " << value.dump(-1, ' ', true));
    REQUIRE(json_text(value) == value.dump());
  }
}

TEST_CASE(
    "append_json refuses text that is not UTF-8 as dump() does, and appends to what is there") {
  CHECK_THROWS_AS(json_text(Json("caf\xc3")), Json::type_error);
  CHECK_THROWS_AS(json_text(Json{{"note", "\xed\xa0\x80"}}), Json::type_error);
  CHECK_THROWS_AS(json_text(Json{{"\xff", 1}}), Json::type_error);

  std::mt19937 random(7);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    Json value = random_value(random, 0, /*allow_broken=*/true);
    std::string dumped;
    bool dump_threw = false;
    try {
      dumped = value.dump();
    } catch (const Json::type_error&) {
      dump_threw = true;
    }
    std::string written = "prefix ";
    if (dump_threw) {
      ++refused;
      CHECK_THROWS_AS(commsflow::append_json(written, value), Json::type_error);
    } else {
      commsflow::append_json(written, value);
      CHECK(written == "prefix " + dumped);
    }
  }
  CHECK(refused > 0);  // the broken bytes were drawn, so the refusal path was exercised
}

namespace {

// Equal values of equal types all the way down: Json's operator== takes 1, 1u and 1.0 as equal,
// and which of those a number is decides how it is written back.
bool same_value_and_types(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
      if (x.key() != y.key() || !same_value_and_types(*x, *y)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_value_and_types(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float())
    return std::signbit(a.get<double>()) == std::signbit(b.get<double>()) && a.dump() == b.dump();
  return a == b;
}

// parse_stored_json(text) against Json::parse(text): the same value and types, or the same
// refusal.
void check_parses_alike(const std::string& text) {
  INFO("text: " << Json(text).dump(-1, ' ', true, Json::error_handler_t::replace));
  Json expected;
  std::string refusal;
  try {
    expected = Json::parse(text);
  } catch (const Json::exception& e) {
    refusal = e.what();
  }
  if (!refusal.empty()) {
    CHECK_THROWS_WITH(commsflow::parse_stored_json(text), refusal);
  } else {
    CHECK(same_value_and_types(commsflow::parse_stored_json(text), expected));
  }
}

}  // namespace

TEST_CASE("parse_stored_json gives what Json::parse gives, types included, on chosen texts") {
  for (const char* text : {"0",
                           "-0",
                           "[-0]",
                           "{\"a\":-0}",
                           "-0.0",
                           "-0e1",
                           "5",
                           "-5",
                           "1.0",
                           "1e2",
                           "1E-2",
                           "9223372036854775807",
                           "9223372036854775808",
                           "18446744073709551615",
                           "18446744073709551616",
                           "-9223372036854775808",
                           "-9223372036854775809",
                           "1e400",
                           "0.1",
                           "true",
                           "false",
                           "null",
                           "\"\"",
                           "\"2026-03-02T09:00:00Z\"",
                           R"("tab\t quote\" slash\/ unicode \u00e9 \ud83d\ude00 nul \u0000")",
                           "  {\"b\" : 1 , \"a\" : [ ] }  ",
                           R"({"a":1,"a":2})",
                           R"({"z":1,"a":{"y":[1,{"b":null}]}})",
                           "{}",
                           "[]",
                           "",
                           "{",
                           "[1,]",
                           "{\"a\":1} x",
                           "\"caf\xc3\"",
                           "\"\xff\"",
                           "nul",
                           "01",
                           "[1 2]",
                           "{\"a\" 1}",
                           "\"\\ud800\""}) {
    check_parses_alike(text);
  }
  std::string deep(2000, '[');
  deep += std::string(2000, ']');
  check_parses_alike(deep);  // deeper than simdjson goes: Json::parse reads it
  // Larger than the thread's simdjson parser is allowed to grow to: Json::parse reads it.
  check_parses_alike(Json{{"text", std::string(300 * 1024, 'x')}, {"n", -5}}.dump());
}

TEST_CASE("parse_stored_json gives what Json::parse gives on ten thousand random values") {
  std::mt19937 random(4122026);
  for (int i = 0; i < 10000; ++i) {
    Json value = random_value(random, 0, /*allow_broken=*/false);
    // As stored, and with whitespace as a person might have typed it.
    check_parses_alike(value.dump());
    check_parses_alike(value.dump(1, '\t'));
  }
}
