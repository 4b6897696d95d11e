#include "audit/chain_check.h"

#include <commsflow/event.h>
#include <commsflow/sha256.h>
#include <fmt/format.h>

#include <algorithm>

namespace commsflow {

namespace {

constexpr std::size_t kMaxWaitingBatches = 8;

std::string ref_of(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("ref") && j["ref"].is_string())
    return j["ref"].get<std::string>();
  return "(unreadable)";
}

// A stored hash matches only when it is exactly the lower-case hex of the recomputed digest, as
// the engine writes it: the same bytes in upper case are not what was written.
bool is_lower_hex_of(std::string_view stored, bool parsed, const Digest& stored_digest,
                     const Digest& actual) {
  return parsed && stored_digest == actual &&
         std::none_of(stored.begin(), stored.end(), [](char c) { return c >= 'A' && c <= 'F'; });
}

}  // namespace

void EventBatch::add(const EventRowView& row) {
  Row r;
  r.seq = row.seq;
  const std::string_view parts[kParts] = {row.body,  row.hash,   row.ref,
                                          row.actor, row.action, row.at};
  for (int p = 0; p < kParts; ++p) {
    r.at[p] = bytes.size();
    r.size[p] = parts[p].size();
    bytes.append(parts[p]);
  }
  rows.push_back(r);
}

ChainCheck::ChainCheck(const std::optional<ChainHead>& anchor) : anchor_(anchor) {
  result_.head_hash = genesis_hash();
  if (anchor_ && anchor_->seq == 0) result_.recomputed_at_anchor = genesis_hash();
  thread_ = std::thread([this] { run(); });
}

ChainCheck::~ChainCheck() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

void ChainCheck::add(std::shared_ptr<EventBatch> batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kMaxWaitingBatches || failure_; });
  if (failure_) return;  // finish() reports it
  queue_.push_back(std::move(batch));
  lock.unlock();
  changed_.notify_all();
}

std::shared_ptr<EventBatch> ChainCheck::reusable() {
  std::lock_guard lock(mutex_);
  if (checked_.empty()) return nullptr;
  auto batch = std::move(checked_.back());
  checked_.pop_back();
  return batch;
}

ChainCheck::Result ChainCheck::finish() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  thread_.join();
  if (failure_) std::rethrow_exception(failure_);
  return std::move(result_);
}

void ChainCheck::run() {
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
      check(*batch);
      std::lock_guard lock(mutex_);
      if (checked_.size() < kMaxWaitingBatches) checked_.push_back(std::move(batch));
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    queue_.clear();
    changed_.notify_all();
  }
}

void ChainCheck::check(const EventBatch& batch) {
  Sha256 hasher;
  auto& problems = result_.problems;
  for (std::size_t i = 0; i < batch.rows.size(); ++i) {
    const auto& row = batch.rows[i];
    const std::int64_t index = batch.first_index + static_cast<std::int64_t>(i);
    const std::int64_t seq = row.seq;
    const std::string_view body = batch.body(row);
    const std::string_view hash = batch.hash(row);
    if (seq != expected_seq_) {
      problems.push_back(PlacedProblem{
          index, VerifyProblem{seq, ref_of(body),
                               seq > expected_seq_
                                   ? fmt::format("events {} to {} are missing (the sequence jumps "
                                                 "to {})",
                                                 expected_seq_, seq - 1, seq)
                                   : fmt::format("event {} is out of order", seq)}});
    }
    expected_seq_ = seq + 1;
    const Digest actual = hasher.begin().add(prev_digest_).add(body).finish();
    Digest stored{};
    const bool parsed = from_hex(hash, stored);
    if (!is_lower_hex_of(hash, parsed, stored, actual)) {
      problems.push_back(PlacedProblem{
          index,
          VerifyProblem{seq, ref_of(body),
                        fmt::format("event {} ({}) does not match its hash: it was changed after "
                                    "it was written",
                                    seq, ref_of(body))}});
    }
    if (!parsed) {
      problems.push_back(PlacedProblem{
          index,
          VerifyProblem{seq, ref_of(body), fmt::format("event {} has a malformed hash", seq)}});
      stored = Digest{};
    }
    prev_digest_ = stored;
    if (anchor_ && seq <= anchor_->seq) {
      recomputed_ = hasher.begin().add(recomputed_).add(body).finish();
      if (seq == anchor_->seq) result_.recomputed_at_anchor = to_hex(recomputed_);
    }
  }
  if (!batch.rows.empty()) result_.head_hash.assign(batch.hash(batch.rows.back()));
}

}  // namespace commsflow
