// The scoring server's configuration and where it comes from.
//
// Precedence, highest first: command-line flags > environment (PODIUM_*) >
// the YAML file (--config) > defaults. ResolveServerConfig applies it; it
// takes the environment as a map and the YAML as text, so it is a pure
// function apart from reading the token files it is pointed at.
//
// Environment: PODIUM_HOST, PODIUM_PORT, PODIUM_THREADS, PODIUM_API_TOKEN (the
// token itself), PODIUM_TOKEN_FILE, PODIUM_ADMIN_TOKEN, PODIUM_PUBLIC_INFERENCE
// (true/false), PODIUM_MAX_BODY_BYTES, PODIUM_MAX_ROWS, PODIUM_DATA_DIR,
// PODIUM_REGISTRY_URL, PODIUM_REGISTRY_TOKEN (the token itself),
// PODIUM_REGISTRY_TOKEN_FILE. The YAML keys are
// listed in docs/SERVER.md; unknown keys are an error naming the key.
// Thread-compatible value types; functions thread-safe.
#ifndef PODIUM_HTTP_CONFIG_H_
#define PODIUM_HTTP_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace podium::http {

struct ServedModelConfig {
  std::string name;
  std::string file;             // the champion
  std::string challenger_file;  // empty: none
  std::string policy = "champion";  // champion, split, sticky, shadow
  double challenger_percent = 0;
  std::string sticky_field;
  std::optional<std::string> fallback_decision;  // kill-switch answer
};

// A model served from the registry (see deploy/registry_deployments.h):
// what the registry says is deployed in an environment or held by an alias.
struct DeploymentConfig {
  std::string name;        // the serving name
  std::string model;       // MODEL@ENVIRONMENT_OR_ALIAS
  std::string challenger;  // MODEL@ENVIRONMENT_OR_ALIAS; empty: none
  std::string policy = "champion";  // champion, split, sticky, shadow
  double challenger_percent = 0;
  std::string sticky_field;
  std::optional<std::string> fallback_decision;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 2;  // io threads
  std::string api_token;    // empty: see docs/SERVER.md (a random one is made)
  std::string admin_token;  // empty: the API token
  bool public_inference = false;
  uint64_t max_body_bytes = 64ull << 20;
  uint32_t max_header_bytes = 16 << 10;
  int max_json_depth = 64;
  int64_t max_rows = 10000;
  double read_timeout_seconds = 30;   // to read a request's body once its header arrived
  double idle_timeout_seconds = 60;   // to receive a request's header (idle keep-alive too)
  double drain_timeout_seconds = 10;  // in-flight requests get this long after SIGTERM
  std::string shadow_log_path;        // JSONL file; empty: memory ring only
  size_t shadow_ring = 1000;
  std::vector<ServedModelConfig> models;
  // The model registry served under /v1/registry/ (registry/registry.h):
  // its data directory (SQLite store and artifacts) and, when set, a
  // PostgreSQL URL for the metadata. An empty data_dir: no registry.
  // ResolveServerConfig defaults it to the registry command's default.
  std::string data_dir;
  std::string registry_url;
  // Models served from the registry (--deploy, YAML deployments:) and the
  // registry API token they read it with (--registry-token-file,
  // PODIUM_REGISTRY_TOKEN, PODIUM_REGISTRY_TOKEN_FILE, YAML
  // registry_token_file); needed when there are deployments.
  std::vector<DeploymentConfig> deployments;
  std::string registry_token;
  // HTTPS: PEM files of the certificate chain and its private key (both or
  // neither; --tls-cert/--tls-key, PODIUM_TLS_CERT_FILE/PODIUM_TLS_KEY_FILE,
  // YAML tls_cert_file/tls_key_file). Empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Where the registry lives when nothing says otherwise: the default of
// `podium registry` too, so both open the same store.
inline constexpr char kDefaultDataDir[] = "./podium-data";

// What was given on the command line; unset members do not override.
struct ServerFlags {
  std::vector<std::string> models;  // NAME=FILE
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<int> threads;
  std::optional<std::string> token_file;
  bool public_inference = false;  // a flag only turns it on
  std::optional<std::string> max_body_bytes;  // "64MiB", "1000000", "512KiB"
  std::optional<std::string> config_path;
  std::optional<std::string> data_dir;
  std::optional<std::string> registry_url;  // postgresql://...
  bool no_registry = false;  // serve model files only
  std::vector<std::string> deployments;  // NAME=MODEL@ENVIRONMENT_OR_ALIAS
  std::optional<std::string> registry_token_file;
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
};

// "123", "64KiB", "64MiB", "1GiB", "10KB", "5MB" -> bytes. kInvalidArgument
// otherwise.
Result<uint64_t> ParseByteSize(std::string_view text);

// Applies the precedence. `yaml_text` is the content of the config file (empty
// when none). Errors are kInvalidArgument naming the flag, variable or YAML
// key and the problem.
Result<ServerConfig> ResolveServerConfig(const ServerFlags& flags, const std::map<std::string, std::string>& env,
                                         std::string_view yaml_text);

}  // namespace podium::http

#endif  // PODIUM_HTTP_CONFIG_H_
