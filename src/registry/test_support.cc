#include "registry/test_support.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>

#include "base/file.h"
#include "pipeline/pipeline_json.h"
#include "registry/store/postgres_database.h"

namespace podium::registry::testing {

std::string BackendName(Backend backend) { return backend == Backend::kSqlite ? "sqlite" : "postgres"; }

std::string PostgresTestUrl() {
  if (const char* url = std::getenv("PODIUM_REGISTRY_TEST_PG_URL"); url != nullptr && *url) return url;
  Result<std::string> text = ReadFileToString(PODIUM_REGISTRY_PG_URL_FILE, 4096);
  if (!text.ok()) return "";
  std::string url = *text;
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
  return url;
}

Result<std::unique_ptr<TestStore>> TestStore::Create(Backend backend) {
  std::unique_ptr<TestStore> store(new TestStore());
  std::string pattern = (std::filesystem::temp_directory_path() / "podium-registry-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return UnavailableError("mkdtemp failed");
  store->dir_ = pattern;
  store->options_.data_dir = store->dir_ + "/data";
  store->options_.full_sync = false;  // process crashes only in tests; keeps the suite fast
  if (backend == Backend::kPostgres) {
    const std::string url = PostgresTestUrl();
    if (url.empty()) return UnavailableError("no PostgreSQL test server (run the registry_pg fixture)");
    std::random_device device;
    std::string schema = "t";  // appended: GCC 12 warns falsely (-Wrestrict) on "t" + to_string(...)
    schema.append(std::to_string(::getpid())).append("_").append(std::to_string(device()));
    ASSIGN_OR_RETURN(std::unique_ptr<Database> admin, OpenPostgresDatabase({url}));
    RETURN_IF_ERROR(admin->Migrate([&](Transaction& tx) { return tx.Exec("CREATE SCHEMA " + schema); }));
    store->options_.postgres_url = url + (url.find('?') == std::string::npos ? "?" : "&") +
                                   "options=-csearch_path%3D" + schema;
  }
  return store;
}

TestStore::~TestStore() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string CreditPipelineArtifact(int variant) {
  Result<std::string> text = ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/src/pipeline/testdata/credit_glm.json");
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  Result<Pipeline> pipeline = ReadPipelineJson(*text);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  Pipeline p = *pipeline;
  std::get<GlmModel>(p.model.body).coefficients[0] += 0.001 * variant;
  return WritePipelineJson(p, false);
}

DecisionRequest SignDecision(const ApprovalStatement& statement, const std::string& secret_key_hex) {
  DecisionRequest request;
  request.statement = statement;
  Result<std::string> signature = SignMessage(CanonicalStatement(statement), secret_key_hex);
  EXPECT_TRUE(signature.ok()) << signature.status().ToString();
  request.signature = signature.ok() ? *signature : "";
  return request;
}

}  // namespace podium::registry::testing
