#include <commsflow/error.h>

namespace commsflow {

Error Error::bad_fields(const std::string& subject, std::vector<FieldProblem> problems) {
  std::string message = subject + ": bad input";
  for (const auto& p : problems) message += fmt::format("\n  {}: {}", p.field, p.message);
  Error error(ErrorKind::BadInput, std::move(message));
  error.fields_ = std::move(problems);
  return error;
}

Error Error::bad_field(std::string field, std::string message) {
  Error error(ErrorKind::BadInput, fmt::format("{}: {}", field, message));
  error.fields_.push_back({std::move(field), std::move(message)});
  return error;
}

Error Error::script(std::string message, std::string where) {
  Error error(ErrorKind::Script, std::move(message));
  error.where_ = std::move(where);
  return error;
}

std::string Error::summary() const {
  std::string_view text = what();
  return std::string(text.substr(0, text.find('\n')));
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadInput:
    case ErrorKind::NotFound:
      return 2;
    case ErrorKind::Forbidden:
    case ErrorKind::Conflict:
      return 1;
    case ErrorKind::Storage:
    case ErrorKind::Script:
      return 3;
  }
  return 3;
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadInput:
      return "bad_input";
    case ErrorKind::NotFound:
      return "not_found";
    case ErrorKind::Forbidden:
      return "forbidden";
    case ErrorKind::Conflict:
      return "conflict";
    case ErrorKind::Storage:
      return "storage";
    case ErrorKind::Script:
      return "script";
  }
  return "unknown";
}

}  // namespace commsflow
