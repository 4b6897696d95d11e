#include <commsflow/definition.h>

#include <algorithm>
#include <cctype>

namespace commsflow {

const char* to_string(FieldType type) {
  switch (type) {
    case FieldType::Text:
      return "text";
    case FieldType::Choice:
      return "choice";
    case FieldType::Boolean:
      return "boolean";
    case FieldType::Integer:
      return "integer";
    case FieldType::Number:
      return "number";
    case FieldType::Date:
      return "date";
    case FieldType::DateTime:
      return "datetime";
    case FieldType::List:
      return "list";
    case FieldType::Record:
      return "record";
    case FieldType::Actor:
      return "actor";
  }
  return "?";
}

const ActionSpec* StateSpec::action(std::string_view action_name) const {
  for (const auto& a : actions) {
    if (a.name == action_name) return &a;
  }
  return nullptr;
}

const FieldSpec* ActionSpec::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

const StateSpec* Definition::state(std::string_view state_name) const {
  for (const auto& s : states) {
    if (s.name == state_name) return &s;
  }
  return nullptr;
}

const FieldSpec* Definition::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

const StateSpec* Definition::state_with_action(std::string_view action_name) const {
  for (const auto& s : states) {
    if (s.action(action_name)) return &s;
  }
  return nullptr;
}

const QueueTier* QueueSpec::tier(std::string_view value) const {
  for (const auto& t : tiers) {
    if (t.value == value) return &t;
  }
  return nullptr;
}

bool QueueSpec::holds(std::string_view state) const {
  return std::find(hold_states.begin(), hold_states.end(), state) != hold_states.end();
}

bool Definition::is_final(std::string_view state_name) const {
  const StateSpec* s = state(state_name);
  return s && s->final;
}

std::string readable_label(std::string_view identifier) {
  std::string label(identifier);
  std::replace(label.begin(), label.end(), '_', ' ');
  if (!label.empty())
    label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
  return label;
}

std::string field_label(const FieldSpec& field) {
  return field.label.empty() || field.label == field.name ? readable_label(field.name)
                                                          : field.label;
}

std::string option_label(const FieldSpec& field, std::string_view value) {
  auto it = field.option_labels.find(std::string(value));
  return it != field.option_labels.end() ? it->second : readable_label(value);
}

std::string state_label(const Definition& d, std::string_view state) {
  const StateSpec* s = d.state(state);
  return s ? s->label : readable_label(state);
}

std::string action_label(const Definition& d, std::string_view action) {
  if (const StateSpec* s = d.state_with_action(action)) return s->action(action)->label;
  return readable_label(action);
}

const std::vector<std::string>& standard_roles() {
  static const std::vector<std::string> roles = {
      "requester",       "triager",    "comms_officer", "head_of_comms", "director",
      "clinical_lead",   "legal",      "executive",     "partner_comms", "regional_comms_lead",
      "engagement_lead", "governance", "admin"};
  return roles;
}

bool names_role(const Definition& d, std::string_view entry) {
  const auto is = [&](const std::string& role) { return role == entry; };
  return std::any_of(standard_roles().begin(), standard_roles().end(), is) ||
         std::any_of(d.roles.begin(), d.roles.end(), is);
}

}  // namespace commsflow
