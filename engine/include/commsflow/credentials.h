// Secrets for sign-in: password hashing and random tokens, over libsodium.
//
// Passwords are hashed with Argon2id (crypto_pwhash_str at libsodium's "interactive" limits:
// memory-hard, salted, the parameters kept inside the hash string). Tokens are 256 random bits
// as 64 hex digits; they are stored only as their SHA-256 digest (token_digest), which is safe
// for values with that much entropy.
//
// Thread-safe: libsodium is initialised once on first use.
#pragma once

#include <string>
#include <string_view>

namespace commsflow {

// Passwords shorter than this are refused.
inline constexpr std::size_t kMinPasswordLength = 10;

// Hashes a password. Throws Error(BadInput) if it is shorter than kMinPasswordLength, and
// Error(Storage) if the system cannot give the memory Argon2id needs.
std::string hash_password(std::string_view password);
// True when `password` matches `hash` (a string from hash_password). Never throws.
bool verify_password(std::string_view password, std::string_view hash);
// A hash of a random password: verifying against it costs the same as against a real one, so
// that unknown names take as long to refuse as wrong passwords.
const std::string& decoy_password_hash();

// 256 random bits as 64 lower-case hex digits.
std::string random_token();
// Hex SHA-256 of a token: what the database keeps.
std::string token_digest(std::string_view token);
// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace commsflow
