#include <commsflow/server.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <optional>
#include <thread>

#include "server/auth.h"
#include "server/context.h"
#include "server/pages.h"
#include "server/security_headers.h"
#include "server/templates.h"

namespace commsflow::server {

namespace {

constexpr const char* kAssetsBelowRoot = "web/node_modules/nhsuk-frontend/dist/nhsuk";

bool same_problems(const std::vector<Diagnostic>& a, const std::vector<Diagnostic>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const Diagnostic& x, const Diagnostic& y) { return x.to_string() == y.to_string(); });
}

// What is refused before a request's body is read (see the comment in the constructor): true,
// with `res` the refusal, when it is.
bool refused_before_reading(Context& c, const httplib::Request& req, httplib::Response& res) {
  auto refuse = [&](int status, const char* code, std::string message) {
    res.status = status;  // the connection closes after it (one request per connection)
    if (req.path.starts_with("/api/")) {
      res.set_content(Json{{"error", {{"code", code}, {"message", std::move(message)}}}}.dump(),
                      "application/json");
    } else {
      // Someone at a browser is shown a page: their form (the sign-in form) could not be taken.
      // One signed in sees the header as on every other page.
      message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
      // Also asked from the Expect: 100-continue handler, outside the HTTP library's own catch:
      // a database that cannot be read now costs the header, never the server.
      std::optional<Principal> principal;
      try {
        principal = authenticate(c, req);
      } catch (const std::exception&) {
      }
      send_page(res, status, principal ? &*principal : nullptr, "Problem", "",
                render("message-page",
                       {{"heading", "Sorry, this could not be done"}, {"text", message + "."}}));
    }
    add_security_headers(c.options, req, res);
    return true;
  };
  if (!headers_within_limits(req)) {
    return refuse(431, "bad_input",
                  fmt::format("too many or too large request headers (at most {} headers, {} "
                              "bytes in all)",
                              kMaxHeaderCount, kMaxHeaderBytes));
  }
  if (body_without_length(req)) {
    return refuse(411, "bad_input",
                  fmt::format("send the request body with a Content-Length, not in chunks (at "
                              "most {} bytes)",
                              c.options.max_body_bytes));
  }
  if (auto problem = content_length_problem(req, c.options.max_body_bytes)) {
    return refuse(problem->status, "bad_input", std::move(problem->message));
  }
  if (from_another_site(c.options, req)) {
    std::string message =
        "this request came from another site's page: commsflow takes changes only from its own "
        "pages";
    if (!c.options.public_url.empty()) message += ", at " + c.options.public_url;
    return refuse(403, "forbidden", std::move(message));
  }
  return false;
}

}  // namespace

// Reloads changed workflow files and runs due timers, each on its own period, until stopped.
class Scheduler {
 public:
  explicit Scheduler(Context& context) : context_(context) {}

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Syncs the registry now, logging files whose problems are new. Holds the engine mutex.
  void reload() {
    auto lock = context_.lock();
    std::vector<Diagnostic> problems;
    const auto in_service = context_.engine.store().workflows();  // name, version
    try {
      problems = context_.engine.registry().sync();
    } catch (const Error& e) {
      problems.push_back(Diagnostic{context_.engine.registry().dir().string(), 0, e.what()});
    }
    // An edit taken into service is said, as one that fails to load is.
    for (const auto& [name, version] : context_.engine.store().workflows()) {
      if (std::find(in_service.begin(), in_service.end(), std::pair{name, version}) !=
          in_service.end()) {
        continue;
      }
      context_.log(
          "workflow {} version {} is in service: new items use it; open items stay on "
          "theirs until `commsflow migrate` moves them",
          name, version.substr(0, 12));
    }
    if (!same_problems(problems, context_.broken)) {
      for (const auto& p : problems) {
        context_.log("workflow not loaded: {} (the previous version stays in service)",
                     p.to_string());
      }
      if (problems.empty()) context_.log("all workflow files load cleanly");
    }
    context_.broken = std::move(problems);
    context_.last_reload_at = context_.now();
  }

 private:
  void tick() {
    if (!context_.options.tick) return;
    auto lock = context_.lock();
    try {
      context_.options.tick(context_.engine);
    } catch (const std::exception& e) {
      context_.log("timers: {}", e.what());
    }
  }

  // Not under the engine mutex: the hook takes it for its own database work, not while sending.
  void deliver() {
    if (!context_.options.deliver) return;
    try {
      context_.options.deliver(context_.engine, [this] { return context_.lock(); });
    } catch (const std::exception& e) {
      context_.log("email: {}", e.what());
    }
  }

  void loop() {
    using clock = std::chrono::steady_clock;
    auto next_reload = clock::now() + context_.options.reload_every;
    auto next_tick = clock::now();
    auto next_delivery = clock::now();
    std::unique_lock<std::mutex> guard(mutex_);
    while (!stopping_) {
      auto next = std::min({next_reload, next_tick, next_delivery});
      if (wake_.wait_until(guard, next, [this] { return stopping_; })) break;
      guard.unlock();
      auto now = clock::now();
      if (now >= next_reload) {
        reload();
        next_reload = now + context_.options.reload_every;
      }
      if (now >= next_tick) {
        tick();
        next_tick = now + context_.options.tick_every;
      }
      if (now >= next_delivery) {
        deliver();
        next_delivery = clock::now() + context_.options.deliver_every;
      }
      guard.lock();
    }
  }

  Context& context_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

struct WebServer::Impl {
  Impl(Engine& engine, const Clock& clock, ServerOptions options, std::ostream& log)
      : context(engine, clock, std::move(options), log), scheduler(context) {}
  Context context;
  httplib::Server http;
  Scheduler scheduler;
  int port = 0;
  // httplib's stop() does nothing until its listening loop has started, so a stop that comes
  // early (a SIGTERM just after start-up) is remembered here and honoured by run().
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};
};

WebServer::WebServer(Engine& engine, const Clock& clock, ServerOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(engine, clock, std::move(options), log)) {
  Context& c = impl_->context;
  auto& http = impl_->http;
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"X-Frame-Options", "DENY"},
                            {"Referrer-Policy", "same-origin"}});
  if (!c.options.assets.empty()) {
    http.set_mount_point("/nhsuk", c.options.assets.string());
    http.set_mount_point("/assets", (c.options.assets / "assets").string());
  }
  add_api_routes(http, c);
  add_page_routes(http, c);
  add_static_routes(http, c.options.assets);
  http.set_payload_max_length(c.options.max_body_bytes);
  // Bounded waiting: a client that sends nothing for read_timeout loses its connection, a kept-
  // alive connection closes after keep_alive_timeout idle, and there are enough workers that
  // dozens of idle or slow clients cannot take them all. A client that trickles a header line
  // just inside the timeout still holds a worker: in front of a team, the proxy in deploy/
  // bounds that.
  http.new_task_queue = [workers = c.options.workers] { return new httplib::ThreadPool(workers); };
  http.set_read_timeout(c.options.read_timeout);
  http.set_write_timeout(c.options.read_timeout);
  // One request per connection: the HTTP library keeps a connection open after a refusal made
  // before the body is read (431, 411, 403 below) whatever the answer says, and would read that
  // body as the next request. Behind the proxy in deploy/ (no upstream keep-alive) this costs
  // nothing; on loopback, a connection per request.
  http.set_keep_alive_timeout(2);
  http.set_keep_alive_max_count(1);
  // Too many or too large headers are refused before any route sees them (431). The library
  // has read them by then: each line is capped at 8 KiB by the library, and the proxy in front
  // caps the rest.
  //
  // A body without a declared length is refused (411) before it is read, as is one whose
  // declared length is no plain size within the limit (400, 413), and a request to change
  // something from another site's page (403).
  http.set_pre_routing_handler([&c](const httplib::Request& req, httplib::Response& res) {
    return refused_before_reading(c, req, res) ? httplib::Server::HandlerResponse::Handled
                                               : httplib::Server::HandlerResponse::Unhandled;
  });
  // A client that asks before sending its body (Expect: 100-continue, as curl does for one
  // over 1 MiB) is refused in place of the invitation, not invited and then cut off.
  http.set_expect_100_continue_handler([&c](const httplib::Request& req, httplib::Response& res) {
    return refused_before_reading(c, req, res) ? res.status : 100;
  });
  http.set_post_routing_handler([&c](const httplib::Request& req, httplib::Response& res) {
    add_security_headers(c.options, req, res);
  });
  http.set_exception_handler(
      [&c](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        c.log("error serving {} {}: {}", req.method, req.path, what);
        res.status = 500;
        res.set_content(
            Json{{"error", {{"code", "internal"}, {"message", "the server failed; see its log"}}}}
                .dump(),
            "application/json");
      });
  impl_->scheduler.reload();  // report broken files at start-up
}

WebServer::~WebServer() {
  stop();
  impl_->scheduler.stop();
}

namespace {

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

}  // namespace

void WebServer::bind() {
  const auto& o = impl_->context.options;
  if (!is_loopback(o.bind) && o.trusted_proxy.empty()) {
    fail(ErrorKind::BadInput,
         "--bind {}: beyond loopback, commsflow serves only behind the reverse proxy in deploy/ "
         "(its HTTP library cannot refuse every hostile request); run the proxy and pass "
         "--trusted-proxy ADDRESS (see the README, \"Deploying it for real\")",
         o.bind);
  }
  // cpp-httplib listens with a backlog of 5, fixed when the library was compiled: 32 clients
  // connecting at once overflow it, and Linux drops the extra connections' first packets (they
  // retry a second later, or fail). Keep the listening socket, with the library's own options,
  // so that its backlog can be raised once it listens.
  //
  // SO_REUSEADDR only, so a restart can bind while old connections linger in TIME_WAIT; not the
  // library's SO_REUSEPORT, under which a second server binds the same port without a word and
  // the kernel splits requests between the two (and their databases).
  int listening = -1;
  int bind_error = 0;
  impl_->http.set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening = sock;
  });
  errno = 0;
  impl_->port = o.port == 0 ? impl_->http.bind_to_any_port(o.bind)
                            : (impl_->http.bind_to_port(o.bind, o.port) ? o.port : -1);
  bind_error = errno;
  if (impl_->port <= 0 && bind_error == EADDRINUSE) {
    fail(ErrorKind::BadInput,
         "port {} is in use (another commsflow serve?): stop it, or choose another with --port",
         o.port);
  }
  if (impl_->port <= 0) {
    fail(ErrorKind::BadInput, "--bind/--port: cannot listen on {}:{} (not an address here?)",
         o.bind, o.port);
  }
  if (listening >= 0) ::listen(listening, SOMAXCONN);
}

int WebServer::port() const {
  return impl_->port;
}

void WebServer::run() {
  Context& c = impl_->context;
  if (c.writer) {
    c.log("group commit on: changes made at the same moment share a COMMIT (at most {})",
          c.writer->max_batch());
  } else {
    c.log("group commit off: each change commits on its own");
  }
  if (!c.options.public_url.empty()) {
    c.log("reached at {}{}", c.options.public_url,
          served_over_https(c.options) ? ": the session cookie is Secure, with HSTS" : "");
  }
  // Said last: whoever waits for the server to start waits for this line.
  c.log("serving http://{}:{}/ (workflows from {})", c.options.bind, impl_->port,
        c.engine.registry().dir().string());
  impl_->scheduler.start();
  impl_->running = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->running = false;
  impl_->scheduler.stop();
  if (c.writer) {
    const GroupCommit::Stats written = c.writer->stats();
    c.log("group commit: {} changes in {} transactions, at most {} in one", written.works,
          written.batches, written.largest);
  }
  c.log("stopped");
}

void WebServer::stop() {
  impl_->stop_requested = true;
  // If run() is about to listen, wait until it does (or gives up), so that the stop lands.
  while (impl_->running && !impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

void run_until_signal(WebServer& server, std::ostream& log) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below

  server.bind();
  std::atomic<bool> stopped_by_signal{false};
  std::thread watcher([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (stopped_by_signal.exchange(true)) return;  // woken by run_until_signal itself
    log << "received " << (received == SIGINT ? "SIGINT" : "SIGTERM")
        << ": finishing requests in progress, then stopping" << std::endl;
    server.stop();
  });
  server.run();
  if (!stopped_by_signal.exchange(true)) pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
}

std::filesystem::path find_assets(const std::filesystem::path& given,
                                  const std::filesystem::path& executable) {
  namespace fs = std::filesystem;
  auto usable = [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(p / "nhsuk-frontend.min.css", ec);
  };
  if (!given.empty()) {
    if (!usable(given)) {
      fail(ErrorKind::BadInput, "--assets: {} does not hold nhsuk-frontend.min.css",
           given.string());
    }
    return given;
  }
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(executable, ec).parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    if (usable(dir / kAssetsBelowRoot)) return dir / kAssetsBelowRoot;
    if (dir == dir.parent_path()) break;
  }
  if (usable(fs::current_path() / kAssetsBelowRoot)) return fs::current_path() / kAssetsBelowRoot;
  fail(ErrorKind::BadInput,
       "--assets: the NHS.UK frontend is not installed; run scripts/install-deps (it runs "
       "`npm ci` in web/), or pass --assets pointing at nhsuk-frontend's dist/nhsuk folder");
}

}  // namespace commsflow::server
