// Figure 1: sign-off decisions per second through a real three-step sign-off chain
// (bench/workflows/signoff.lua), one transaction each, against plain SQLite making the same row
// writes (the item UPDATE, the event INSERT and the step's notification INSERTs, with prepared
// statements), under synchronous NORMAL and FULL.
//
// Each item is submitted, given one document version and sent for review before the clock
// starts; then Signoff::decide approves it in each of the three steps. Both sides start from
// byte-identical copies of that database, and the baseline writes exactly the rows the engine
// wrote (read back from the engine's file), so the difference is the engine's own work: loading
// the item, the actor and their delegations, the sign-off rules and Lua guard, routing, starting
// the next step, the event body and its hash. The two sides alternate every few items, so that
// load from other work on the machine (and slow fsyncs) falls on both alike.
//
// In the same turns, the peers (bench/peers, see peers.h) take their own copy of the items
// through the same three approvals in Node.js: xstate 5 with better-sqlite3, and bpmn-engine 25,
// each approval one transaction on its own SQLite file (WAL, the same synchronous). Their rows
// compare the engine's decisions/s with each peer's approvals/s.
//
// Also in the same turns: the fastest anything can commit here, one UPDATE of one integer in a
// one-row table per transaction, at the same synchronous. A target above that rate cannot be met
// by any engine that commits each decision on its own, which the figure requires.
#include <commsflow/engine.h>
#include <commsflow/import.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/store.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

#include "bench.h"
#include "peers.h"
#include "raw_sqlite.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

// Items per turn of the engine, the baseline and each peer (see measure).
constexpr int kTurnItems = 100;

struct Step {
  const char* actor;
};
constexpr Step kSteps[] = {{"hannah.head"}, {"clara.clinical"}, {"dan.director"}};

// One notification row a decision wrote.
struct OutboxRow {
  std::string created_at, recipient, ref, kind, message;
};

// The rows one engine decision wrote, to be written again by the baseline.
struct RowWrite {
  std::int64_t item_id = 0, revision = 0;
  std::string state, data, updated_at, version;
  std::int64_t seq = 0;
  std::string body, hash, ref, actor, action, at;  // the event row, with its indexed columns
  std::vector<OutboxRow> outbox;
};

}  // namespace

std::string signoff_ref(int i) {
  return fmt::format("BSO-2026-{:04}", i);
}

void create_signoff_items(const Paths& paths, const std::string& db, int items) {
  auto store_owner = Store::open(db, Store::Options{true, Store::Durability::Normal, 5000});
  Store& store = *store_owner;
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(store, registry, bench_clock());
  engine.add_actor("olivia.officer", {"comms_officer"});
  engine.add_actor("hannah.head", {"head_of_comms"});
  engine.add_actor("clara.clinical", {"clinical_lead"});
  engine.add_actor("dan.director", {"director"});
  std::vector<ImportRow> rows;
  for (int i = 1; i <= items; ++i) {
    rows.push_back(
        ImportRow{i, Json{{"headline", fmt::format("Statement {} on winter pressures", i)}}});
  }
  import_items(engine, "bench_signoff", "olivia.officer", rows);
  for (int i = 1; i <= items; ++i) {
    PutDocumentRequest document;
    document.ref = signoff_ref(i);
    document.actor = "olivia.officer";
    document.content = fmt::format(
        "Statement {}: our hospitals are busy this winter. Please use NHS 111 online, your "
        "pharmacy or your GP, and keep A&E for emergencies.",
        i);
    if (!Signoff(engine).put_document(document))
      throw std::runtime_error("put_document was refused");
    ActRequest send;
    send.ref = signoff_ref(i);
    send.action = "send";
    send.actor = "olivia.officer";
    if (!engine.act(send)) throw std::runtime_error("send for review was refused");
  }
}

namespace {

// Reads back what the engine wrote in one decision: the newest event, its item row and the
// notifications added since the last call.
class WrittenRows {
 public:
  explicit WrittenRows(const std::filesystem::path& db)
      : reader_(db, false),
        event_(
            reader_.handle(),
            "SELECT e.seq, e.body, e.hash, i.id, i.state, i.data, i.revision, i.updated_at, "
            "i.version, e.ref, e.actor, e.action, e.at FROM events e JOIN items i ON i.ref = e.ref "
            "WHERE e.seq > ? "
            "ORDER BY e.seq"),
        outbox_(reader_.handle(),
                "SELECT id, created_at, recipient, ref, kind, message FROM outbox WHERE id > ? "
                "ORDER BY id"),
        last_seq_(reader_.handle(), "SELECT coalesce(max(seq), 0) FROM events"),
        last_outbox_(reader_.handle(), "SELECT coalesce(max(id), 0) FROM outbox") {
    if (last_seq_.step()) seen_seq_ = last_seq_.integer(0);
    last_seq_.reset();
    if (last_outbox_.step()) seen_outbox_ = last_outbox_.integer(0);
    last_outbox_.reset();
  }

  RowWrite next() {
    RowWrite w;
    event_.bind(1, seen_seq_);
    if (!event_.step()) throw std::runtime_error("the decision wrote no event");
    w.seq = event_.integer(0);
    w.body = event_.text(1);
    w.hash = event_.text(2);
    w.item_id = event_.integer(3);
    w.state = event_.text(4);
    w.data = event_.text(5);
    w.revision = event_.integer(6);
    w.updated_at = event_.text(7);
    w.version = event_.text(8);
    w.ref = event_.text(9);
    w.actor = event_.text(10);
    w.action = event_.text(11);
    w.at = event_.text(12);
    if (event_.step()) throw std::runtime_error("the decision wrote more than one event");
    event_.reset();
    seen_seq_ = w.seq;
    outbox_.bind(1, seen_outbox_);
    while (outbox_.step()) {
      seen_outbox_ = outbox_.integer(0);
      w.outbox.push_back(OutboxRow{outbox_.text(1), outbox_.text(2), outbox_.text(3),
                                   outbox_.text(4), outbox_.text(5)});
    }
    outbox_.reset();
    return w;
  }

 private:
  RawDb reader_;
  RawStatement event_, outbox_, last_seq_, last_outbox_;
  std::int64_t seen_seq_ = 0, seen_outbox_ = 0;
};

// What one peer did, or why it did not.
struct PeerResult {
  std::string label, failure;
  std::int64_t approvals = 0;
  double seconds = 0;
};

struct Pair {
  double engine_seconds = 0, raw_seconds = 0, one_row_seconds = 0;
  std::int64_t actions = 0, notifications = 0, one_row_commits = 0;
  std::vector<PeerResult> peers;
};

// The peers, in the order they take their turn; each row's target comes from issue 22.
struct PeerSpec {
  const char* name;    // the peer.mjs peer
  const char* title;   // for its rows when it cannot tell its versions (it did not start)
  double target;       // commsflow decisions/s over the peer's approvals/s
  const char* method;  // what one approval does, for the row's notes
};
constexpr PeerSpec kPeers[] = {
    {"xstate", "xstate 5 + better-sqlite3", 1.0,
     "read the item, restore the actor from its persisted snapshot, send APPROVE (a role "
     "guard; the decision kept in the context), write the new snapshot and one event row"},
    {"bpmn", "bpmn-engine 25 + better-sqlite3", 50.0,
     "read the item, recover the engine from its saved getState(), resume, signal the waiting "
     "user task, write getState() and one event row"},
};

Pair measure(const Paths& paths, int items, bool full) {
  const char* mode = full ? "full" : "normal";
  auto engine_db = paths.scratch / fmt::format("actions-{}-engine.db", mode);
  auto raw_db = paths.scratch / fmt::format("actions-{}-raw.db", mode);
  create_signoff_items(paths, engine_db, items);
  std::filesystem::copy_file(engine_db, raw_db);

  auto store_owner = Store::open(
      engine_db,
      Store::Options{false, full ? Store::Durability::Full : Store::Durability::Normal, 5000});

  Store& store = *store_owner;
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(store, registry, bench_clock());
  WrittenRows written(engine_db);

  // Each peer sets up its own items now, before any timing.
  const std::string unavailable = peers_unavailable(paths);
  std::vector<std::unique_ptr<Peer>> peers;
  for (const PeerSpec& spec : kPeers)
    peers.push_back(std::make_unique<Peer>(paths, spec.name, full, items, unavailable));

  RawDb raw(raw_db, full);
  RawStatement begin(raw.handle(), "BEGIN IMMEDIATE");
  RawStatement commit(raw.handle(), "COMMIT");
  RawStatement update(raw.handle(),
                      "UPDATE items SET state = ?, data = ?, revision = ?, updated_at = ?, "
                      "version = ? WHERE id = ? AND revision = ?");
  RawStatement insert(raw.handle(),
                      "INSERT INTO events(seq, body, hash, ref, actor, action, at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  RawStatement notify(raw.handle(),
                      "INSERT INTO outbox(created_at, recipient, ref, kind, message) "
                      "VALUES (?, ?, ?, ?, ?)");

  RawDb one_row(paths.scratch / fmt::format("actions-{}-one-row.db", mode), full, true);
  one_row.exec("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  one_row.exec("INSERT INTO counter VALUES (1, 0)");
  RawStatement one_row_begin(one_row.handle(), "BEGIN IMMEDIATE");
  RawStatement one_row_commit(one_row.handle(), "COMMIT");
  RawStatement one_row_update(one_row.handle(), "UPDATE counter SET n = ? WHERE id = 1");

  // In turns of kTurnItems items: the engine takes them through the three steps, the baseline
  // writes the same rows, the one-row commits run, and each peer takes the same items through
  // its own three steps. Alternating every few tens of milliseconds gives every side the same
  // share of the machine, while each side still runs its own code warm, as it would in a busy
  // hour: in turns of 20 items (about 15 ms) each turn began with the processor's caches full of
  // the others' work, which cost the engine, the side with the most code, a quarter of its rate.
  // Each decision is timed on its own so that reading back its rows is not counted.
  //
  // The peers go after the baseline in even turns and before it in odd ones, so that the engine
  // and the baseline each start right after the peers in half the turns. Whatever runs right
  // after the peers runs slower (why is not known: a 50 ms pause after them did not remove it),
  // and with the peers always just before the engine that fell on the engine alone: in three
  // runs each, the engine reached 0.82x to 0.89x of the baseline at FULL that way, and 0.93x to
  // 1.01x with the turns alternating.
  Pair result;
  auto engine_turn = [&](int first, int last) {
    std::vector<RowWrite> writes;
    for (const Step& step : kSteps) {
      for (int i = first; i <= last; ++i) {
        DecideRequest request;
        request.ref = signoff_ref(i);
        request.decision = "approved";
        request.actor = step.actor;
        double t0 = now_seconds();
        auto outcome = Signoff(engine).decide(request);
        result.engine_seconds += now_seconds() - t0;
        if (!outcome) throw std::runtime_error("refused: " + outcome.refusal().reasons.front());
        ++result.actions;
        writes.push_back(written.next());
      }
    }
    return writes;
  };
  auto baseline_turn = [&](const std::vector<RowWrite>& writes) {
    double t0 = now_seconds();
    for (const auto& w : writes) {
      begin.run();
      update.bind(1, w.state)
          .bind(2, w.data)
          .bind(3, w.revision)
          .bind(4, w.updated_at)
          .bind(5, w.version)
          .bind(6, w.item_id)
          .bind(7, w.revision - 1)
          .run();
      if (sqlite3_changes(raw.handle()) != 1) throw std::runtime_error("raw update missed its row");
      insert.bind(1, w.seq)
          .bind(2, w.body)
          .bind(3, w.hash)
          .bind(4, w.ref)
          .bind(5, w.actor)
          .bind(6, w.action)
          .bind(7, w.at)
          .run();
      for (const auto& o : w.outbox) {
        notify.bind(1, o.created_at)
            .bind(2, o.recipient)
            .bind(3, o.ref)
            .bind(4, o.kind)
            .bind(5, o.message)
            .run();
      }
      commit.run();
    }
    result.raw_seconds += now_seconds() - t0;
    for (const auto& w : writes) result.notifications += std::ssize(w.outbox);

    t0 = now_seconds();
    for (std::size_t i = 0; i < writes.size(); ++i) {
      one_row_begin.run();
      one_row_update.bind(1, ++result.one_row_commits).run();
      one_row_commit.run();
    }
    result.one_row_seconds += now_seconds() - t0;
  };
  for (int first = 1, turn = 0; first <= items; first += kTurnItems, ++turn) {
    const int last = std::min(items, first + kTurnItems - 1);
    const std::vector<RowWrite> writes = engine_turn(first, last);
    const bool peers_first = turn % 2 == 1;
    if (!peers_first) baseline_turn(writes);
    for (auto& peer : peers) peer->approve(first, last);
    if (peers_first) baseline_turn(writes);
  }
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const Peer& peer = *peers[i];
    result.peers.push_back(
        PeerResult{peer.label(), peer.failure(), peer.approvals(), peer.seconds()});
  }
  return result;
}

Row peer_row(const PeerSpec& spec, const PeerResult& peer, double engine_rate, bool full,
             std::int64_t notifications) {
  Row row{fmt::format("1. Decisions/s against {}, synchronous={}",
                      peer.label.empty() ? spec.title : peer.label, full ? "FULL" : "NORMAL"),
          format_rate(engine_rate, "decisions/s"),
          "",
          "-",
          fmt::format(">= {:g}x", spec.target),
          "-",
          ""};
  if (!peer.failure.empty() || peer.approvals == 0 || peer.seconds <= 0) {
    row.baseline = "not run: " + (peer.failure.empty() ? "no approvals" : peer.failure);
    row.notes = "bench/peers: the same sign-off in Node.js";
    return row;
  }
  double peer_rate = static_cast<double>(peer.approvals) / peer.seconds;
  double ratio = engine_rate / peer_rate;
  row.baseline = format_rate(peer_rate, "approvals/s");
  row.ratio = format_ratio(ratio);
  row.met = ratio >= spec.target ? "yes" : "no";
  row.notes = fmt::format(
      "{} approvals on {} items in Node.js (bench/peers/peer.mjs {}), each one BEGIN IMMEDIATE "
      "transaction: {}; no notification rows (the engine wrote {}); taking turns with the "
      "engine every {} items",
      peer.approvals, peer.approvals / 3, spec.name, spec.method, notifications, kTurnItems);
  return row;
}

// The engine against the fastest one-transaction-per-decision rate there is here, and each
// peer target's rate beside it: a target above the ceiling is out of reach for any engine.
Row one_row_ceiling(const Pair& p, double engine_rate, bool full) {
  const double ceiling = static_cast<double>(p.one_row_commits) / p.one_row_seconds;
  std::string needs;
  for (std::size_t i = 0; i < p.peers.size(); ++i) {
    const PeerResult& peer = p.peers[i];
    if (!peer.failure.empty() || peer.approvals == 0 || peer.seconds <= 0) continue;
    const double wanted = kPeers[i].target * static_cast<double>(peer.approvals) / peer.seconds;
    needs +=
        fmt::format("; {:g}x {} would be {}, {} this ceiling", kPeers[i].target, kPeers[i].name,
                    format_rate(wanted, "decisions/s"), wanted > ceiling ? "above" : "below");
  }
  return Row{fmt::format("1. One-row commits/s: the ceiling for one transaction per decision, "
                         "synchronous={}",
                         full ? "FULL" : "NORMAL"),
             format_rate(engine_rate, "decisions/s"),
             format_rate(ceiling, "commits/s"),
             format_ratio(engine_rate / ceiling),
             "-",
             "-",
             fmt::format("{} commits of one UPDATE of one integer in a one-row table, plain "
                         "SQLite, taking turns with the engine{}",
                         p.one_row_commits, needs)};
}

}  // namespace

void bench_actions(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  for (bool full : {false, true}) {
    Pair p = measure(paths, sizes.actions_items, full);
    double engine_rate = static_cast<double>(p.actions) / p.engine_seconds;
    double raw_rate = static_cast<double>(p.actions) / p.raw_seconds;
    double ratio = engine_rate / raw_rate;
    double target = full ? 0.9 : 0.75;
    rows.push_back(Row{
        fmt::format("1. Actions/s, 3-step sign-off (Signoff::decide), synchronous={}",
                    full ? "FULL" : "NORMAL"),
        format_rate(engine_rate, "actions/s"), format_rate(raw_rate, "tx/s"), format_ratio(ratio),
        fmt::format(">= {:.2f}x", target), ratio >= target ? "yes" : "no",
        fmt::format("{} decisions on {} items (one document version each), one transaction each; "
                    "baseline: the same item UPDATE, event INSERT and {} notification INSERTs "
                    "in all; the two alternate every {} items",
                    p.actions, p.actions / 3, p.notifications, kTurnItems)});
    rows.push_back(one_row_ceiling(p, engine_rate, full));
    for (std::size_t i = 0; i < p.peers.size(); ++i) {
      rows.push_back(peer_row(kPeers[i], p.peers[i], engine_rate, full, p.notifications));
      const PeerResult& peer = p.peers[i];
      if (peer.failure.empty() && peer.approvals > 0 && peer.seconds > 0) {
        remember_rate(fmt::format("{} {}", kPeers[i].name, full ? "FULL" : "NORMAL"),
                      static_cast<double>(peer.approvals) / peer.seconds);
      }
    }
  }
}

}  // namespace commsflow::bench
