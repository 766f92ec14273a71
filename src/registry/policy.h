// The registry's decisions as small pure functions: what a role may do,
// whether a version's approvals satisfy an environment's policy, and which of
// a version's input features a feature policy forbids. Each is tested with a
// table of cases (policy_test.cc). Thread-safe (pure functions).
#ifndef PODIUM_REGISTRY_POLICY_H_
#define PODIUM_REGISTRY_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace podium::registry {

enum class Role {
  kViewer,         // reads everything
  kDataScientist,  // creates models, registers versions of the models it owns or is granted
  kMlops,          // moves aliases, promotes, archives, manages datasets and dependencies
  kApprover,       // approves or rejects versions for protected environments
  kRisk,           // an approver from risk management (policies may require one)
  kAdmin,          // everything, including users, grants, environments and policies
};

std::string_view RoleName(Role role);
// "viewer", "data-scientist", "mlops", "approver", "risk", "admin".
Result<Role> ParseRole(std::string_view name);

enum class Action {
  kRead,
  kCreateModel,
  kRegisterVersion,  // also: edit the model's metadata, record datasets for it
  kSetAlias,
  kPromote,
  kApprove,
  kArchive,
  kManageDatasets,
  kAdminister,  // users, grants, environments, feature policies
};

std::string_view ActionName(Action action);

// Whether `role` allows `action` (on a model the caller may act on: for
// kRegisterVersion a data scientist must own the model or hold a grant on
// it, which the service checks).
bool RoleAllows(Role role, Action action);

// An environment's approval policy.
struct ApprovalPolicy {
  int required_approvals = 0;      // distinct approvers, never the author
  int required_risk_approvals = 0;  // of which at least this many hold kRisk
};

// One approver's latest decision on (version, environment).
struct Decision {
  std::string approver;
  Role approver_role = Role::kApprover;
  bool approve = false;
};

// OK when the decisions satisfy the policy; kFailedPrecondition naming what
// is missing otherwise (a standing rejection, too few approvals, no risk
// approval). Decisions by `author` never count.
Status CheckApprovals(const ApprovalPolicy& policy, std::string_view author, const std::vector<Decision>& decisions);

// A rule that forbids input features for models of a use and jurisdiction.
// "*" matches any use or jurisdiction. Matching is case-insensitive.
struct FeaturePolicy {
  std::string name;
  std::string use;
  std::string jurisdiction;
  std::vector<std::string> forbidden_features;
  std::string reason;
};

// OK, or kFailedPrecondition naming each forbidden feature the version reads,
// the rule (or the model's own restricted list) and its reason.
Status CheckFeaturePolicies(std::string_view model_use, std::string_view model_jurisdiction,
                            const std::vector<std::string>& model_restricted_features,
                            const std::vector<FeaturePolicy>& policies, const std::vector<std::string>& features);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_POLICY_H_
