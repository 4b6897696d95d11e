// The web app and JSON API behind `commsflow serve`.
//
// The server is a front end over the same Engine as the CLI: every page and API call resolves
// the signed-in actor, then calls Engine (submit, act, queue, item, history, ...) exactly as
// engine/cli does. Rules, role checks and transactions all stay in the Engine.
//
// Threading: cpp-httplib serves connections on a pool of worker threads, and a scheduler thread
// reloads workflows and runs due timers. Engine, Store and WorkflowRegistry are not thread-safe,
// so every use of them is serialised by one mutex (Context::engine_mutex) rather than giving each
// worker its own Store+Registry+Engine. Why: SQLite admits one writer at a time anyway; a team
// makes a few requests a second and an engine call takes milliseconds; one registry means a
// reloaded workflow is in service for every request at the same moment; and per-thread engines
// would compile every workflow version once per thread. The slow part of sign-in (Argon2id,
// about 0.1 s and 64 MiB) runs outside the mutex, and finding who a request comes from reads a
// second connection of its own. Changes are group-committed: a writer thread takes every change
// waiting by then into one transaction, one savepoint each, and all are answered after its one
// COMMIT (ServerOptions::group_commit).
//
// Shutdown: stop() (or SIGTERM/SIGINT in run_until_signal) stops accepting connections, lets
// requests in progress finish (an Engine call always ends in commit or rollback), then stops the
// scheduler. Nothing is ever cut in the middle of a transaction.
#pragma once

#include <commsflow/delivery.h>
#include <commsflow/engine.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace commsflow::server {

// Runs due timers on the scheduler; `commsflow serve` points it at Signoff::tick. Tests may set
// their own, or none.
using TickHook = std::function<void(Engine&)>;
// Emails due notifications on the scheduler, using the engine only while holding a lock from
// the function it is given (and never while sending); `commsflow serve` points it at
// deliver_due. The lock is the one pages and the scheduler take: with group commit on, it is
// granted between the writer's batches, so delivery is not starved by a stream of changes.
using DeliverHook = std::function<void(Engine&, const EngineLock&)>;

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;  // 0: any free port (see WebServer::port())
  // Folder holding nhsuk-frontend's dist/nhsuk (its CSS, JS and assets/).
  std::filesystem::path assets;
  std::chrono::seconds reload_every{5};
  std::chrono::seconds tick_every{30};
  std::chrono::minutes session_lifetime{8 * 60};
  // Sign-in slowing: after this many failures in a row for one name, further attempts are
  // refused (429) for lockout_base, doubling with each further failure up to lockout_max.
  int failures_before_lockout = 5;
  // The same for all names tried from one client address (people behind one office address
  // share it, so it allows more).
  int failures_before_address_lockout = 20;
  std::chrono::seconds lockout_base{30};
  std::chrono::seconds lockout_max{15 * 60};
  // How long the server's sign-in connection waits for another process's write (the engine's
  // own connection is opened by whoever starts the server): `--busy-timeout`.
  int busy_timeout_ms = 5000;
  TickHook tick;
  DeliverHook deliver;
  std::chrono::seconds deliver_every{15};
  // Where people reach the server, e.g. https://comms.example.nhs.uk behind a proxy. When it is
  // https, the session cookie is Secure and answers carry HSTS. Empty: plain HTTP (loopback).
  std::string public_url;
  // Request bodies larger than this are refused with 413 (Content-Length is read first).
  std::size_t max_body_bytes = 8u << 20;
  // Worker threads (each serves one connection at a time) and how long a connection may send
  // nothing before it is closed.
  std::size_t workers = 64;
  // The address of the reverse proxy in front (e.g. 127.0.0.1). Requests from it name the real
  // client in X-Real-IP, which sign-in slowing then uses; from anywhere else the header is
  // ignored. Empty: every request's own address is the client's.
  std::string trusted_proxy;
  std::chrono::seconds read_timeout{5};
  // Group commit: one writer thread makes every change (actions, decisions, submissions, ...);
  // the changes waiting for it at the same moment share one transaction and one COMMIT, each in
  // a savepoint of its own, at most group_commit_max of them, and each is answered once that
  // COMMIT is durable. Off: each change takes the engine mutex on its own worker thread and
  // commits alone. See engine/server/group_commit.h.
  bool group_commit = true;
  std::size_t group_commit_max = 64;
};

class WebServer {
 public:
  // The engine must outlive the server. `log` receives one line per reload problem, request
  // error and lifecycle step; it is written under a lock of its own.
  WebServer(Engine& engine, const Clock& clock, ServerOptions options, std::ostream& log);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds the listening socket. Throws Error(BadInput) naming the address if it cannot.
  void bind();
  int port() const;
  // Serves until stop() is called; starts and, before returning, joins the scheduler.
  void run();
  // Thread-safe; returns at once. run() returns once requests in progress have finished.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Binds, serves, and returns after SIGTERM or SIGINT has stopped the server cleanly.
// Blocks those signals in every thread first, so they are handled only here.
void run_until_signal(WebServer& server, std::ostream& log);

// The assets folder: `given` if not empty, else web/node_modules/nhsuk-frontend/dist/nhsuk
// found from the executable's folder upwards or the working directory. Throws Error(BadInput)
// saying how to install it when it is missing.
std::filesystem::path find_assets(const std::filesystem::path& given,
                                  const std::filesystem::path& executable);

}  // namespace commsflow::server
