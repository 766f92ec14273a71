// The audit trail's record and hash chain (format: docs/REGISTRY.md).
//
// Every registry mutation appends one AuditRecord in the transaction that
// applies it. Record n carries hash_n = SHA-256 hex of
//   "podium-audit-v1\n" + prev_hash + "\n" + CanonicalAuditRecord(record_n)
// with prev_hash the previous record's hash (64 zeros before the first), so
// editing, inserting or deleting any record changes every later hash, and
// VerifyAuditChain finds the first record that does not match.
// Thread-safe (pure functions).
#ifndef PODIUM_REGISTRY_AUDIT_H_
#define PODIUM_REGISTRY_AUDIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace podium::registry {

struct AuditRecord {
  int64_t seq = 0;       // 1, 2, 3, ... without gaps
  std::string time;      // RFC 3339 UTC
  std::string actor;     // user name ("system" for migrations)
  std::string action;    // e.g. "version.register", "deployment.set"
  std::string entity;    // e.g. "model/credit/version/3"
  std::string before;    // JSON of the entity before ("null" when created)
  std::string after;     // JSON after ("null" when deleted)
  std::string reason;    // free text from the caller
  std::string prev_hash;
  std::string hash;
};

inline constexpr char kAuditGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

// A JSON array of the fields, seq to reason, in that order.
std::string CanonicalAuditRecord(const AuditRecord& record);
std::string AuditRecordHash(const std::string& prev_hash, const AuditRecord& record);

// Checks records one at a time, in seq order from seq 1, so a long chain is
// verified in constant memory. Thread-compatible.
class AuditChainVerifier {
 public:
  // kDataLoss naming the record when it does not follow the previous one.
  Status Add(const AuditRecord& record);
  // kDataLoss when the store's head does not match the last record added.
  Status Finish(int64_t head_seq, const std::string& head_hash) const;
  int64_t count() const { return next_seq_ - 1; }

 private:
  std::string prev_hash_ = kAuditGenesisHash;
  int64_t next_seq_ = 1;
};

// The whole chain at once: checks sequence numbers, links and hashes of
// `records` (in seq order, from seq 1). `head_seq`/`head_hash` are the chain head the store keeps beside the
// records, which catches deletion of the newest records. kDataLoss naming the
// first bad record.
Status VerifyAuditChain(const std::vector<AuditRecord>& records, int64_t head_seq, const std::string& head_hash);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_AUDIT_H_
