// The fields the fuzz targets check input against: one of every field type, including a list of
// records and a conditional requirement, so coercion and validation see every path.
#pragma once

#include <commsflow/definition.h>

#include <memory>
#include <vector>

namespace commsflow::fuzz {

inline FieldSpec field(const char* name, FieldType type) {
  FieldSpec spec;
  spec.name = name;
  spec.label = name;
  spec.type = type;
  return spec;
}

inline std::vector<FieldSpec> every_field_type() {
  std::vector<FieldSpec> fields;
  auto title = field("title", FieldType::Text);
  title.required = true;
  title.min = 1;
  title.max = 200;
  fields.push_back(title);
  auto rating = field("rating", FieldType::Choice);
  rating.options = {"red", "amber", "green"};
  fields.push_back(rating);
  fields.push_back(field("urgent", FieldType::Boolean));
  auto count = field("count", FieldType::Integer);
  count.min = 0;
  count.max = 1000;
  fields.push_back(count);
  fields.push_back(field("budget", FieldType::Number));
  fields.push_back(field("due", FieldType::Date));
  fields.push_back(field("received_at", FieldType::DateTime));
  auto tags = field("tags", FieldType::List);
  tags.item = std::make_shared<FieldSpec>(field("tag", FieldType::Text));
  tags.max = 5;
  fields.push_back(tags);
  auto contact = field("contact", FieldType::Record);
  contact.fields = {field("name", FieldType::Text), field("phone", FieldType::Text)};
  fields.push_back(contact);
  auto contacts = field("contacts", FieldType::List);
  contacts.item = std::make_shared<FieldSpec>(contact);
  fields.push_back(contacts);
  auto owner = field("owner", FieldType::Actor);
  owner.role = "comms_officer";
  fields.push_back(owner);
  auto reason = field("reason", FieldType::Text);
  reason.required_if = {{"rating", {"red"}}};
  fields.push_back(reason);
  return fields;
}

}  // namespace commsflow::fuzz
