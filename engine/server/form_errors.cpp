#include "server/form_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/forms.h"
#include "server/html.h"

namespace commsflow::server {

namespace {

// True when the problem is with `spec` itself or with something inside it ("eia[2].impact").
bool concerns(const FieldSpec& spec, const std::string& field) {
  return field == spec.name || field.starts_with(spec.name + "[");
}

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

bool picked(const FieldSpec& spec) {
  return spec.type == FieldType::Choice || spec.type == FieldType::Boolean ||
         spec.type == FieldType::Actor;
}

}  // namespace

std::string field_message(const FieldSpec* spec, const FieldProblem& error) {
  // A problem inside a row of a list of records: "Stakeholder groups, row 2: select interest".
  if (spec && error.field != spec->name && spec->item &&
      error.field.starts_with(spec->name + "[")) {
    const std::string rest = error.field.substr(spec->name.size() + 1);
    const size_t close = rest.find("].");
    if (close != std::string::npos) {
      const std::string row = rest.substr(0, close), name = rest.substr(close + 2);
      const auto& subs = spec->item->fields;
      auto sub = std::find_if(subs.begin(), subs.end(),
                              [&](const FieldSpec& f) { return f.name == name; });
      const std::string label = sub != subs.end() ? field_label(*sub) : name;
      std::string what =
          error.message == "is required"
              ? (sub != subs.end() && picked(*sub) ? "select " : "enter ") + lower_first(label)
              : label + " " + error.message;
      return fmt::format("{}, row {}: {}", field_label(*spec), row, what);
    }
  }
  std::string label = spec ? field_label(*spec) : error.field;
  if (error.message == "is required") {
    return (spec && picked(*spec) ? "Select " : "Enter ") + lower_first(label);
  }
  // A date was typed in boxes: the text made of them ("(got '2027-02-31')") is not what the
  // person typed, so it is not quoted back.
  std::string message = error.message;
  if (spec && (spec->type == FieldType::Date || spec->type == FieldType::DateTime)) {
    if (const auto got = message.rfind(" (got '");
        got != std::string::npos && message.ends_with("')")) {
      message.erase(got);
    }
  }
  return label + ": " + message;
}

namespace {

// Whether a workflow rule's reason is about `field`: rules name the field they refuse by its
// label, as "Needed by: 1 January 2100 is outside the working-day calendar".
bool reason_names(const std::string& reason, const FieldSpec& field) {
  const std::string label = field_label(field);
  return reason.size() > label.size() + 2 && reason.starts_with(label) &&
         reason.compare(label.size(), 2, ": ") == 0;
}

}  // namespace

std::string error_for(const CallResult* r, const FieldSpec& field) {
  if (!r) return {};
  for (const auto& f : r->field_errors) {
    if (concerns(field, f.field)) return field_message(&field, f);
  }
  for (const auto& reason : r->reasons) {
    if (reason_names(reason, field)) return reason;
  }
  return {};
}

std::string result_summary(const CallResult& r, const std::string& id_prefix,
                           const std::vector<const FieldSpec*>& fields) {
  if (r.code == "script") {
    // A fault in a workflow file is not the person's to put right: say so, and where, for
    // whoever is. The server's log has the whole message.
    return error_summary_html(
        {{"", fmt::format("Nothing was saved: the workflow could not run{}. This is a fault in "
                          "the workflow file, not in what you entered; tell whoever looks after "
                          "the workflow files.",
                          r.where.empty() ? std::string() : " (" + r.where + ")")}});
  }
  // In the order of the page's questions, which is not the order the engine found them in;
  // a problem with no question on the page comes last.
  std::vector<std::pair<std::size_t, const FieldProblem*>> placed;
  for (const auto& f : r.field_errors) {
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const FieldSpec* s) { return concerns(*s, f.field); });
    placed.emplace_back(static_cast<std::size_t>(it - fields.begin()), &f);
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, std::string>> problems;
  for (const auto& [at, f] : placed) {
    const FieldSpec* spec = at < fields.size() ? fields[at] : nullptr;
    problems.push_back({spec ? field_input_id(*spec, id_prefix) : "", field_message(spec, *f)});
  }
  // A refusal's reasons say it all: the message ("A workflow rule said no.") is the API's.
  for (const auto& reason : r.reasons) {
    auto named = std::find_if(fields.begin(), fields.end(),
                              [&](const FieldSpec* f) { return reason_names(reason, *f); });
    problems.push_back({named != fields.end() ? field_input_id(**named, id_prefix) : "", reason});
  }
  if (problems.empty()) problems.push_back({"", r.message});
  return error_summary_html(problems);
}

}  // namespace commsflow::server
