#include "registry/artifact_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/file.h"
#include "base/sha256.h"

namespace podium::registry {
namespace {

constexpr std::string_view kPrefix = "sha256:";

Status ErrnoError(const std::string& what, const std::string& path) {
  const int error = errno;
  std::string message = what + " '" + path + "': " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) return ResourceExhaustedError(std::move(message));
  return UnavailableError(std::move(message));
}

Status FsyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync", path);
  return Status::Ok();
}

class LocalArtifactStore final : public ArtifactStore {
 public:
  explicit LocalArtifactStore(LocalArtifactStoreOptions options) : options_(std::move(options)) {}

  Result<std::string> Put(std::string_view bytes) override {
    if (bytes.size() > options_.max_bytes) {
      return ResourceExhaustedError("artifact of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                                    std::to_string(options_.max_bytes));
    }
    const std::string digest = ArtifactDigest(bytes);
    const std::string path = PathOf(digest);
    struct stat info;
    if (::stat(path.c_str(), &info) == 0) return digest;  // content-addressed: already there
    const std::string dir = path.substr(0, path.rfind('/'));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("cannot create directory", dir);

    const std::string temp = TempPath();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("cannot create", temp);
    size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        Status status = ErrnoError("cannot write", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return status;
      }
      written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      Status status = ErrnoError("cannot fsync", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return status;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      Status status = ErrnoError("cannot rename into", path);
      ::unlink(temp.c_str());
      return status;
    }
    RETURN_IF_ERROR(FsyncPath(dir, O_RDONLY | O_DIRECTORY));
    return digest;
  }

  Result<std::string> Get(std::string_view digest) const override {
    RETURN_IF_ERROR(ValidateArtifactName(digest));
    const std::string path = PathOf(digest);
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) return NotFoundError("artifact " + std::string(digest) + " is not in the store");
    ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path, options_.max_bytes));
    if (ArtifactDigest(bytes) != digest) {
      return DataLossError("artifact " + std::string(digest) + " is corrupt: its bytes hash to " + ArtifactDigest(bytes));
    }
    return bytes;
  }

  Result<bool> Contains(std::string_view digest) const override {
    RETURN_IF_ERROR(ValidateArtifactName(digest));
    struct stat info;
    return ::stat(PathOf(digest).c_str(), &info) == 0;
  }

 private:
  std::string PathOf(std::string_view digest) const {
    const std::string_view hex = digest.substr(kPrefix.size());
    return options_.root + "/sha256/" + std::string(hex.substr(0, 2)) + "/" + std::string(hex.substr(2));
  }

  std::string TempPath() {
    std::random_device device;
    return options_.root + "/tmp/" + std::to_string(::getpid()) + "-" + std::to_string(counter_.fetch_add(1)) + "-" +
           std::to_string(device()) + ".tmp";
  }

  const LocalArtifactStoreOptions options_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace

std::string ArtifactDigest(std::string_view bytes) { return std::string(kPrefix) + Sha256Hex(bytes); }

Status ValidateArtifactName(std::string_view name) {
  auto refuse = [&](std::string_view why) {
    std::string shown;
    for (char c : name.substr(0, 80)) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7f) {
        shown += c;
      } else {
        char hex[5];
        std::snprintf(hex, sizeof(hex), "\\x%02x", u);
        shown += hex;
      }
    }
    return InvalidArgumentError("invalid artifact name '" + shown + "': " + std::string(why));
  };
  if (name.substr(0, kPrefix.size()) != kPrefix) return refuse("expected sha256:<64 lower-case hex digits>");
  const std::string_view hex = name.substr(kPrefix.size());
  if (hex.size() != 64) return refuse("expected 64 hex digits after sha256:");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return refuse("only lower-case hex digits are allowed");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(const LocalArtifactStoreOptions& options) {
  if (options.root.empty()) return InvalidArgumentError("artifact store root is empty");
  std::error_code error;
  for (const std::string& dir : {options.root, options.root + "/sha256", options.root + "/tmp"}) {
    std::filesystem::create_directories(dir, error);
    if (error) return UnavailableError("cannot create directory '" + dir + "': " + error.message());
  }
  return std::unique_ptr<ArtifactStore>(std::make_unique<LocalArtifactStore>(options));
}

}  // namespace podium::registry
