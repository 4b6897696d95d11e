#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>

namespace commsflow {

namespace {
EVP_MD_CTX* ctx_of(void* p) {
  return static_cast<EVP_MD_CTX*>(p);
}

// The digest is fetched from the provider once per process: passing EVP_sha256() to every
// EVP_DigestInit_ex looks it up again each time. The fetched EVP_MD is read-only and may be
// shared between threads; it lives until the process ends.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_of(ctx_));
}

Sha256& Sha256::begin() {
  if (EVP_DigestInit_ex(ctx_of(ctx_), sha256_md(), nullptr) != 1) {
    fail(ErrorKind::Storage, "SHA-256 initialisation failed");
  }
  return *this;
}

Sha256& Sha256::add(std::string_view bytes) {
  EVP_DigestUpdate(ctx_of(ctx_), bytes.data(), bytes.size());
  return *this;
}

Sha256& Sha256::add(const Digest& digest) {
  EVP_DigestUpdate(ctx_of(ctx_), digest.data(), digest.size());
  return *this;
}

Digest Sha256::finish() {
  Digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_of(ctx_), out.data(), &len);
  return out;
}

Digest sha256(std::string_view bytes) {
  return Sha256().begin().add(bytes).finish();
}

namespace {
// The lower-case hex of `digest` into `out`, two characters a byte.
void put_hex(const Digest& digest, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
}
}  // namespace

std::string to_hex(const Digest& digest) {
  std::string out(2 * digest.size(), '0');
  put_hex(digest, out.data());
  return out;
}

bool is_hex_of(std::string_view hex, const Digest& digest) {
  char expected[2 * std::tuple_size_v<Digest>];
  if (hex.size() != sizeof expected) return false;
  put_hex(digest, expected);
  return std::memcmp(expected, hex.data(), sizeof expected) == 0;
}

namespace {
// Each byte's value as a hex digit (either case), or -1. A look-up rather than a test per kind
// of digit: digits and letters come in no order, so such a test is a branch guessed wrong half
// the time, and the chain's last hash is read at every change.
constexpr std::array<std::int8_t, 256> kHexValue = [] {
  std::array<std::int8_t, 256> value{};
  value.fill(-1);
  for (int c = 0; c < 10; ++c) value['0' + c] = static_cast<std::int8_t>(c);
  for (int c = 0; c < 6; ++c) {
    value['a' + c] = static_cast<std::int8_t>(10 + c);
    value['A' + c] = static_cast<std::int8_t>(10 + c);
  }
  return value;
}();
}  // namespace

bool from_hex(std::string_view hex, Digest& out) {
  if (hex.size() != 64) return false;
  int bad = 0;  // any digit that is not hex makes it negative
  for (size_t i = 0; i < 32; ++i) {
    const int hi = kHexValue[static_cast<unsigned char>(hex[2 * i])];
    const int lo = kHexValue[static_cast<unsigned char>(hex[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<std::uint8_t>((hi & 0xf) << 4 | (lo & 0xf));
  }
  return bad >= 0;
}

}  // namespace commsflow
