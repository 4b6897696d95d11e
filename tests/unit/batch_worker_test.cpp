// The replay thread of verify (engine/audit/batch_worker.h): batches are worked on in the order
// handed over, each once; a batch the work is done with comes back for reuse; and what the work
// throws reaches the reader at finish(), not a crash on the other thread.
#include "audit/batch_worker.h"

#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <vector>

using commsflow::BatchWorker;
using commsflow::EventBatch;

namespace {

std::shared_ptr<EventBatch> batch_starting_at(std::int64_t first_index) {
  auto batch = std::make_shared<EventBatch>();
  batch->first_index = first_index;
  return batch;
}

}  // namespace

TEST_CASE("verify's replay thread works on every batch once, in order, and hands them back") {
  std::vector<std::int64_t> seen;  // the worker's own until finish()
  BatchWorker worker([&](const EventBatch& batch) { seen.push_back(batch.first_index); });
  std::vector<std::shared_ptr<EventBatch>> reused;
  for (std::int64_t i = 0; i < 50; ++i) {
    worker.add(batch_starting_at(i));
    if (auto back = worker.reusable()) reused.push_back(back);
  }
  worker.finish();
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 0; i < 50; ++i) expected.push_back(i);
  CHECK(seen == expected);
  // What came back for reuse was worked on already.
  for (const auto& batch : reused) CHECK(batch->first_index < 50);
}

TEST_CASE("what verify's replay thread throws is rethrown by finish, and the work stops there") {
  std::vector<std::int64_t> seen;
  BatchWorker worker([&](const EventBatch& batch) {
    if (batch.first_index == 3) throw std::runtime_error("replay failed at batch 3");
    seen.push_back(batch.first_index);
  });
  for (std::int64_t i = 0; i < 20; ++i) worker.add(batch_starting_at(i));
  CHECK_THROWS_WITH(worker.finish(), "replay failed at batch 3");
  CHECK(seen == std::vector<std::int64_t>{0, 1, 2});
}
