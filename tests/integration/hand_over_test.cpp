// The two programs (engine/cli/hand_over.h): `commsflow`, which most commands run as, links no
// PostgreSQL, email or web server, and hands a command that needs one to commsflow-full.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "support.h"

using Catch::Matchers::Contains;

namespace {

// Runs a shell command line; its exit code and what it wrote to stdout and stderr together.
std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("commsflow hands a PostgreSQL command to commsflow-full, which names the database") {
  const std::string bin = COMMSFLOW_BIN;
  // Nothing listens on port 1: commsflow-full tries, and says which database it could not open.
  auto [code, out] = shell("'" + bin + "' --db postgresql://nobody@127.0.0.1:1/cf list");
  CHECK(code == 3);
  CHECK_THAT(out, Contains("cannot open postgresql database cf on 127.0.0.1:1"));
  CHECK_THAT(out, !Contains("commsflow-full"));
}

// (Not under scripts/valgrind-cli, whose COMMSFLOW_BIN is a wrapper script.)
#ifndef COMMSFLOW_EXEC_CLI
TEST_CASE("commsflow without commsflow-full beside it says what the command needs") {
  commsflow::test::TempDir dir;
  std::filesystem::copy_file(COMMSFLOW_BIN, dir / "commsflow");
  std::filesystem::permissions(dir / "commsflow", std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  const std::string bin = (dir / "commsflow").string();
  auto [code, out] = shell("cd '" + dir.path().string() + "' && '" + bin + "' serve --port 0");
  CHECK(code == 3);
  CHECK_THAT(out, Contains("this command needs the web server, which only commsflow-full has"));
  CHECK_THAT(out, Contains("install it beside commsflow"));
  CHECK_FALSE(std::filesystem::exists(dir / "commsflow.db"));  // handed over before opening it
  auto [mailed, mail_said] = shell("cd '" + dir.path().string() +
                                   "' && COMMSFLOW_MAIL=smtp COMMSFLOW_SMTP_URL=smtp://127.0.0.1:1 "
                                   "COMMSFLOW_MAIL_FROM=comms@example.org '" +
                                   bin + "' deliver --public-url http://localhost");
  CHECK(mailed == 3);
  CHECK_THAT(mail_said, Contains("this command needs email"));
  // What it can do alone, it does: a new database here, without the web server.
  auto [made, said] = shell("cd '" + dir.path().string() + "' && '" + bin + "' --workflows '" +
                            commsflow::test::shipped_workflows().string() + "' init");
  CHECK(made == 0);
  CHECK_THAT(said, Contains("Created commsflow.db"));
}
#endif
