#include "registry/policy.h"

#include <gtest/gtest.h>

namespace podium::registry {
namespace {

TEST(RoleAllowsTest, Table) {
  struct Case {
    Role role;
    Action action;
    bool allowed;
  };
  const Case cases[] = {
      {Role::kViewer, Action::kRead, true},           {Role::kViewer, Action::kCreateModel, false},
      {Role::kViewer, Action::kApprove, false},       {Role::kDataScientist, Action::kCreateModel, true},
      {Role::kDataScientist, Action::kRegisterVersion, true}, {Role::kDataScientist, Action::kPromote, false},
      {Role::kDataScientist, Action::kApprove, false}, {Role::kDataScientist, Action::kSetAlias, false},
      {Role::kMlops, Action::kPromote, true},         {Role::kMlops, Action::kSetAlias, true},
      {Role::kMlops, Action::kArchive, true},         {Role::kMlops, Action::kApprove, false},
      {Role::kMlops, Action::kAdminister, false},     {Role::kApprover, Action::kApprove, true},
      {Role::kApprover, Action::kPromote, false},     {Role::kRisk, Action::kApprove, true},
      {Role::kRisk, Action::kRegisterVersion, false}, {Role::kAdmin, Action::kAdminister, true},
      {Role::kAdmin, Action::kApprove, true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RoleAllows(c.role, c.action), c.allowed) << RoleName(c.role) << " " << ActionName(c.action);
  }
}

TEST(ParseRoleTest, RoundTripsAndRefusesUnknown) {
  for (Role role : {Role::kViewer, Role::kDataScientist, Role::kMlops, Role::kApprover, Role::kRisk, Role::kAdmin}) {
    Result<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(ParseRole("root").status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckApprovalsTest, Table) {
  const ApprovalPolicy two_one_risk{2, 1};
  struct Case {
    std::string name;
    std::vector<Decision> decisions;
    StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"none", {}, StatusCode::kFailedPrecondition, "needs 2 approvals, has 0"},
      {"one", {{"carol", Role::kApprover, true}}, StatusCode::kFailedPrecondition, "needs 2 approvals, has 1"},
      {"two without risk", {{"carol", Role::kApprover, true}, {"grace", Role::kApprover, true}},
       StatusCode::kFailedPrecondition, "from the risk role, has 0"},
      {"two with risk", {{"carol", Role::kApprover, true}, {"dave", Role::kRisk, true}}, StatusCode::kOk, ""},
      {"author does not count", {{"alice", Role::kRisk, true}, {"carol", Role::kApprover, true}},
       StatusCode::kFailedPrecondition, "needs 2 approvals, has 1"},
      {"rejection blocks",
       {{"carol", Role::kApprover, true}, {"dave", Role::kRisk, true}, {"grace", Role::kApprover, false}},
       StatusCode::kFailedPrecondition, "rejected by grace"},
      {"same approver twice counts once", {{"dave", Role::kRisk, true}, {"dave", Role::kRisk, true}},
       StatusCode::kFailedPrecondition, "needs 2 approvals, has 1"},
  };
  for (const Case& c : cases) {
    const Status status = CheckApprovals(two_one_risk, "alice", c.decisions);
    EXPECT_EQ(status.code(), c.code) << c.name << ": " << status.ToString();
    EXPECT_NE(status.message().find(c.message), std::string::npos) << c.name << ": " << status.ToString();
  }
  EXPECT_TRUE(CheckApprovals({0, 0}, "alice", {}).ok());
}

TEST(CheckFeaturePoliciesTest, Table) {
  const std::vector<FeaturePolicy> policies = {
      {"eu-age", "credit", "EU", {"age"}, "age discrimination"},
      {"no-religion", "*", "*", {"Religion"}, "never"},
  };
  struct Case {
    std::string use, jurisdiction;
    std::vector<std::string> restricted, features;
    bool ok;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"credit", "EU", {}, {"income", "age"}, false, "feature 'age' is forbidden by policy 'eu-age'"},
      {"Credit", "eu", {}, {"AGE"}, false, "eu-age"},
      {"credit", "US", {}, {"age"}, true, ""},
      {"marketing", "EU", {}, {"age"}, true, ""},
      {"marketing", "US", {}, {"religion"}, false, "'no-religion'"},
      {"marketing", "US", {"zip"}, {"zip"}, false, "feature 'zip' is restricted for this model"},
      {"credit", "EU", {}, {"income"}, true, ""},
  };
  for (const Case& c : cases) {
    const Status status = CheckFeaturePolicies(c.use, c.jurisdiction, c.restricted, policies, c.features);
    EXPECT_EQ(status.ok(), c.ok) << status.ToString();
    if (!c.ok) {
      EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
      EXPECT_NE(status.message().find(c.message), std::string::npos) << status.ToString();
    }
  }
}

}  // namespace
}  // namespace podium::registry
