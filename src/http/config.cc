#include "http/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "base/file.h"
#include "registry/store/postgres_database.h"

namespace podium::http {
namespace {

constexpr uint64_t kMaxTokenFileBytes = 4096;

std::string Trim(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

Result<std::string> ReadToken(const std::string& path, std::string_view what) {
  Result<std::string> text = ReadFileToString(path, kMaxTokenFileBytes);
  if (!text.ok()) return text.status().WithContext(std::string(what));
  std::string token = Trim(*text);
  if (token.empty()) return InvalidArgumentError(std::string(what) + ": token file '" + path + "' is empty");
  return token;
}

Result<int64_t> ParseInt(std::string_view text, std::string_view what, int64_t lo, int64_t hi) {
  const std::string trimmed = Trim(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || end != trimmed.data() + trimmed.size() || trimmed.empty()) {
    return InvalidArgumentError(std::string(what) + ": '" + std::string(text) + "' is not an integer");
  }
  if (value < lo || value > hi) {
    return InvalidArgumentError(std::string(what) + ": " + trimmed + " is outside [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  }
  return value;
}

Result<bool> ParseBool(std::string_view text, std::string_view what) {
  const std::string t = Trim(text);
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  return InvalidArgumentError(std::string(what) + ": '" + t + "' is not true or false");
}

Result<double> ParseSeconds(const YAML::Node& node, std::string_view what) {
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    return InvalidArgumentError(std::string(what) + ": expected a number of seconds");
  }
  if (!(value > 0) || value > 86400) return InvalidArgumentError(std::string(what) + ": must be in (0, 86400]");
  return value;
}

std::string Scalar(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : std::string(); }

Status ApplyModelYaml(const std::string& name, const YAML::Node& node, ServedModelConfig* model) {
  const std::string where = "config: models." + name;
  if (node.IsScalar()) {  // name: file
    model->file = node.Scalar();
    return Status::Ok();
  }
  if (!node.IsMap()) return InvalidArgumentError(where + ": expected a file name or a map");
  static const std::set<std::string> kKeys = {"file", "challenger", "policy", "challenger_percent", "sticky_field",
                                              "fallback_decision"};
  for (const auto& item : node) {
    const std::string key = Scalar(item.first);
    if (!kKeys.count(key)) return InvalidArgumentError(where + ": unknown key '" + key + "'");
    const YAML::Node& value = item.second;
    if (!value.IsScalar()) return InvalidArgumentError(where + "." + key + ": expected a scalar");
    if (key == "file") model->file = value.Scalar();
    if (key == "challenger") model->challenger_file = value.Scalar();
    if (key == "policy") model->policy = value.Scalar();
    if (key == "sticky_field") model->sticky_field = value.Scalar();
    if (key == "fallback_decision") model->fallback_decision = value.Scalar();
    if (key == "challenger_percent") {
      try {
        model->challenger_percent = value.as<double>();
      } catch (const YAML::Exception&) {
        return InvalidArgumentError(where + ".challenger_percent: expected a number");
      }
    }
  }
  if (model->file.empty()) return InvalidArgumentError(where + ": 'file' is required");
  return Status::Ok();
}

// One entry of `deployments:`: "NAME=MODEL@LABEL", or a map with name,
// model, challenger, policy, challenger_percent, sticky_field,
// fallback_decision.
Status ApplyDeploymentYaml(size_t index, const YAML::Node& node, DeploymentConfig* deployment) {
  const std::string where = "config: deployments[" + std::to_string(index) + "]";
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(where + ": expected NAME=MODEL@ENVIRONMENT_OR_ALIAS");
    }
    deployment->name = text.substr(0, eq);
    deployment->model = text.substr(eq + 1);
    return Status::Ok();
  }
  if (!node.IsMap()) return InvalidArgumentError(where + ": expected NAME=MODEL@LABEL or a map");
  static const std::set<std::string> kKeys = {"name", "model", "challenger", "policy", "challenger_percent",
                                              "sticky_field", "fallback_decision"};
  for (const auto& item : node) {
    const std::string key = Scalar(item.first);
    if (!kKeys.count(key)) return InvalidArgumentError(where + ": unknown key '" + key + "'");
    const YAML::Node& value = item.second;
    if (!value.IsScalar()) return InvalidArgumentError(where + "." + key + ": expected a scalar");
    if (key == "name") deployment->name = value.Scalar();
    if (key == "model") deployment->model = value.Scalar();
    if (key == "challenger") deployment->challenger = value.Scalar();
    if (key == "policy") deployment->policy = value.Scalar();
    if (key == "sticky_field") deployment->sticky_field = value.Scalar();
    if (key == "fallback_decision") deployment->fallback_decision = value.Scalar();
    if (key == "challenger_percent") {
      try {
        deployment->challenger_percent = value.as<double>();
      } catch (const YAML::Exception&) {
        return InvalidArgumentError(where + ".challenger_percent: expected a number");
      }
    }
  }
  if (deployment->name.empty() || deployment->model.empty()) {
    return InvalidArgumentError(where + ": 'name' and 'model' are required");
  }
  return Status::Ok();
}

Status ApplyYaml(std::string_view text, ServerConfig* config, std::string* token_file, bool* registry_enabled) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("config: not valid YAML: ") + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return InvalidArgumentError("config: expected a map at the top level");
  try {
    for (const auto& item : root) {
      const std::string key = Scalar(item.first);
      const YAML::Node& value = item.second;
      const std::string where = "config: " + key;
      if (key == "models") {
        if (!value.IsMap()) return InvalidArgumentError(where + ": expected a map of name: file or name: {file: ...}");
        for (const auto& model_item : value) {
          ServedModelConfig model;
          model.name = Scalar(model_item.first);
          RETURN_IF_ERROR(ApplyModelYaml(model.name, model_item.second, &model));
          config->models.push_back(std::move(model));
        }
        continue;
      }
      if (key == "deployments") {
        if (!value.IsSequence()) return InvalidArgumentError(where + ": expected a list");
        for (size_t i = 0; i < value.size(); ++i) {
          DeploymentConfig deployment;
          RETURN_IF_ERROR(ApplyDeploymentYaml(i, value[i], &deployment));
          config->deployments.push_back(std::move(deployment));
        }
        continue;
      }
      if (!value.IsScalar()) return InvalidArgumentError(where + ": expected a scalar");
      const std::string& s = value.Scalar();
      if (key == "host") {
        config->host = s;
      } else if (key == "port") {
        ASSIGN_OR_RETURN(config->port, ParseInt(s, where, 0, 65535));
      } else if (key == "threads") {
        ASSIGN_OR_RETURN(config->threads, ParseInt(s, where, 1, 1024));
      } else if (key == "token_file") {
        *token_file = s;
      } else if (key == "admin_token_file") {
        ASSIGN_OR_RETURN(config->admin_token, ReadToken(s, where));
      } else if (key == "public_inference") {
        ASSIGN_OR_RETURN(config->public_inference, ParseBool(s, where));
      } else if (key == "max_body_bytes") {
        Result<uint64_t> bytes = ParseByteSize(s);
        if (!bytes.ok()) return bytes.status().WithContext(where);
        config->max_body_bytes = *bytes;
      } else if (key == "max_header_bytes") {
        ASSIGN_OR_RETURN(config->max_header_bytes, ParseInt(s, where, 1024, 1 << 20));
      } else if (key == "max_json_depth") {
        ASSIGN_OR_RETURN(config->max_json_depth, ParseInt(s, where, 2, 1000));
      } else if (key == "max_rows") {
        ASSIGN_OR_RETURN(config->max_rows, ParseInt(s, where, 1, 100000000));
      } else if (key == "read_timeout_seconds") {
        ASSIGN_OR_RETURN(config->read_timeout_seconds, ParseSeconds(value, where));
      } else if (key == "idle_timeout_seconds") {
        ASSIGN_OR_RETURN(config->idle_timeout_seconds, ParseSeconds(value, where));
      } else if (key == "drain_timeout_seconds") {
        ASSIGN_OR_RETURN(config->drain_timeout_seconds, ParseSeconds(value, where));
      } else if (key == "shadow_log") {
        config->shadow_log_path = s;
      } else if (key == "shadow_ring") {
        ASSIGN_OR_RETURN(config->shadow_ring, ParseInt(s, where, 0, 1000000));
      } else if (key == "data_dir") {
        config->data_dir = s;
      } else if (key == "registry_url") {
        config->registry_url = s;
      } else if (key == "registry_token_file") {
        ASSIGN_OR_RETURN(config->registry_token, ReadToken(s, where));
      } else if (key == "tls_cert_file") {
        config->tls_cert_file = s;
      } else if (key == "tls_key_file") {
        config->tls_key_file = s;
      } else if (key == "registry") {
        ASSIGN_OR_RETURN(*registry_enabled, ParseBool(s, where));
      } else {
        return InvalidArgumentError("config: unknown key '" + key + "'");
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("config: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0) return InvalidArgumentError("'" + t + "' is not a size (e.g. 1048576, 512KiB, 64MiB)");
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + digits, value);
  if (ec != std::errc()) return InvalidArgumentError("'" + t + "' is too large");
  const std::string unit = Trim(std::string_view(t).substr(digits));
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1},           {"B", 1},          {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
      {"KB", 1000},      {"MB", 1000000},   {"GB", 1000000000},  {"k", 1000},        {"K", 1ull << 10},
      {"M", 1ull << 20}, {"G", 1ull << 30}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return InvalidArgumentError("'" + t + "': unknown size unit '" + unit + "'");
  if (value > (UINT64_MAX / it->second)) return InvalidArgumentError("'" + t + "' is too large");
  if (value * it->second == 0) return InvalidArgumentError("'" + t + "': a size must be positive");
  return value * it->second;
}

Result<ServerConfig> ResolveServerConfig(const ServerFlags& flags, const std::map<std::string, std::string>& env,
                                         std::string_view yaml_text) {
  ServerConfig config;
  std::string token_file;
  bool registry_enabled = true;
  RETURN_IF_ERROR(ApplyYaml(yaml_text, &config, &token_file, &registry_enabled));

  auto get = [&](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (const std::string* v = get("PODIUM_HOST")) config.host = *v;
  if (const std::string* v = get("PODIUM_PORT")) {
    ASSIGN_OR_RETURN(config.port, ParseInt(*v, "PODIUM_PORT", 0, 65535));
  }
  if (const std::string* v = get("PODIUM_THREADS")) {
    ASSIGN_OR_RETURN(config.threads, ParseInt(*v, "PODIUM_THREADS", 1, 1024));
  }
  if (const std::string* v = get("PODIUM_PUBLIC_INFERENCE")) {
    ASSIGN_OR_RETURN(config.public_inference, ParseBool(*v, "PODIUM_PUBLIC_INFERENCE"));
  }
  if (const std::string* v = get("PODIUM_MAX_BODY_BYTES")) {
    Result<uint64_t> bytes = ParseByteSize(*v);
    if (!bytes.ok()) return bytes.status().WithContext("PODIUM_MAX_BODY_BYTES");
    config.max_body_bytes = *bytes;
  }
  if (const std::string* v = get("PODIUM_MAX_ROWS")) {
    ASSIGN_OR_RETURN(config.max_rows, ParseInt(*v, "PODIUM_MAX_ROWS", 1, 100000000));
  }
  if (const std::string* v = get("PODIUM_ADMIN_TOKEN")) config.admin_token = Trim(*v);
  if (const std::string* v = get("PODIUM_DATA_DIR")) config.data_dir = *v;
  if (const std::string* v = get("PODIUM_REGISTRY_URL")) config.registry_url = *v;
  if (const std::string* v = get("PODIUM_TLS_CERT_FILE")) config.tls_cert_file = *v;
  if (const std::string* v = get("PODIUM_TLS_KEY_FILE")) config.tls_key_file = *v;

  // The API token: --token-file > PODIUM_API_TOKEN > PODIUM_TOKEN_FILE > YAML token_file.
  if (flags.token_file) {
    ASSIGN_OR_RETURN(config.api_token, ReadToken(*flags.token_file, "--token-file"));
  } else if (const std::string* v = get("PODIUM_API_TOKEN")) {
    config.api_token = Trim(*v);
  } else if (const std::string* v = get("PODIUM_TOKEN_FILE")) {
    ASSIGN_OR_RETURN(config.api_token, ReadToken(*v, "PODIUM_TOKEN_FILE"));
  } else if (!token_file.empty()) {
    ASSIGN_OR_RETURN(config.api_token, ReadToken(token_file, "config: token_file"));
  }

  if (flags.tls_cert_file) config.tls_cert_file = *flags.tls_cert_file;
  if (flags.tls_key_file) config.tls_key_file = *flags.tls_key_file;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return InvalidArgumentError("TLS needs both a certificate file and a key file (--tls-cert and --tls-key, " +
                                std::string(config.tls_cert_file.empty() ? "the certificate" : "the key") +
                                " is missing)");
  }

  if (flags.host) config.host = *flags.host;
  if (flags.port) {
    if (*flags.port < 0 || *flags.port > 65535) return InvalidArgumentError("--port must be in [0, 65535]");
    config.port = *flags.port;
  }
  if (flags.threads) {
    if (*flags.threads < 1 || *flags.threads > 1024) return InvalidArgumentError("--threads must be in [1, 1024]");
    config.threads = *flags.threads;
  }
  if (flags.public_inference) config.public_inference = true;
  if (flags.max_body_bytes) {
    Result<uint64_t> bytes = ParseByteSize(*flags.max_body_bytes);
    if (!bytes.ok()) return bytes.status().WithContext("--max-body-bytes");
    config.max_body_bytes = *bytes;
  }
  if (flags.data_dir) {
    if (flags.data_dir->empty()) return InvalidArgumentError("--data-dir is empty");
    config.data_dir = *flags.data_dir;
  }
  if (flags.registry_url) config.registry_url = *flags.registry_url;
  if (flags.no_registry) registry_enabled = false;
  if (!registry_enabled) {
    config.data_dir.clear();
    config.registry_url.clear();
  } else if (config.data_dir.empty()) {
    config.data_dir = kDefaultDataDir;
  }
  if (!config.registry_url.empty() && !registry::IsPostgresUrl(config.registry_url)) {
    return InvalidArgumentError("registry URL '" + config.registry_url +
                                "': expected postgresql://... (the default store is the data directory)");
  }
  for (const std::string& spec : flags.models) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return InvalidArgumentError("--model '" + spec + "': expected NAME=FILE");
    }
    const std::string name = spec.substr(0, eq);
    const std::string file = spec.substr(eq + 1);
    bool replaced = false;
    for (ServedModelConfig& model : config.models) {
      if (model.name == name) {
        model.file = file;
        replaced = true;
      }
    }
    if (!replaced) config.models.push_back({name, file, "", "champion", 0, "", std::nullopt});
  }
  for (const ServedModelConfig& model : config.models) {
    for (char c : model.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
        return InvalidArgumentError("model name '" + model.name +
                                    "': use letters, digits, '_', '-' and '.' only");
      }
    }
    if (model.name.empty()) return InvalidArgumentError("a model has an empty name");
  }
  // Registry deployments: --registry-token-file > PODIUM_REGISTRY_TOKEN >
  // PODIUM_REGISTRY_TOKEN_FILE > YAML registry_token_file.
  if (flags.registry_token_file) {
    ASSIGN_OR_RETURN(config.registry_token, ReadToken(*flags.registry_token_file, "--registry-token-file"));
  } else if (const std::string* v = get("PODIUM_REGISTRY_TOKEN")) {
    config.registry_token = Trim(*v);
  } else if (const std::string* v = get("PODIUM_REGISTRY_TOKEN_FILE")) {
    ASSIGN_OR_RETURN(config.registry_token, ReadToken(*v, "PODIUM_REGISTRY_TOKEN_FILE"));
  }
  for (const std::string& spec : flags.deployments) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return InvalidArgumentError("--deploy '" + spec + "': expected NAME=MODEL@ENVIRONMENT_OR_ALIAS");
    }
    DeploymentConfig deployment;
    deployment.name = spec.substr(0, eq);
    deployment.model = spec.substr(eq + 1);
    auto same = [&](const DeploymentConfig& d) { return d.name == deployment.name; };
    auto it = std::find_if(config.deployments.begin(), config.deployments.end(), same);
    if (it != config.deployments.end()) {
      it->model = deployment.model;  // the flag replaces the YAML's reference
    } else {
      config.deployments.push_back(std::move(deployment));
    }
  }
  if (!config.deployments.empty()) {
    if (config.data_dir.empty()) {
      return InvalidArgumentError("registry deployments (--deploy, deployments:) need the registry, which is off");
    }
    if (config.registry_token.empty()) {
      return InvalidArgumentError(
          "registry deployments need a registry API token to read with: --registry-token-file, "
          "PODIUM_REGISTRY_TOKEN or PODIUM_REGISTRY_TOKEN_FILE, or registry_token_file in the config");
    }
    std::set<std::string> names;
    for (const ServedModelConfig& model : config.models) names.insert(model.name);
    for (const DeploymentConfig& deployment : config.deployments) {
      for (char c : deployment.name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
          return InvalidArgumentError("deployment name '" + deployment.name +
                                      "': use letters, digits, '_', '-' and '.' only");
        }
      }
      if (!names.insert(deployment.name).second) {
        return InvalidArgumentError("'" + deployment.name +
                                    "' is served twice (as a model file and a deployment, or twice)");
      }
    }
  }
  if (config.models.empty() && config.data_dir.empty()) {
    return InvalidArgumentError(
        "no models to serve and no registry: give --model NAME=FILE, a config file or --data-dir");
  }
  return config;
}

}  // namespace podium::http
