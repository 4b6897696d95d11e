// A notice kept for a session's next page: the success banner of a form that was posted and
// answered with a redirect (post, redirect, get), so that reloading the page does not post the
// form again. Kept for one session and one page, and shown once, on a GET of that page, by the
// server that kept it; a page reached through another server of the same database shows none,
// and the change it tells of is on the page all the same. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace commsflow::server {

class PageNotices {
 public:
  // Keeps `html` for the session `session_digest` names and the page `path`, in place of any
  // kept before. False, keeping nothing, without a session (an API token's requests): the
  // caller then answers with the page itself.
  bool keep(const std::string& session_digest, const std::string& path, std::string html) {
    if (session_digest.empty()) return false;
    std::lock_guard<std::mutex> guard(mutex_);
    const std::string key = session_digest + " " + path;
    if (kept_.find(key) == kept_.end()) {
      // Sessions that post and never come back leave a notice each: the oldest go first.
      if (order_.size() >= kMostKept) {
        kept_.erase(order_.front());
        order_.pop_front();
      }
      order_.push_back(key);
    }
    kept_[key] = std::move(html);
    return true;
  }
  // The notice kept for the session and page, once; "" when there is none.
  std::string take(const std::string& session_digest, const std::string& path) {
    if (session_digest.empty()) return {};
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = kept_.find(session_digest + " " + path);
    if (it == kept_.end()) return {};
    std::string html = std::move(it->second);
    std::erase(order_, it->first);
    kept_.erase(it);
    return html;
  }

 private:
  static constexpr std::size_t kMostKept = 1000;
  std::mutex mutex_;
  std::map<std::string, std::string> kept_;
  std::deque<std::string> order_;  // keys, oldest first
};

}  // namespace commsflow::server
