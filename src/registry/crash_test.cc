// Crash safety on SQLite: a writer process registering and promoting is
// killed with SIGKILL at random points, again and again. After each kill the
// registry must open, every acknowledged version must be there with its
// artifact, no half-written version or artifact may be visible, and the
// audit chain must verify. PODIUM_REGISTRY_CRASH_KILLS sets the number of
// kills (default 200); PODIUM_REGISTRY_CRASH_SEED the random seed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "base/file.h"
#include "pipeline/pipeline_json.h"
#include "registry/registry.h"
#include "registry/test_support.h"

namespace podium::registry {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : fallback;
}

void WriteLine(int fd, const std::string& line) {
  // One write per line, shorter than PIPE_BUF: never interleaved or torn.
  const ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;
}

// The child: registers versions with fresh artifacts and promotes them to
// development until it is killed, reporting each acknowledged call.
[[noreturn]] void RunWriter(const RegistryOptions& options, const std::string& token, const Pipeline& base,
                            int report_fd, uint64_t seed) {
  Result<std::unique_ptr<Registry>> registry = Registry::Open(options);
  if (!registry.ok()) {
    WriteLine(report_fd, "error open " + registry.status().ToString() + "\n");
    ::_exit(3);
  }
  std::mt19937_64 rng(seed);
  for (int i = 0;; ++i) {
    Pipeline p = base;
    std::get<GlmModel>(p.model.body).intercepts[0] = static_cast<double>(rng() % 1000000) / 1000.0;
    RegisterVersionRequest request;
    request.model = "crashy";
    request.artifact = WritePipelineJson(p, false);
    Result<VersionInfo> v = (*registry)->RegisterVersion(token, request);
    if (!v.ok()) {
      WriteLine(report_fd, "error register " + v.status().ToString() + "\n");
      ::_exit(4);
    }
    WriteLine(report_fd, "v " + std::to_string(v->number) + " " + v->artifact_digest + "\n");
    if (i % 2 == 1) {
      const Status promoted = (*registry)->Promote(token, "crashy", v->number, "development", "");
      if (!promoted.ok()) {
        WriteLine(report_fd, "error promote " + promoted.ToString() + "\n");
        ::_exit(5);
      }
      WriteLine(report_fd, "p " + std::to_string(v->number) + "\n");
    }
  }
}

TEST(RegistryCrashTest, SigkillDuringRegisterAndPromoteLosesNothingAcknowledged) {
  const int kills = EnvInt("PODIUM_REGISTRY_CRASH_KILLS", 200);
  const uint64_t seed = static_cast<uint64_t>(EnvInt("PODIUM_REGISTRY_CRASH_SEED", 20261126));
  std::cout << "kills=" << kills << " seed=" << seed << "\n";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<testing::TestStore> store, testing::TestStore::Create(testing::Backend::kSqlite));
  RegistryOptions options = store->options();
  options.full_sync = true;  // the default: acknowledged means on disk
  std::string token;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> setup, Registry::Open(options));
    ASSERT_OK_AND_ASSIGN(token, setup->CreateFirstAdmin("admin"));
    ModelSpec spec;
    spec.name = "crashy";
    ASSERT_OK(setup->CreateModel(token, spec));
  }
  ASSERT_OK_AND_ASSIGN(Pipeline base, ReadPipelineJson(testing::CreditPipelineArtifact(0)));

  std::mt19937_64 rng(seed);
  std::map<int64_t, std::string> acknowledged;  // version -> artifact digest
  int64_t last_promoted = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < kills; ++k) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunWriter(options, token, base, fds[1], seed * 1000 + k);
    }
    ::close(fds[1]);
    // Kill after 2..60 ms: sometimes before the first write, mostly in the
    // middle of one (artifact write, fsync, rename, commit).
    ::usleep(static_cast<useconds_t>(2000 + rng() % 58000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    std::string reports;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) reports.append(buffer, n);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "writer ended on its own: " << reports;
    std::istringstream lines(reports);
    std::string kind;
    while (lines >> kind) {
      if (kind == "v") {
        int64_t number;
        std::string digest;
        lines >> number >> digest;
        acknowledged[number] = digest;
      } else if (kind == "p") {
        lines >> last_promoted;
      } else {
        std::string rest;
        std::getline(lines, rest);
        FAIL() << "writer reported: " << kind << rest;
      }
    }

    // After the crash: the registry opens and everything acknowledged is there.
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> registry, Registry::Open(options));
    ASSERT_OK_AND_ASSIGN(int64_t records, registry->VerifyAudit(token));
    ASSERT_OK_AND_ASSIGN(std::vector<VersionInfo> versions, registry->ListVersions(token, "crashy"));
    ASSERT_GE(records, 2 + static_cast<int64_t>(versions.size()));
    for (size_t i = 0; i < versions.size(); ++i) {
      ASSERT_EQ(versions[i].number, static_cast<int64_t>(i) + 1) << "after kill " << k;
    }
    for (const auto& [number, digest] : acknowledged) {
      ASSERT_LE(number, static_cast<int64_t>(versions.size())) << "acknowledged version " << number << " lost";
      ASSERT_EQ(versions[number - 1].artifact_digest, digest);
    }
    // Every visible version's artifact is whole (Get checks the digest).
    // Check the newest few each round and all of them at the end.
    const size_t from = k + 1 == kills ? 0 : (versions.size() > 8 ? versions.size() - 8 : 0);
    for (size_t i = from; i < versions.size(); ++i) {
      ASSERT_OK(registry->GetArtifact(token, "crashy", versions[i].number).status());
    }
    if (last_promoted > 0) {
      ASSERT_OK_AND_ASSIGN(VersionInfo live, registry->Resolve(token, "crashy@development"));
      ASSERT_GE(live.number, last_promoted);
    }
  }
  // No half-written artifact is visible under its name: every stored object
  // hashes to its path.
  int objects = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options.data_dir + "/artifacts/sha256")) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const std::string name = entry.path().parent_path().filename().string() + entry.path().filename().string();
    ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(path));
    EXPECT_EQ(ArtifactDigest(bytes), "sha256:" + name) << path;
    ++objects;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> last, Registry::Open(options));
  ASSERT_OK_AND_ASSIGN(std::vector<VersionInfo> visible, last->ListVersions(token, "crashy"));
  // Versions committed but killed before the writer reported them, and
  // artifacts written but never committed (killed in between): both show
  // the kills landed inside the write path.
  std::cout << kills << " kills in " << seconds << " s; " << acknowledged.size() << " acknowledged versions, "
            << visible.size() - acknowledged.size() << " committed but unacknowledged, " << objects
            << " artifact files (" << objects - static_cast<int>(visible.size())
            << " unreferenced: written, never committed)\n";
  EXPECT_GT(acknowledged.size(), 0u);
}

}  // namespace
}  // namespace podium::registry
