// The two ways email leaves (make_mailer in deliver.cpp chooses by MailSettings::transport).
#pragma once

#include <commsflow/delivery.h>

#include <memory>
#include <string>

namespace commsflow {

std::unique_ptr<Mailer> smtp_mailer(const MailSettings& settings);    // smtp_mailer.cpp
std::unique_ptr<Mailer> notify_mailer(const MailSettings& settings);  // notify_mailer.cpp

// GOV.UK Notify's bearer token: an HS256 JSON Web Token with `iss` (the service id from the API
// key) and `iat` (seconds since 1970), signed with the key's secret. notify_mailer.cpp.
std::string notify_token(const std::string& api_key, std::int64_t issued_at);

}  // namespace commsflow
