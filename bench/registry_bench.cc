// Registry latency with a large store: register a version, resolve
// model@alias, and search, with 100,000 versions in the store (median and
// p99). A plain main(): figures are measured, not asserted.
//
//   registry_bench [--versions N] [--models M] [--samples S] [--store URL] [--dir DIR]
//
// Defaults: 100,000 versions over 1,000 models, 1,000 samples per operation,
// SQLite in a temporary directory (removed at the end). --store runs the
// same on PostgreSQL (an empty database or schema). The store is filled
// through the registry service itself (with synchronous=NORMAL on SQLite to
// fill it faster); the registrations measured run with the defaults
// (synchronous=FULL: each commit is on disk).
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "base/file.h"
#include "pipeline/pipeline_json.h"
#include "registry/registry.h"

namespace podium::registry {
namespace {

struct Args {
  int64_t versions = 100000;
  int models = 1000;
  int samples = 1000;
  std::string store_url;
  std::string dir;
};

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "registry_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Check(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what, status);
}

std::string ModelName(int i) {
  char name[32];
  std::snprintf(name, sizeof(name), "model%05d", i);
  return name;
}

struct Figures {
  double median_us = 0, p99_us = 0, mean_us = 0;
};

Figures Measure(int samples, const std::function<void(int)>& op) {
  std::vector<double> us;
  us.reserve(samples);
  for (int i = 0; i < samples; ++i) {
    const auto start = std::chrono::steady_clock::now();
    op(i);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  Figures f;
  f.median_us = us[us.size() / 2];
  f.p99_us = us[std::min(us.size() - 1, static_cast<size_t>(us.size() * 0.99))];
  for (double x : us) f.mean_us += x / us.size();
  return f;
}

void Print(const char* name, const Figures& f) {
  std::printf("%-34s median %9.1f us   p99 %9.1f us   mean %9.1f us\n", name, f.median_us, f.p99_us, f.mean_us);
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "registry_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--versions") {
      args.versions = std::atoll(next().c_str());
    } else if (a == "--models") {
      args.models = std::atoi(next().c_str());
    } else if (a == "--samples") {
      args.samples = std::atoi(next().c_str());
    } else if (a == "--store") {
      args.store_url = next();
    } else if (a == "--dir") {
      args.dir = next();
    } else {
      std::fprintf(stderr, "usage: registry_bench [--versions N] [--models M] [--samples S] [--store URL] [--dir DIR]\n");
      return 2;
    }
  }
  if (args.models < 1 || args.versions < args.models || args.samples < 1) {
    std::fprintf(stderr, "registry_bench: need versions >= models >= 1 and samples >= 1\n");
    return 2;
  }
  const bool temporary = args.dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "podium-registry-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    args.dir = pattern;
  }
  RegistryOptions options;
  options.data_dir = args.dir + "/data";
  options.postgres_url = args.store_url;
  options.full_sync = false;

  // A real pipeline; variants differ in one coefficient (100 distinct artifacts).
  const std::string base_text =
      Check(ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/src/pipeline/testdata/credit_glm.json"), "read pipeline");
  const Pipeline base = Check(ReadPipelineJson(base_text), "parse pipeline");
  std::vector<std::string> artifacts;
  for (int v = 0; v < 100; ++v) {
    Pipeline p = base;
    std::get<GlmModel>(p.model.body).coefficients[0] += 0.001 * v;
    artifacts.push_back(WritePipelineJson(p, false));
  }

  std::string token;
  const auto fill_start = std::chrono::steady_clock::now();
  {
    std::unique_ptr<Registry> registry = Check(Registry::Open(options), "open");
    token = Check(registry->CreateFirstAdmin("bench"), "admin");
    const char* words[] = {"credit", "fraud", "churn", "pricing", "risk", "marketing", "claims", "retention"};
    for (int m = 0; m < args.models; ++m) {
      ModelSpec spec;
      spec.name = ModelName(m);
      spec.description = std::string("Synthetic ") + words[m % 8] + " model number " + std::to_string(m);
      spec.tags = {words[(m + 3) % 8], "bench"};
      Check(registry->CreateModel(token, spec), "create model");
    }
    for (int64_t i = 0; i < args.versions; ++i) {
      RegisterVersionRequest request;
      request.model = ModelName(static_cast<int>(i % args.models));
      request.artifact = artifacts[i % artifacts.size()];
      request.metrics = {{"auc", 0.5 + 0.5 * static_cast<double>(i % 1000) / 1000.0}};
      Check(registry->RegisterVersion(token, request), "register (fill)");
      if ((i + 1) % 10000 == 0) {
        std::fprintf(stderr, "  filled %lld versions\n", static_cast<long long>(i + 1));
      }
    }
    for (int m = 0; m < args.models; ++m) Check(registry->SetAlias(token, ModelName(m), "champion", 1, ""), "alias");
  }
  const double fill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();

  options.full_sync = true;  // measure with the default durability
  std::unique_ptr<Registry> registry = Check(Registry::Open(options), "reopen");
  std::mt19937 rng(42);
  std::printf("registry benchmark: %s, %lld versions over %d models (filled in %.1f s), %d samples each\n",
              args.store_url.empty() ? "SQLite (synchronous=FULL)" : "PostgreSQL",
              static_cast<long long>(args.versions), args.models, fill_seconds, args.samples);
  Print("resolve model@champion", Measure(args.samples, [&](int) {
          Check(registry->Resolve(token, ModelName(static_cast<int>(rng() % args.models)) + "@champion"), "resolve");
        }));
  Print("search text (one model's name)", Measure(args.samples, [&](int) {
          SearchQuery q;
          q.text = ModelName(static_cast<int>(rng() % args.models));
          q.limit = 20;
          Check(registry->Search(token, q), "search");
        }));
  Print("search text + metric range", Measure(args.samples, [&](int) {
          SearchQuery q;
          q.text = "fraud";
          q.metrics = {{"auc", 0.9, 0.95}};
          q.limit = 20;
          Check(registry->Search(token, q), "search");
        }));
  Print("register version (new artifact)", Measure(args.samples, [&](int i) {
          Pipeline p = base;
          std::get<GlmModel>(p.model.body).intercepts[0] += 1e-6 * (i + 1);
          RegisterVersionRequest request;
          request.model = ModelName(static_cast<int>(rng() % args.models));
          request.artifact = WritePipelineJson(p, false);
          request.metrics = {{"auc", 0.8}};
          Check(registry->RegisterVersion(token, request), "register");
        }));
  registry.reset();
  if (temporary) std::filesystem::remove_all(args.dir);
  return 0;
}

}  // namespace
}  // namespace podium::registry

int main(int argc, char** argv) { return podium::registry::Main(argc, argv); }
