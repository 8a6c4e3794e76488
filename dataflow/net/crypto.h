// The cryptography eddy's handshakes need, from OpenSSL: HMAC-SHA256 proofs, unpredictable
// nonces, and a comparison that takes the same time wherever the inputs differ.
//
// Nonces come from OpenSSL's generator, not the injected Rng: they must be unpredictable to an
// attacker, and the handshakes that use them only exist on real networks, never in simulation.
#ifndef EDDY_DATAFLOW_NET_CRYPTO_H_
#define EDDY_DATAFLOW_NET_CRYPTO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataflow/net/wire.h"

namespace eddy::crypto {

// HMAC-SHA256 of `message` under `key`: 32 bytes.
std::string hmac_sha256(absl::string_view key, absl::string_view message);

// A fresh unpredictable nonce.
wire::Nonce random_nonce();

// True when a == b, in time that depends only on their lengths.
bool constant_time_equal(absl::string_view a, absl::string_view b);

// The proof one side of a peer handshake sends: empty without a secret, otherwise
// HMAC(secret, role || nonce || from || to).
std::string handshake_proof(absl::string_view secret, absl::string_view role,
                            const wire::Nonce& nonce, InstanceId from, InstanceId to);

}  // namespace eddy::crypto

#endif  // EDDY_DATAFLOW_NET_CRYPTO_H_
