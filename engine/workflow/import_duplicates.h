// Rows an import would bring in a second time: a row whose every column holds what an item of
// the workflow already holds in that field is taken for one imported before (the same file
// imported twice, or a row pasted into a later file), and refused unless the user says
// otherwise. Items are read once, by their fields alone (Store::for_each_item_keys).
#pragma once

#include <commsflow/store.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace commsflow {

class ItemsAlreadyHere {
 public:
  // Reads the `fields` of every item of `workflow` now in `store`.
  ItemsAlreadyHere(Store& store, std::string_view workflow, std::vector<std::string> fields);

  // The ref of an item read above whose data holds what `data` holds in each of the fields (a
  // field absent from both counts as the same), or null when there is none.
  const std::string* same_as(const Json& data) const;

 private:
  std::vector<std::string> fields_;
  std::unordered_map<std::string, std::string> ref_by_key_;  // key: the fields' values, joined
};

}  // namespace commsflow
