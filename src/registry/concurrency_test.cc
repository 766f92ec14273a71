// Concurrent writers on one model: version numbers stay gap-free and
// duplicate-free and the audit chain stays valid, on every backend.
// PODIUM_REGISTRY_CONCURRENCY_OPS sets the operations per writer (default
// 1000, as the evidence asks; lower it for quick local runs).
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "registry/registry.h"
#include "registry/test_support.h"

namespace podium::registry {
namespace {

using testing::Backend;

int OpsPerWriter() {
  const char* text = std::getenv("PODIUM_REGISTRY_CONCURRENCY_OPS");
  const int n = text ? std::atoi(text) : 1000;
  return n > 0 ? n : 1000;
}

class ConcurrencyTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ConcurrencyTest, EightWritersOnOneModelGiveGapFreeVersionsAndAValidChain) {
  constexpr int kWriters = 8;
  const int ops = OpsPerWriter();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<testing::TestStore> store, testing::TestStore::Create(GetParam()));
  std::string admin;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> setup, store->Open());
    ASSERT_OK_AND_ASSIGN(admin, setup->CreateFirstAdmin("admin"));
    ModelSpec spec;
    spec.name = "shared";
    ASSERT_OK(setup->CreateModel(admin, spec));
  }
  // Each writer opens its own Registry, as separate server replicas would:
  // only the store serialises them.
  const std::string artifact = testing::CreditPipelineArtifact(0);
  std::mutex results_mutex;
  std::vector<int64_t> numbers;  // guarded by results_mutex
  int alias_moves = 0;           // guarded by results_mutex
  std::vector<std::string> errors;  // guarded by results_mutex
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Result<std::unique_ptr<Registry>> registry = store->Open();
      if (!registry.ok()) {
        std::lock_guard<std::mutex> lock(results_mutex);
        errors.push_back(registry.status().ToString());
        return;
      }
      std::vector<int64_t> mine;
      int moves = 0;
      for (int i = 0; i < ops; ++i) {
        if (i % 5 == 4 && !mine.empty()) {
          const Status status = (*registry)->SetAlias(admin, "shared", "writer-" + std::to_string(w), mine.back(), "");
          if (status.ok()) {
            ++moves;
          } else {
            std::lock_guard<std::mutex> lock(results_mutex);
            errors.push_back(status.ToString());
          }
          continue;
        }
        RegisterVersionRequest request;
        request.model = "shared";
        request.artifact = artifact;
        request.metrics = {{"writer", static_cast<double>(w)}};
        Result<VersionInfo> v = (*registry)->RegisterVersion(admin, request);
        if (v.ok()) {
          mine.push_back(v->number);
        } else {
          std::lock_guard<std::mutex> lock(results_mutex);
          errors.push_back(v.status().ToString());
        }
      }
      std::lock_guard<std::mutex> lock(results_mutex);
      numbers.insert(numbers.end(), mine.begin(), mine.end());
      alias_moves += moves;
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();

  std::sort(numbers.begin(), numbers.end());
  const int64_t registered = static_cast<int64_t>(numbers.size());
  EXPECT_EQ(registered, kWriters * (ops - ops / 5));
  for (int64_t i = 0; i < registered; ++i) ASSERT_EQ(numbers[i], i + 1) << "gap or duplicate at " << i + 1;

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> registry, store->Open());
  ASSERT_OK_AND_ASSIGN(std::vector<VersionInfo> versions, registry->ListVersions(admin, "shared"));
  ASSERT_EQ(static_cast<int64_t>(versions.size()), registered);
  for (int64_t i = 0; i < registered; ++i) ASSERT_EQ(versions[i].number, i + 1);
  ASSERT_OK_AND_ASSIGN(ModelInfo model, registry->GetModel(admin, "shared"));
  EXPECT_EQ(model.latest_version, registered);
  ASSERT_OK_AND_ASSIGN(int64_t records, registry->VerifyAudit(admin));
  EXPECT_EQ(records, 2 + registered + alias_moves);  // admin, model, then every operation
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ConcurrencyTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, ConcurrencyTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace podium::registry
