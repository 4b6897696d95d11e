#include "store/sqlite/write_behind.h"

namespace commsflow::store {

namespace {
// The writer wakes for this many jobs at a time (or sooner when asked to settle): one wake-up
// per row would cost more than the row's own writes.
constexpr std::size_t kBatch = 64;
// The queue holds at most this many jobs (an import's row is three): memory stays small however
// far the preparing thread could run ahead.
constexpr std::size_t kLimit = 3072;
}  // namespace

WriteBehind::WriteBehind() : thread_([this] { run(); }) {}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void WriteBehind::queue(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  progress_.wait(lock, [&] { return failure_ || queued_.size() < kLimit; });
  if (failure_) std::rethrow_exception(failure_);
  queued_.push_back(std::move(job));
  if (queued_.size() == kBatch) work_.notify_one();
}

std::exception_ptr WriteBehind::settle() {
  std::unique_lock lock(mutex_);
  settling_ = true;
  work_.notify_one();
  progress_.wait(lock, [&] { return queued_.empty() && !busy_; });
  settling_ = false;
  return failure_;
}

void WriteBehind::run() {
  std::vector<std::function<void()>> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] {
      return stopping_ || (!queued_.empty() && (settling_ || queued_.size() >= kBatch));
    });
    if (queued_.empty()) return;  // stopping, with nothing left to run
    batch.swap(queued_);
    busy_ = true;
    lock.unlock();
    progress_.notify_one();  // room in the queue again
    std::exception_ptr failed;
    for (auto& job : batch) {
      try {
        job();
      } catch (...) {
        failed = std::current_exception();
        break;  // the transaction will not commit: what follows need not run
      }
    }
    batch.clear();
    lock.lock();
    busy_ = false;
    if (failed && !failure_) failure_ = failed;
    if (failure_) queued_.clear();
    progress_.notify_one();
  }
}

}  // namespace commsflow::store
