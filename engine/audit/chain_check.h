// The hash-chain half of verify, run on its own thread so that hashing overlaps with reading
// and replaying the events (the chain itself is sequential; the machine has more than one core).
//
// Events are handed over in batches, in sequence order. For each it checks that the sequence
// has no gap and that hash = SHA-256(previous stored hash || body), and recomputes the chain from
// the bodies alone up to an anchor, exactly as verify() describes.
//
// Thread-safety: add() and finish() are called by one thread (the reader); the checking runs on
// a thread of its own, started by the constructor and joined by finish() or the destructor.
#pragma once

#include <commsflow/sha256.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace commsflow {

// Events read from the log, their bytes kept together; shared, read-only once full (until
// ChainCheck::reusable() hands it back).
struct EventBatch {
  // Where each part of a row lies in `bytes`.
  enum Part { kBody, kHash, kRef, kActor, kAction, kAt, kParts };
  struct Row {
    std::int64_t seq = 0;
    std::size_t at[kParts] = {};
    std::size_t size[kParts] = {};
  };
  std::int64_t first_index = 0;  // position of rows[0] in the log, counting from 0
  std::vector<Row> rows;
  std::string bytes;

  void add(const EventRowView& row);
  // Empties it for another round, keeping its memory.
  void clear() { rows.clear(), bytes.clear(); }
  std::string_view part(const Row& r, Part p) const { return {bytes.data() + r.at[p], r.size[p]}; }
  std::string_view body(const Row& r) const { return part(r, kBody); }
  std::string_view hash(const Row& r) const { return part(r, kHash); }
};

// A problem and the position of the event it is about, so that problems found on two threads
// can be put back in the order of the log.
struct PlacedProblem {
  std::int64_t index = 0;
  VerifyProblem problem;
};

class ChainCheck {
 public:
  explicit ChainCheck(const std::optional<ChainHead>& anchor);
  ~ChainCheck();  // stops and joins the thread if finish() was not called
  ChainCheck(const ChainCheck&) = delete;
  ChainCheck& operator=(const ChainCheck&) = delete;

  // Queues a batch for checking; blocks while too many are waiting, to bound memory. The caller
  // may go on reading the batch, but not change it.
  void add(std::shared_ptr<EventBatch> batch);
  // A batch already checked, for the reader to clear and fill again (its memory reused rather
  // than given back and asked for anew at every batch), or null when none is. Call only once
  // the reader itself is done with the batches it added.
  std::shared_ptr<EventBatch> reusable();

  struct Result {
    std::vector<PlacedProblem> problems;  // in log order
    std::string head_hash;                // the last stored hash; genesis for an empty log
    std::optional<std::string> recomputed_at_anchor;  // empty if the log never reached it
  };
  // Waits for every queued batch to be checked. Rethrows what the checking thread threw.
  Result finish();

 private:
  void run();
  void check(const EventBatch& batch);

  std::optional<ChainHead> anchor_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<EventBatch>> queue_;
  std::vector<std::shared_ptr<EventBatch>> checked_;  // for reusable(), a few at most
  bool closed_ = false;
  std::exception_ptr failure_;
  Result result_;
  std::int64_t expected_seq_ = 1;
  Digest prev_digest_{};  // the previous stored hash, as bytes
  Digest recomputed_{};   // the chain recomputed from the bodies alone, for the anchor
  std::thread thread_;    // last: started once everything above is ready
};

}  // namespace commsflow
