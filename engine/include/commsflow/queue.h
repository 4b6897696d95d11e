// The queue, standing on the engine's core: the open items (not in a final state of their
// version) of a workflow, in the order its current version's `queue` declares (QueueSpec in
// definition.h). Only small keys of every item are held; items are read one at a time
// (engine/workflow/queue.cpp).
#pragma once

#include <commsflow/engine.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace commsflow {

enum class QueueOrder {
  Workflow,   // the workflow's `queue.sort`, then submission order (see QueueSpec)
  Due,        // the `queue.due` field first (none last), then the workflow's order
  Reference,  // by reference
};

// Which part of a workflow's queue to read, filtered then ordered then paged.
struct QueueQuery {
  QueueQuery() = default;
  explicit QueueQuery(std::string workflow_name) : workflow(std::move(workflow_name)) {}

  std::string workflow;
  std::string tier;        // empty: any; otherwise only items whose `queue.tier` field is this
  bool late_only = false;  // only items whose `queue.late` field is true
  QueueOrder order = QueueOrder::Workflow;
  std::int64_t offset = 0;  // how many matching items to skip
  std::int64_t limit = -1;  // at most this many items; -1: all
};

struct QueuePage {
  std::int64_t total = 0;  // items matching the query, on every page together
  std::vector<Item> items;
};

// Calls `visit` with each item of the query's page, in order, inside one read transaction, and
// returns how many items match the query (ignoring offset and limit). Throws Error(BadInput)
// for a negative offset or a limit below -1. A workflow with no items has an empty queue.
std::int64_t for_each_in_queue(Engine& engine, const QueueQuery& query,
                               const std::function<void(const Item&)>& visit);
// The same, collected: for a page of the queue (a small limit), not for all of it.
QueuePage queue_page(Engine& engine, const QueueQuery& query);

}  // namespace commsflow
