// Paging of long lists in the web app and the API: whole-number query parameters read strictly,
// so that `?limit=ten` or `?page=0` is a 400 naming the parameter, never a guess.
//
// Pure functions over a request; thread-safe.
#pragma once

#include <httplib.h>

#include <cstdint>

namespace commsflow::server {

// The query parameter `name` as a whole number from `min` to `max`, or `otherwise` when the
// parameter is absent or empty. Throws Error(BadInput) naming the field NAME, "must be a whole
// number from MIN to MAX, got 'TEXT'", for anything else (signs other than a leading '-', spaces,
// fractions, text, numbers out of range).
std::int64_t whole_number_param(const httplib::Request& req, const char* name,
                                std::int64_t otherwise, std::int64_t min, std::int64_t max);

}  // namespace commsflow::server
