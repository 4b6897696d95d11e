#include "server/form_errors.h"

#include <algorithm>
#include <cctype>

#include "server/forms.h"
#include "server/html.h"

namespace commsflow::server {

std::string field_message(const FieldSpec* spec, const FieldProblem& error) {
  std::string label = spec ? field_label(*spec) : error.field;
  if (error.message == "is required") {
    std::string lower = label;
    if (!lower.empty()) lower[0] = static_cast<char>(std::tolower(lower[0]));
    bool pick = spec && (spec->type == FieldType::Choice || spec->type == FieldType::Boolean ||
                         spec->type == FieldType::Actor);
    return (pick ? "Select " : "Enter ") + lower;
  }
  return label + ": " + error.message;
}

std::string error_for(const CallResult* r, const FieldSpec& field) {
  if (!r) return {};
  for (const auto& f : r->field_errors) {
    if (f.field == field.name) return field_message(&field, f);
  }
  return {};
}

std::string result_summary(const CallResult& r, const std::string& id_prefix,
                           const std::vector<const FieldSpec*>& fields) {
  std::vector<std::pair<std::string, std::string>> problems;
  for (const auto& f : r.field_errors) {
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const FieldSpec* s) { return s->name == f.field; });
    const FieldSpec* spec = it != fields.end() ? *it : nullptr;
    problems.push_back({spec ? field_input_id(*spec, id_prefix) : "", field_message(spec, f)});
  }
  if (r.status == 403 || r.status == 422) problems.push_back({"", r.message});
  for (const auto& reason : r.reasons) problems.push_back({"", reason});
  if (problems.empty()) problems.push_back({"", r.message});
  return error_summary_html(problems);
}

}  // namespace commsflow::server
