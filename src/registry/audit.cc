#include "registry/audit.h"

#include <nlohmann/json.hpp>

#include "base/sha256.h"

namespace podium::registry {

std::string CanonicalAuditRecord(const AuditRecord& r) {
  nlohmann::json fields = nlohmann::json::array(
      {r.seq, r.time, r.actor, r.action, r.entity, r.before, r.after, r.reason});
  // Invalid UTF-8 is replaced rather than thrown on; the registry validates
  // text on the way in, so this never changes a stored record.
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string AuditRecordHash(const std::string& prev_hash, const AuditRecord& record) {
  return Sha256Hex("podium-audit-v1\n" + prev_hash + "\n" + CanonicalAuditRecord(record));
}

Status AuditChainVerifier::Add(const AuditRecord& r) {
  if (r.seq != next_seq_) {
    return DataLossError("audit record " + std::to_string(next_seq_) + " is missing (found record " +
                         std::to_string(r.seq) + " next)");
  }
  if (r.prev_hash != prev_hash_) {
    return DataLossError("audit record " + std::to_string(r.seq) + " does not link to record " +
                         std::to_string(r.seq - 1));
  }
  if (AuditRecordHash(prev_hash_, r) != r.hash) {
    return DataLossError("audit record " + std::to_string(r.seq) + " (" + r.action + " " + r.entity +
                         ") was altered: its hash does not match its contents");
  }
  prev_hash_ = r.hash;
  ++next_seq_;
  return Status::Ok();
}

Status AuditChainVerifier::Finish(int64_t head_seq, const std::string& head_hash) const {
  const int64_t last = next_seq_ - 1;
  if (last != head_seq || prev_hash_ != head_hash) {
    return DataLossError("the audit chain ends at record " + std::to_string(last) + " but its head names record " +
                         std::to_string(head_seq) + ": records were removed or the head was altered");
  }
  return Status::Ok();
}

Status VerifyAuditChain(const std::vector<AuditRecord>& records, int64_t head_seq, const std::string& head_hash) {
  AuditChainVerifier verifier;
  for (const AuditRecord& r : records) RETURN_IF_ERROR(verifier.Add(r));
  return verifier.Finish(head_seq, head_hash);
}

}  // namespace podium::registry
