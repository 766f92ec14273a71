// Change events: in-process subscriptions and the ChangeFeed, on SQLite
// (Sqlite/..., unit) and PostgreSQL (Postgres/..., the registry_pg fixture).
#include "registry/change_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "registry/store/database.h"
#include "registry/store/postgres_database.h"
#include "registry/test_support.h"

namespace podium::registry {
namespace {

using testing::Backend;
using testing::TestStore;

TEST(ChangeEventTest, FromAuditRecords) {
  struct Case {
    std::string action, entity, after;
    std::optional<ChangeKind> kind;
    std::string model, label;
    std::optional<int64_t> version;
  };
  const std::vector<Case> cases = {
      {"alias.set", "model/credit/alias/champion", R"({"version":3})", ChangeKind::kAliasSet, "credit", "champion", 3},
      {"alias.remove", "model/credit/alias/champion", "null", ChangeKind::kAliasRemoved, "credit", "champion", {}},
      {"deployment.set", "model/credit/environment/production", R"({"version":7,"artifact":"sha256:ab"})",
       ChangeKind::kPromoted, "credit", "production", 7},
      {"version.archive", "model/credit/version/12", R"({"archived":true})", ChangeKind::kVersionArchived, "credit",
       "", 12},
      {"model.archive", "model/credit", R"({"archived":true})", ChangeKind::kModelArchived, "credit", "", {}},
      {"version.register", "model/credit/version/1", "{}", {}, "", "", {}},
      {"approval.approve", "model/credit/version/1/environment/production", "{}", {}, "", "", {}},
      {"user.create", "user/alice", "{}", {}, "", "", {}},
      {"alias.set", "model/credit", R"({"version":3})", {}, "", "", {}},
      {"version.archive", "model/credit/version/x1", "{}", {}, "", "", {}},
  };
  for (const Case& c : cases) {
    AuditRecord record;
    record.seq = 42;
    record.action = c.action;
    record.entity = c.entity;
    record.after = c.after;
    const std::optional<ChangeEvent> event = ChangeEventFromAudit(record);
    ASSERT_EQ(event.has_value(), c.kind.has_value()) << c.action << " " << c.entity;
    if (!event) continue;
    EXPECT_EQ(event->kind, *c.kind) << c.entity;
    EXPECT_EQ(ChangeKindName(event->kind), c.action);
    EXPECT_EQ(event->model, c.model);
    EXPECT_EQ(event->label, c.label);
    EXPECT_EQ(event->version, c.version);
    EXPECT_EQ(event->seq, 42);
  }
}

// Collects events from any thread; waits for a count with a bound.
class Collector {
 public:
  void Add(const ChangeEvent& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }
  std::vector<ChangeEvent> WaitFor(size_t count, std::chrono::seconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, bound, [&] { return events_.size() >= count; });
    return events_;
  }
  std::vector<ChangeEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ChangeEvent> events_;
};

class ChangeFeedTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, TestStore::Create(GetParam()));
    ASSERT_OK_AND_ASSIGN(registry_, store_->Open());
    ASSERT_OK_AND_ASSIGN(admin_, registry_->CreateFirstAdmin("admin"));
    ModelSpec spec;
    spec.name = "credit";
    ASSERT_OK(registry_->CreateModel(admin_, spec));
    for (int variant : {0, 1}) {
      RegisterVersionRequest request;
      request.model = "credit";
      request.artifact = testing::CreditPipelineArtifact(variant);
      ASSERT_OK(registry_->RegisterVersion(admin_, request));
    }
  }

  std::unique_ptr<TestStore> store_;
  std::unique_ptr<Registry> registry_;
  std::string admin_;
};

TEST_P(ChangeFeedTest, SubscribersGetCommittedChangesOnly) {
  Collector collector;
  const Registry::SubscriptionId id = registry_->Subscribe([&](const ChangeEvent& e) { collector.Add(e); });
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 1, ""));
  // Refused changes (no such version; already deployed) publish nothing.
  EXPECT_FALSE(registry_->SetAlias(admin_, "credit", "champion", 9, "").ok());
  ASSERT_OK(registry_->Promote(admin_, "credit", 2, "development", ""));
  EXPECT_FALSE(registry_->Promote(admin_, "credit", 2, "development", "").ok());
  std::vector<ChangeEvent> events = collector.events();  // delivered before the calls returned
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ChangeKind::kAliasSet);
  EXPECT_EQ(events[0].label, "champion");
  EXPECT_EQ(events[0].version, 1);
  EXPECT_EQ(events[1].kind, ChangeKind::kPromoted);
  EXPECT_EQ(events[1].label, "development");
  EXPECT_EQ(events[1].version, 2);
  EXPECT_EQ(events[1].seq, events[0].seq + 1);
  ASSERT_OK_AND_ASSIGN(int64_t head, registry_->ChangeSequence(admin_));
  EXPECT_EQ(head, events[1].seq);

  registry_->Unsubscribe(id);
  ASSERT_OK(registry_->RemoveAlias(admin_, "credit", "champion", ""));
  EXPECT_EQ(collector.events().size(), 2u);
  registry_->Unsubscribe(id);  // twice: ignored
}

TEST_P(ChangeFeedTest, FeedDeliversChangesOfAnotherRegistryInOrder) {
  ASSERT_OK_AND_ASSIGN(int64_t start, registry_->ChangeSequence(admin_));
  Collector collector;
  ChangeFeedOptions options;
  options.token = admin_;
  options.after_seq = start;
  options.poll_interval = std::chrono::milliseconds(20);
  options.listener = [&](const ChangeEvent& e) { collector.Add(e); };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ChangeFeed> feed, ChangeFeed::Start(registry_.get(), options));

  // Another Registry object: its own connections, no in-process events.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> other, store_->Open());
  ASSERT_OK(other->SetAlias(admin_, "credit", "champion", 2, ""));
  ASSERT_OK(other->Promote(admin_, "credit", 1, "development", ""));
  ASSERT_OK(other->RemoveAlias(admin_, "credit", "champion", ""));
  ASSERT_OK(other->ArchiveVersion(admin_, "credit", 2, ""));
  ModelSpec spec;
  spec.name = "fraud";
  ASSERT_OK(other->CreateModel(admin_, spec));  // not an event
  ASSERT_OK(other->ArchiveModel(admin_, "credit", ""));

  const std::vector<ChangeEvent> events = collector.WaitFor(5);
  ASSERT_EQ(events.size(), 5u);
  const std::vector<ChangeKind> kinds = {ChangeKind::kAliasSet, ChangeKind::kPromoted, ChangeKind::kAliasRemoved,
                                         ChangeKind::kVersionArchived, ChangeKind::kModelArchived};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kind, kinds[i]) << i;
    EXPECT_EQ(events[i].model, "credit");
    if (i > 0) {
      EXPECT_GT(events[i].seq, events[i - 1].seq);
    }
  }
  EXPECT_EQ(events[0].version, 2);
  EXPECT_EQ(events[1].version, 1);
  EXPECT_EQ(events[3].version, 2);
  ASSERT_OK_AND_ASSIGN(int64_t head, registry_->ChangeSequence(admin_));
  for (int i = 0; i < 1000 && feed->last_seq() < head; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(feed->last_seq(), head);
  EXPECT_TRUE(feed->health().ok()) << feed->health().ToString();
}

TEST_P(ChangeFeedTest, FeedCatchesUpFromItsStartSequence) {
  // Changes committed before the feed starts, after the sequence it was
  // given, are delivered: a subscriber that read state at `start` misses
  // nothing.
  ASSERT_OK_AND_ASSIGN(int64_t start, registry_->ChangeSequence(admin_));
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 1, ""));
  ASSERT_OK(registry_->SetAlias(admin_, "credit", "champion", 2, ""));
  Collector collector;
  ChangeFeedOptions options;
  options.token = admin_;
  options.after_seq = start;
  options.listener = [&](const ChangeEvent& e) { collector.Add(e); };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ChangeFeed> feed, ChangeFeed::Start(registry_.get(), options));
  const std::vector<ChangeEvent> events = collector.WaitFor(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].version, 1);
  EXPECT_EQ(events[1].version, 2);
}

TEST_P(ChangeFeedTest, FeedRefusesBadOptionsAndReportsABadToken) {
  ChangeFeedOptions options;
  options.token = admin_;
  EXPECT_STATUS(ChangeFeed::Start(registry_.get(), options), StatusCode::kInvalidArgument, "listener");
  options.listener = [](const ChangeEvent&) {};
  options.token = "";
  EXPECT_STATUS(ChangeFeed::Start(registry_.get(), options), StatusCode::kInvalidArgument, "token");

  std::mutex mutex;
  std::vector<Status> statuses;
  options.token = "pdm_not_a_token";
  options.min_backoff = std::chrono::milliseconds(5);
  options.max_backoff = std::chrono::milliseconds(20);
  options.on_status = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mutex);
    statuses.push_back(s);
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ChangeFeed> feed, ChangeFeed::Start(registry_.get(), options));
  for (int i = 0; i < 1000 && feed->health().ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(feed->health().code(), StatusCode::kUnauthenticated);
  feed.reset();
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses[0].code(), StatusCode::kUnauthenticated);
}

// PostgreSQL only: the listener's connection is killed by the server; the
// feed reconnects and a change made meanwhile still arrives.
TEST_P(ChangeFeedTest, FeedReconnectsAfterTheListenerConnectionDies) {
  if (GetParam() != Backend::kPostgres) GTEST_SKIP() << "PostgreSQL listener only";
  ASSERT_OK_AND_ASSIGN(int64_t start, registry_->ChangeSequence(admin_));
  Collector collector;
  ChangeFeedOptions options;
  options.token = admin_;
  options.after_seq = start;
  options.notify_timeout = std::chrono::milliseconds(60000);  // only a notification or a reconnect reads
  options.min_backoff = std::chrono::milliseconds(20);
  options.listener = [&](const ChangeEvent& e) { collector.Add(e); };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ChangeFeed> feed, ChangeFeed::Start(registry_.get(), options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Registry> other, store_->Open());
  ASSERT_OK(other->SetAlias(admin_, "credit", "champion", 1, ""));
  ASSERT_EQ(collector.WaitFor(1).size(), 1u);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> admin_db, OpenPostgresDatabase({testing::PostgresTestUrl()}));
  int64_t killed = 0;
  ASSERT_OK(admin_db->Migrate([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                         " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"));
    killed = static_cast<int64_t>(rows.size());
    return Status::Ok();
  }));
  ASSERT_GE(killed, 1);
  ASSERT_OK(other->SetAlias(admin_, "credit", "champion", 2, ""));
  const std::vector<ChangeEvent> events = collector.WaitFor(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].version, 2);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ChangeFeedTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, ChangeFeedTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace podium::registry
