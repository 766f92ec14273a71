#include "registry/audit.h"

#include <gtest/gtest.h>

namespace podium::registry {
namespace {

std::vector<AuditRecord> Chain(int n) {
  std::vector<AuditRecord> records;
  std::string prev = kAuditGenesisHash;
  for (int i = 1; i <= n; ++i) {
    AuditRecord r;
    r.seq = i;
    r.time = "2026-03-01T10:00:0" + std::to_string(i % 10) + ".000000Z";
    r.actor = "bob";
    r.action = "alias.set";
    r.entity = "model/credit/alias/champion";
    r.before = i == 1 ? "null" : "{\"version\":" + std::to_string(i - 1) + "}";
    r.after = "{\"version\":" + std::to_string(i) + "}";
    r.reason = "step " + std::to_string(i);
    r.prev_hash = prev;
    r.hash = AuditRecordHash(prev, r);
    prev = r.hash;
    records.push_back(r);
  }
  return records;
}

TEST(AuditChainTest, AValidChainVerifies) {
  const auto records = Chain(5);
  EXPECT_TRUE(VerifyAuditChain(records, 5, records.back().hash).ok());
  EXPECT_TRUE(VerifyAuditChain({}, 0, kAuditGenesisHash).ok());
}

TEST(AuditChainTest, CanonicalFormIsAJsonArrayOfTheFields) {
  const auto records = Chain(1);
  EXPECT_EQ(CanonicalAuditRecord(records[0]),
            R"([1,"2026-03-01T10:00:01.000000Z","bob","alias.set","model/credit/alias/champion","null",)"
            R"("{\"version\":1}","step 1"])");
}

TEST(AuditChainTest, EveryKindOfTamperingIsFound) {
  const auto good = Chain(6);
  const std::string head = good.back().hash;
  struct Case {
    std::string name;
    std::function<void(std::vector<AuditRecord>&)> tamper;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"edited field", [](auto& r) { r[2].actor = "mallory"; }, "audit record 3 (alias.set"},
      {"edited after", [](auto& r) { r[3].after = "{\"version\":9}"; }, "audit record 4"},
      {"edited and rehashed", [](auto& r) {
         r[1].reason = "x";
         r[1].hash = AuditRecordHash(r[1].prev_hash, r[1]);
       }, "audit record 3 does not link"},
      {"deleted in the middle", [](auto& r) { r.erase(r.begin() + 2); }, "audit record 3 is missing"},
      {"deleted at the end", [](auto& r) { r.pop_back(); }, "records were removed"},
      {"reordered", [](auto& r) { std::swap(r[1], r[2]); }, "audit record 2 is missing"},
  };
  for (const Case& c : cases) {
    auto records = good;
    c.tamper(records);
    const Status status = VerifyAuditChain(records, 6, head);
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << c.name;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << c.name << ": " << status.message();
  }
}

}  // namespace
}  // namespace podium::registry
