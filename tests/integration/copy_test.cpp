// `commsflow copy`: a whole history moved to another database (PostgreSQL when the suite runs
// against it, else another file) and back, with the same chain head, and refused or undone
// when it cannot be done whole.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

namespace {

RunResult run(const fs::path& dir, int expected_exit, const std::vector<std::string>& args) {
  RunResult r = test::run_cli(dir, args);
  INFO(fmt::format("$ commsflow {}\nexit {}\n{}{}", fmt::join(args, " "), r.exit_code, r.out,
                   r.err));
  REQUIRE(r.exit_code == expected_exit);
  return r;
}

// `verify --json` of the database at `db`.
Json verified(const fs::path& dir, const std::string& db) {
  return Json::parse(run(dir, 0, {"--db", db, "--json", "verify"}).out);
}

struct Folder {
  test::TempDir dir;
  Folder() {
    fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
    run(dir.path(), 0, {"--db", "source.db", "init", "--demo"});
  }
};

}  // namespace

TEST_CASE("copy: a whole history moves to another database and back with the same chain head") {
  Folder f;
  const Json source = verified(f.dir.path(), "source.db");
  REQUIRE(source["ok"] == true);
  REQUIRE(source["events"].get<int>() > 50);

  test::TestDatabase middle(f.dir / "middle.db");
  RunResult copied =
      run(f.dir.path(), 0, {"copy", "--from", "source.db", "--to", middle.location()});
  const std::string head = fmt::format("{}:{}", source["head"]["seq"].get<int>(),
                                       source["head"]["hash"].get<std::string>());
  CHECK_THAT(copied.out,
             Contains(fmt::format("Copied {} events and {} items", source["events"].get<int>(),
                                  source["items"].get<int>())));
  CHECK_THAT(copied.out, Contains("verify: ok; chain head " + head));

  const Json there = verified(f.dir.path(), middle.location());
  CHECK(there["head"] == source["head"]);
  CHECK(there["events"] == source["events"]);
  CHECK(run(f.dir.path(), 0, {"--db", middle.location(), "list"}).out ==
        run(f.dir.path(), 0, {"--db", "source.db", "list"}).out);

  // The copy takes new work, its ids following the copied ones, and its chain goes on.
  run(f.dir.path(), 0,
      {"--db", middle.location(), "actor", "add", "nina.new", "--role", "requester"});
  const Json item = Json::parse(
      run(f.dir.path(), 0,
          {"--db", middle.location(), "--json", "submit", "website_update", "--as", "nina.new",
           "--set", "title=After the move", "--set", "page_url=https://example.nhs.uk/a"})
          .out);
  CHECK(item["state"].is_string());
  run(f.dir.path(), 0, {"--db", middle.location(), "token", "create", "--as", "nina.new"});
  const Json grown = verified(f.dir.path(), middle.location());
  CHECK(grown["ok"] == true);
  CHECK(grown["events"].get<int>() > source["events"].get<int>());

  // And back to a new file: the same history, the new events with it.
  run(f.dir.path(), 0, {"copy", "--from", middle.location(), "--to", "back.db"});
  CHECK(verified(f.dir.path(), "back.db")["head"] == grown["head"]);
}

TEST_CASE("copy: into a database that already holds a history is refused and changes nothing") {
  Folder f;
  fs::create_directory(f.dir / "backups");
  run(f.dir.path(), 0, {"--db", "backups/other.db", "init"});
  const Json before = verified(f.dir.path(), "backups/other.db");
  RunResult refused =
      run(f.dir.path(), 2, {"copy", "--from", "source.db", "--to", "backups/other.db"});
  // Named as given, folder and all: the folder tells a backup from the live file.
  CHECK_THAT(refused.err,
             Contains("--to: backups/other.db already holds") && Contains("Nothing was copied"));
  CHECK(verified(f.dir.path(), "backups/other.db") == before);
  CHECK(test::query_text((f.dir / "backups/other.db").string(), "SELECT count(*) FROM actors") ==
        "0");
}

TEST_CASE("copy: a source that is not there is named, and no target file is left behind") {
  Folder f;
  RunResult r = run(f.dir.path(), 2, {"copy", "--from", "missing.db", "--to", "new.db"});
  CHECK_THAT(r.err, Contains("--from: there is no database at missing.db"));
  CHECK_THAT(r.err, !Contains("init"));  // not advice to make an empty one
  // A folder given for the new file is said to be one.
  fs::create_directory(f.dir / "backups");
  RunResult folder = run(f.dir.path(), 2, {"copy", "--from", "source.db", "--to", "backups"});
  CHECK_THAT(folder.err, Contains("--to: backups is a folder: name the new file in it, like "
                                  "backups/commsflow.db"));
  CHECK_THAT(run(f.dir.path(), 2, {"copy", "--from", "backups", "--to", "new.db"}).err,
             Contains("--from: backups is a folder: name the database file in it"));
  CHECK_FALSE(fs::exists(f.dir / "new.db"));
  CHECK_THAT(run(f.dir.path(), 2, {"copy", "--to", "new.db"}).err, Contains("--from"));
}

TEST_CASE("copy: a new file takes its name only once whole, and is named by the path given") {
  Folder f;
  fs::create_directories(f.dir / "backups");
  // What a copy cut short left: a file that is not a database, under the working name.
  { std::ofstream(f.dir / "backups/new.db.incomplete") << "cut short"; }
  RunResult r = run(f.dir.path(), 0, {"copy", "--from", "source.db", "--to", "backups/new.db"});
  CHECK_THAT(r.out, Contains("from source.db to backups/new.db"));
  CHECK(verified(f.dir.path(), "backups/new.db")["head"] ==
        verified(f.dir.path(), "source.db")["head"]);
  for (const char* left : {"new.db.incomplete", "new.db.incomplete-wal"}) {
    INFO(left);
    CHECK_FALSE(fs::exists(f.dir / "backups" / left));
  }
  // It holds password hashes and people's addresses: for its owner only, made new or made
  // into an empty file someone had left readable by all.
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  CHECK((fs::status(f.dir / "backups/new.db").permissions() & fs::perms::all) == owner_only);
  { std::ofstream(f.dir / "backups/empty.db"); }
  fs::permissions(f.dir / "backups/empty.db",
                  owner_only | fs::perms::group_read | fs::perms::others_read);
  run(f.dir.path(), 0, {"copy", "--from", "source.db", "--to", "backups/empty.db"});
  CHECK((fs::status(f.dir / "backups/empty.db").permissions() & fs::perms::all) == owner_only);
}

TEST_CASE("copy: into a folder that is not there is refused naming --to, and leaves nothing") {
  Folder f;
  RunResult r = run(f.dir.path(), 2, {"copy", "--from", "source.db", "--to", "gone/new.db"});
  CHECK_THAT(r.err, Contains("--to: there is no folder gone to make gone/new.db in"));
  CHECK_FALSE(fs::exists(f.dir / "gone"));
}
