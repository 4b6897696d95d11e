#include "workflow/import_duplicates.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace commsflow {

namespace {

// One field's part of a key: its type as SQLite's json_type() names it (store_rows.h,
// DataValue) and, where the type alone does not say the value, its text as below.
void add_part(std::string& key, std::string_view type, std::string_view text) {
  key += type;
  key += '\x1f';
  if (type != "true" && type != "false" && type != "null") key += text;
  key += '\x1e';
}

// A number as every store can give it back: whole numbers to 2^53 (and whole numbers written as
// such that fit 64 bits) in digits, anything else to 15 significant digits, as SQLite writes
// them. Stores differ: SQLite writes 1e15 as "1.0e+15", PostgreSQL as "1000000000000000".
std::string number_text(double value) {
  if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{:.15g}", value);
}

std::string number_text(std::string_view text) {
  std::int64_t whole = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (error == std::errc() && end == text.data() + text.size()) return std::string(text);
  return number_text(std::strtod(std::string(text).c_str(), nullptr));
}

// A stored value's part: numbers, lists and records written anew, as a store's text of them
// (SQLite's digits, PostgreSQL's spacing and key order) is not always dump()'s.
void add_stored_part(std::string& key, const DataValue& value) {
  if (value.type == "integer" || value.type == "real") {
    return add_part(key, "number", number_text(value.text));
  }
  if (value.type == "object" || value.type == "array") {
    return add_part(key, value.type, Json::parse(value.text).dump());
  }
  add_part(key, value.type, value.text);
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
      return add_part(key, "number", number_text(value->dump()));
    case Json::value_t::number_float:
      return add_part(key, "number", number_text(value->get<double>()));
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
    for (const DataValue& value : item.data) add_stored_part(key, value);
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
