// SHA-256 over OpenSSL's EVP interface. One Sha256 object may be reused for many digests;
// it is not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace commsflow {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& begin();
  Sha256& add(std::string_view bytes);
  Sha256& add(const Digest& digest);
  Digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

Digest sha256(std::string_view bytes);
std::string to_hex(const Digest& digest);
// True when `hex` is exactly to_hex(digest), without building that string: compared as text
// rather than parsed, since a parser's branch per character, digit or letter in no order, is a
// guess the processor gets wrong half the time.
bool is_hex_of(std::string_view hex, const Digest& digest);
// False if `hex` is not exactly 64 hex digits.
bool from_hex(std::string_view hex, Digest& out);

}  // namespace commsflow
