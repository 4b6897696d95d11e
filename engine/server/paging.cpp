#include "server/paging.h"

#include <commsflow/error.h>

#include <charconv>
#include <limits>
#include <string>

namespace commsflow::server {

std::int64_t whole_number_param(const httplib::Request& req, const char* name,
                                std::int64_t otherwise, std::int64_t min, std::int64_t max) {
  std::string text = req.has_param(name) ? req.get_param_value(name) : std::string();
  if (text.empty()) return otherwise;
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || value < min || value > max) {
    if (max == std::numeric_limits<std::int64_t>::max()) {
      fail_field(name, "must be a whole number, {} or more, got '{}'", min, text);
    }
    fail_field(name, "must be a whole number from {} to {}, got '{}'", min, max, text);
  }
  return value;
}

}  // namespace commsflow::server
