// Group commit: changes that wait for the engine at the same moment share one transaction and
// one COMMIT, so that one sync of the write-ahead log makes a whole batch durable.
//
// Callers hand run() their work and wait. One writer thread takes the engine mutex, then every
// work waiting by then (in the order they came, at most max_batch), opens one write
// transaction, runs each work in a savepoint of its own, commits, and wakes the callers; then
// it takes the next batch, made of the works that came meanwhile. It never waits for company:
// a work that finds the writer idle runs at once, as a batch of one, so batches form only while
// a batch (most of all its COMMIT) is under way.
//
// What each caller is told, and when:
//  - Nothing before the COMMIT has returned: run() returns (or throws) only once the batch has
//    ended, so an answer built from its result never acknowledges a write that is not durable.
//  - A work that returns false (a refusal, an error it answered itself) or throws has its
//    savepoint rolled back: its writes are undone and the batch's others are kept.
//  - When the COMMIT fails, or SQLite abandons the transaction after a storage failure (a full
//    disk, an I/O error: it then rolls back every savepoint), every work that ran in it is told
//    the failure, whatever it returned, since nothing of it was written. Works not yet run then
//    run in a fresh transaction.
//
// Each work runs on the writer thread with the engine mutex held, inside the shared
// transaction: what it reads includes the writes of the works before it in its batch (applied
// in that order, as if each had committed), and nothing else uses the connection meanwhile,
// because every other user of the engine takes the same mutex. Whatever a work writes into its
// caller's variables is visible to the caller once run() returns.
//
// With max_batch 1 every batch holds one work: each commits on its own, in the order the works
// came (what batching alone adds can be measured against that).
//
// Readers take the engine mutex through lock_engine(), which lets them in between batches.
//
// Thread-safe: run(), lock_engine(), stats() and waiting() may be called from any thread but the
// writer's (a work must not call them). The destructor finishes the works queued, then stops
// the writer.
#pragma once

#include <commsflow/store.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace commsflow::server {

class GroupCommit {
 public:
  // Counts since the GroupCommit was made.
  struct Stats {
    std::int64_t batches = 0;  // batches run (each one COMMIT, unless SQLite abandoned one)
    std::int64_t works = 0;    // works run
    std::size_t largest = 0;   // most works in one batch
  };

  // Runs on the writer thread with the engine mutex held, inside the shared transaction.
  // Returns true to keep its writes, false to have them rolled back.
  using Work = std::function<bool()>;

  // Starts the writer thread, which takes at most `max_batch` works (at least 1) into one
  // transaction. `store` and `engine_mutex` must outlive the GroupCommit; `engine_mutex` guards
  // `store` (every other user of the store must hold it).
  GroupCommit(Store& store, std::mutex& engine_mutex, std::size_t max_batch);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `work` in a batch and returns, once the batch has ended, how many works it held. When
  // this returns, whatever `work` kept is durable.
  // Throws what `work` threw (its writes undone), or Error(Storage) (Cause::DiskFull for a full
  // disk) or Error(Conflict) (another process held the database) when the batch's transaction
  // could not be begun or committed or was abandoned: then nothing `work` did was written.
  std::size_t run(const Work& work);

  // The engine mutex, for anyone but the writer (a page, a sign-in, the scheduler). The writer
  // lets those already waiting for it go before its next batch: under a stream of changes it
  // would otherwise take the mutex back before a woken reader could run, and pages would wait
  // for seconds.
  std::unique_lock<std::mutex> lock_engine();

  Stats stats() const;
  // Works queued and not yet taken into a batch (for tests and diagnostics).
  std::size_t waiting() const;
  std::size_t max_batch() const { return max_batch_; }

 private:
  struct Waiter;
  // The writer thread: runs batches until stopped and nothing is queued.
  void write();
  // Runs `batch` with the engine mutex held; sets each waiter's error.
  void run_batch(const std::vector<Waiter*>& batch);

  Store& store_;
  std::mutex& engine_mutex_;
  const std::size_t max_batch_;
  std::atomic<int> others_waiting_{0};  // lock_engine() callers not yet holding the mutex
  mutable std::mutex mutex_;            // guards everything below
  std::condition_variable work_queued_;
  std::deque<Waiter*> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;  // started by the constructor once everything above is ready
};

}  // namespace commsflow::server
