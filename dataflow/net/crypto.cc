#include "dataflow/net/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "dataflow/core/check.h"

namespace eddy::crypto {

std::string hmac_sha256(absl::string_view key, absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  EDDY_CHECK(result != nullptr, "OpenSSL HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

wire::Nonce random_nonce() {
  wire::Nonce nonce;
  EDDY_CHECK(RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) == 1,
             "OpenSSL could not produce random bytes");
  return nonce;
}

bool constant_time_equal(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string handshake_proof(absl::string_view secret, absl::string_view role,
                            const wire::Nonce& nonce, InstanceId from, InstanceId to) {
  if (secret.empty()) return "";
  std::string message(role.data(), role.size());
  message.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  for (uint32_t word : {from.location, from.member.raw, to.location, to.member.raw}) {
    message.append(reinterpret_cast<const char*>(&word), sizeof word);
  }
  return hmac_sha256(secret, message);
}

}  // namespace eddy::crypto
