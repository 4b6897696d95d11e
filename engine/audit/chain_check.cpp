#include "audit/chain_check.h"

#include <commsflow/event.h>
#include <commsflow/sha256.h>
#include <fmt/format.h>

namespace commsflow {

namespace {

std::string ref_of(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("ref") && j["ref"].is_string())
    return j["ref"].get<std::string>();
  return "(unreadable)";
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
                               seq == expected_seq_ + 1
                                   ? fmt::format("event {} is missing (the sequence jumps to {})",
                                                 expected_seq_, seq)
                               : seq > expected_seq_
                                   ? fmt::format("events {} to {} are missing (the sequence jumps "
                                                 "to {})",
                                                 expected_seq_, seq - 1, seq)
                                   : fmt::format("event {} is out of order", seq)}});
    }
    expected_seq_ = seq + 1;
    const Digest actual = hasher.begin().add(prev_digest_).add(body).finish();
    // A stored hash matches only when it is exactly the lower-case hex of the recomputed digest,
    // as the engine writes it: the same bytes in upper case are not what was written. The chain
    // goes on from the stored hash, parsed only when it does not match.
    const bool matches = is_hex_of(hash, actual);
    Digest stored = actual;
    const bool parsed = matches || from_hex(hash, stored);
    if (!matches) {
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
