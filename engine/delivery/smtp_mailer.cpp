// Email through an SMTP relay with libcurl: smtp:// with STARTTLS required (unless turned off),
// or smtps://; authentication when a user is set. Each message is multipart/alternative: plain
// text, then HTML, both UTF-8 and quoted-printable.
#include <commsflow/delivery.h>
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "delivery/mailers.h"

namespace commsflow {

namespace {

// A header value as RFC 2047 encoded words when it is not plain ASCII ("=?UTF-8?B?...?=").
std::string header_text(const std::string& text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii) return text;
  // Encoded words of at most 45 bytes of text each, never splitting a UTF-8 character.
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = std::min(text.size(), at + 45);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    out += fmt::format("{}=?UTF-8?B?{}?=", out.empty() ? "" : " ",
                       base64(std::string_view(text).substr(at, end - at)));
    at = end;
  }
  return out;
}

// The address inside "Name <address>", or the whole text.
std::string address_of(const std::string& from) {
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return from.substr(open + 1, close - open - 1);
  }
  return from;
}

// `text` with each line ending in CRLF, a lone LF (or CR) turned into one.
std::string with_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '\r' || ch == '\n') {
      out += "\r\n";
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buffer;
}

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(MailSettings settings) : settings_(std::move(settings)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }

  void send(const MailMessage& m) override {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw std::runtime_error("libcurl could not start a transfer");
    CURL* c = curl.get();
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_URL, settings_.smtp_url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout.count()));
    if (settings_.smtp_url.starts_with("smtp://")) {
      curl_easy_setopt(c, CURLOPT_USE_SSL,
                       settings_.smtp_starttls ? static_cast<long>(CURLUSESSL_ALL)
                                               : static_cast<long>(CURLUSESSL_NONE));
    }
    if (!settings_.smtp_ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, settings_.smtp_ca_file.c_str());
    }
    if (!settings_.smtp_user.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, settings_.smtp_user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.smtp_password.c_str());
    }
    const std::string from = fmt::format("<{}>", address_of(settings_.from));
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    std::unique_ptr<curl_slist, CurlDeleter> recipients(
        curl_slist_append(nullptr, fmt::format("<{}>", m.to).c_str()));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());

    std::unique_ptr<curl_slist, CurlDeleter> headers;
    auto header = [&](const std::string& line) {
      curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
      if (!grown) throw std::runtime_error("out of memory building the message");
      (void)headers.release();
      headers.reset(grown);
    };
    header("Date: " + rfc5322_date());
    header("From: " + settings_.from);
    header(fmt::format("To: {} <{}>", header_text(m.to_name), m.to));
    header("Subject: " + header_text(m.subject));
    header("Message-ID: " + m.message_id);
    header("Auto-Submitted: auto-generated");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    // multipart/mixed holding one multipart/alternative of the text and the HTML.
    std::unique_ptr<curl_mime, CurlDeleter> mime(curl_mime_init(c));
    curl_mime* alternative = curl_mime_init(c);
    // Lines end in CRLF, as text in mail does (RFC 2045): libcurl's quoted-printable encoder
    // keeps a CRLF as a line break and encodes a lone LF as "=0A", which strict mail readers
    // show as one run-on line.
    const std::string text = with_crlf(m.text), html = with_crlf(m.html);
    for (const auto& [body, type] : {std::pair{&text, "text/plain; charset=utf-8"},
                                     std::pair{&html, "text/html; charset=utf-8"}}) {
      curl_mimepart* part = curl_mime_addpart(alternative);
      curl_mime_data(part, body->c_str(), body->size());
      curl_mime_type(part, type);
      curl_mime_encoder(part, "quoted-printable");
    }
    curl_mimepart* holder = curl_mime_addpart(mime.get());
    curl_mime_subparts(holder, alternative);  // owned by `mime` from here
    curl_mime_type(holder, "multipart/alternative");
    std::unique_ptr<curl_slist, CurlDeleter> inline_header(
        curl_slist_append(nullptr, "Content-Disposition: inline"));
    curl_mime_headers(holder, inline_header.release(), 1);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      throw std::runtime_error(
          fmt::format("{}: {}", settings_.smtp_url, error[0] ? error : curl_easy_strerror(rc)));
    }
  }

 private:
  MailSettings settings_;
};

}  // namespace

std::unique_ptr<Mailer> smtp_mailer(const MailSettings& settings) {
  return std::make_unique<SmtpMailer>(settings);
}

}  // namespace commsflow
