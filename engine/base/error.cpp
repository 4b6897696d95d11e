#include <commsflow/error.h>

namespace commsflow {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadInput:
    case ErrorKind::NotFound:
      return 2;
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
