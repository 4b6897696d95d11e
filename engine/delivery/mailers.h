// The two ways email leaves (make_mailer in deliver.cpp chooses by MailSettings::transport).
#pragma once

#include <commsflow/delivery.h>
#include <curl/curl.h>

#include <memory>
#include <string>

namespace commsflow {

std::unique_ptr<Mailer> smtp_mailer(const MailSettings& settings);    // smtp_mailer.cpp
std::unique_ptr<Mailer> notify_mailer(const MailSettings& settings);  // notify_mailer.cpp

// GOV.UK Notify's bearer token: an HS256 JSON Web Token with `iss` (the service id from the API
// key) and `iat` (seconds since 1970), signed with the key's secret. notify_mailer.cpp.
std::string notify_token(const std::string& api_key, std::int64_t issued_at);

// Base64 (RFC 4648): the standard alphabet with padding, or with `url` the URL-safe one without
// (as JSON Web Tokens use). notify_mailer.cpp.
std::string base64(std::string_view bytes, bool url = false);

// Frees what libcurl made, for std::unique_ptr.
struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_mime* m) const { curl_mime_free(m); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace commsflow
