// Figure 1's peers: the same three-step sign-off run by other workflow libraries in Node.js
// (bench/peers/peer.mjs: xstate 5 with better-sqlite3, and bpmn-engine 25), each approval one
// SQLite transaction in WAL mode. commsflow_bench drives each peer as a child process over pipes
// so that the peers and the engine can take turns every few items within one run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "bench.h"

namespace commsflow::bench {

// Why the peers cannot run here (node missing, packages not installed, or the reason
// scripts/bench gave), or empty when they can be tried.
std::string peers_unavailable(const Paths& paths);

// One peer library in a `node peer.mjs NAME --serve` child, on its own database in the scratch
// folder. Starting one sets up its items (untimed) and waits until the peer says it is ready.
// Any failure, at start or later, is kept as `failure()` instead of thrown: a peer that cannot
// run gives a "not run" row, never a failed benchmark.
class Peer {
 public:
  // `name` is a peer.mjs peer (xstate, bpmn); `unavailable` is peers_unavailable()'s answer.
  Peer(const Paths& paths, const std::string& name, bool full, int items,
       const std::string& unavailable);
  ~Peer();  // closes the child's stdin and waits for it
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Takes items first..last (1-based) through the three steps, each approval one transaction.
  void approve(int first, int last);

  // The libraries and versions the peer reported, e.g. "xstate 5.33.3 + better-sqlite3 12.11.1";
  // empty when it did not start.
  const std::string& label() const { return label_; }
  const std::string& failure() const { return failure_; }  // empty while all is well
  std::int64_t approvals() const { return approvals_; }
  double seconds() const { return seconds_; }  // the peer's own timing, approvals only

 private:
  std::string request(const std::string& line);  // one line out, one line back
  void fail(const std::string& what);

  std::string name_, label_, failure_;
  std::string log_;     // the child's stderr, for the reason when it fails
  bool ready_ = false;  // set up and answering
  pid_t pid_ = -1;
  FILE* to_child_ = nullptr;
  FILE* from_child_ = nullptr;
  std::int64_t approvals_ = 0;
  double seconds_ = 0;
};

}  // namespace commsflow::bench
