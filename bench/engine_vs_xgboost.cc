// Podium's compiled engine against XGBoost's own C API predictor, on the same
// XGBoost models.
//
// For each model (100 trees of depth 6, 500 trees of depth 8; binary:logistic,
// tree_method hist) this program:
//   1. generates a synthetic 28-feature binary dataset (fixed seed, ~3% of
//      the values missing) and trains the model with the XGBoost C API;
//   2. saves it as JSON and imports it with podium::ImportXgboostJson, then
//      compiles it with engine::ScoringPlan::Compile;
//   3. checks that both give the same answers on the scoring rows: margins
//      bit for bit, probabilities (max abs difference; XGBoost's sigmoid is in
//      float, Podium's in double), and TreeSHAP contributions against
//      XGBoost's pred_contribs;
//   4. measures batch throughput (XGBoosterPredictFromDense vs ScoreBatch) at
//      1 and 2 threads, and single-row latency (a 1-row
//      XGBoosterPredictFromDense vs ScoreRow), and prints a table.
//
// Usage: podium_bench_engine_vs_xgboost [--rows N] [--train-rows N]
//          [--latency-calls N] [--shap-rows N] [--repeats N] [--model-dir DIR] [--reuse-models]
//          [--only small|large]
#include <xgboost/c_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "formats/xgboost.h"
#include "xgboost_bench_util.h"

namespace {

using podium_bench::Clock;
using podium_bench::kFeatures;
using podium_bench::Generate;
using podium_bench::ReadFile;
using podium_bench::FileExists;
using podium_bench::TrainXgboostModel;
using podium_bench::ArrayInterface;
using podium_bench::XgbPredict;
using podium_bench::LoadAverage;
using podium_bench::Seconds;
using podium_bench::CpuSeconds;
using podium_bench::Median;
using podium_bench::Percentile;

struct Options {
  size_t rows = 1'000'000;
  size_t train_rows = 200'000;
  size_t latency_calls = 100'000;
  size_t shap_rows = 2'000;
  int repeats = 3;
  std::string model_dir = "/tmp/podium-bench";
  bool reuse_models = false;
  std::string only;
};

struct ModelSpec {
  std::string name;
  int trees;
  int depth;
};

void Train(const ModelSpec& spec, const Options& options, const std::string& path) {
  TrainXgboostModel(spec.name, spec.trees, spec.depth, options.train_rows, path);
}

struct Figures {
  double xgb_rows_per_s[2] = {0, 0};
  double podium_rows_per_s[2] = {0, 0};
  // Rows per second of CPU time (all threads): insensitive to other load.
  double xgb_rows_per_cpu_s[2] = {0, 0};
  double podium_rows_per_cpu_s[2] = {0, 0};
  double xgb_median_us = 0, xgb_p99_us = 0;
  double podium_median_us = 0, podium_p99_us = 0;
};

void RunModel(const ModelSpec& spec, const Options& options, const std::vector<float>& xf,
              const std::vector<double>& xd, Figures* figures) {
  std::printf("\n== %s: %d trees, depth %d (load average %s) ==\n", spec.name.c_str(), spec.trees, spec.depth,
              LoadAverage().c_str());
  const std::string path = options.model_dir + "/" + spec.name + ".json";
  if (!(options.reuse_models && FileExists(path))) Train(spec, options, path);

  // --- Load into both.
  BoosterHandle booster;
  XGB_CHECK(XGBoosterCreate(nullptr, 0, &booster));
  XGB_CHECK(XGBoosterLoadModel(booster, path.c_str()));
  const std::string json = ReadFile(path);
  const auto import_start = Clock::now();
  podium::Result<podium::Pipeline> pipeline = podium::ImportXgboostJson(json, {});
  if (!pipeline.ok()) {
    std::fprintf(stderr, "import failed: %s\n", pipeline.status().ToString().c_str());
    std::exit(1);
  }
  auto compiled = podium::engine::ScoringPlan::Compile(*pipeline);
  if (!compiled.ok()) {
    std::fprintf(stderr, "compile failed: %s\n", compiled.status().ToString().c_str());
    std::exit(1);
  }
  const auto plan = *compiled;
  std::printf("  imported and compiled in %.1f ms (%zu bytes of JSON)\n", Seconds(import_start) * 1e3,
              json.size());

  const size_t rows = options.rows;
  const std::string all_rows = ArrayInterface(xf.data(), rows);

  // --- Agreement.
  {
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", "2"));
    bst_ulong n = 0;
    const float* p = XgbPredict(booster, all_rows, 0, &n);
    std::vector<float> xgb_prob(p, p + n);
    const float* m = XgbPredict(booster, all_rows, 1, &n);
    std::vector<float> xgb_margin(m, m + n);
    podium::engine::BatchResult result;
    plan->ScoreBatch(xd.data(), rows, *plan->NewScratch(), &result);
    // A margin-space twin of the plan: same trees, identity output.
    podium::Pipeline margin_pipeline = *pipeline;
    margin_pipeline.model.task = podium::Task::kRegression;
    margin_pipeline.model.classes.clear();
    std::get<podium::TreeEnsembleModel>(margin_pipeline.model.body).output_transform =
        podium::OutputTransform::kIdentity;
    auto margin_plan = *podium::engine::ScoringPlan::Compile(margin_pipeline);
    podium::engine::BatchResult margins;
    margin_plan->ScoreBatch(xd.data(), rows, *margin_plan->NewScratch(), &margins);
    double max_prob_diff = 0.0;
    size_t margin_mismatches = 0;
    for (size_t r = 0; r < rows; ++r) {
      max_prob_diff = std::max(max_prob_diff, std::fabs(result.values[r * 2 + 1] - static_cast<double>(xgb_prob[r])));
      if (static_cast<float>(margins.values[r]) != xgb_margin[r] ||
          margins.values[r] != static_cast<double>(static_cast<float>(margins.values[r]))) {
        ++margin_mismatches;
      }
    }
    std::printf("  agreement on %zu rows: margins differing from XGBoost: %zu; max |p_podium - p_xgboost| = %.3g; "
                "row errors: %zu\n",
                rows, margin_mismatches, max_prob_diff, result.errors.size());

    // TreeSHAP vs pred_contribs on the first rows.
    const size_t shap_rows = std::min(rows, options.shap_rows);
    DMatrixHandle dm;
    XGB_CHECK(XGDMatrixCreateFromMat(xf.data(), shap_rows, kFeatures, std::numeric_limits<float>::quiet_NaN(), &dm));
    const char* contrib_config =
        "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* contribs = nullptr;
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", "1"));
    const auto xgb_shap_start = Clock::now();
    XGB_CHECK(XGBoosterPredictFromDMatrix(booster, dm, contrib_config, &shape, &dim, &contribs));
    const double xgb_shap_seconds = Seconds(xgb_shap_start);
    podium::engine::BatchResult explained;
    const auto shap_start = Clock::now();
    plan->ScoreBatch(xd.data(), shap_rows, *plan->NewScratch(), &explained, /*explain=*/true);
    const double shap_seconds = Seconds(shap_start);
    double max_contrib_diff = 0.0;
    for (size_t i = 0; i < shap_rows * (kFeatures + 1); ++i) {
      max_contrib_diff = std::max(max_contrib_diff, std::fabs(explained.contributions[i] - static_cast<double>(contribs[i])));
    }
    std::printf("  TreeSHAP on %zu rows: max |phi_podium - phi_xgboost| = %.3g; explained rows/s on 1 thread: "
                "XGBoost %.0f, Podium %.0f\n",
                shap_rows, max_contrib_diff, static_cast<double>(shap_rows) / xgb_shap_seconds,
                static_cast<double>(shap_rows) / shap_seconds);
    XGB_CHECK(XGDMatrixFree(dm));
  }

  // --- Batch throughput.
  for (int threads = 1; threads <= 2; ++threads) {
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", std::to_string(threads).c_str()));
    bst_ulong n = 0;
    XgbPredict(booster, all_rows, 0, &n);  // warm up
    std::vector<double> times, cpu_times;
    for (int rep = 0; rep < options.repeats; ++rep) {
      const auto start = Clock::now();
      const double cpu_start = CpuSeconds();
      XgbPredict(booster, all_rows, 0, &n);
      times.push_back(Seconds(start));
      cpu_times.push_back(CpuSeconds() - cpu_start);
    }
    figures->xgb_rows_per_s[threads - 1] = static_cast<double>(rows) / Median(times);
    figures->xgb_rows_per_cpu_s[threads - 1] = static_cast<double>(rows) / Median(cpu_times);

    std::vector<std::unique_ptr<podium::engine::Scratch>> scratch;
    std::vector<podium::engine::BatchResult> results(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) scratch.push_back(plan->NewScratch());
    const size_t per_thread = (rows + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
    auto run = [&] {
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          const size_t first = static_cast<size_t>(t) * per_thread;
          const size_t count = std::min(per_thread, rows - first);
          plan->ScoreBatch(xd.data() + first * kFeatures, count, *scratch[static_cast<size_t>(t)],
                           &results[static_cast<size_t>(t)]);
        });
      }
      for (std::thread& w : workers) w.join();
    };
    run();  // warm up (and size the results)
    times.clear();
    cpu_times.clear();
    for (int rep = 0; rep < options.repeats; ++rep) {
      const auto start = Clock::now();
      const double cpu_start = CpuSeconds();
      run();
      times.push_back(Seconds(start));
      cpu_times.push_back(CpuSeconds() - cpu_start);
    }
    figures->podium_rows_per_s[threads - 1] = static_cast<double>(rows) / Median(times);
    figures->podium_rows_per_cpu_s[threads - 1] = static_cast<double>(rows) / Median(cpu_times);
  }

  // --- Single-row latency.
  {
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", "1"));
    const size_t calls = options.latency_calls;
    std::vector<float> one(kFeatures);
    const std::string one_row = ArrayInterface(one.data(), 1);
    std::vector<double> xgb_us(calls), podium_us(calls);
    bst_ulong n = 0;
    for (size_t i = 0; i < 1000; ++i) XgbPredict(booster, one_row, 0, &n);
    double sink = 0.0;
    for (size_t i = 0; i < calls; ++i) {
      const size_t r = i % rows;
      std::memcpy(one.data(), xf.data() + r * kFeatures, sizeof(float) * kFeatures);
      const auto start = Clock::now();
      const float* p = XgbPredict(booster, one_row, 0, &n);
      xgb_us[i] = Seconds(start) * 1e6;
      sink += p[0];
    }
    auto scratch = plan->NewScratch();
    podium::Prediction prediction;
    for (size_t i = 0; i < 1000; ++i) (void)plan->ScoreRow(xd.data(), *scratch, &prediction);
    for (size_t i = 0; i < calls; ++i) {
      const size_t r = i % rows;
      const auto start = Clock::now();
      const podium::Status status = plan->ScoreRow(xd.data() + r * kFeatures, *scratch, &prediction);
      podium_us[i] = Seconds(start) * 1e6;
      sink -= status.ok() ? prediction.values[1] : 0.0;
    }
    std::sort(xgb_us.begin(), xgb_us.end());
    std::sort(podium_us.begin(), podium_us.end());
    figures->xgb_median_us = Percentile(xgb_us, 0.5);
    figures->xgb_p99_us = Percentile(xgb_us, 0.99);
    figures->podium_median_us = Percentile(podium_us, 0.5);
    figures->podium_p99_us = Percentile(podium_us, 0.99);
    std::printf("  (checksum %.6f)\n", sink / static_cast<double>(calls));
  }
  XGB_CHECK(XGBoosterFree(booster));

  std::printf("\n  load average after the measurements: %s\n", LoadAverage().c_str());
  std::printf("  | %-32s | %-14s | %-14s | %-7s |\n", "measure", "XGBoost C API", "Podium", "ratio");
  std::printf("  |%s|%s|%s|%s|\n", std::string(34, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str(), std::string(9, '-').c_str());
  for (int t = 0; t < 2; ++t) {
    std::printf("  | batch rows/s, %d thread%s          | %14.0f | %14.0f | %6.2fx |\n", t + 1, t == 0 ? " " : "s",
                figures->xgb_rows_per_s[t], figures->podium_rows_per_s[t],
                figures->podium_rows_per_s[t] / figures->xgb_rows_per_s[t]);
  }
  for (int t = 0; t < 2; ++t) {
    std::printf("  | batch rows per CPU-s, %d thread%s  | %14.0f | %14.0f | %6.2fx |\n", t + 1, t == 0 ? " " : "s",
                figures->xgb_rows_per_cpu_s[t], figures->podium_rows_per_cpu_s[t],
                figures->podium_rows_per_cpu_s[t] / figures->xgb_rows_per_cpu_s[t]);
  }
  std::printf("  | single-row latency median (us)   | %14.2f | %14.3f | %6.1fx |\n", figures->xgb_median_us,
              figures->podium_median_us, figures->xgb_median_us / figures->podium_median_us);
  std::printf("  | single-row latency p99 (us)      | %14.2f | %14.3f | %6.1fx |\n", figures->xgb_p99_us,
              figures->podium_p99_us, figures->xgb_p99_us / figures->podium_p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
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
    } else if (arg == "--train-rows") {
      options.train_rows = std::stoul(next());
    } else if (arg == "--latency-calls") {
      options.latency_calls = std::stoul(next());
    } else if (arg == "--shap-rows") {
      options.shap_rows = std::stoul(next());
    } else if (arg == "--repeats") {
      options.repeats = std::stoi(next());
    } else if (arg == "--model-dir") {
      options.model_dir = next();
    } else if (arg == "--reuse-models") {
      options.reuse_models = true;
    } else if (arg == "--only") {
      options.only = next();
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  std::string mkdir = "mkdir -p '" + options.model_dir + "'";
  if (std::system(mkdir.c_str()) != 0) return 1;

  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  std::printf("Podium engine vs XGBoost %d.%d.%d C API; %u hardware threads; %zu scoring rows, %zu training rows\n",
              major, minor, patch, std::thread::hardware_concurrency(), options.rows, options.train_rows);
  std::vector<float> xf;
  Generate(options.rows, 99, &xf, nullptr);
  std::vector<double> xd(xf.begin(), xf.end());  // the same values, as Podium's encoded rows

  const ModelSpec specs[] = {{"small", 100, 6}, {"large", 500, 8}};
  for (const ModelSpec& spec : specs) {
    if (!options.only.empty() && options.only != spec.name) continue;
    Figures figures;
    RunModel(spec, options, xf, xd, &figures);
  }
  return 0;
}
