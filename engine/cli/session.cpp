#include "cli/session.h"

#include <commsflow/uk_time.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace commsflow::cli {

const Clock& Session::clock() {
  if (!clock_) {
    const char* fixed = std::getenv("COMMSFLOW_NOW");
    if (fixed && *fixed) {
      auto t = parse_datetime(fixed);
      if (!t)
        fail(ErrorKind::BadInput, "COMMSFLOW_NOW must be a datetime like 2026-03-31T09:00:00Z");
      clock_ = std::make_unique<FixedClock>(*t);
    } else {
      clock_ = std::make_unique<SystemClock>();
    }
  }
  return *clock_;
}

Engine& Session::engine(bool create, bool load_workflows) {
  if (!engine_) {
    // Check the workflows folder before a new database is created, so that a mistyped
    // --workflows leaves nothing behind.
    if (create) workflow_files(options.workflows);
    if (!store_) store_ = open_store(create);
    registry_ = std::make_unique<WorkflowRegistry>(*store_, clock(), options.workflows);
    // A file this user may only read is shown with the versions stored in it: loading a
    // changed workflow file would be a write.
    if (load_workflows && store_->reads_only()) {
      std::cerr << fmt::format(
          "note: this user may not write {} or the folder it is in: it is shown as it is, with "
          "the workflow versions stored in it, and the workflow files are not loaded\n",
          options.db);
    } else if (load_workflows && !create && !std::filesystem::is_directory(options.workflows)) {
      // Run from another folder, reading or acting on a database made before: the versions
      // stored in it serve, as for a file this user may only read.
      std::cerr << fmt::format(
          "note: there is no workflows folder {} here: {} is used with the workflow versions "
          "stored in it (give --workflows DIR to load changed workflow files)\n",
          options.workflows, options.db);
    } else if (load_workflows) {
      not_loaded_ = registry_->sync();
      warn_not_loaded(not_loaded_);
    }
    engine_ = std::make_unique<Engine>(*store_, *registry_, clock());
  }
  return *engine_;
}

void Session::warn_not_loaded(const std::vector<Diagnostic>& problems) {
  for (const auto& problem : problems) {
    std::cerr << "warning: " << problem.to_string()
              << " (not loaded; the previous version, if any, stays in service)\n";
  }
}

std::unique_ptr<Store> Session::open_store(bool create) const {
  Store::Options store_options;
  store_options.create = create;
  store_options.busy_timeout_ms = options.busy_timeout_ms;
  store_options.only_reads = only_reads_;
  return Store::open(options.db, store_options);
}

Store& Session::store() {
  if (!store_) store_ = open_store(false);
  return *store_;
}

Reader Session::reader() {
  if (options.read_as.empty()) return Reader::operator_reader();
  Store& opened = engine_ ? engine_->store() : store();
  auto actor = opened.actor(options.read_as);
  if (!actor) fail(ErrorKind::NotFound, "--as: unknown actor '{}'", options.read_as);
  return Reader::for_actor(opened, *actor, uk_today(clock().now()));
}

ReadAccess Session::access_as(const std::string& actor) {
  Engine& opened = engine();
  auto person = opened.store().actor(actor);
  if (!person) fail(ErrorKind::NotFound, "--as: unknown actor '{}'", actor);
  return ReadAccess(opened, Reader::for_actor(opened.store(), *person, uk_today(clock().now())));
}

std::optional<Item> Session::seen_by(const std::string& actor, const Item& item) {
  auto person = engine().store().actor(actor);
  if (!person || person->disabled) return std::nullopt;
  return access_as(actor).view(item);
}

std::optional<std::string> Session::changed_while_read() const {
  return store_ ? store_->changed_while_read() : std::nullopt;
}

void Session::require_steady_read() {
  if (auto changed = changed_while_read()) fail(ErrorKind::Storage, "{}", *changed);
  read_confirmed_ = true;
}

ReadAccess Session::access() {
  return ReadAccess(engine(), reader());
}

void Session::refused(const Refusal& refusal) {
  exit_code = 1;
  if (options.json) {
    print_json(Json{{"error", {{"code", "refused"}, {"reasons", refusal.reasons}}}});
    return;
  }
  std::cerr << "refused:\n";
  for (const auto& reason : refusal.reasons) std::cerr << "  - " << reason << "\n";
}

void Session::print_json(const Json& value) {
  std::cout << value.dump(2) << "\n";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  // A folder opens as a stream that reads as empty: say what it is instead.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    fail(ErrorKind::BadInput, "{} is a folder, not a file", path.string());
  }
  // Why it cannot be read, in the system's words: missing, or not ours to read.
  const std::filesystem::file_status found = std::filesystem::status(path, ec);
  if (found.type() == std::filesystem::file_type::not_found) {
    fail(ErrorKind::BadInput, "there is no file {}", path.string());
  }
  if (ec) fail(ErrorKind::BadInput, "cannot read {}: {}", path.string(), ec.message());
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  const int opened = errno;
  std::ostringstream out;
  if (in) out << in.rdbuf();
  if (!in || in.bad()) {
    fail(ErrorKind::BadInput, "cannot read {}{}", path.string(),
         opened != 0 ? std::string(": ") + std::strerror(opened) : std::string());
  }
  return out.str();
}

}  // namespace commsflow::cli
