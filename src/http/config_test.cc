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
      {{}, {}, "", "no models to serve"},
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

}  // namespace
}  // namespace podium::http
