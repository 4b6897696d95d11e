// Group commit (engine/server/group_commit.h): changes queued together share one transaction and
// one COMMIT; a refused or failing change rolls back alone; a failed COMMIT fails them all; and
// nothing is reported done before the COMMIT. Batches are made deterministic by holding the
// engine mutex while the changes queue: the writer cannot start until it is released, and then
// takes everything waiting.
#include "server/group_commit.h"

#include <commsflow/verify.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/sqlite/fault_vfs.h"
#include "support.h"

using namespace commsflow;
using commsflow::server::GroupCommit;
using commsflow::test::Fixture;
namespace faults = commsflow::store::fault_vfs;

namespace {

// What one caller of GroupCommit::run was told.
struct Told {
  std::size_t batch = 0;  // the batch's size, when run() returned
  std::string error;      // what it threw, when it threw
  bool storage = false;   // it threw Error(Storage)
  bool disk_full = false;
};

// Queues `works` while holding `engine_mutex`, so that the writer takes them all at once (at
// most its max_batch at a time), then lets it go and waits for every caller's answer.
std::vector<Told> run_together(GroupCommit& writer, std::mutex& engine_mutex,
                               const std::vector<GroupCommit::Work>& works,
                               const std::function<void()>& before_release = {}) {
  std::vector<Told> told(works.size());
  std::vector<std::thread> callers;
  bool queued_in_order = true;
  {
    std::lock_guard<std::mutex> hold(engine_mutex);
    for (std::size_t i = 0; i < works.size() && queued_in_order; ++i) {
      callers.emplace_back([&, i] {
        try {
          told[i].batch = writer.run(works[i]);
        } catch (const Error& e) {
          told[i].error = e.what();
          told[i].storage = e.kind() == ErrorKind::Storage;
          told[i].disk_full = e.cause() == Error::Cause::DiskFull;
        } catch (const std::exception& e) {
          told[i].error = e.what();
        }
      });
      // One at a time, so that they queue in this order.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (writer.waiting() < i + 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      queued_in_order = writer.waiting() == i + 1;
    }
    if (before_release) before_release();
  }
  for (auto& c : callers) c.join();
  REQUIRE(queued_in_order);
  return told;
}

ActRequest edit(const Item& item, const std::string& body,
                std::optional<std::int64_t> revision = std::nullopt) {
  return ActRequest{item.ref, "edit", "olivia", Json{{"body", body}}, "", revision};
}

void require_verified(Store& store) {
  VerifyReport report = verify(store);
  INFO((report.problems.empty() ? std::string() : report.problems.front().message));
  REQUIRE(report.ok());
}

// Installs the fault-injecting VFS before a fixture opens its database; clears faults after.
struct FaultScope {
  FaultScope() {
    faults::install();
    faults::reset();
  }
  ~FaultScope() { faults::reset(); }
};

}  // namespace

TEST_CASE("group commit: changes queued together share one COMMIT, and a bad one fails alone",
          "[group_commit]") {
  Fixture f;
  const Item a = f.submit("A"), b = f.submit("B"), c = f.submit("C"), d = f.submit("D");
  std::mutex engine_mutex;
  GroupCommit writer(*f.store, engine_mutex, 64);
  Engine& engine = *f.engine;
  const std::vector<GroupCommit::Work> works = {
      [&] { return engine.act(edit(a, "kept")).ok(); },
      // Refused by the guard (no text to send): nothing written.
      [&] {
        return engine.act(ActRequest{b.ref, "send", "olivia", {}, "", std::nullopt}).ok();
      },
      // A stale revision: Error(Conflict), nothing written.
      [&] { return engine.act(edit(c, "stale", 7)).ok(); },
      // The engine's own transaction succeeds (a savepoint released into the batch), then the
      // work fails: its change is undone with its savepoint.
      [&]() -> bool {
        if (!engine.act(edit(c, "undone")).ok()) throw std::runtime_error("refused");
        throw std::runtime_error("failed after writing");
      },
      // Reads the change made before it in the same batch, and builds on it.
      [&] { return engine.act(edit(a, "kept twice", 2)).ok(); },
      [&] { return engine.act(edit(d, "kept")).ok(); },
  };
  const auto told = run_together(writer, engine_mutex, works);

  CHECK(told[0].batch == works.size());
  CHECK(told[1].batch == works.size());  // a refusal is a result: the work returned false
  CHECK_THAT(told[2].error, Catch::Contains("has changed"));
  CHECK(told[3].error == "failed after writing");
  CHECK(told[4].error.empty());
  CHECK(told[5].error.empty());
  const GroupCommit::Stats stats = writer.stats();
  CHECK(stats.batches == 1);
  CHECK(stats.largest == works.size());

  CHECK(engine.item(a.ref).data["body"] == "kept twice");
  CHECK(engine.item(a.ref).revision == 3);
  CHECK(engine.item(b.ref).revision == 1);
  CHECK(engine.item(c.ref).revision == 1);
  CHECK_FALSE(engine.item(c.ref).data.contains("body"));
  CHECK(engine.item(d.ref).revision == 2);
  CHECK(engine.history(c.ref).size() == 1);
  require_verified(*f.store);
  f.reopen();  // what was reported done is on disk, as a new process finds it
  CHECK(f.engine->item(a.ref).data["body"] == "kept twice");
  CHECK(f.engine->item(d.ref).data["body"] == "kept");
}

TEST_CASE("group commit: a lone change runs at once, and batches take at most max_batch",
          "[group_commit]") {
  Fixture f;
  const Item a = f.submit("A");
  std::mutex engine_mutex;
  GroupCommit writer(*f.store, engine_mutex, 2);
  CHECK(writer.run([&] { return f.engine->act(edit(a, "alone")).ok(); }) == 1);
  CHECK(f.engine->item(a.ref).revision == 2);

  std::vector<GroupCommit::Work> works;
  for (int i = 0; i < 5; ++i) {
    works.push_back([&, i] { return f.engine->act(edit(a, fmt::format("edit {}", i))).ok(); });
  }
  const auto told = run_together(writer, engine_mutex, works);
  CHECK(told[0].batch == 2);
  CHECK(told[2].batch == 2);
  CHECK(told[4].batch == 1);
  const GroupCommit::Stats stats = writer.stats();
  CHECK(stats.batches == 4);
  CHECK(stats.works == 6);
  CHECK(stats.largest == 2);
  // In the order they queued.
  CHECK(f.engine->item(a.ref).data["body"] == "edit 4");
  CHECK(f.engine->item(a.ref).revision == 7);
  require_verified(*f.store);
}

TEST_CASE("group commit: a failed COMMIT fails every change in the batch and writes nothing",
          "[group_commit]") {
  FaultScope scope;
  Fixture f;  // its database opens through the fault-injecting VFS
  const Item a = f.submit("A"), b = f.submit("B");
  std::mutex engine_mutex;
  GroupCommit writer(*f.store, engine_mutex, 64);
  const std::vector<GroupCommit::Work> works = {
      [&] { return f.engine->act(edit(a, "lost")).ok(); },
      [&] {
        return f.engine->act(ActRequest{b.ref, "send", "olivia", {}, "", std::nullopt}).ok();
      },
      [&] { return f.engine->act(edit(b, "lost")).ok(); },
  };
  // The disk fills once every change has run and before the COMMIT's write.
  const auto told = run_together(writer, engine_mutex, works, [] { faults::fail_writes_after(0); });
  for (const Told& t : told) {
    INFO(t.error);
    CHECK(t.storage);
    CHECK(t.disk_full);
    CHECK(t.batch == 0);
  }
  CHECK(faults::refused_writes() > 0);
  faults::reset();
  CHECK(f.engine->item(a.ref).revision == 1);
  CHECK(f.engine->item(b.ref).revision == 1);
  // Space freed: the next change commits.
  CHECK(writer.run([&] { return f.engine->act(edit(a, "kept")).ok(); }) == 1);
  CHECK(f.engine->item(a.ref).data["body"] == "kept");
  require_verified(*f.store);
}

TEST_CASE(
    "group commit: when SQLite abandons the transaction, the changes in it are told and the "
    "rest commit",
    "[group_commit]") {
  FaultScope scope;
  Fixture f;
  const Item a = f.submit("A"), b = f.submit("B");
  std::mutex engine_mutex;
  GroupCommit writer(*f.store, engine_mutex, 64);
  const std::vector<GroupCommit::Work> works = {
      [&] { return f.engine->act(edit(a, "before the failure")).ok(); },
      // More than SQLite's page cache holds, so it writes pages out before the COMMIT, into a
      // full disk: SQLite rolls back the whole transaction.
      [&]() -> bool {
        try {
          f.store->insert_document_version(a.id, DocumentVersion{1,
                                                                 std::string(64, '0'),
                                                                 std::string(8 << 20, 'x'),
                                                                 "olivia",
                                                                 "2026-03-02T09:00:00Z",
                                                                 {}});
        } catch (...) {
          faults::reset();  // space freed for what follows
          throw;
        }
        return true;
      },
      [&] { return f.engine->act(edit(b, "after the failure")).ok(); },
  };
  const auto told = run_together(writer, engine_mutex, works, [] { faults::fail_writes_after(0); });
  INFO(told[0].error);
  INFO(told[1].error);
  CHECK(told[1].disk_full);
  // The first change shared the abandoned transaction: it is told, and is not in the database.
  CHECK(told[0].disk_full);
  CHECK_THAT(told[0].error, Catch::Contains("nothing was written"));
  CHECK(f.engine->item(a.ref).revision == 1);
  // The last ran in a fresh transaction and committed.
  CHECK(told[2].error.empty());
  CHECK(told[2].batch == 3);
  CHECK(f.engine->item(b.ref).data["body"] == "after the failure");
  require_verified(*f.store);
}
