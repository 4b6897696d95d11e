// A failed change shown on a page: the NHS error summary at the top, linking each field at fault
// to its input, and the message beside each field.
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <vector>

#include "server/calls.h"

namespace commsflow::server {

// An engine field problem in the NHS style: "Enter title" or "Select kind" for a missing value,
// else "Label: problem". `spec` may be null (a field the form does not know).
std::string field_message(const FieldSpec* spec, const FieldProblem& error);
// The message to show beside `field` after the failed call `r` (null: none), or empty.
std::string error_for(const CallResult* r, const FieldSpec& field);
// The summary at the top of a page after a failed change: field problems link to their input
// (field_input_id with `id_prefix`); refusals list their reasons.
std::string result_summary(const CallResult& r, const std::string& id_prefix,
                           const std::vector<const FieldSpec*>& fields);

}  // namespace commsflow::server
