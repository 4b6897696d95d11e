// read_mail_settings: how email leaves, from COMMSFLOW_* environment variables and, when given, a
// file of the same KEY=VALUE lines (blank lines and # comments allowed; a value may be quoted).
#include <commsflow/delivery.h>
#include <commsflow/error.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <vector>

namespace commsflow {

namespace {

constexpr const char* kKeys[] = {"COMMSFLOW_MAIL",
                                 "COMMSFLOW_SMTP_URL",
                                 "COMMSFLOW_SMTP_USER",
                                 "COMMSFLOW_SMTP_PASSWORD",
                                 "COMMSFLOW_SMTP_STARTTLS",
                                 "COMMSFLOW_SMTP_CA_FILE",
                                 "COMMSFLOW_MAIL_FROM",
                                 "COMMSFLOW_NOTIFY_API_KEY",
                                 "COMMSFLOW_NOTIFY_TEMPLATE_ID",
                                 "COMMSFLOW_NOTIFY_URL",
                                 "COMMSFLOW_PUBLIC_URL",
                                 "COMMSFLOW_MAIL_MAX_ATTEMPTS",
                                 "COMMSFLOW_MAIL_FIRST_RETRY_SECONDS"};

bool known(const std::string& key) {
  return std::any_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; });
}

// What is wrong with the settings: each setting (or file and line) with its problem.
using Problems = std::vector<FieldProblem>;

// The number, or `fallback` with a problem when the value is none from low to high.
int whole_number(const std::string& key, const std::string& value, int low, int high, int fallback,
                 Problems& problems) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < low || n > high) {
    problems.push_back(
        {key, fmt::format("'{}' is not a whole number from {} to {}", value, low, high)});
    return fallback;
  }
  return n;
}

// An address mail can come from: "comms@example.nhs.uk", or a name and the address in angle
// brackets, "Comms team <comms@example.nhs.uk>". A name with the address after it unbracketed
// ("Comms team comms@example") would go out as a malformed sender a relay refuses.
bool sender_address(std::string_view from) {
  if (const auto open = from.find('<'); open != std::string_view::npos) {
    if (!from.ends_with('>')) return false;
    from = from.substr(open + 1, from.size() - open - 2);
  }
  const auto at = from.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < from.size() &&
         from.find_first_of(" \t<>,;") == std::string_view::npos;
}

}  // namespace

std::string web_address_problem(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return "does not begin with https:// or http://";
  }
  // A host name or IP address (an IPv6 one in brackets) begins with a letter, digit or '['.
  const auto host_starts = [](unsigned char ch) { return std::isalnum(ch) || ch == '['; };
  if (rest.empty() || !host_starts(static_cast<unsigned char>(rest.front()))) {
    return "names no host after the //";
  }
  if (rest.find("://") != std::string_view::npos) return "has a second scheme in it";
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch == 0x7f) return "has a space or a control character in it";
  }
  return {};
}

MailSettings read_mail_settings(const std::filesystem::path& file, const std::string& public_url) {
  Problems problems;
  std::map<std::string, std::string> values;
  for (const char* key : kKeys) {
    if (const char* v = std::getenv(key)) values[key] = v;
  }
  if (!file.empty()) {
    if (std::filesystem::is_directory(file)) {
      fail(ErrorKind::BadInput, "the mail settings file {} is a folder: name the file in it",
           file.string());
    }
    std::ifstream in(file);
    if (!in) fail(ErrorKind::BadInput, "cannot read the mail settings file {}", file.string());
    static const std::regex line_re(R"(\s*([A-Z_]+)\s*=\s*(.*?)\s*)");
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      std::smatch m;
      const std::string where = fmt::format("{}:{}", file.string(), number);
      if (!std::regex_match(line, m, line_re)) {
        problems.push_back({where, "expected KEY=value"});
        continue;
      }
      std::string key = m[1], value = m[2];
      if (!known(key)) {
        problems.push_back({where, fmt::format("unknown setting {} (see README, \"Email\")", key)});
        continue;
      }
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      values[key] = value;
    }
  }
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };

  MailSettings s;
  s.transport = get("COMMSFLOW_MAIL");
  if (s.transport == "off") s.transport.clear();
  if (!s.transport.empty() && s.transport != "smtp" && s.transport != "notify") {
    problems.push_back(
        {"COMMSFLOW_MAIL", fmt::format("'{}' must be smtp, notify or off", s.transport)});
  }
  s.smtp_url = get("COMMSFLOW_SMTP_URL");
  s.smtp_user = get("COMMSFLOW_SMTP_USER");
  s.smtp_password = get("COMMSFLOW_SMTP_PASSWORD");
  const std::string starttls = get("COMMSFLOW_SMTP_STARTTLS");
  if (!starttls.empty() && starttls != "required" && starttls != "off") {
    problems.push_back(
        {"COMMSFLOW_SMTP_STARTTLS", fmt::format("'{}' must be required or off", starttls)});
  }
  s.smtp_starttls = starttls != "off";
  s.smtp_ca_file = get("COMMSFLOW_SMTP_CA_FILE");
  s.from = get("COMMSFLOW_MAIL_FROM");
  s.notify_api_key = get("COMMSFLOW_NOTIFY_API_KEY");
  s.notify_template_id = get("COMMSFLOW_NOTIFY_TEMPLATE_ID");
  if (auto url = get("COMMSFLOW_NOTIFY_URL"); !url.empty()) s.notify_url = url;
  s.public_url = public_url.empty() ? get("COMMSFLOW_PUBLIC_URL") : public_url;
  if (auto n = get("COMMSFLOW_MAIL_MAX_ATTEMPTS"); !n.empty()) {
    s.max_attempts =
        whole_number("COMMSFLOW_MAIL_MAX_ATTEMPTS", n, 1, 100, s.max_attempts, problems);
  }
  if (auto n = get("COMMSFLOW_MAIL_FIRST_RETRY_SECONDS"); !n.empty()) {
    s.first_retry =
        std::chrono::seconds(whole_number("COMMSFLOW_MAIL_FIRST_RETRY_SECONDS", n, 1, 3600,
                                          static_cast<int>(s.first_retry.count()), problems));
  }

  if (s.transport == "smtp") {
    if (!s.smtp_url.starts_with("smtp://") && !s.smtp_url.starts_with("smtps://")) {
      problems.push_back(
          {"COMMSFLOW_SMTP_URL",
           fmt::format("'{}' must be smtp://host:port (STARTTLS) or smtps://host:port",
                       s.smtp_url)});
    }
    if (!sender_address(s.from)) {
      problems.push_back(
          {"COMMSFLOW_MAIL_FROM",
           fmt::format("{} for SMTP: an address, like \"Comms team <comms@example.nhs.uk>\"",
                       s.from.empty()
                           ? std::string("is needed")
                           : fmt::format("'{}' is not an address, and one is needed", s.from))});
    }
  }
  if (s.transport == "notify") {
    // "{key name}-{service id}-{secret}": the last two are UUIDs (36 characters each).
    static const std::regex key_re(
        R"(.+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))");
    if (!std::regex_match(s.notify_api_key, key_re)) {
      problems.push_back(
          {"COMMSFLOW_NOTIFY_API_KEY", "not a GOV.UK Notify API key (name-serviceid-secret)"});
    }
    static const std::regex uuid_re(
        R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    if (!std::regex_match(s.notify_template_id, uuid_re)) {
      problems.push_back(
          {"COMMSFLOW_NOTIFY_TEMPLATE_ID", "the id of a Notify email template (a UUID)"});
    }
  }
  // Checked whenever given: `serve` takes it as its --public-url, email on or off.
  if (!s.transport.empty() && s.public_url.empty()) {
    problems.push_back({"COMMSFLOW_PUBLIC_URL",
                        "needed so emails can link to items, like "
                        "https://commsflow.example.nhs.uk (or --public-url)"});
  } else if (auto problem = web_address_problem(s.public_url);
             !s.public_url.empty() && !problem.empty()) {
    problems.push_back(
        {"COMMSFLOW_PUBLIC_URL", fmt::format("'{}' {}: give where people reach the web app, like "
                                             "https://commsflow.example.nhs.uk",
                                             s.public_url, problem)});
  }
  if (!problems.empty()) throw Error::bad_fields("mail settings", std::move(problems));
  return s;
}

}  // namespace commsflow
