#include "audit/batch_worker.h"

namespace commsflow {

namespace {
constexpr std::size_t kMaxWaitingBatches = 8;
}  // namespace

BatchWorker::BatchWorker(Work work) : work_(std::move(work)) {
  thread_ = std::thread([this] { run(); });
}

BatchWorker::~BatchWorker() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

void BatchWorker::add(std::shared_ptr<EventBatch> batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kMaxWaitingBatches || failure_; });
  if (failure_) return;  // finish() reports it
  queue_.push_back(std::move(batch));
  lock.unlock();
  changed_.notify_all();
}

std::shared_ptr<EventBatch> BatchWorker::reusable() {
  std::lock_guard lock(mutex_);
  if (done_.empty()) return nullptr;
  auto batch = std::move(done_.back());
  done_.pop_back();
  return batch;
}

void BatchWorker::finish() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  thread_.join();
  if (failure_) std::rethrow_exception(failure_);
}

void BatchWorker::run() {
  try {
    for (;;) {
      std::shared_ptr<EventBatch> batch;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      changed_.notify_all();
      work_(*batch);
      std::lock_guard lock(mutex_);
      if (done_.size() < kMaxWaitingBatches) done_.push_back(std::move(batch));
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    queue_.clear();
    changed_.notify_all();
  }
}

}  // namespace commsflow
