// The hash-chain half of verify, and the batches of events verify reads the log in.
//
// Events are checked in batches, in sequence order. For each it checks that the sequence has no
// gap and that hash = SHA-256(previous stored hash || body), and recomputes the chain from the
// bodies alone up to an anchor, exactly as verify() describes.
//
// Thread-safety: a ChainCheck is used by one thread.
#pragma once

#include <commsflow/sha256.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// Events read from the log, their bytes kept together; shared, read-only once full (until
// BatchWorker::reusable() hands it back).
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

  // Checks the next batch; batches must come in log order.
  void check(const EventBatch& batch);

  struct Result {
    std::vector<PlacedProblem> problems;  // in log order
    std::string head_hash;                // the last stored hash; genesis for an empty log
    std::optional<std::string> recomputed_at_anchor;  // empty if the log never reached it
  };
  // What the batches checked so far showed; call once, after the last batch.
  Result finish() { return std::move(result_); }

 private:
  std::optional<ChainHead> anchor_;
  Result result_;
  std::int64_t expected_seq_ = 1;
  Digest prev_digest_{};  // the previous stored hash, as bytes
  Digest recomputed_{};   // the chain recomputed from the bodies alone, for the anchor
};

}  // namespace commsflow
