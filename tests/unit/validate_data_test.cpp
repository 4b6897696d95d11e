// validate_data (engine/workflow/field_values.h): which fields are missing, and what a value
// validated already is spared, decided in one pass over the data.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "workflow/field_values.h"

using namespace commsflow;

namespace {

FieldSpec field(const char* name, FieldType type, bool required = false) {
  FieldSpec f;
  f.name = name;
  f.type = type;
  f.required = required;
  return f;
}

std::vector<FieldSpec> request_fields() {
  FieldSpec kind = field("kind", FieldType::Choice);
  kind.options = {"media", "other"};
  FieldSpec outlet = field("outlet", FieldType::Text);
  outlet.required_if = {{"kind", {"media"}}};
  return {field("title", FieldType::Text, true), field("count", FieldType::Integer, true), kind,
          outlet};
}

// "field: message" for each problem, in the order found.
std::vector<std::string> said(const std::vector<FieldProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.field + ": " + p.message);
  return out;
}

}  // namespace

TEST_CASE("a required field of spaces, null or absent is missing, and a wrong one is not both") {
  const auto fields = request_fields();
  Json data{{"title", "   "}, {"count", "many"}, {"kind", nullptr}};
  CHECK(
      said(validate_data(fields, data, true)) ==
      std::vector<std::string>{"count: expected a whole number, got 'many'", "title: is required"});
  CHECK_FALSE(data.contains("kind"));  // null unsets

  Json absent = Json::object();
  CHECK(said(validate_data(fields, absent, true)) ==
        std::vector<std::string>{"title: is required", "count: is required"});
  CHECK(validate_data(fields, absent, false).empty());
}

TEST_CASE("a field required by another's answer is missing only with that answer") {
  const auto fields = request_fields();
  Json media{{"title", "Winter"}, {"count", 3}, {"kind", "Media"}};
  CHECK(said(validate_data(fields, media, true)) ==
        std::vector<std::string>{"outlet: is required when Kind is Media"});
  Json other{{"title", "Winter"}, {"count", 3}, {"kind", "other"}};
  CHECK(validate_data(fields, other, true).empty());
  Json answered{{"title", "Winter"}, {"count", 3}, {"kind", "media"}, {"outlet", "BBC"}};
  CHECK(validate_data(fields, answered, true).empty());
}

TEST_CASE("values validated already are kept, changed ones are checked again") {
  const auto fields = request_fields();
  const Json validated{{"count", 3}, {"kind", "media"}, {"outlet", "BBC"}, {"title", "Winter"}};
  // A rule set count to text and blanked the outlet: both are looked at again.
  Json after{{"count", "4"},
             {"kind", "media"},
             {"outlet", "  "},
             {"title", "Winter"},
             {"_engine", {{"kept", true}}}};
  CHECK(said(validate_data(fields, after, true, &validated)) ==
        std::vector<std::string>{"outlet: is required when Kind is Media"});
  CHECK(after["count"] == 4);
  CHECK(after["_engine"] == Json{{"kept", true}});  // the engine's own records are left alone

  // Unchanged, a blank required text is still missing.
  const Json blank_title{{"count", 3}, {"title", " "}};
  Json same = blank_title;
  CHECK(said(validate_data(fields, same, true, &blank_title)) ==
        std::vector<std::string>{"title: is required"});
}

TEST_CASE("a list of records names every bad row and every bad field of a row") {
  FieldSpec group = field("group", FieldType::Text, true);
  FieldSpec reach = field("reach", FieldType::Integer, true);
  FieldSpec row = field("", FieldType::Record);
  row.fields = {group, reach};
  FieldSpec groups = field("groups", FieldType::List, true);
  groups.item = std::make_shared<FieldSpec>(row);
  Json data{{"groups",
             Json::array({Json{{"group", "Carers"}, {"reach", 40}}, Json{{"reach", "lots"}},
                          Json{{"group", "Parents"}}, Json{{"group", "Staff"}, {"reach", 9}}})}};
  CHECK(said(validate_data({groups}, data, true)) ==
        std::vector<std::string>{"groups[2].reach: expected a whole number, got 'lots'",
                                 "groups[2].group: is required", "groups[3].reach: is required"});
  // Text is no list of records: named as the list, not as its first row.
  Json text{{"groups", "Carers"}};
  CHECK(said(validate_data({groups}, text, true)) ==
        std::vector<std::string>{
            "groups: expected a list of records (a JSON array of objects), got 'Carers'"});
  // Where one message is wanted (a default in a workflow file), it is the first.
  std::string error;
  CHECK(coerce_value(groups, data["groups"], error).is_null());
  CHECK(error == "[2].reach: expected a whole number, got 'lots'");
}

TEST_CASE("a date and time that is not one says what to type, in words") {
  const std::vector<FieldSpec> fields = {field("at", FieldType::DateTime)};
  auto problem_for = [&](const std::string& text) {
    Json data{{"at", text}};
    auto problems = said(validate_data(fields, data, false));
    REQUIRE(problems.size() == 1);
    return problems[0];
  };
  // As the web form's boxes give them: a 12-hour time, no time, a month that does not exist.
  CHECK(problem_for("2026-12-07T2.30pm") ==
        "at: enter the time in hours and minutes on the 24-hour clock, like 14:30 (got "
        "'2026-12-07T2.30pm')");
  CHECK(problem_for("2027-03-30T") ==
        "at: enter a time as well as the date, like 14:30 (got '2027-03-30T')");
  CHECK(problem_for("2027-02-30T09:00") ==
        "at: there is no 30 February 2027: enter a real date (got '2027-02-30T09:00')");
  CHECK(problem_for("2027-13-01T09:00") ==
        "at: there is no month 13: enter the month as a number from 1 to 12 (got "
        "'2027-13-01T09:00')");
  CHECK(problem_for("2027-01-32T09:00") ==
        "at: there is no day 32 in a month: enter a day from 1 to 31 (got '2027-01-32T09:00')");
  CHECK(problem_for("soon") ==
        "at: enter a real date and time, like 2026-03-31 14:30 (UK time) (got 'soon')");
  // A time the clocks skip in spring is a time people type; it says why there is none.
  CHECK(problem_for("2027-03-28T01:30") ==
        "at: the clocks go forward at 01:00 on Sun 28 Mar 2027, so there is no 01:30 that night "
        "in UK time: give a time from 02:00 (got '2027-03-28T01:30')");
  Json good{{"at", "2026-12-07T14:30:00Z"}};
  CHECK(validate_data(fields, good, false).empty());
  // Without a zone, as a form or a script may send it: UK time, kept as UTC.
  Json summer{{"at", "2026-06-07 14:30"}}, winter{{"at", "2026-12-07T09:05"}};
  CHECK(validate_data(fields, summer, false).empty());
  CHECK(summer["at"] == "2026-06-07T13:30:00Z");
  CHECK(validate_data(fields, winter, false).empty());
  CHECK(winter["at"] == "2026-12-07T09:05:00Z");
  // The date in the UK's form too, as a date field takes it.
  Json uk{{"at", "05/06/2026 14:00"}};
  CHECK(validate_data(fields, uk, false).empty());
  CHECK(uk["at"] == "2026-06-05T13:00:00Z");
}

TEST_CASE("one-line text may not hold the controls that reorder what follows - longer text may") {
  FieldSpec headline = field("headline", FieldType::Text);
  headline.max = 200;
  FieldSpec body = field("body", FieldType::Text);  // no max: a text area, any language's text
  Json spoofed{{"headline",
                "Ward \xE2\x80\xAE"
                "desolc"}};
  const auto said_of_headline = said(validate_data({headline}, spoofed, false));
  REQUIRE(said_of_headline.size() == 1);
  CHECK_THAT(said_of_headline[0], Catch::Contains("headline:") && Catch::Contains("U+202E"));
  Json isolate{{"headline",
                "Name: \xE2\x81\xA7"
                "abc"
                "\xE2\x81\xA9"}};
  CHECK(said(validate_data({headline}, isolate, false)).size() == 1);
  Json arabic{{"body",
               "\xE2\x80\xAB"
               "text"
               "\xE2\x80\xAC"}};
  CHECK(validate_data({body}, arabic, false).empty());
  Json dash{{"headline", "Ward 7 \xE2\x80\x94 reopened"}};  // an em dash is E2 80 94: fine
  CHECK(validate_data({headline}, dash, false).empty());
}

TEST_CASE("a choice is taken by its name in any case, or by a label only one option has") {
  FieldSpec channel = field("channel", FieldType::Choice);
  channel.options = {"email", "public_meeting", "letter", "post"};
  channel.option_labels = {{"letter", "Post"}, {"post", "Post"}, {"email", "E-mail"}};
  std::string error;
  CHECK(coerce_value(channel, Json(" EMAIL "), error) == "email");
  CHECK(coerce_value(channel, Json("e-mail"), error) == "email");
  CHECK(coerce_value(channel, Json("Public meeting"), error) == "public_meeting");
  // "post" is an option's name first; "Post" the label of two is no answer.
  CHECK(coerce_value(channel, Json("post"), error) == "post");
  error.clear();
  channel.options = {"email", "letter", "leaflet"};
  channel.option_labels = {{"letter", "By hand"}, {"leaflet", "By hand"}};
  CHECK(coerce_value(channel, Json("by hand"), error).is_null());
  CHECK(error == "'by hand' is the label of letter and leaflet: give one of them by name");
  // A wrong answer is told the options as people see them, and by name where a label is shared.
  CHECK(coerce_value(channel, Json("fax"), error).is_null());
  CHECK(error == "'fax' is not one of: Email, By hand (letter) or By hand (leaflet)");
}

TEST_CASE("a yes/no choice takes true and false, as a spreadsheet saves a tick box") {
  FieldSpec statutory = field("statutory", FieldType::Choice);
  statutory.options = {"yes", "no"};
  std::string error;
  CHECK(coerce_value(statutory, Json("TRUE"), error) == "yes");
  CHECK(coerce_value(statutory, Json(" false "), error) == "no");
  CHECK(coerce_value(statutory, Json(true), error) == "yes");
  CHECK(coerce_value(statutory, Json(false), error) == "no");
  CHECK(error.empty());
  // Nothing else is taken for an answer, and another choice takes neither.
  CHECK(coerce_value(statutory, Json("maybe"), error).is_null());
  CHECK(error == "'maybe' is not one of: Yes or No");
  FieldSpec channel = field("channel", FieldType::Choice);
  channel.options = {"yes", "no", "not_sure"};
  error.clear();
  CHECK(coerce_value(channel, Json("TRUE"), error).is_null());
  CHECK_FALSE(error.empty());
}
