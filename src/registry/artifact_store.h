// Content-addressed artifact storage.
//
// An artifact is named by its digest, "sha256:<64 lower-case hex>". Put
// stores bytes under their digest; Get returns them only after checking that
// they still hash to the digest (kDataLoss otherwise), so a flipped byte on
// disk is never served as a model. Names that are not digests (with "..",
// "/", absolute paths, upper case, percent or other encodings) are refused
// with kInvalidArgument before any file system call.
//
// ArtifactStore is the interface an S3 backend implements later; the local
// disk store is LocalArtifactStore. Implementations are thread-safe.
#ifndef PODIUM_REGISTRY_ARTIFACT_STORE_H_
#define PODIUM_REGISTRY_ARTIFACT_STORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace podium::registry {

// "sha256:<hex>" of `bytes`.
std::string ArtifactDigest(std::string_view bytes);

// OK when `name` is exactly "sha256:" followed by 64 lower-case hex digits.
Status ValidateArtifactName(std::string_view name);

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  // Stores `bytes` and returns their digest. Storing bytes that are already
  // present is a no-op. Durable when it returns OK.
  virtual Result<std::string> Put(std::string_view bytes) = 0;
  // The bytes of `digest`: kNotFound when absent, kDataLoss when the stored
  // bytes do not hash to the digest.
  virtual Result<std::string> Get(std::string_view digest) const = 0;
  virtual Result<bool> Contains(std::string_view digest) const = 0;
};

struct LocalArtifactStoreOptions {
  // The store's root directory; created if missing. Objects live under
  // <root>/sha256/<first two hex>/<remaining 62 hex>, temporary files under
  // <root>/tmp (never read as artifacts).
  std::string root;
  // Largest artifact accepted (kResourceExhausted above).
  size_t max_bytes = size_t{1} << 30;
};

// Writes go to a temporary file that is fsynced and renamed into place, and
// the directory is fsynced, so a crash leaves the old state or the whole new
// artifact, never half of one.
Result<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(const LocalArtifactStoreOptions& options);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_ARTIFACT_STORE_H_
