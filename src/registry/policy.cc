#include "registry/policy.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace podium::registry {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Matches(std::string_view pattern, std::string_view value) {
  return pattern == "*" || Lower(pattern) == Lower(value);
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kDataScientist: return "data-scientist";
    case Role::kMlops: return "mlops";
    case Role::kApprover: return "approver";
    case Role::kRisk: return "risk";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kDataScientist, Role::kMlops, Role::kApprover, Role::kRisk, Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return InvalidArgumentError("unknown role '" + std::string(name) +
                              "' (expected viewer, data-scientist, mlops, approver, risk or admin)");
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kRead: return "read";
    case Action::kCreateModel: return "create a model";
    case Action::kRegisterVersion: return "register a version";
    case Action::kSetAlias: return "set an alias";
    case Action::kPromote: return "promote";
    case Action::kApprove: return "approve or reject";
    case Action::kArchive: return "archive";
    case Action::kManageDatasets: return "manage datasets";
    case Action::kAdminister: return "administer the registry";
  }
  return "act";
}

bool RoleAllows(Role role, Action action) {
  if (role == Role::kAdmin) return true;
  switch (action) {
    case Action::kRead:
      return true;
    case Action::kCreateModel:
    case Action::kRegisterVersion:
      return role == Role::kDataScientist || role == Role::kMlops;
    case Action::kManageDatasets:
      return role == Role::kDataScientist || role == Role::kMlops;
    case Action::kSetAlias:
    case Action::kPromote:
    case Action::kArchive:
      return role == Role::kMlops;
    case Action::kApprove:
      return role == Role::kApprover || role == Role::kRisk;
    case Action::kAdminister:
      return false;
  }
  return false;
}

Status CheckApprovals(const ApprovalPolicy& policy, std::string_view author, const std::vector<Decision>& decisions) {
  std::set<std::string> approvers, risk_approvers, rejecters;
  for (const Decision& d : decisions) {
    if (d.approver == author) continue;
    if (!d.approve) {
      rejecters.insert(d.approver);
      continue;
    }
    approvers.insert(d.approver);
    if (d.approver_role == Role::kRisk) risk_approvers.insert(d.approver);
  }
  if (!rejecters.empty()) {
    std::string names;
    for (const std::string& n : rejecters) names += (names.empty() ? "" : ", ") + n;
    return FailedPreconditionError("the version is rejected by " + names);
  }
  if (static_cast<int>(approvers.size()) < policy.required_approvals) {
    return FailedPreconditionError("needs " + std::to_string(policy.required_approvals) + " approvals, has " +
                                   std::to_string(approvers.size()));
  }
  if (static_cast<int>(risk_approvers.size()) < policy.required_risk_approvals) {
    return FailedPreconditionError("needs " + std::to_string(policy.required_risk_approvals) +
                                   " approvals from the risk role, has " + std::to_string(risk_approvers.size()));
  }
  return Status::Ok();
}

Status CheckFeaturePolicies(std::string_view model_use, std::string_view model_jurisdiction,
                            const std::vector<std::string>& model_restricted_features,
                            const std::vector<FeaturePolicy>& policies, const std::vector<std::string>& features) {
  std::set<std::string> used;
  for (const std::string& f : features) used.insert(Lower(f));
  std::vector<std::string> problems;
  for (const std::string& f : model_restricted_features) {
    if (used.count(Lower(f))) problems.push_back("feature '" + f + "' is restricted for this model");
  }
  for (const FeaturePolicy& policy : policies) {
    if (!Matches(policy.use, model_use) || !Matches(policy.jurisdiction, model_jurisdiction)) continue;
    for (const std::string& f : policy.forbidden_features) {
      if (used.count(Lower(f))) {
        problems.push_back("feature '" + f + "' is forbidden by policy '" + policy.name + "' (use " + policy.use +
                           ", jurisdiction " + policy.jurisdiction + "): " + policy.reason);
      }
    }
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
  return FailedPreconditionError(message);
}

}  // namespace podium::registry
