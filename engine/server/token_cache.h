// API tokens recently seen, each with its actor, so that a change sent with a known token goes
// to the writer without a read of the database first (auth.cpp). Its answer is provisional:
// every change confirms its token again on the engine's own connection, inside the change's
// transaction (calls.cpp), so a token revoked or an actor disabled since, by this server or by
// another process, is refused there and forgotten here. Reads never use it.
//
// Keyed by the token's digest, never the token. Bounded: when full it is emptied, and tokens
// are looked up again as they come.
//
// Thread-safe.
#pragma once

#include <commsflow/store_rows.h>

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace commsflow::server {

class TokenCache {
 public:
  explicit TokenCache(std::size_t capacity = 1024) : capacity_(capacity) {}

  std::optional<Actor> find(const std::string& digest) const;
  void remember(const std::string& digest, const Actor& actor);
  void forget(const std::string& digest);
  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable std::shared_mutex mutex_;  // guards actors_
  std::unordered_map<std::string, Actor> actors_;
};

}  // namespace commsflow::server
