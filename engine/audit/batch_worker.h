// A second thread for verify: the reader hands it each full batch of events, in log order, and
// it runs one piece of work on them while the reader reads and checks the next. The work is
// verify's replay, the larger half; the reader keeps the hash chain (see verify.cpp).
//
// Thread-safety: add(), reusable() and finish() are called by one thread (the reader). The work
// runs on the worker's own thread, started by the constructor and joined by finish() or the
// destructor; whatever it touches belongs to it until then.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "audit/chain_check.h"

namespace commsflow {

class BatchWorker {
 public:
  using Work = std::function<void(const EventBatch&)>;

  explicit BatchWorker(Work work);
  ~BatchWorker();  // stops and joins the thread if finish() was not called
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  // Queues a batch for the work; blocks while too many are waiting, to bound memory. The caller
  // may go on reading the batch, but not change it.
  void add(std::shared_ptr<EventBatch> batch);
  // A batch the work is done with, for the reader to clear and fill again (its memory reused
  // rather than given back and asked for anew at every batch), or null when none is.
  std::shared_ptr<EventBatch> reusable();
  // Waits for every queued batch to be done. Rethrows what the work threw; the batches after
  // it were not done.
  void finish();

 private:
  void run();

  Work work_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<EventBatch>> queue_;
  std::vector<std::shared_ptr<EventBatch>> done_;  // for reusable(), a few at most
  bool closed_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace commsflow
