// Errors and refusals.
//
// An `Error` is something that stopped a command: bad input, a missing item, a conflicting
// concurrent change, a storage failure or a broken workflow script. A `Refusal` is a normal
// outcome: a workflow rule or role check said no, with reasons a person can read. Errors are
// thrown; refusals are returned. Neither crosses the CLI or HTTP boundary as an exception.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace commsflow {

enum class ErrorKind {
  BadInput,  // the caller's input is wrong: a field, a value, a file or a usage error
  NotFound,  // a named item, actor or workflow does not exist
  Conflict,  // the item changed since the caller read it
  Storage,   // the database could not be opened, read or written
  Script,    // a workflow script failed: syntax, runtime error or exceeded a limit
};

// Process exit code for a kind: 2 for bad input and not found, 1 for conflicts, 3 otherwise.
int exit_code_for(ErrorKind kind);
const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  // What a caller may act on beyond the kind: a storage error because the disk is full is one
  // a person can fix (free space), and the server answers it with its own status.
  enum class Cause { None, DiskFull };

  Error(ErrorKind kind, std::string message, Cause cause = Cause::None)
      : std::runtime_error(std::move(message)), kind_(kind), cause_(cause) {}
  ErrorKind kind() const { return kind_; }
  Cause cause() const { return cause_; }

 private:
  ErrorKind kind_;
  Cause cause_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

// Why a rule or role check said no. `reasons` is never empty. `forbidden` is true when the
// actor lacks the role (or approver entry) the step needs, false when a workflow rule said no:
// the server answers 403 for one and 422 for the other.
struct Refusal {
  std::vector<std::string> reasons;
  bool forbidden = false;
};

// Either a value or a refusal.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}
  Outcome(Refusal refusal) : v_(std::move(refusal)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  const Refusal& refusal() const { return std::get<Refusal>(v_); }

 private:
  std::variant<T, Refusal> v_;
};

}  // namespace commsflow
