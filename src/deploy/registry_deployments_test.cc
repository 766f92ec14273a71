// Registry deployments end to end below HTTP: a registry (SQLite or
// PostgreSQL), a ModelManager loading through RegistryLoader, and the
// registry's change events driving Apply.
#include "deploy/registry_deployments.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include "registry/test_support.h"

namespace podium::deploy {
namespace {

using registry::testing::Backend;
using registry::testing::TestStore;
using Clock = std::chrono::steady_clock;

TEST(ParseDeploymentTest, FlagsAndReferences) {
  ASSERT_OK_AND_ASSIGN(Deployment d, ParseDeploymentFlag("churn=churn@production"));
  EXPECT_EQ(d.name, "churn");
  EXPECT_EQ(d.champion.model, "churn");
  EXPECT_EQ(d.champion.label, "production");
  EXPECT_FALSE(d.challenger.has_value());
  ASSERT_OK_AND_ASSIGN(d, ParseDeploymentFlag("scoring=credit@champion"));
  EXPECT_EQ(d.champion.ToString(), "credit@champion");
  for (const char* bad : {"churn", "=churn@production", "churn=churn", "churn=@production", "churn=churn@",
                          "churn=churn@production@x", "churn=churn@3"}) {
    EXPECT_EQ(ParseDeploymentFlag(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// Polls `done` every millisecond for at most `bound`.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound = std::chrono::milliseconds(10000)) {
  const auto deadline = Clock::now() + bound;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

class DeploymentsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, TestStore::Create(GetParam()));
    ASSERT_OK_AND_ASSIGN(registry_, store_->Open());
    ASSERT_OK_AND_ASSIGN(admin_, registry_->CreateFirstAdmin("admin"));
    ASSERT_OK_AND_ASSIGN(reader_, registry_->CreateUser(admin_, "podium-server", registry::Role::kViewer));
    registry::ModelSpec spec;
    spec.name = "credit";
    ASSERT_OK(registry_->CreateModel(admin_, spec));
    for (int variant : {0, 1, 2}) ASSERT_NO_FATAL_FAILURE(Register(variant));
    ASSERT_OK(registry_->Promote(admin_, "credit", 1, "development", "first"));
    ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 1, "first"));
  }

  void TearDown() override {
    deployments_.reset();  // before the manager it applies to
    manager_.reset();
  }

  void Register(int variant) {
    registry::RegisterVersionRequest request;
    request.model = "credit";
    request.artifact = registry::testing::CreditPipelineArtifact(variant);
    ASSERT_OK(registry_->RegisterVersion(admin_, request));
  }

  // Serves credit=credit@`label` and starts following changes.
  void Serve(const std::string& label, std::chrono::milliseconds notify_timeout = std::chrono::milliseconds(2000),
             std::chrono::milliseconds poll_interval = std::chrono::milliseconds(20)) {
    RegistryDeployments::Options options;
    options.registry = registry_.get();
    options.token = reader_;
    ASSERT_OK_AND_ASSIGN(Deployment d, ParseDeploymentFlag("credit=credit@" + label));
    options.deployments.push_back(d);
    options.poll_interval = poll_interval;
    options.notify_timeout = notify_timeout;
    if (log_changes_) options.log = [](const std::string& line) { std::cerr << "[deploy] " << line << "\n"; };
    ASSERT_OK_AND_ASSIGN(deployments_, RegistryDeployments::Create(std::move(options)));
    serving::ModelManager::Options manager;
    manager.models = deployments_->ModelSpecs();
    manager.loader = RegistryLoader(registry_.get(), reader_, nullptr);
    ASSERT_OK_AND_ASSIGN(manager_, serving::ModelManager::Create(std::move(manager)));
    ASSERT_OK(deployments_->Start(manager_.get()));
  }

  int64_t Served() const { return manager_->Snapshot()->Find("credit")->champion->version(); }
  serving::ModelHealth Health() const { return manager_->Snapshot()->Find("credit")->health; }
  bool ServesWithin(int64_t version) {
    return WaitUntil([&] { return Served() == version; });
  }
  // Waits until the deployment acted on every change committed so far.
  bool Settled() {
    Result<int64_t> head = registry_->ChangeSequence(admin_);
    if (!head.ok()) return false;
    return WaitUntil([&] { return deployments_->last_seq() >= *head; });
  }

  bool log_changes_ = true;
  std::unique_ptr<TestStore> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::string admin_, reader_;
  std::unique_ptr<serving::ModelManager> manager_;
  std::unique_ptr<RegistryDeployments> deployments_;
};

TEST_P(DeploymentsTest, ServesTheDeployedVersionAndFollowsPromotion) {
  ASSERT_NO_FATAL_FAILURE(Serve("development"));
  EXPECT_EQ(Served(), 1);
  const serving::ServedVersion& v1 = *manager_->Snapshot()->Find("credit")->champion;
  ASSERT_TRUE(v1.source().registry.has_value());
  ASSERT_OK_AND_ASSIGN(registry::VersionInfo info, registry_->GetVersion(admin_, "credit", 1));
  EXPECT_EQ(v1.source().registry->digest, info.artifact_digest);
  EXPECT_EQ(v1.digest(), info.artifact_digest);
  EXPECT_EQ(v1.source().Describe(), "registry:credit@1 (" + info.artifact_digest + ")");

  ASSERT_OK(registry_->Promote(admin_, "credit", 2, "development", "better auc"));
  EXPECT_TRUE(ServesWithin(2)) << "served " << Served();
  // The deployment records what it applied just after publishing it.
  EXPECT_TRUE(WaitUntil([&] { return deployments_->States()[0].applied_seq > 0; }));
  const std::vector<DeploymentState> states = deployments_->States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].version, 2);
  EXPECT_TRUE(states[0].last_error.empty()) << states[0].last_error;
  EXPECT_GT(states[0].applied_seq, 0);
  EXPECT_EQ(Health().swaps, 1);
}

TEST_P(DeploymentsTest, RollbackByMovingTheAliasBack) {
  ASSERT_NO_FATAL_FAILURE(Serve("champion"));
  EXPECT_EQ(Served(), 1);
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 2, "roll forward"));
  EXPECT_TRUE(ServesWithin(2));
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 1, "roll back"));
  EXPECT_TRUE(ServesWithin(1));
  // Changes to other names of the model do not reload anything.
  ASSERT_OK(registry_->Promote(admin_, "credit", 3, "development", ""));
  ASSERT_TRUE(Settled());
  EXPECT_EQ(Served(), 1);
  EXPECT_EQ(Health().swaps, 2);
}

TEST_P(DeploymentsTest, RequestsPinnedBeforeASwapKeepTheirVersion) {
  ASSERT_NO_FATAL_FAILURE(Serve("champion"));
  const std::shared_ptr<const serving::ServingSnapshot> pinned = manager_->Snapshot();
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 2, ""));
  ASSERT_TRUE(ServesWithin(2));
  EXPECT_EQ(pinned->Find("credit")->champion->version(), 1);
  EXPECT_NE(pinned->Find("credit")->champion->digest(), manager_->Snapshot()->Find("credit")->champion->digest());
}

TEST_P(DeploymentsTest, AVersionThatFailsToLoadNeverReplacesTheServingOne) {
  ASSERT_NO_FATAL_FAILURE(Serve("champion"));
  // Flip a byte of version 2's artifact on disk: reading it fails the digest.
  ASSERT_OK_AND_ASSIGN(registry::VersionInfo v2, registry_->GetVersion(admin_, "credit", 2));
  const std::string hex = v2.artifact_digest.substr(std::string("sha256:").size());
  const std::filesystem::path file =
      std::filesystem::path(store_->options().data_dir) / "artifacts" / "sha256" / hex.substr(0, 2) / hex.substr(2);
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('#');
  }
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 2, "corrupt"));
  ASSERT_TRUE(WaitUntil([&] { return Health().loads_failed == 1; }));
  EXPECT_EQ(Served(), 1);
  EXPECT_NE(Health().last_error.find("registry:credit@2"), std::string::npos) << Health().last_error;
  ASSERT_TRUE(WaitUntil([&] { return !deployments_->States()[0].last_error.empty(); }));
  const std::vector<DeploymentState> states = deployments_->States();
  EXPECT_EQ(states[0].version, 1);
  EXPECT_NE(states[0].last_error.find("version 2 failed to load"), std::string::npos) << states[0].last_error;
  const std::shared_ptr<const serving::ServingSnapshot> snapshot = manager_->Snapshot();
  EXPECT_EQ(snapshot->Find("credit")->history.back().state, serving::VersionState::kFailed);

  // The next good version loads and clears the error.
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 3, "fixed"));
  EXPECT_TRUE(ServesWithin(3));
  EXPECT_TRUE(Health().last_error.empty()) << Health().last_error;
  EXPECT_TRUE(WaitUntil([&] { return deployments_->States()[0].last_error.empty(); }));
}

TEST_P(DeploymentsTest, ARemovedAliasKeepsTheVersionServingAndSaysSo) {
  ASSERT_NO_FATAL_FAILURE(Serve("champion"));
  ASSERT_OK(registry_->RemoveAlias(admin_, "credit", "champion", "retire"));
  ASSERT_TRUE(WaitUntil([&] { return !Health().last_error.empty(); }));
  EXPECT_EQ(Served(), 1);
  EXPECT_NE(Health().last_error.find("no longer resolves"), std::string::npos) << Health().last_error;
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 2, "back"));
  EXPECT_TRUE(ServesWithin(2));
}

TEST_P(DeploymentsTest, AChangeThroughAnotherRegistryArrives) {
  // A long notify timeout: on PostgreSQL only the NOTIFY can bring the
  // change in time; on SQLite the feed's poll of the audit log does.
  ASSERT_NO_FATAL_FAILURE(Serve("development", std::chrono::milliseconds(60000)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<registry::Registry> other, store_->Open());
  ASSERT_OK(other->Promote(admin_, "credit", 2, "development", "from another process"));
  EXPECT_TRUE(ServesWithin(2));
  ASSERT_OK(other->Promote(admin_, "credit", 3, "development", ""));
  EXPECT_TRUE(ServesWithin(3));
}

TEST_P(DeploymentsTest, CreateRefusesWhatDoesNotResolve) {
  RegistryDeployments::Options options;
  options.registry = registry_.get();
  options.token = reader_;
  ASSERT_OK_AND_ASSIGN(Deployment d, ParseDeploymentFlag("credit=credit@production"));
  options.deployments.push_back(d);
  EXPECT_STATUS(RegistryDeployments::Create(options), StatusCode::kNotFound, "deployment 'credit' (credit@production)");
  options.deployments[0].champion.label = "development";
  options.token = "";
  EXPECT_STATUS(RegistryDeployments::Create(options), StatusCode::kInvalidArgument, "token");
  options.token = "pdm_wrong";
  EXPECT_STATUS(RegistryDeployments::Create(options), StatusCode::kUnauthenticated, "token");
  options.token = reader_;
  options.deployments.push_back(d);
  EXPECT_STATUS(RegistryDeployments::Create(options), StatusCode::kInvalidArgument, "listed twice");
}

TEST_P(DeploymentsTest, ChampionAndChallengerFollowTheirOwnNames) {
  RegistryDeployments::Options options;
  options.registry = registry_.get();
  options.token = reader_;
  ASSERT_OK_AND_ASSIGN(Deployment d, ParseDeploymentFlag("credit=credit@development"));
  ASSERT_OK_AND_ASSIGN(d.challenger, ParseRegistryReference("credit@challenger"));
  d.policy.kind = serving::PolicyKind::kSplit;
  d.policy.challenger_percent = 10;
  options.deployments.push_back(d);
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "challenger", 2, ""));
  ASSERT_OK_AND_ASSIGN(deployments_, RegistryDeployments::Create(options));
  serving::ModelManager::Options manager;
  manager.models = deployments_->ModelSpecs();
  manager.loader = RegistryLoader(registry_.get(), reader_, nullptr);
  ASSERT_OK_AND_ASSIGN(manager_, serving::ModelManager::Create(std::move(manager)));
  ASSERT_OK(deployments_->Start(manager_.get()));
  EXPECT_EQ(manager_->Snapshot()->Find("credit")->challenger->version(), 2);
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "challenger", 3, ""));
  EXPECT_TRUE(WaitUntil([&] { return manager_->Snapshot()->Find("credit")->challenger->version() == 3; }));
  EXPECT_EQ(Served(), 1);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, DeploymentsTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, DeploymentsTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

// --- promote-to-serve latency (label deploy-latency; prints figures) ------------

// A second process that promotes on request through its own Registry. Forked
// before the test starts any thread, so the child may run ordinary code.
class PromoterProcess {
 public:
  PromoterProcess(const registry::RegistryOptions& options, const std::string& token) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      Result<std::unique_ptr<registry::Registry>> registry = registry::Registry::Open(options);
      int64_t version = 0;
      while (registry.ok() && ::read(to_child[0], &version, sizeof(version)) == sizeof(version)) {
        const char ok = (*registry)->Promote(token, "credit", version, "development", "").ok() ? 1 : 0;
        if (::write(from_child[1], &ok, 1) != 1) break;
      }
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
  }
  ~PromoterProcess() {
    if (to_child_ >= 0) ::close(to_child_);  // the child's read ends; it exits
    if (from_child_ >= 0) ::close(from_child_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  // Returns once the child's Promote returned.
  Status Promote(int64_t version) {
    if (pid_ <= 0) return UnavailableError("no promoter process");
    char ok = 0;
    if (::write(to_child_, &version, sizeof(version)) != sizeof(version) || ::read(from_child_, &ok, 1) != 1) {
      return UnavailableError("the promoter process is gone");
    }
    return ok ? Status::Ok() : InternalError("the promoter's Promote failed");
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
};

class DeployLatency : public DeploymentsTest {
 protected:
  // Promotes versions 1 and 2 alternately `rounds` times with `promote`,
  // each after a random pause (so promotions fall anywhere in the feed's
  // poll interval, as real ones do), and returns the sorted times from
  // Promote returning to the new version being served, in milliseconds.
  std::vector<double> Measure(const std::function<Status(int64_t)>& promote, int rounds) {
    std::mt19937 random(7);
    std::vector<double> millis;
    for (int i = 0; i < rounds; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 100000));
      const int64_t target = Served() == 1 ? 2 : 1;
      const Status promoted = promote(target);
      const auto returned = Clock::now();
      EXPECT_TRUE(promoted.ok()) << promoted.ToString();
      while (Served() != target) {
        if (Clock::now() - returned > std::chrono::seconds(10)) {
          ADD_FAILURE() << "version " << target << " not served within 10 s";
          return millis;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      millis.push_back(std::chrono::duration<double, std::milli>(Clock::now() - returned).count());
    }
    std::sort(millis.begin(), millis.end());
    return millis;
  }
  static void Report(const std::string& what, const std::vector<double>& millis) {
    if (millis.empty()) return;
    std::cout << "promote-to-serve " << what << ": n=" << millis.size() << " median " << millis[millis.size() / 2]
              << " ms, min " << millis.front() << " ms, max " << millis.back() << " ms\n";
  }
};

TEST_P(DeployLatency, PromoteToServe) {
  constexpr int kRounds = 20;
  log_changes_ = false;  // keeps the figures readable
  PromoterProcess process(store_->options(), admin_);  // before any thread exists
  // The defaults of RegistryDeployments::Options.
  ASSERT_NO_FATAL_FAILURE(Serve("development", std::chrono::milliseconds(2000), std::chrono::milliseconds(50)));
  const std::string backend = registry::testing::BackendName(GetParam());
  Report(backend + ", same Registry object",
         Measure([&](int64_t v) { return registry_->Promote(admin_, "credit", v, "development", ""); }, kRounds));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<registry::Registry> other, store_->Open());
  Report(backend + ", another Registry object",
         Measure([&](int64_t v) { return other->Promote(admin_, "credit", v, "development", ""); }, kRounds));
  Report(backend + ", another process", Measure([&](int64_t v) { return process.Promote(v); }, kRounds));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, DeployLatency, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, DeployLatency, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace podium::deploy
