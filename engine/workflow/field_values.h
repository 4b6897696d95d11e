// Typed field values: coercion of input (CLI text or JSON) to a field's type, and validation of
// whole item data against a workflow's fields.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/error.h>
#include <commsflow/json.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// Returns `input` converted to the field's type: text as given is parsed for non-text types
// ("yes" for a boolean, "3" for an integer, "a, b" or a JSON array for a list, a JSON object for
// a record); dates and datetimes are normalised (datetimes to UTC with Z). null stays null
// (meaning "unset"). On failure sets `error` to a plain-English reason (the first, for a list or
// record: "[3].impact: is required") and returns null.
Json coerce_value(const FieldSpec& spec, const Json& input, std::string& error);

// `s` without the spaces, tabs and line ends around it.
std::string trim(std::string_view s);
// `s` with its ASCII letters in lower case: how names typed in any case are compared.
std::string lower(std::string s);
// A name as someone typed it, made the form stored names take: trimmed, in lower case, spaces
// and hyphens as '_' ("Send for review" is send_for_review).
std::string as_name(std::string_view typed);

// A date as people write it ("31/03/2026", "1/4/2026", "2026-4-1") in ISO form ("2026-04-01");
// any other text as it is.
std::string date_as_iso(const std::string& text);
// "there is no 31 February 2027: enter a real date" for a date in ISO form whose day does not
// exist in its month (or "there is no month 13: ..." for a month, a day, that none has); empty
// for any other text.
std::string no_such_day(const std::string& iso);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

// The first control character in `s` other than tab and, with `line_breaks`, a line feed or a
// carriage return that ends a line (CR LF), written as "U+001B"; empty when there is none.
// People's text may hold tabs, and line breaks where it has more than one line; any other
// control character (C0, DEL or C1) is invisible on a page and can drive a terminal. One-line
// text (a headline, a name: `line_breaks` false) may not hold the controls that reorder the text
// after them (U+202A to U+202E, U+2066 to U+2069), which would make a list of such lines read
// other than it is; longer text may, as right-to-left languages need them. Requires valid UTF-8.
std::string control_character_in(std::string_view s, bool line_breaks = true);

// True for text of spaces alone, which is no answer to a required question.
bool blank(const Json& value);
// True when `data` has no answer for `field`: none, null, or blank.
bool unanswered(const Json& data, const std::string& field);

// A date and time as someone typed it: with its zone, or without one in UK time, its date in
// either form a date field takes ("2026-03-05 14:00", "05/03/2026 14:00"). Nothing when it is
// neither.
std::optional<TimePoint> typed_datetime(const std::string& typed);

// As coerce_value, for field `key`: adds every problem found to `problems`, each at its path
// ({"eia[3].impact", "is required"} for a problem inside a list of records), and returns null if
// there was any.
Json coerce_field(const FieldSpec& spec, const Json& input, const std::string& key,
                  std::vector<FieldProblem>& problems);

// The problem of a field left unanswered while another field's `answer` is one of `values`, as
// its `required_if` lists them (a choice's options; "true" or "false" for a yes/no field), in
// people's words: "is required when Our responsibility is Partner". Nothing when the answer is
// not among them. `named` is the other field's spec, if known; else `other` is its name.
// Fills each field's `needed_when` from its `required_if` where the workflow gave none: "Needed
// when Our responsibility is Lead, Partner or Influence".
void say_when_needed(Definition& d);
std::optional<std::string> required_when(const std::vector<std::string>& values, const Json& answer,
                                         const FieldSpec* named, std::string_view other);

// Coerces every value in `data` in place against `fields`, dropping nulls. Reports unknown keys,
// values of the wrong type and, when `require_all`, missing required fields. `validated`, if
// given, is data this function has already passed: a text, number or yes/no value found there
// unchanged (same type, same value) is kept as it is, since coercing a coerced value gives it
// back; lists, records and everything else are checked again.
std::vector<FieldProblem> validate_data(const std::vector<FieldSpec>& fields, Json& data,
                                        bool require_all, const Json* validated = nullptr);

// A problem for each field marked `past` whose date or time in `data` is after `now` (a date
// counts as in the future from the day after today, in UTC).
void check_past_dates(const std::vector<FieldSpec>& fields, const Json& data, TimePoint now,
                      std::vector<FieldProblem>& problems);

// A problem for each field marked `future` whose date in `given` is before today (UK) or whose
// time is not after `now`. Only values given now are checked: an item whose deadline has since
// passed can still be changed in other ways.
void check_future_dates(const std::vector<FieldSpec>& fields, const Json& given, TimePoint now,
                        std::vector<FieldProblem>& problems);

// A problem for each field with `within_days` whose date or time in `given` is more than that
// many days from today (UK), before or after. Only values given now are checked, as above.
void check_date_horizons(const std::vector<FieldSpec>& fields, const Json& given, TimePoint now,
                         std::vector<FieldProblem>& problems);

// The fields marked `future` (deadlines) whose date or time in `data` has passed by `now`, as
// check_future_dates finds them: what an open item's page and `show` flag.
std::vector<const FieldSpec*> passed_deadlines(const std::vector<FieldSpec>& fields,
                                               const Json& data, TimePoint now);

// Keys beginning with '_' hold the engine's own records (documents, sign-off): whatever a
// workflow's function did to them in `after`, they are put back as they were in `before`.
void keep_engine_records(const Json& before, Json& after);

}  // namespace commsflow
