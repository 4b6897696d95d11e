// What every request handler shares: the engine behind its mutex, the options, the log, the
// latest workflow reload problems and the sign-in throttle. See server.h for the threading.
#pragma once

#include <commsflow/accounts.h>
#include <commsflow/read_access.h>
#include <commsflow/server.h>
#include <commsflow/uk_time.h>
#include <commsflow/workflow_loader.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>

#include "server/group_commit.h"
#include "server/page_notices.h"
#include "server/token_cache.h"

namespace commsflow::server {

// Slows repeated failed sign-ins for a name (see ServerOptions). The failures are kept in the
// database (Accounts), so every server of one database sees the same lockouts and a restart
// does not lift them. Each call uses `store` (the sign-in store, held by the caller for itself
// alone). Uses the real clock: lockouts must pass even when the engine's clock is fixed.
class SignInThrottle {
 public:
  explicit SignInThrottle(const ServerOptions& options) : options_(options) {}
  // Seconds to wait before the name may try again from this address (the longer of the name's
  // and the address's lockouts); 0 when it may try now.
  long long wait_seconds(Store& store, const std::string& name, const std::string& address);
  // A failure counts against the name and against the address: spraying one guess at many
  // names from one place is slowed as well as many guesses at one name.
  void failed(Store& store, const std::string& name, const std::string& address);
  // Clears the name's failures (not the address's: one known password must not reset them).
  void succeeded(Store& store, const std::string& name);

  // While held, no other attempt at the same name or from the same address runs in this server:
  // each attempt's failure is counted before the next one is checked, so guesses sent at the
  // same moment cannot all be checked before the first is counted.
  class Turn {
   public:
    Turn(SignInThrottle& throttle, std::string name_key, std::string address_key);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    SignInThrottle& throttle_;
    std::string name_key_, address_key_;
  };

 private:
  std::mutex turns_mutex_;
  std::condition_variable turn_ended_;
  std::set<std::string> in_turn_;  // "name:…" and "address:…" keys with an attempt running
  void fail_key(Accounts& accounts, const std::string& key, int allowed);
  const ServerOptions& options_;
};

struct Context {
  Context(Engine& e, const Clock& c, ServerOptions o, std::ostream& l)
      : engine(e),
        clock(c),
        options(std::move(o)),
        log_stream(l),
        throttle(options),
        sign_in_store_(Store::open(
            e.store().location(),
            Store::Options{false, Store::Durability::Normal, options.busy_timeout_ms})) {
    if (options.group_commit) writer.emplace(e.store(), engine_mutex, options.group_commit_max);
  }

  Engine& engine;
  const Clock& clock;
  ServerOptions options;
  std::ostream& log_stream;
  std::mutex engine_mutex;         // guards engine, its store and registry, and `broken`
  std::vector<Diagnostic> broken;  // workflow files that failed at the last reload
  std::string last_reload_at;
  SignInThrottle throttle;
  // With group commit on, every change made through calls.h goes through it: batched, and
  // durable before it is answered. Off (empty), each takes the engine mutex and commits alone.
  std::optional<GroupCommit> writer;

  // The engine mutex, for reading or for a change made outside calls.h (sessions, reloads).
  // With group commit on, taken in turn with the writer's batches (GroupCommit::lock_engine).
  std::unique_lock<std::mutex> lock() {
    return writer ? writer->lock_engine() : std::unique_lock<std::mutex>(engine_mutex);
  }
  // A second connection to the database, for finding who is asking (auth.cpp) without the
  // engine mutex: requests are authenticated while a batch of changes holds the engine, and,
  // outside any transaction of the engine's, it reads only what has been committed. Hold
  // lock_sign_in_store() while using it: to read, and to count failed sign-ins.
  std::unique_lock<std::mutex> lock_sign_in_store() {
    return std::unique_lock<std::mutex>(sign_in_mutex_);
  }
  Store& sign_in_store() { return *sign_in_store_; }
  // API tokens seen lately, for changes only (token_cache.h): each change confirms its token.
  TokenCache tokens;
  // Success banners kept for a session's next page (page_notices.h).
  PageNotices notices;
  Accounts& accounts() { return engine.store().accounts(); }
  // What `actor` may see (read_access.h). Hold the lock while it is used.
  ReadAccess read_access(const Actor& actor) {
    return ReadAccess(engine, Reader::for_actor(engine.store(), actor, uk_today(clock.now())));
  }
  std::string now() const { return format_datetime(clock.now()); }

  // Logs a batch of `size` changes when it is the largest yet: a few lines over a server's life
  // that show batches forming.
  void note_batch(std::size_t size) {
    std::size_t largest = largest_batch_logged_.load();
    while (size > largest) {
      if (largest_batch_logged_.compare_exchange_weak(largest, size)) {
        log("group commit: {} changes in one transaction, the most so far", size);
        return;
      }
    }
  }

  // Writes one line. Control characters in it (a newline in a sign-in name, an ESC) are written
  // as \xNN and a backslash as \\, so text a user supplied can never forge a line of its own.
  template <typename... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    // One write per line: std::cerr flushes after every <<, which made each line five system
    // calls, and let another thread's output fall between its pieces.
    const std::string line = fmt::format(
        "[{}] {}\n", now(), escape_for_log(fmt::format(format, std::forward<Args>(args)...)));
    std::lock_guard<std::mutex> guard(log_mutex_);
    log_stream.write(line.data(), static_cast<std::streamsize>(line.size()));
    log_stream.flush();
  }

  static std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '\\') {
        out += "\\\\";
      } else if (c < 0x20 || c == 0x7f) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        out += ch;
      }
    }
    return out;
  }

 private:
  std::mutex log_mutex_;
  std::atomic<std::size_t> largest_batch_logged_{1};
  std::mutex sign_in_mutex_;  // guards sign_in_store_
  std::unique_ptr<Store> sign_in_store_;
};

// Routes of the JSON API under /api/v1/ (api.cpp) and of the pages (pages*.cpp).
void add_api_routes(httplib::Server& http, Context& context);
void add_page_routes(httplib::Server& http, Context& context);

}  // namespace commsflow::server
