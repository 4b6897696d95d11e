#include "test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "postgresql_url.h"

namespace commsflow::test {

namespace {

const char* cluster_url() {
  const char* url = std::getenv("COMMSFLOW_TEST_POSTGRESQL");
  return url && *url ? url : nullptr;
}

// Runs one statement without Catch's macros: for destructors, which may run after the tests.
void run_quietly(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return;
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  PQclear(PQexec(conn.get(), sql.c_str()));
}

}  // namespace

bool testing_postgresql() {
  const char* backend = std::getenv("COMMSFLOW_TEST_BACKEND");
  if (!backend || std::string(backend) != "postgresql") return false;
  if (!cluster_url()) {
    FAIL(
        "COMMSFLOW_TEST_BACKEND=postgresql needs COMMSFLOW_TEST_POSTGRESQL, the URL of a "
        "PostgreSQL database to create test databases from (scripts/test starts a cluster)");
  }
  return true;
}

std::string postgresql_query(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()), PQfinish);
  INFO(PQerrorMessage(conn.get()));
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn.get(), sql.c_str()), PQclear);
  const auto status = PQresultStatus(result.get());
  INFO(sql << ": " << PQresultErrorMessage(result.get()));
  REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
  if (status != PGRES_TUPLES_OK || PQntuples(result.get()) == 0) return "";
  return PQgetvalue(result.get(), 0, 0);
}

void cut_postgresql_connections(const std::string& url) {
  postgresql_query(url,
                   "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND pid <> pg_backend_pid()");
}

TestDatabase::TestDatabase(const std::filesystem::path& file) : location_(file.string()) {
  if (!testing_postgresql()) return;
  static std::atomic<int> made{0};
  name_ = "test_" + std::to_string(getpid()) + "_" + std::to_string(++made);
  postgresql_query(cluster_url(), "CREATE DATABASE " + name_);
  location_ = with_database(cluster_url(), name_);
}

TestDatabase::~TestDatabase() {
  if (name_.empty()) return;
  // If this fails the database stays behind, with the cluster scripts/test throws away.
  run_quietly(cluster_url(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace commsflow::test
