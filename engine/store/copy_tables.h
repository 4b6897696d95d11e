// The tables `commsflow copy` moves between databases, in an order that keeps every reference
// pointing at a row already copied, with their columns. Internal to engine/store/.
#pragma once

#include <string>
#include <vector>

namespace commsflow::store {

struct CopiedTable {
  std::string name;
  std::vector<std::string> columns;
  std::string order_by;      // a stable order in which references point backwards
  std::string bytes_column;  // a column holding bytes rather than text; empty for none
  std::string identity;      // the column whose generated values must follow the copied ones
};

const std::vector<CopiedTable>& copied_tables();

}  // namespace commsflow::store
