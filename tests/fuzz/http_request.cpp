// Fuzz target: HTTP request handling. Each input is sent as raw bytes to an in-process
// `commsflow serve` on a loopback port, over a database with the shipped workflows, demo-like
// actors and an API token, so requests reach the API and page handlers, not only the parser.
// An input may use the literal token "fuzz-token" (Authorization: Bearer fuzz-token) to act as
// a triager with every role. The server must answer or close the connection; a crash, a
// sanitizer report or a hang (libFuzzer's -timeout) is a finding.
#include <arpa/inet.h>
#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <commsflow/engine.h>
#include <commsflow/people.h>
#include <commsflow/server.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace commsflow;

struct LiveServer {
  fs::path dir;
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<Store> store;
  std::unique_ptr<WorkflowRegistry> registry;
  std::unique_ptr<Engine> engine;
  std::ofstream log{"/dev/null"};
  std::unique_ptr<server::WebServer> web;
  std::thread thread;
  int port = 0;

  LiveServer() {
    dir = fs::temp_directory_path() / ("commsflow-fuzz-http-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(fs::path(COMMSFLOW_SOURCE_DIR) / "workflows", dir / "workflows",
             fs::copy_options::recursive);
    Store::Options options;
    options.create = true;
    store = Store::open(dir / "fuzz.db", options);
    registry = std::make_unique<WorkflowRegistry>(*store, clock, dir / "workflows");
    registry->sync();
    engine = std::make_unique<Engine>(*store, *registry, clock);
    engine->add_actor(
        "tom", {"triager", "requester", "comms_officer", "head_of_comms", "director", "admin"});
    People(*store, *registry, clock)
        .create_api_token("tom", token_digest("fuzz-token"), "fuzz", kDefaultTokenLifetime,
                          kOperator);
    engine->submit("website_update", "tom", Json{{"title", "A page"}});
    server::ServerOptions so;
    so.port = 0;
    so.assets = fs::path(COMMSFLOW_SOURCE_DIR) / "web/node_modules/nhsuk-frontend/dist/nhsuk";
    so.reload_every = std::chrono::seconds(3600);
    so.tick_every = std::chrono::seconds(3600);
    web = std::make_unique<server::WebServer>(*engine, clock, so, log);
    web->bind();
    port = web->port();
    thread = std::thread([this] { web->run(); });
  }
  ~LiveServer() {
    web->stop();
    thread.join();
    web.reset();
    engine.reset();
    registry.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

LiveServer& live() {
  static LiveServer server;
  return server;
}

// Sends the bytes, half-closes, and reads until the server closes or 5 s pass.
void exchange(int port, const std::uint8_t* data, std::size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // After a hundred thousand connections the loopback's ports can run short for a moment
  // (closed connections wait out TIME_WAIT): retry for a while before calling it a failure.
  int tries = 0;
  while (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (++tries == 500) {
      std::perror("connect to the server under test");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  char buffer[4096];
  while (recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
  close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  exchange(live().port, data, size);
  return 0;
}
