// PostgreSQL connection URLs, for the test programs that make a database of their own.
#pragma once

#include <string>

namespace commsflow::test {

// `url` with its database name (the path after the authority) replaced by `name`; its query
// (the `?host=...` of a Unix socket, say) is kept.
inline std::string with_database(const std::string& url, const std::string& name) {
  const auto authority = url.find("://") + 3;
  const auto path = url.find_first_of("/?", authority);
  const auto query = url.find('?', authority);
  std::string out = url.substr(0, path == std::string::npos ? url.size() : path) + "/" + name;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

}  // namespace commsflow::test
