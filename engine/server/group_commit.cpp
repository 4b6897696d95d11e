#include "server/group_commit.h"

#include <commsflow/error.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <exception>

namespace commsflow::server {

namespace {

// What every work of a transaction SQLite abandoned is told: nothing of it was written. `cause`
// is what the work that failed threw, when it threw an Error.
Error abandoned(const std::exception_ptr& cause) {
  std::string why = "a storage failure";
  Error::Cause kind_of_cause = Error::Cause::None;
  if (cause) {
    try {
      std::rethrow_exception(cause);
    } catch (const Error& e) {
      why = e.what();
      kind_of_cause = e.cause();
    } catch (...) {
    }
  }
  return Error(ErrorKind::Storage,
               fmt::format("nothing was written: the database rolled back the transaction this "
                           "change shared with others made at the same moment ({}); try again",
                           why),
               kind_of_cause);
}

}  // namespace

// One caller of run(), on its own stack. The writer sets `error` (without mutex_) before it
// sets `batch_size` and `wakes` (under mutex_); the caller reads them once it sees `done`.
struct GroupCommit::Waiter {
  explicit Waiter(const Work& w) : work(w) {}
  const Work& work;
  std::condition_variable wake;
  bool done = false;  // its batch has ended, and it may return
  // The next caller of the batch, which this one tells once it is awake: the writer tells only
  // the first and goes on to the next batch, and each tells the next.
  Waiter* wakes = nullptr;
  std::size_t batch_size = 0;
  std::exception_ptr error;
};

GroupCommit::GroupCommit(Store& store, std::mutex& engine_mutex, std::size_t max_batch)
    : store_(store), engine_mutex_(engine_mutex), max_batch_(std::max<std::size_t>(max_batch, 1)) {
  // The writer takes no signals: SIGTERM and SIGINT go to the thread that waits for them
  // (run_until_signal), whichever thread started the server.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  writer_ = std::thread([this] { write(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  pthread_setname_np(writer_.native_handle(), "commsflow-write");
}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  work_queued_.notify_one();
  writer_.join();
}

std::size_t GroupCommit::run(const Work& work) {
  Waiter me(work);
  std::unique_lock<std::mutex> guard(mutex_);
  queue_.push_back(&me);
  if (queue_.size() == 1) work_queued_.notify_one();  // else the writer knows there is work
  me.wake.wait(guard, [&me] { return me.done; });
  // The next of the batch is still waiting (its `done` is set here, under mutex_), so it is
  // there to be woken.
  if (me.wakes) {
    me.wakes->done = true;
    me.wakes->wake.notify_one();
  }
  guard.unlock();
  if (me.error) std::rethrow_exception(me.error);
  return me.batch_size;
}

void GroupCommit::write() {
  std::unique_lock<std::mutex> guard(mutex_);
  while (true) {
    work_queued_.wait(guard, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to do
    guard.unlock();
    // Those already waiting for the engine go first: a waiter woken when the writer lets go
    // needs a moment to be scheduled, in which the writer would take the mutex back. A few
    // turns of the processor are enough, and bound how long a batch waits for them.
    for (int turn = 0; turn < 20 && others_waiting_.load() > 0; ++turn) {
      std::this_thread::yield();
    }
    std::vector<Waiter*> batch;
    {
      // The engine mutex first: works that come while a reader holds it join this batch.
      std::lock_guard<std::mutex> engine(engine_mutex_);
      {
        std::lock_guard<std::mutex> queued(mutex_);
        const auto taken = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_batch_));
        batch.assign(queue_.begin(), queue_.begin() + taken);
        queue_.erase(queue_.begin(), queue_.begin() + taken);
      }
      run_batch(batch);
    }
    guard.lock();
    ++stats_.batches;
    stats_.works += static_cast<std::int64_t>(batch.size());
    stats_.largest = std::max(stats_.largest, batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i]->batch_size = batch.size();
      batch[i]->wakes = i + 1 < batch.size() ? batch[i + 1] : nullptr;
    }
    // Under mutex_: the caller cannot return (and go) before this ends.
    batch.front()->done = true;
    batch.front()->wake.notify_one();
  }
}

void GroupCommit::run_batch(const std::vector<Waiter*>& batch) {
  std::size_t next = 0;
  while (next < batch.size()) {
    std::unique_ptr<StoreTransaction> transaction;
    try {
      transaction = store_.begin_write();
    } catch (...) {
      for (; next < batch.size(); ++next) batch[next]->error = std::current_exception();
      return;
    }
    std::vector<Waiter*> ran;  // the works run in this transaction
    bool lost = false;         // SQLite rolled it back itself
    std::exception_ptr lost_by;
    while (next < batch.size() && !lost) {
      Waiter* w = batch[next++];
      ran.push_back(w);
      try {
        auto savepoint = store_.begin_write();
        const bool keep = w->work();
        if (keep && store_.in_transaction()) savepoint->commit();
      } catch (...) {
        w->error = std::current_exception();
      }
      lost = !store_.in_transaction();
      if (lost) lost_by = w->error;
    }
    try {
      if (lost) throw abandoned(lost_by);
      transaction->commit();
    } catch (const Error& e) {
      // Nothing of this transaction was written: every work in it is told so, whatever it
      // returned (a refusal may have rested on the others' writes, now undone).
      for (Waiter* w : ran) w->error = std::make_exception_ptr(e);
    } catch (...) {
      for (Waiter* w : ran) w->error = std::current_exception();
    }
  }
}

std::unique_lock<std::mutex> GroupCommit::lock_engine() {
  ++others_waiting_;
  std::unique_lock<std::mutex> engine(engine_mutex_);
  --others_waiting_;
  return engine;
}

GroupCommit::Stats GroupCommit::stats() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return stats_;
}

std::size_t GroupCommit::waiting() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return queue_.size();
}

}  // namespace commsflow::server
