#include <commsflow/credentials.h>
#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <sodium.h>

#include <array>

namespace commsflow {

namespace {

void init_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) fail(ErrorKind::Storage, "libsodium could not be initialised");
}

}  // namespace

std::string hash_password(std::string_view password) {
  init_sodium();
  if (password.size() < kMinPasswordLength) {
    fail_field("password", "must be at least {} characters", kMinPasswordLength);
  }
  // Spaces alone are a password nobody chose: one typed by mistake, or a blank line padded.
  if (password.find_first_not_of(" \t") == std::string_view::npos) {
    fail_field("password", "must be more than spaces");
  }
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    fail(ErrorKind::Storage, "password hashing ran out of memory");
  }
  return std::string(out.data());
}

bool verify_password(std::string_view password, std::string_view hash) {
  try {
    init_sodium();
  } catch (const Error&) {
    return false;
  }
  std::string h(hash);  // crypto_pwhash_str_verify needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

const std::string& decoy_password_hash() {
  static const std::string decoy = hash_password(random_token());
  return decoy;
}

std::string random_token() {
  init_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string(hex.data(), 64);
}

std::string token_digest(std::string_view token) {
  return to_hex(sha256(token));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  init_sodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace commsflow
