#include "http/config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"

namespace podium::http {
namespace {

TEST(ConfigTest, ParseByteSizeTable) {
  struct Case {
    const char* text;
    uint64_t bytes;  // 0: an error
  };
  for (const Case& c : std::vector<Case>{{"123", 123},
                                         {"64MiB", 64ull << 20},
                                         {"512KiB", 512 << 10},
                                         {"1GiB", 1ull << 30},
                                         {"5MB", 5000000},
                                         {" 7 KiB ", 7 << 10},
                                         {"0", 0},
                                         {"", 0},
                                         {"MiB", 0},
                                         {"12 parsecs", 0},
                                         {"99999999999999999999", 0}}) {
    Result<uint64_t> bytes = ParseByteSize(c.text);
    if (c.bytes == 0) {
      EXPECT_FALSE(bytes.ok()) << c.text;
    } else {
      ASSERT_TRUE(bytes.ok()) << c.text << ": " << bytes.status().ToString();
      EXPECT_EQ(*bytes, c.bytes) << c.text;
    }
  }
}

TEST(ConfigTest, PrecedenceFlagsOverEnvOverYamlOverDefaults) {
  const std::string yaml = R"(
host: 0.0.0.0
port: 9000
threads: 3
max_body_bytes: 1MiB
max_rows: 50
public_inference: false
models:
  churn: a.json
  credit:
    file: b.json
    challenger: c.json
    policy: split
    challenger_percent: 10
    fallback_decision: review
)";
  std::map<std::string, std::string> env = {{"PODIUM_PORT", "9100"}, {"PODIUM_API_TOKEN", "from-env"},
                                            {"PODIUM_MAX_ROWS", "70"}};
  ServerFlags flags;
  flags.port = 9200;
  flags.models = {"churn=override.json", "extra=x.json"};
  Result<ServerConfig> config = ResolveServerConfig(flags, env, yaml);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->host, "0.0.0.0");       // YAML over default
  EXPECT_EQ(config->port, 9200);            // flag over env over YAML
  EXPECT_EQ(config->threads, 3);
  EXPECT_EQ(config->max_rows, 70);          // env over YAML
  EXPECT_EQ(config->max_body_bytes, 1u << 20);
  EXPECT_EQ(config->api_token, "from-env");
  EXPECT_EQ(config->read_timeout_seconds, 30);  // default
  ASSERT_EQ(config->models.size(), 3u);
  EXPECT_EQ(config->models[0].file, "override.json");
  EXPECT_EQ(config->models[1].challenger_file, "c.json");
  EXPECT_EQ(config->models[1].policy, "split");
  EXPECT_EQ(config->models[1].challenger_percent, 10);
  EXPECT_EQ(config->models[1].fallback_decision, "review");
  EXPECT_EQ(config->models[2].name, "extra");

  env.erase("PODIUM_PORT");
  flags.port.reset();
  EXPECT_EQ(ResolveServerConfig(flags, env, yaml)->port, 9000);
  env["PODIUM_PORT"] = "9100";
  EXPECT_EQ(ResolveServerConfig(flags, env, yaml)->port, 9100);
}

TEST(ConfigTest, TokenFileFlagWinsAndIsTrimmed) {
  const std::string path = (std::filesystem::temp_directory_path() / "podium_config_test_token").string();
  ASSERT_TRUE(WriteFileAtomically(path, "  t0ken\n").ok());
  ServerFlags flags;
  flags.models = {"m=x.json"};
  flags.token_file = path;
  Result<ServerConfig> config = ResolveServerConfig(flags, {{"PODIUM_API_TOKEN", "env"}}, "");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->api_token, "t0ken");
  ASSERT_TRUE(WriteFileAtomically(path, "\n").ok());
  EXPECT_NE(ResolveServerConfig(flags, {}, "").status().message().find("is empty"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(ConfigTest, ErrorsNameTheProblem) {
  struct Case {
    std::vector<std::string> models;
    std::map<std::string, std::string> env;
    std::string yaml;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {{}, {}, "registry: false", "no models to serve and no registry"},
      {{"m=x"}, {{"PODIUM_REGISTRY_URL", "mysql://db"}}, "", "expected postgresql://"},
      {{"m=x"}, {}, "registry: sometimes", "config: registry"},
      {{"nofile"}, {}, "", "expected NAME=FILE"},
      {{"bad name=x.json"}, {}, "", "letters, digits"},
      {{"m=x"}, {{"PODIUM_PORT", "eighty"}}, "", "PODIUM_PORT: 'eighty' is not an integer"},
      {{"m=x"}, {{"PODIUM_PORT", "70000"}}, "", "outside [0, 65535]"},
      {{"m=x"}, {{"PODIUM_PUBLIC_INFERENCE", "maybe"}}, "", "PODIUM_PUBLIC_INFERENCE"},
      {{"m=x"}, {}, "colour: blue", "config: unknown key 'colour'"},
      {{"m=x"}, {}, "models:\n  a:\n    file: x\n    weight: 3", "models.a: unknown key 'weight'"},
      {{"m=x"}, {}, "port: [1, 2]", "config: port: expected a scalar"},
      {{"m=x"}, {}, "max_body_bytes: lots", "max_body_bytes"},
      {{"m=x"}, {}, "key: [unclosed", "not valid YAML"},
      {{"m=x"}, {{"PODIUM_TLS_CERT_FILE", "cert.pem"}}, "", "the key is missing"},
      {{"m=x"}, {}, "tls_key_file: key.pem", "the certificate is missing"},
  };
  for (const Case& c : cases) {
    ServerFlags flags;
    flags.models = c.models;
    Result<ServerConfig> config = ResolveServerConfig(flags, c.env, c.yaml);
    ASSERT_FALSE(config.ok()) << c.expected;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos) << config.status().message();
  }
}

TEST(ConfigTest, TlsFilesFollowThePrecedence) {
  ServerFlags flags;
  flags.models = {"m=x"};
  Result<ServerConfig> config = ResolveServerConfig(flags, {}, "tls_cert_file: y.crt\ntls_key_file: y.key");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tls_cert_file, "y.crt");
  EXPECT_EQ(config->tls_key_file, "y.key");
  const std::map<std::string, std::string> env = {{"PODIUM_TLS_CERT_FILE", "e.crt"}, {"PODIUM_TLS_KEY_FILE", "e.key"}};
  flags.tls_cert_file = "f.crt";
  flags.tls_key_file = "f.key";
  config = ResolveServerConfig(flags, env, "tls_cert_file: y.crt\ntls_key_file: y.key");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tls_cert_file, "f.crt");
  EXPECT_EQ(config->tls_key_file, "f.key");
  flags.tls_cert_file.reset();
  flags.tls_key_file.reset();
  config = ResolveServerConfig(flags, env, "");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tls_cert_file, "e.crt");
  EXPECT_EQ(config->tls_key_file, "e.key");
}

TEST(ConfigTest, RegistryDataDirFollowsThePrecedence) {
  ServerFlags flags;
  Result<ServerConfig> config = ResolveServerConfig(flags, {}, "");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->models.empty());
  EXPECT_EQ(config->data_dir, kDefaultDataDir) << "the registry command's default store";

  config = ResolveServerConfig(flags, {}, "data_dir: /from/yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->data_dir, "/from/yaml");
  config = ResolveServerConfig(flags, {{"PODIUM_DATA_DIR", "/from/env"}}, "data_dir: /from/yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->data_dir, "/from/env");
  flags.data_dir = "/from/flag";
  config = ResolveServerConfig(flags, {{"PODIUM_DATA_DIR", "/from/env"}}, "data_dir: /from/yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->data_dir, "/from/flag");

  ServerFlags files_only;
  files_only.models = {"m=x.json"};
  files_only.no_registry = true;
  config = ResolveServerConfig(files_only, {{"PODIUM_DATA_DIR", "/from/env"}}, "");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->data_dir.empty());
  ServerFlags model_only;
  model_only.models = {"m=x.json"};
  config = ResolveServerConfig(model_only, {}, "registry: false");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->data_dir.empty());
}

TEST(ConfigTest, RegistryDeploymentsFromFlagsAndYaml) {
  const std::string yaml = R"(
deployments:
  - churn=churn@production
  - name: credit
    model: credit@production
    challenger: credit@challenger
    policy: split
    challenger_percent: 10
    fallback_decision: manual_review
)";
  ServerFlags flags;
  flags.deployments = {"credit=credit@champion", "fraud=fraud@development"};
  Result<ServerConfig> config = ResolveServerConfig(flags, {{"PODIUM_REGISTRY_TOKEN", " pdm_abc \n"}}, yaml);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->registry_token, "pdm_abc");
  ASSERT_EQ(config->deployments.size(), 3u);
  EXPECT_EQ(config->deployments[0].name, "churn");
  EXPECT_EQ(config->deployments[0].model, "churn@production");
  EXPECT_EQ(config->deployments[1].model, "credit@champion") << "the flag replaces the YAML's reference";
  EXPECT_EQ(config->deployments[1].challenger, "credit@challenger");
  EXPECT_EQ(config->deployments[1].policy, "split");
  EXPECT_EQ(config->deployments[1].challenger_percent, 10);
  EXPECT_EQ(config->deployments[1].fallback_decision, "manual_review");
  EXPECT_EQ(config->deployments[2].name, "fraud");

  const std::string path = (std::filesystem::temp_directory_path() / "podium_config_test_registry_token").string();
  ASSERT_TRUE(WriteFileAtomically(path, "pdm_from_file\n").ok());
  flags.registry_token_file = path;
  config = ResolveServerConfig(flags, {{"PODIUM_REGISTRY_TOKEN", "pdm_env"}}, yaml);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->registry_token, "pdm_from_file");
  std::filesystem::remove(path);

  auto error = [](const ServerFlags& f, const std::map<std::string, std::string>& env, const std::string& text) {
    Result<ServerConfig> c = ResolveServerConfig(f, env, text);
    return c.ok() ? std::string("OK") : c.status().message();
  };
  ServerFlags deploy;
  deploy.deployments = {"credit=credit@production"};
  EXPECT_NE(error(deploy, {}, "").find("registry API token"), std::string::npos);
  ServerFlags off = deploy;
  off.no_registry = true;
  EXPECT_NE(error(off, {{"PODIUM_REGISTRY_TOKEN", "t"}}, "").find("need the registry"), std::string::npos);
  ServerFlags twice = deploy;
  twice.models = {"credit=x.json"};
  EXPECT_NE(error(twice, {{"PODIUM_REGISTRY_TOKEN", "t"}}, "").find("served twice"), std::string::npos);
  ServerFlags slash;
  slash.deployments = {"a/b=credit@production"};
  EXPECT_NE(error(slash, {{"PODIUM_REGISTRY_TOKEN", "t"}}, "").find("deployment name 'a/b'"), std::string::npos);
  ServerFlags bad;
  bad.deployments = {"credit"};
  EXPECT_NE(error(bad, {{"PODIUM_REGISTRY_TOKEN", "t"}}, "").find("--deploy 'credit'"), std::string::npos);
  EXPECT_NE(error({}, {{"PODIUM_REGISTRY_TOKEN", "t"}}, "deployments:\n  - name: x\n    modle: x@y\n")
                .find("deployments[0]: unknown key 'modle'"),
            std::string::npos);
}

}  // namespace
}  // namespace podium::http
