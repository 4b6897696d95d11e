#include "server/token_cache.h"

#include <mutex>

namespace commsflow::server {

std::optional<Actor> TokenCache::find(const std::string& digest) const {
  std::shared_lock<std::shared_mutex> reading(mutex_);
  auto found = actors_.find(digest);
  if (found == actors_.end()) return std::nullopt;
  return found->second;
}

void TokenCache::remember(const std::string& digest, const Actor& actor) {
  std::unique_lock<std::shared_mutex> writing(mutex_);
  if (actors_.size() >= capacity_ && !actors_.contains(digest)) actors_.clear();
  actors_.insert_or_assign(digest, actor);
}

void TokenCache::forget(const std::string& digest) {
  std::unique_lock<std::shared_mutex> writing(mutex_);
  actors_.erase(digest);
}

std::size_t TokenCache::size() const {
  std::shared_lock<std::shared_mutex> reading(mutex_);
  return actors_.size();
}

}  // namespace commsflow::server
