// Email through GOV.UK Notify's HTTP API: POST /v2/notifications/email with the template id, the
// message as personalisation (subject, heading, body, link, ref) and a reference made from the
// outbox row, authorised by a JSON Web Token made from the service's API key.
#include <commsflow/delivery.h>
#include <commsflow/json.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <memory>
#include <stdexcept>

#include "delivery/mailers.h"

namespace commsflow {

namespace {

size_t append_body(char* data, size_t size, size_t count, void* out) noexcept {
  try {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  } catch (...) {
    return 0;  // stops the transfer
  }
}

class NotifyMailer final : public Mailer {
 public:
  explicit NotifyMailer(MailSettings settings) : settings_(std::move(settings)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }

  void send(const MailMessage& m) override {
    std::string url = settings_.notify_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/v2/notifications/email";
    const std::string heading = m.text.substr(0, m.text.find('\n'));
    const std::string body = Json{
        {"email_address", m.to},
        {"template_id", settings_.notify_template_id},
        {"reference", m.reference},
        {"personalisation",
         Json{{"subject", m.subject},
              {"heading", heading},
              {"body", m.text},
              {"link", m.link}}}}.dump();

    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw std::runtime_error("libcurl could not start a transfer");
    CURL* c = curl.get();
    char error[CURL_ERROR_SIZE] = "";
    std::string answer;
    const std::string auth =
        "Authorization: Bearer " +
        notify_token(settings_.notify_api_key, static_cast<std::int64_t>(std::time(nullptr)));
    std::unique_ptr<curl_slist, CurlDeleter> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"));
    curl_slist_append(headers.get(), auth.c_str());
    curl_slist_append(headers.get(), "User-Agent: commsflow");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      throw std::runtime_error(
          fmt::format("{}: {}", url, error[0] ? error : curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 201) {
      // Notify answers {"errors": [{"error": ..., "message": ...}], "status_code": ...}.
      std::string why = answer.substr(0, 300);
      try {
        Json j = Json::parse(answer);
        why = j.at("errors").at(0).value("message", why);
      } catch (const std::exception&) {
      }
      throw std::runtime_error(fmt::format("Notify answered {}: {}", status, why));
    }
  }

 private:
  MailSettings settings_;
};

}  // namespace

std::string base64(std::string_view bytes, bool url) {
  const char* const digits =
      url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += digits[(n >> 18) & 63];
    out += digits[(n >> 12) & 63];
    if (i + 1 < bytes.size()) {
      out += digits[(n >> 6) & 63];
    } else if (!url) {
      out += '=';
    }
    if (i + 2 < bytes.size()) {
      out += digits[n & 63];
    } else if (!url) {
      out += '=';
    }
  }
  return out;
}

std::string notify_token(const std::string& api_key, std::int64_t issued_at) {
  // The key ends "-{service id}-{secret}", each a 36-character UUID.
  if (api_key.size() < 74) throw std::runtime_error("not a GOV.UK Notify API key");
  const std::string secret = api_key.substr(api_key.size() - 36);
  const std::string service = api_key.substr(api_key.size() - 73, 36);
  const std::string signing_input = base64(R"({"typ":"JWT","alg":"HS256"})", true) + "." +
                                    base64(Json{{"iss", service}, {"iat", issued_at}}.dump(), true);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
            &mac_size)) {
    throw std::runtime_error("could not sign the Notify token");
  }
  return signing_input + "." +
         base64(std::string_view(reinterpret_cast<const char*>(mac), mac_size), true);
}

std::unique_ptr<Mailer> notify_mailer(const MailSettings& settings) {
  return std::make_unique<NotifyMailer>(settings);
}

}  // namespace commsflow
