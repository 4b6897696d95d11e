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
  BadInput,   // the caller's input is wrong: a field, a value, a file or a usage error
  NotFound,   // a named item, actor or workflow does not exist
  Forbidden,  // the actor may not do this at all (a role check, or a disabled actor): no
              // Outcome to return it in, as for a whole import or the audit log
  Conflict,   // the item changed since the caller read it
  Storage,    // the database could not be opened, read or written
  Script,     // a workflow script failed: syntax, runtime error or exceeded a limit
};

// Process exit code for a kind: 2 for bad input and not found, 1 for forbidden and conflicts (as
// for a refusal), 3 otherwise.
int exit_code_for(ErrorKind kind);
const char* to_string(ErrorKind kind);

// One input field at fault: `field` names it as the caller gave it, with its place inside a list
// or record ("eia[3].impact"); `message` says what is wrong, in words ("is required").
struct FieldProblem {
  std::string field;
  std::string message;
};

class Error : public std::runtime_error {
 public:
  // What a caller may act on beyond the kind: a storage error because the disk is full is one
  // a person can fix (free space), and the server answers it with its own status. Altered: the
  // stored item or text no longer agrees with its hash-chained history (changed outside
  // commsflow), so nothing is done with it; a fault of that item alone, not of the database.
  enum class Cause { None, DiskFull, Altered };

  Error(ErrorKind kind, std::string message, Cause cause = Cause::None)
      : std::runtime_error(std::move(message)), kind_(kind), cause_(cause) {}

  // Bad input in named fields. what() reads "subject: bad input", then "  field: message" on a
  // line of its own for each; callers that place errors beside fields read fields().
  static Error bad_fields(const std::string& subject, std::vector<FieldProblem> problems);
  // Bad input in one field: what() reads "field: message".
  static Error bad_field(std::string field, std::string message);
  // A workflow script failed; `where` is the script's "file:line" when it is known.
  static Error script(std::string message, std::string where);

  ErrorKind kind() const { return kind_; }
  Cause cause() const { return cause_; }
  // The fields at fault (bad input only; empty when the input as a whole is wrong).
  const std::vector<FieldProblem>& fields() const { return fields_; }
  // Where in the workflow scripts a Script error arose ("workflows/x.lua:12"); empty if unknown.
  const std::string& where() const { return where_; }
  // what()'s first line: the summary without the per-field lines.
  std::string summary() const;

 private:
  ErrorKind kind_;
  Cause cause_;
  std::vector<FieldProblem> fields_;
  std::string where_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

// An item or its text changed outside commsflow (Error::Cause::Altered).
template <typename... Args>
[[noreturn]] void fail_altered(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(ErrorKind::Storage, fmt::format(format, std::forward<Args>(args)...),
              Error::Cause::Altered);
}

// Bad input in one field: what() reads "field: message".
template <typename... Args>
[[noreturn]] void fail_field(const std::string& field, fmt::format_string<Args...> format,
                             Args&&... args) {
  throw Error::bad_field(field, fmt::format(format, std::forward<Args>(args)...));
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
