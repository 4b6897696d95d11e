// The database a test works on. By default an SQLite file in the test's folder. When the suite
// runs against PostgreSQL (COMMSFLOW_TEST_BACKEND=postgresql, as CTest's "postgresql:" tests
// do), a database of its own on the cluster named by COMMSFLOW_TEST_POSTGRESQL (a URL to a
// database the role may create databases from; scripts/test starts one), dropped afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace commsflow::test {

// True when this run is against PostgreSQL. Fails the test when asked for PostgreSQL with no
// cluster to use, so a run that was meant to test it cannot pass without doing so.
bool testing_postgresql();

class TestDatabase {
 public:
  // `file`: the SQLite file used when not testing PostgreSQL.
  explicit TestDatabase(const std::filesystem::path& file);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  // What Store::open takes: the file's path, or the database's URL.
  const std::string& location() const { return location_; }

 private:
  std::string location_;
  std::string name_;  // the PostgreSQL database made for the test; empty for a file
};

// Runs SQL on a PostgreSQL database directly (bypassing the engine), returning the first column
// of the first row as text (empty when none).
std::string postgresql_query(const std::string& url, const std::string& sql);

// Ends every other session on the database `url` names and waits until they have gone, as a
// restart of PostgreSQL or an administrator's pg_terminate_backend would.
void cut_postgresql_connections(const std::string& url);

}  // namespace commsflow::test
