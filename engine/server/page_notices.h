// A notice kept for a session's next page: the success banner of a form that was posted and
// answered with a redirect (post, redirect, get), so that reloading the page does not post the
// form again. Shown once, by the server that kept it; a page reached through another server of
// the same database shows none, and the change it tells of is on the page all the same.
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace commsflow::server {

class PageNotices {
 public:
  // Keeps `html` for the session `session_digest` names, in place of any kept before.
  void keep(const std::string& session_digest, std::string html) {
    std::lock_guard<std::mutex> guard(mutex_);
    // Sessions that post and never come back leave a notice each: bounded, the oldest session's
    // notices are not worth more memory than this.
    if (kept_.size() >= kMostKept) kept_.erase(kept_.begin());
    kept_[session_digest] = std::move(html);
  }
  // The notice kept for the session, once; "" when there is none.
  std::string take(const std::string& session_digest) {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = kept_.find(session_digest);
    if (it == kept_.end()) return {};
    std::string html = std::move(it->second);
    kept_.erase(it);
    return html;
  }

 private:
  static constexpr std::size_t kMostKept = 1000;
  std::mutex mutex_;
  std::map<std::string, std::string> kept_;
};

}  // namespace commsflow::server
