// HTML forms generated from a workflow's field definitions, and form posts turned back into
// engine input.
//
// A field added in Lua appears on the forms at the next reload, with no rebuild. The New request
// form shows the fields a requester fills in: those that are required, have a `label`, or have a
// `default`. Fields with none of these are taken to be set by the workflow's rules (ratings, due
// times, who asked) and are left off.
//
// Thread-safe (pure functions).
#pragma once

#include <commsflow/definition.h>
#include <commsflow/error.h>
#include <commsflow/store.h>
#include <httplib.h>

#include <map>
#include <string>
#include <vector>

#include "server/calls.h"

namespace commsflow::server {

bool is_request_field(const FieldSpec& field);

// One NHS form group for the field: label, hint, inline error and the input. `value` is what to
// show (from a failed post, or the current data). `id_prefix` keeps ids unique when a page holds
// several forms; the input's name is always the field's name.
// `people`, if given, makes a field that names a person a choice of those holding its role (by
// display name), rather than a name to type.
std::string field_input_html(const FieldSpec& field, const std::string& value,
                             const std::string& error, const std::string& id_prefix = "",
                             const std::vector<Actor>* people = nullptr);
// The id field_input_html gives the field's input (for error summary links).
std::string field_input_id(const FieldSpec& field, const std::string& id_prefix = "");

// The posted values of `fields` as engine input: empty values are left out (unset); lists are
// one entry per line; dates and datetimes come from the NHS date input's boxes (NAME-day,
// NAME-month, NAME-year, NAME-time), or from NAME itself when it is posted whole; datetimes are
// UK time, stored as UTC (what is not a date, or a time the clocks skip, is passed on as typed
// and refused by the field's check). With `current` (the item's data, for a form that changes
// it), a field whose input was posted empty and that holds a value there is given as null, which
// clears it: emptying a box and saving takes the value away rather than keeping it unseen.
// The boxes of a date input typed wrongly (a part missing, a two-number year, a time that is
// none), and a question answered more than once, are said so in `problems`, and given as a
// value no field takes (false): the engine refuses the change, naming the field among any
// others at fault, and the caller puts these words in place of its message for it
// (typed_wrongly_said).
Json form_inputs(const std::vector<const FieldSpec*>& fields, const httplib::Request& request,
                 std::vector<FieldProblem>& problems, const Json* current = nullptr);
// `r` (a call refused for the inputs form_inputs gave) with each field typed wrongly said in
// form_inputs' words: those replace the engine's message for the field, or are added.
void typed_wrongly_said(CallResult& r, const std::vector<FieldProblem>& typed_wrongly);
// The raw posted text of each field (to show again after an error); a date input's boxes are
// joined under the field's name too.
std::map<std::string, std::string> posted_values(const httplib::Request& request);

// A JSON value as text for a form or a page: strings as they are, lists one per line.
std::string value_text(const Json& value);

}  // namespace commsflow::server
