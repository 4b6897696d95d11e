// The server's cache of API tokens (engine/server/token_cache.h): it answers what it was told
// last for a digest, forgets on request, and never holds more than its capacity.
#include "server/token_cache.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>

using commsflow::Actor;
using commsflow::server::TokenCache;

TEST_CASE("token cache: remembers, updates and forgets by digest", "[server][auth]") {
  TokenCache cache;
  CHECK_FALSE(cache.find("d1"));
  cache.remember("d1", Actor{"asha.requester", {"requester"}});
  REQUIRE(cache.find("d1"));
  CHECK(cache.find("d1")->name == "asha.requester");
  CHECK_FALSE(cache.find("d2"));

  // A role taken away is what the next look-up sees.
  cache.remember("d1", Actor{"asha.requester", {}});
  CHECK(cache.find("d1")->roles.empty());
  CHECK(cache.size() == 1);

  cache.forget("d1");
  CHECK_FALSE(cache.find("d1"));
  cache.forget("never seen");  // not an error
  CHECK(cache.size() == 0);
}

TEST_CASE("token cache: never holds more than its capacity", "[server][auth]") {
  TokenCache cache(3);
  for (int i = 0; i < 10; ++i) {
    const std::string digest = fmt::format("d{}", i);
    const std::string name = fmt::format("actor{}", i);
    cache.remember(digest, Actor{name, {}});
    CHECK(cache.size() <= 3);
    // What was just remembered is there, whatever was let go to make room.
    CHECK(cache.find(digest)->name == name);
  }
  // Remembering a digest already held, when full, lets nothing go.
  const std::size_t before = cache.size();
  cache.remember("d9", Actor{"actor9", {"triager"}});
  CHECK(cache.size() == before);
  CHECK(cache.find("d9")->roles == std::vector<std::string>{"triager"});
}
