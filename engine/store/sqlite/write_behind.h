// A queue of writes run on a thread of their own, in the order queued, while the thread that
// queued them goes on preparing the next. Database uses it for SqliteStore::write_behind (the
// rows of an import); nothing else should need it.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace commsflow::store {

class WriteBehind {
 public:
  WriteBehind();
  // Runs whatever is still queued, then stops the thread.
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // Queues `job`, waiting while the queue is full. Throws the failure of an earlier job, if one
  // failed: nothing queued after a failure runs.
  void queue(std::function<void()> job);
  // Waits until every job queued so far has run; returns the first failure, or null.
  std::exception_ptr settle();
  bool on_writer_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable work_;      // to the writer: a batch is ready, or settle, or stop
  std::condition_variable progress_;  // to the queuing thread: room in the queue, or all done
  std::vector<std::function<void()>> queued_;
  bool busy_ = false;      // the writer is running a batch
  bool settling_ = false;  // the queuing thread waits for everything queued
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace commsflow::store
