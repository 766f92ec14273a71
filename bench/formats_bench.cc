// Import time and scoring speed of one 500-tree ensemble (depth 8, 28
// features, binary:logistic) read from every format Podium imports, against
// XGBoost's C API loading and scoring the same trees.
//
// The model is trained by XGBoost (as in engine_vs_xgboost.cc) and saved as
// JSON; make_format_models.py writes the same trees as an ONNX-ML
// TreeEnsembleRegressor and as a LightGBM text model (both give the margin),
// and Podium's PMML exporter writes the XGBoost import as PMML 4.4. For each
// file the program measures, on one thread:
//   * import: the format's importer from the bytes in memory to a validated
//     pipeline, then ScoringPlan::Compile (median of --repeats runs), against
//     XGBoosterLoadModel of the JSON file;
//   * scoring: ScoreBatch over --rows generated rows (median of --repeats),
//     against XGBoosterPredictFromDense with nthread=1;
//   * agreement: the largest difference from XGBoost's own prediction
//     (probability for XGBoost JSON and PMML, margin for ONNX and LightGBM).
//
// Usage: podium_bench_formats [--rows N] [--repeats N] [--model-dir DIR]
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "formats/lightgbm.h"
#include "formats/onnx.h"
#include "formats/pmml.h"
#include "formats/pmml_export.h"
#include "formats/xgboost.h"
#include "xgboost_bench_util.h"

namespace {

using podium_bench::ArrayInterface;
using podium_bench::Clock;
using podium_bench::FileExists;
using podium_bench::Generate;
using podium_bench::kFeatures;
using podium_bench::LoadAverage;
using podium_bench::Median;
using podium_bench::ReadFile;
using podium_bench::Seconds;
using podium_bench::TrainXgboostModel;
using podium_bench::XgbPredict;

constexpr int kTrees = 500;
constexpr int kDepth = 8;

struct Options {
  size_t rows = 200'000;
  size_t train_rows = 200'000;
  int repeats = 5;
  std::string model_dir = "/tmp/podium-bench";
};

// Which XGBoost output a format's copy of the model reproduces.
enum class Compare { kProbability, kMargin };

struct Format {
  std::string name;
  std::string path;
  Compare compare;
  std::function<podium::Result<podium::Pipeline>(const std::string&)> import;
};

void Fail(const std::string& what, const podium::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::vector<std::string> FeatureNames() {
  std::vector<std::string> names;
  for (int j = 0; j < kFeatures; ++j) {
    names.emplace_back("f");  // appended: GCC 12 warns falsely (-Wrestrict) on "f" + to_string(j)
    names.back() += std::to_string(j);
  }
  return names;
}

int Run(const Options& options) {
  const std::string stem = options.model_dir + "/large";
  const std::string json_path = stem + ".json";
  if (std::system(("mkdir -p '" + options.model_dir + "'").c_str()) != 0) return 1;
  if (!FileExists(json_path)) TrainXgboostModel("large", kTrees, kDepth, options.train_rows, json_path);

  // The other formats' copies of the same trees.
  const std::string convert = "/usr/bin/python3 '" PODIUM_SOURCE_DIR "/bench/make_format_models.py' '" +
                              json_path + "' '" + stem + "'";
  if (std::system(convert.c_str()) != 0) {
    std::fprintf(stderr, "make_format_models.py failed\n");
    return 1;
  }
  auto xgboost_pipeline = podium::ImportXgboostJson(ReadFile(json_path), {});
  if (!xgboost_pipeline.ok()) Fail("XGBoost import", xgboost_pipeline.status());
  auto pmml = podium::ExportPmml(*xgboost_pipeline, {});
  if (!pmml.ok()) Fail("PMML export", pmml.status());
  WriteFile(stem + ".pmml", *pmml);

  const std::vector<Format> formats = {
      {"XGBoost JSON", json_path, Compare::kProbability,
       [](const std::string& bytes) { return podium::ImportXgboostJson(bytes, {}); }},
      {"PMML 4.4", stem + ".pmml", Compare::kProbability,
       [](const std::string& bytes) { return podium::ImportPmml(bytes, {}); }},
      {"ONNX-ML", stem + ".onnx", Compare::kMargin,
       [](const std::string& bytes) {
         podium::OnnxImportOptions onnx;
         onnx.feature_names = FeatureNames();
         return podium::ImportOnnx(bytes, onnx);
       }},
      {"LightGBM text", stem + ".lgb.txt", Compare::kMargin,
       [](const std::string& bytes) { return podium::ImportLightgbmText(bytes, {}); }},
  };

  // --- XGBoost, the peer.
  std::vector<float> xf;
  Generate(options.rows, 99, &xf, nullptr);
  const std::vector<double> xd(xf.begin(), xf.end());
  const std::string all_rows = ArrayInterface(xf.data(), options.rows);
  std::vector<double> load_seconds;
  BoosterHandle booster = nullptr;
  for (int rep = 0; rep < options.repeats; ++rep) {
    if (booster != nullptr) XGB_CHECK(XGBoosterFree(booster));
    const auto start = Clock::now();
    XGB_CHECK(XGBoosterCreate(nullptr, 0, &booster));
    XGB_CHECK(XGBoosterLoadModel(booster, json_path.c_str()));
    load_seconds.push_back(Seconds(start));
  }
  XGB_CHECK(XGBoosterSetParam(booster, "nthread", "1"));
  bst_ulong n = 0;
  const float* p = XgbPredict(booster, all_rows, 0, &n);
  const std::vector<float> xgb_probability(p, p + n);
  const float* m = XgbPredict(booster, all_rows, 1, &n);
  const std::vector<float> xgb_margin(m, m + n);
  std::vector<double> predict_seconds;
  for (int rep = 0; rep < options.repeats; ++rep) {
    const auto start = Clock::now();
    XgbPredict(booster, all_rows, 0, &n);
    predict_seconds.push_back(Seconds(start));
  }
  XGB_CHECK(XGBoosterFree(booster));
  const double xgb_load_ms = Median(load_seconds) * 1e3;
  const double xgb_rows_per_s = static_cast<double>(options.rows) / Median(predict_seconds);

  std::printf("500 trees of depth 8, 28 features; %zu rows, 1 thread, median of %d runs (load average %s)\n\n",
              options.rows, options.repeats, LoadAverage().c_str());
  std::printf("%-14s %10s %12s %10s %14s %10s %12s\n", "format", "file MB", "import ms", "vs XGB load",
              "rows/s", "vs XGB", "max |diff|");
  std::printf("%-14s %10.1f %12.1f %10s %14.0f %10s %12s\n", "XGBoost C API",
              static_cast<double>(ReadFile(json_path).size()) / 1e6, xgb_load_ms, "1.00", xgb_rows_per_s, "1.00",
              "-");

  for (const Format& format : formats) {
    const std::string bytes = ReadFile(format.path);
    std::vector<double> import_seconds;
    std::shared_ptr<const podium::engine::ScoringPlan> plan;
    for (int rep = 0; rep < options.repeats; ++rep) {
      const auto start = Clock::now();
      auto pipeline = format.import(bytes);
      if (!pipeline.ok()) Fail(format.name + " import", pipeline.status());
      auto compiled = podium::engine::ScoringPlan::Compile(*pipeline);
      if (!compiled.ok()) Fail(format.name + " compile", compiled.status());
      import_seconds.push_back(Seconds(start));
      plan = *compiled;
    }
    if (plan->num_inputs() != kFeatures) {
      std::fprintf(stderr, "%s: %d inputs, expected %d\n", format.name.c_str(), plan->num_inputs(), kFeatures);
      return 1;
    }
    auto scratch = plan->NewScratch();
    podium::engine::BatchResult result;
    std::vector<double> score_seconds;
    for (int rep = 0; rep < options.repeats; ++rep) {
      const auto start = Clock::now();
      plan->ScoreBatch(xd.data(), options.rows, *scratch, &result);
      score_seconds.push_back(Seconds(start));
    }
    if (!result.errors.empty()) Fail(format.name + " scoring", result.errors.front().status);
    // Classifiers give {1 - p, p}; the margin copies give one value.
    const int width = result.num_values;
    double max_diff = 0.0;
    for (size_t r = 0; r < options.rows; ++r) {
      const double podium = result.values[r * static_cast<size_t>(width) + static_cast<size_t>(width - 1)];
      const double xgb = format.compare == Compare::kProbability ? xgb_probability[r] : xgb_margin[r];
      max_diff = std::max(max_diff, std::fabs(podium - xgb));
    }
    const double import_ms = Median(import_seconds) * 1e3;
    const double rows_per_s = static_cast<double>(options.rows) / Median(score_seconds);
    std::printf("%-14s %10.1f %12.1f %10.2f %14.0f %10.2f %12.3g (%s)\n", format.name.c_str(),
                static_cast<double>(bytes.size()) / 1e6, import_ms, import_ms / xgb_load_ms, rows_per_s,
                rows_per_s / xgb_rows_per_s, max_diff,
                format.compare == Compare::kProbability ? "probability" : "margin");
  }
  std::printf("\n'vs XGB load' is Podium's import and compile time over XGBoost's load time (lower is faster);\n"
              "'vs XGB' is Podium's scoring throughput over XGBoost's (higher is faster).\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--rows") {
      options.rows = std::stoul(next());
    } else if (arg == "--repeats") {
      options.repeats = std::max(1, std::stoi(next()));
    } else if (arg == "--model-dir") {
      options.model_dir = next();
    } else {
      std::fprintf(stderr, "usage: podium_bench_formats [--rows N] [--repeats N] [--model-dir DIR]\n");
      return 2;
    }
  }
  return Run(options);
}
