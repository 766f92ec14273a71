// SHA-256 digests, hex encoded. Backed by OpenSSL's EVP interface.
// Thread-safe (no shared state).
#ifndef PODIUM_BASE_SHA256_H_
#define PODIUM_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace podium {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

}  // namespace podium

#endif  // PODIUM_BASE_SHA256_H_
