// Storage faults: a full disk, a read-only database or folder, and a write-ahead log deleted
// between runs. Each must give a message naming the database file, change nothing, and leave a
// database that works once the cause is fixed. The full disk and the read-only file are injected
// in-process with the fault VFS (engine/store/fault_vfs.h); the read-only file and folder are also
// made for real and tried with the `commsflow` binary, run as an unprivileged user when the tests
// run as root (root may write anything).
#include <commsflow/verify.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "store/sqlite/database.h"
#include "store/sqlite/fault_vfs.h"
#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
namespace faults = commsflow::store::fault_vfs;
using Catch::Contains;
using test::Fixture;
using test::RunResult;

namespace {

// Installs the fault VFS before a fixture opens its database, and clears faults afterwards.
struct FaultScope {
  FaultScope() {
    faults::install();
    faults::reset();
  }
  ~FaultScope() { faults::reset(); }
};

// What a user could see of the store: item count, their revisions, and the event chain head.
std::string state_of(const fs::path& db) {
  return test::query_text(db,
                          "SELECT (SELECT count(*) FROM items) || ' ' || "
                          "(SELECT coalesce(sum(revision), 0) FROM items) || ' ' || "
                          "(SELECT count(*) FROM events) || ' ' || "
                          "coalesce((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), '')");
}

void require_verified(Store& store) {
  VerifyReport report = verify(store);
  INFO((report.problems.empty() ? std::string() : report.problems.front().message));
  REQUIRE(report.ok());
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the commsflow binary in `cwd`. When the tests run as root, the command runs as the
// unprivileged user `nobody`, so that file modes bind as they would for a user.
RunResult run_unprivileged(const fs::path& cwd, const std::vector<std::string>& args) {
  test::TempDir scratch;
  auto out_path = scratch / "out", err_path = scratch / "err";
  const passwd* nobody = getpwnam("nobody");
  REQUIRE((geteuid() != 0 || nobody != nullptr));
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    if (geteuid() == 0 && (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0)) _exit(126);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    setenv("COMMSFLOW_NOW", "2026-03-02T09:00:00Z", 1);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string bin = COMMSFLOW_BIN;
    argv.push_back(bin.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

// Nobody may write in `path` (a file, or a folder: nothing made or removed in it).
void forbid_writes(const fs::path& path) {
  fs::permissions(path, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
}

std::string describe(const RunResult& r) {
  return fmt::format("exit code {}\n--- stdout ---\n{}--- stderr ---\n{}", r.exit_code, r.out,
                     r.err);
}

// A project folder with the shipped workflows and a database with a team and one item, in
// a folder every user may enter (the unprivileged runs need to reach it).
struct Project {
  test::TempDir dir;
  fs::path db = dir / "commsflow.db";
  std::string ref;

  Project() {
    fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
    run_ok({"init"});
    run_ok({"actor", "add", "asha", "--role", "requester"});
    run_ok({"actor", "add", "olivia", "--role", "comms_officer"});
    RunResult r = run_ok({"--json", "submit", "website_update", "--as", "asha", "--set",
                          "title=Clinic times", "--set", "page_url=https://example.nhs.uk/a"});
    ref = Json::parse(r.out).at("ref");
    run_ok({"act", ref, "accept", "--as", "olivia"});
    fs::permissions(dir.path(), fs::perms::all, fs::perm_options::add);
  }
  RunResult run_ok(const std::vector<std::string>& args) const {
    RunResult r = test::run_cli(dir.path(), args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return r;
  }
  std::vector<std::string> edit(const std::string& details) const {
    return {"act", ref, "edit", "--as", "olivia", "--set", "details=" + details};
  }
};

// Another connection reading keeps commsflow from checkpointing: an edit made now stays in the
// log when commsflow exits. Returns that connection, its read still open.
sqlite3* edit_kept_in_log(const Project& p) {
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open(p.db.c_str(), &reader) == SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM items;", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  p.run_ok(p.edit("Kept only in the log"));
  return reader;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Disk full
// ---------------------------------------------------------------------------------------------

TEST_CASE("a full disk fails the command naming the database, changes nothing, and passes") {
  FaultScope scope;
  Fixture f;
  Item item = f.submit("Before the disk filled");
  const std::string before = state_of(f.db_path);

  faults::fail_writes_after(0);
  SECTION("submit") {
    try {
      f.engine->submit("review", "olivia", Json{{"title", "Lost"}});
      FAIL("expected the full disk to be reported");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Storage);
      CHECK(e.cause() == Error::Cause::DiskFull);
      CHECK_THAT(e.what(), Contains(f.db_path.string()) && Contains("disk is full"));
    }
  }
  SECTION("act") {
    ActRequest request{item.ref, "edit", "olivia", Json{{"body", "Lost"}}, "", std::nullopt};
    CHECK_THROWS_WITH(f.engine->act(request),
                      Contains(f.db_path.string()) && Contains("disk is full"));
  }
  CHECK(faults::refused_writes() > 0);
  faults::reset();

  CHECK(state_of(f.db_path) == before);
  f.reopen();
  CHECK(state_of(f.db_path) == before);
  require_verified(*f.store);
  f.act(item.ref, "edit", "olivia", Json{{"body", "Written"}});
  CHECK(f.store->item(item.ref)->revision == item.revision + 1);
  require_verified(*f.store);
}

TEST_CASE("whatever write the disk fills on, work either commits whole or not at all") {
  // Random action sequences against a shrinking byte budget; the model is the list of actions
  // that reported success. After each failure the database is reopened (as the next process
  // would) and must hold exactly the successful work and verify.
  FaultScope scope;
  const std::uint32_t seed = 20260302;
  INFO("seed " << seed);
  std::mt19937 random(seed);
  for (std::int64_t budget : {0, 100, 4096, 9000, 20000, 70000}) {
    INFO("write budget " << budget);
    Fixture f;
    std::int64_t submitted = 0, acted = 0;
    std::vector<std::string> refs;
    faults::fail_writes_after(budget);
    bool failed = false;
    for (int step = 0; step < 60 && !failed; ++step) {
      try {
        if (refs.empty() || random() % 3 == 0) {
          auto outcome =
              f.engine->submit("review", "olivia", Json{{"title", fmt::format("t{}", step)}});
          REQUIRE(outcome.ok());
          refs.push_back(outcome.value().ref);
          ++submitted;
        } else {
          const std::string& ref = refs[random() % refs.size()];
          Item item = *f.store->item(ref);
          ActRequest request{ref, "edit",       "olivia", Json{{"body", fmt::format("b{}", step)}},
                             "",  item.revision};
          auto outcome = f.engine->act(request);  // may throw: the disk is full
          REQUIRE(outcome.ok());
          ++acted;
        }
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Storage);
        CHECK_THAT(e.what(), Contains(f.db_path.string()) && Contains("disk is full"));
        failed = true;
      }
    }
    faults::reset();
    f.reopen();
    CHECK(test::query_text(f.db, "SELECT count(*) FROM items") == std::to_string(submitted));
    CHECK(test::query_text(f.db, "SELECT count(*) FROM events WHERE ref NOT LIKE 'actor:%'") ==
          std::to_string(submitted + acted));
    CHECK(test::query_text(f.db, "PRAGMA integrity_check") == "ok");
    require_verified(*f.store);
    CHECK(f.engine->submit("review", "olivia", Json{{"title", "after"}}).ok());
  }
}

// ---------------------------------------------------------------------------------------------
// Read-only database
// ---------------------------------------------------------------------------------------------

TEST_CASE("a database the user may not write is named as read-only and left unchanged") {
  FaultScope scope;
  Fixture f;
  Item item = f.submit();
  const std::string before = state_of(f.db_path);
  f.engine.reset();
  f.registry.reset();
  f.store.reset();

  faults::open_databases_read_only(true);
  try {
    Store::open(f.db, Store::Options{});
    FAIL("expected the read-only database to be reported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Storage);
    CHECK_THAT(e.what(), Contains(f.db_path.string()) && Contains("read-only"));
  }
  faults::reset();
  CHECK_FALSE(fs::exists(f.db_path.string() + "-shm"));
  CHECK(state_of(f.db_path) == before);
  f.reopen();
  CHECK(f.engine->submit("review", "olivia", Json{{"title", "t"}}).ok());
}

TEST_CASE("cli: a read-only database file exits 3 naming it, and works once writable") {
  Project p;
  const std::string before = test::read_bytes(p.db);
  fs::permissions(p.db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  RunResult r = run_unprivileged(p.dir.path(), p.edit("Opening hours"));
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("commsflow.db") && Contains("read-only"));
  CHECK(test::read_bytes(p.db) == before);
  // Nothing is left behind: SQLite would give a -wal or -shm file the database's read-only mode,
  // and those would go on blocking writes once the database itself was made writable.
  CHECK_FALSE(fs::exists(p.db.string() + "-wal"));
  CHECK_FALSE(fs::exists(p.db.string() + "-shm"));

  fs::permissions(p.db, fs::perms::all);
  RunResult fixed = run_unprivileged(p.dir.path(), p.edit("Opening hours"));
  INFO(describe(fixed));
  CHECK(fixed.exit_code == 0);
  p.run_ok({"verify"});
}

TEST_CASE("cli: a database in a read-only folder exits 3 naming it, and works once writable") {
  Project p;
  const std::string before = test::read_bytes(p.db);
  fs::permissions(p.db, fs::perms::all);
  forbid_writes(p.dir.path());

  RunResult r = run_unprivileged(p.dir.path(), p.edit("Opening hours"));
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("commsflow.db") && Contains("read-only"));
  CHECK(test::read_bytes(p.db) == before);

  fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
  RunResult fixed = run_unprivileged(p.dir.path(), p.edit("Opening hours"));
  INFO(describe(fixed));
  CHECK(fixed.exit_code == 0);
  p.run_ok({"verify"});
}

TEST_CASE(
    "cli: a database one may only read is verified, audited, copied and shown, and left as it "
    "was") {
  Project p;
  const Json in_service = Json::parse(p.run_ok({"--json", "workflows"}).out);
  const std::string before = test::read_bytes(p.db);
  // A workflow edited since: loading it would write a new version, so it is left unloaded.
  std::ofstream(p.dir / "workflows" / "website_update.lua", std::ios::app) << "-- edited\n";
  const auto read_only = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
  // A scratch folder the unprivileged user may write, for the copy.
  test::TempDir out;
  fs::permissions(out.path(), fs::perms::all, fs::perm_options::add);
  const auto reads = [&] {
    RunResult verified = run_unprivileged(p.dir.path(), {"verify"});
    INFO(describe(verified));
    CHECK(verified.exit_code == 0);
    CHECK_THAT(verified.out, Contains("ok: "));
    RunResult audited = run_unprivileged(p.dir.path(), {"--json", "audit", p.ref});
    INFO(describe(audited));
    CHECK(audited.exit_code == 0);
    CHECK_THAT(audited.out, Contains("\"accept\""));
    CHECK(run_unprivileged(p.dir.path(), {"audit", "signoffs"}).exit_code == 0);
    const fs::path copy = out / "copy.db";
    fs::remove(copy);
    RunResult copied =
        run_unprivileged(p.dir.path(), {"copy", "--from", "commsflow.db", "--to", copy.string()});
    INFO(describe(copied));
    CHECK(copied.exit_code == 0);
    // Items are shown as they are, with the workflow versions stored in the file.
    RunResult shown = run_unprivileged(p.dir.path(), {"show", p.ref});
    INFO(describe(shown));
    CHECK(shown.exit_code == 0);
    CHECK_THAT(shown.out, Contains(p.ref) && Contains("Clinic times"));
    CHECK_THAT(shown.err, Contains("this user may not write commsflow.db or the folder it is in") &&
                              Contains("the workflow files are not loaded"));
    RunResult listed = run_unprivileged(p.dir.path(), {"--json", "list"});
    INFO(describe(listed));
    CHECK(listed.exit_code == 0);
    CHECK(Json::parse(listed.out).size() == 1);
    CHECK_THAT(run_unprivileged(p.dir.path(), {"history", p.ref}).out, Contains("Accept"));
    for (const std::vector<std::string>& command : {std::vector<std::string>{"queue"},
                                                    {"inbox", "--as", "olivia"},
                                                    {"incident", "list"},
                                                    {"actor", "list"},
                                                    {"delegations"},
                                                    {"outbox"},
                                                    {"token", "list"},
                                                    {"report", p.ref, "timeline"}}) {
      RunResult listed_too = run_unprivileged(p.dir.path(), command);
      INFO(describe(listed_too));
      CHECK(listed_too.exit_code == 0);
    }
    // The workflows in service are those stored; the edited file is not looked at.
    RunResult workflows = run_unprivileged(p.dir.path(), {"--json", "workflows"});
    INFO(describe(workflows));
    CHECK(workflows.exit_code == 0);
    CHECK(Json::parse(workflows.out) == in_service);
    // A change is still refused, naming the file.
    RunResult edited = run_unprivileged(p.dir.path(), p.edit("Opening hours"));
    CHECK(edited.exit_code == 3);
    CHECK_THAT(edited.err, Contains("read-only"));
    CHECK(test::read_bytes(p.db) == before);
    // No -wal or -shm file is left, which would keep the database's read-only mode.
    CHECK_FALSE(fs::exists(p.db.string() + "-wal"));
    CHECK_FALSE(fs::exists(p.db.string() + "-shm"));
  };
  SECTION("the file read-only, in a folder one may write") {
    fs::permissions(p.db, read_only);
    reads();
  }
  SECTION("in a read-only folder, with an empty log beside it (copied with the file)") {
    fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
    std::ofstream(p.db.string() + "-wal").close();
    fs::permissions(p.db.string() + "-wal", read_only);
    fs::permissions(p.db, read_only);
    forbid_writes(p.dir.path());
    RunResult verified = run_unprivileged(p.dir.path(), {"verify"});
    INFO(describe(verified));
    CHECK(verified.exit_code == 0);
    fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
    fs::remove(p.db.string() + "-wal");
  }
  SECTION("in a read-only folder") {
    fs::permissions(p.db, read_only);
    forbid_writes(p.dir.path());
    reads();
    fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
  }
}

TEST_CASE("cli: a database in use is verified by one who may only read it, log and all") {
  Project p;
  sqlite3* reader = edit_kept_in_log(p);  // as while the server runs
  const fs::path wal = p.db.string() + "-wal", shm = p.db.string() + "-shm";
  REQUIRE(fs::file_size(wal) > 0);
  const auto readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read;
  for (const auto& file : {p.db, wal, shm}) fs::permissions(file, readable);
  forbid_writes(p.dir.path());
  RunResult audited = run_unprivileged(p.dir.path(), {"--json", "audit", p.ref});
  INFO(describe(audited));
  CHECK(audited.exit_code == 0);
  CHECK_THAT(audited.out, Contains("Kept only in the log"));
  RunResult verified = run_unprivileged(p.dir.path(), {"verify"});
  INFO(describe(verified));
  CHECK(verified.exit_code == 0);

  // Without its -shm file the log cannot be read here: said so, not read without it.
  fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
  fs::rename(shm, p.dir / "aside-shm");
  forbid_writes(p.dir.path());
  RunResult no_shm = run_unprivileged(p.dir.path(), {"verify"});
  INFO(describe(no_shm));
  CHECK(no_shm.exit_code == 3);
  CHECK_THAT(no_shm.err, Contains("it has changes in its write-ahead log (commsflow.db-wal) that "
                                  "can be read only with its -shm file, which is not there"));
  // Nor where the folder may be written: SQLite would make a -shm file of the reader's own,
  // which would stop the owner writing.
  fs::permissions(p.dir.path(), fs::perms::all, fs::perm_options::add);
  RunResult writable_folder = run_unprivileged(p.dir.path(), {"verify"});
  CHECK(writable_folder.exit_code == 3);
  CHECK_THAT(writable_folder.err, Contains("cannot be read safely by one who may not write"));
  CHECK_FALSE(fs::exists(shm));
  fs::rename(p.dir / "aside-shm", shm);
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
}

TEST_CASE("a database read alone says when someone opened it to write while it was read") {
  Project p;
  store::Database reading(p.db, false, 5000, store::Durability::Full, /*read_only=*/true);
  CHECK_FALSE(reading.changed_while_read());
  // Reads as the engine reads, from the file alone, and writes nothing beside it.
  reading.exec("SELECT count(*) FROM events");
  CHECK_FALSE(fs::exists(p.db.string() + "-shm"));
  CHECK_FALSE(reading.changed_while_read());

  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(p.db.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "SELECT count(*) FROM items", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  const auto changed = reading.changed_while_read();  // the writer's log is there now
  REQUIRE(changed);
  CHECK_THAT(*changed, Contains("was opened by someone who may write it while it was being read"));
  sqlite3_close(writer);
}

// ---------------------------------------------------------------------------------------------
// Write-ahead log deleted
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: a write-ahead log deleted between runs leaves a database that opens and verifies") {
  Project p;
  // As after a crash, or a copy taken while the team was working.
  sqlite3* reader = edit_kept_in_log(p);
  fs::path wal = p.db.string() + "-wal";
  REQUIRE(fs::exists(wal));
  REQUIRE(fs::file_size(wal) > 0);

  SECTION("copied with its log: nothing is lost") {
    test::TempDir copy;
    fs::copy(p.dir / "workflows", copy / "workflows", fs::copy_options::recursive);
    fs::copy_file(p.db, copy / "commsflow.db");
    fs::copy_file(wal, copy / "commsflow.db-wal");
    RunResult r = test::run_cli(copy.path(), {"--json", "show", p.ref});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(Json::parse(r.out).at("data").value("details", "") == "Kept only in the log");
    CHECK(test::run_cli(copy.path(), {"verify"}).exit_code == 0);
  }
  SECTION("copied without its log: the last checkpoint opens whole and verifies") {
    test::TempDir copy;
    fs::copy(p.dir / "workflows", copy / "workflows", fs::copy_options::recursive);
    fs::copy_file(p.db, copy / "commsflow.db");
    RunResult r = test::run_cli(copy.path(), {"--json", "show", p.ref});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(Json::parse(r.out).at("data").value("details", "") == "");
    CHECK(test::run_cli(copy.path(), {"verify"}).exit_code == 0);
    CHECK(test::run_cli(copy.path(),
                        {"act", p.ref, "edit", "--as", "olivia", "--set", "details=Again"})
              .exit_code == 0);
  }
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);

  SECTION("deleted with its shared-memory index after a clean exit: nothing is lost") {
    fs::remove(p.db.string() + "-wal");
    fs::remove(p.db.string() + "-shm");
    RunResult r = test::run_cli(p.dir.path(), {"--json", "show", p.ref});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(Json::parse(r.out).at("data").value("details", "") == "Kept only in the log");
    p.run_ok({"verify"});
  }
}

// ---------------------------------------------------------------------------------------------
// Damaged database
// ---------------------------------------------------------------------------------------------

TEST_CASE("cli: a damaged database file exits 3 saying it is damaged, and is left unchanged") {
  Project p;
  SECTION("bytes overwritten in every page after the first") {
    std::fstream file(p.db, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = static_cast<std::streamoff>(fs::file_size(p.db));
    REQUIRE(size > 4096);
    for (std::streamoff page = 4096; page < size; page += 4096) {
      file.seekp(page + 8);
      file.write(std::string(64, '\xff').data(), 64);
    }
    REQUIRE(file.good());
  }
  SECTION("cut short") {
    const auto size = fs::file_size(p.db);
    fs::resize_file(p.db, size / 3);
    REQUIRE(fs::file_size(p.db) < size);
  }
  const std::string before = test::read_bytes(p.db);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list"}, {"verify"}, {"act", p.ref, "edit", "--as", "olivia"}}) {
    RunResult r = test::run_cli(p.dir.path(), args);
    INFO(describe(r));
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Contains("commsflow.db") && Contains("damaged"));
    CHECK(test::read_bytes(p.db) == before);
  }
}
