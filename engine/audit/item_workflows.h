// The workflow version each item row names, checked for verify: it must be stored, belong to
// the workflow the row names, and its stored Lua (and modules) must still hash to it, the
// version being that hash. Each version is looked up once.
//
// Thread-safety: none; one verify owns it.
#pragma once

#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace commsflow {

class ItemWorkflows {
 public:
  explicit ItemWorkflows(Store& store) : store_(store) {}
  // Appends what is wrong with `row`'s workflow or version. Call inside verify's read
  // transaction; a problem with a version itself is reported once, at its first item.
  void check(const ItemRowView& row, std::vector<VerifyProblem>& problems);

 private:
  Store& store_;
  std::map<std::string, std::optional<std::string>, std::less<>> names_;  // version -> workflow
};

}  // namespace commsflow
