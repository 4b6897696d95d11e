#include "audit/item_workflows.h"

#include <commsflow/registry.h>
#include <fmt/format.h>

namespace commsflow {

void ItemWorkflows::check(const ItemRowView& row, std::vector<VerifyProblem>& problems) {
  auto known = names_.find(row.version);
  if (known == names_.end()) {
    std::optional<std::string> name;
    if (auto d = store_.definition(row.version)) {
      name = d->name;
      const std::string hashed = version_id(d->source, d->libraries.value_or(LibrarySources{}));
      if (hashed != d->version) {
        problems.push_back(VerifyProblem{
            0, std::string(row.ref),
            fmt::format("workflow {} version {}: its stored Lua does not hash to its version: it "
                        "was changed after it was loaded",
                        d->name, d->version)});
      }
    } else {
      problems.push_back(VerifyProblem{
          0, std::string(row.ref),
          fmt::format("item {}: its workflow version {} is not stored", row.ref, row.version)});
    }
    known = names_.emplace(std::string(row.version), std::move(name)).first;
  }
  if (known->second && *known->second != row.workflow) {
    problems.push_back(VerifyProblem{
        0, std::string(row.ref),
        fmt::format("item {}: its workflow column says '{}' but its version belongs to '{}'",
                    row.ref, row.workflow, *known->second)});
  }
}

}  // namespace commsflow
