#include "workflow/import_duplicates.h"

namespace commsflow {

namespace {

// One field's part of a key: its type as SQLite's json_type() names it (store_rows.h,
// DataValue) and, where the type alone does not say the value, its text.
void add_part(std::string& key, std::string_view type, std::string_view text) {
  key += type;
  key += '\x1f';
  if (type != "true" && type != "false" && type != "null") key += text;
  key += '\x1e';
}

void add_part(std::string& key, const Json* value) {
  if (!value) return add_part(key, "", "");
  switch (value->type()) {
    case Json::value_t::string:
      return add_part(key, "text", value->get_ref<const std::string&>());
    case Json::value_t::boolean:
      return add_part(key, value->get<bool>() ? "true" : "false", "");
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return add_part(key, "integer", value->dump());
    case Json::value_t::number_float:
      return add_part(key, "real", value->dump());
    case Json::value_t::object:
      return add_part(key, "object", value->dump());
    case Json::value_t::array:
      return add_part(key, "array", value->dump());
    default:
      return add_part(key, "null", "");
  }
}

}  // namespace

ItemsAlreadyHere::ItemsAlreadyHere(Store& store, std::string_view workflow,
                                   std::vector<std::string> fields)
    : fields_(std::move(fields)) {
  if (fields_.empty()) return;
  std::string key;
  store.for_each_item_keys(workflow, fields_, [&](const ItemKeys& item) {
    key.clear();
    for (const DataValue& value : item.data) add_part(key, value.type, value.text);
    ref_by_key_.try_emplace(key, item.ref);
  });
}

const std::string* ItemsAlreadyHere::same_as(const Json& data) const {
  if (ref_by_key_.empty()) return nullptr;
  std::string key;
  for (const std::string& field : fields_) {
    const auto value = data.find(field);
    add_part(key, value == data.end() ? nullptr : &*value);
  }
  const auto found = ref_by_key_.find(key);
  return found == ref_by_key_.end() ? nullptr : &found->second;
}

}  // namespace commsflow
