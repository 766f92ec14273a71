// The podium command line. Thin: parses arguments, calls app/, prints.
// Exit codes: 0 success, 1 the command failed (bad input, bad model, I/O),
// 2 the command line itself is wrong.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/app.h"
#include "cli/export_command.h"
#include "cli/import_command.h"
#include "cli/registry_commands.h"
#include "cli/server_command.h"

namespace podium::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Set by SIGINT/SIGTERM so a running job stops cleanly (and removes its
// temporary output). The one piece of process-wide state, as signals demand.
std::atomic<bool> g_cancel{false};

void OnSignal(int) { g_cancel.store(true); }

int Fail(const Status& status) {
  std::cerr << "podium: error: " << status.message() << "\n";
  return kExitFailure;
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Rate(double rows_per_second) {
  char buffer[32];
  if (rows_per_second >= 1e6) {
    std::snprintf(buffer, sizeof(buffer), "%.2fM", rows_per_second / 1e6);
  } else if (rows_per_second >= 1e3) {
    std::snprintf(buffer, sizeof(buffer), "%.1fk", rows_per_second / 1e3);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.0f", rows_per_second);
  }
  return buffer;
}

// Draws a one-line progress bar on stderr, at most ten times a second.
class ProgressBar {
 public:
  void Update(const jobs::ScoreProgress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    const double rate = progress.seconds > 0 ? progress.rows_done / progress.seconds : 0;
    std::string line = "\r";
    if (progress.bytes_total > 0) {
      const double fraction = std::min(1.0, static_cast<double>(progress.bytes_done) / progress.bytes_total);
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      line += "[" + std::string(filled, '=') + (filled < kWidth ? ">" : "") +
              std::string(kWidth - filled - (filled < kWidth ? 1 : 0), ' ') + "] ";
      char percent[16];
      std::snprintf(percent, sizeof(percent), "%3.0f%% ", fraction * 100);
      line += percent;
    }
    line += Thousands(progress.rows_done) + " rows, " + Rate(rate) + " rows/s";
    if (progress.rows_rejected > 0) line += ", " + Thousands(progress.rows_rejected) + " rejected";
    std::cerr << line << "   " << std::flush;
  }
  void Finish() {
    if (drawn_) std::cerr << "\n";
  }

 private:
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

void PrintSummary(const jobs::ScoreSummary& summary, std::ostream& out) {
  const double rate = summary.seconds > 0 ? (summary.rows_scored + summary.rows_rejected) / summary.seconds : 0;
  out << "Scored " << Thousands(summary.rows_scored) << " rows";
  if (summary.rows_rejected > 0) out << " (" << Thousands(summary.rows_rejected) << " rejected)";
  char timing[64];
  std::snprintf(timing, sizeof(timing), " in %.2f s (%s rows/s)\n", summary.seconds, Rate(rate).c_str());
  out << timing;
  auto print_counts = [&](const char* title, const std::map<std::string, int64_t>& counts) {
    if (counts.empty()) return;
    out << title << ":";
    for (const auto& [name, count] : counts) {
      const double share = summary.rows_scored > 0 ? 100.0 * count / summary.rows_scored : 0;
      char percent[32];
      std::snprintf(percent, sizeof(percent), " (%.1f%%)", share);
      out << "  " << name << " " << Thousands(count) << percent;
    }
    out << "\n";
  };
  print_counts("Labels", summary.label_counts);
  print_counts("Decisions", summary.decision_counts);
  print_counts("Flags", summary.flag_counts);
  if (summary.rows_scored > 0) {
    char mean[64];
    std::snprintf(mean, sizeof(mean), "Mean score: %.4f\n", summary.mean_score);
    out << mean;
  }
}

int RunScore(const app::ScoreRequest& request, bool summary, bool quiet, const std::string& progress_mode) {
  app::ScoreRequest req = request;
  ProgressBar bar;
  const bool to_terminal = ::isatty(STDERR_FILENO) == 1;
  const bool show_progress =
      !quiet && (progress_mode == "always" || (progress_mode == "auto" && to_terminal));
  if (show_progress) req.job.on_progress = [&bar](const jobs::ScoreProgress& p) { bar.Update(p); };
  req.job.cancel = &g_cancel;
  Result<jobs::ScoreSummary> result = app::ScoreFile(req);
  if (show_progress) bar.Finish();
  if (!result.ok()) return Fail(result.status());
  if (!result->unused_columns.empty() && !quiet) {
    std::cerr << "podium: note: columns the model does not read"
              << (req.job.keep == jobs::ScoreFileOptions::Keep::kNone ? " (dropped)" : " (copied through)")
              << ": ";
    for (size_t i = 0; i < result->unused_columns.size(); ++i) {
      std::cerr << (i ? ", " : "") << result->unused_columns[i];
    }
    std::cerr << "\n";
  }
  if (summary && !quiet) {
    // Keep standard output clean when scores go there.
    PrintSummary(*result, req.job.output_path == "-" ? std::cerr : std::cout);
  }
  return 0;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  for (char c : text) {
    if (c == ',') {
      if (!item.empty()) items.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) items.push_back(item);
  return items;
}

int Main(int argc, char** argv) {
  CLI::App cli{"Podium: build, manage, deploy and monitor models as whole pipelines."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("podium ") + PODIUM_VERSION);

  // podium score
  app::ScoreRequest request;
  std::string model_format = "auto";
  std::string in_format, out_format, keep = "all", delimiter = ",", progress_mode = "auto";
  bool summary = false, quiet = false;
  CLI::App* score = cli.add_subcommand("score", "Score a CSV or NDJSON file with a model");
  score->add_option("-m,--model", request.model_path, "Model file: a Podium pipeline, an XGBoost JSON model or a PMML document")
      ->required();
  score->add_option("-i,--in", request.job.input_path, "Input file (CSV or NDJSON); - for standard input")
      ->required();
  score->add_option("-o,--out", request.job.output_path, "Output file; - for standard output")->required();
  score->add_option("--rejects", request.job.rejects_path,
                    "Write bad rows here with the reason, and keep going (default: stop at the first)");
  score->add_option("--format", model_format, "Model file format: auto, pipeline, xgboost, pmml, lightgbm, onnx")
      ->capture_default_str();
  score->add_option("--in-format", in_format, "Input format: csv or ndjson (default: from the extension)");
  score->add_option("--out-format", out_format, "Output format: csv or ndjson (default: from the extension)");
  score->add_option("--delimiter", delimiter, "CSV field delimiter of the input: , ; | or tab")
      ->capture_default_str();
  score->add_option("-t,--threads", request.job.threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(0, 1024));
  score->add_option("--reasons", request.job.reason_codes,
                    "Add the top K reason codes (feature contributions, in the model's reason order) to each row")
      ->check(CLI::Range(0, 1000));
  score->add_option("--keep", keep, "Input columns to copy to the output: all, none, or a comma-separated list")
      ->capture_default_str();
  score->add_option("--progress", progress_mode, "Progress bar on stderr: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  score->add_flag("--summary", summary, "Print a summary of the scores (labels, decisions, mean score)");
  score->add_flag("-q,--quiet", quiet, "Print nothing but errors");

  // podium inspect
  std::string inspect_path, inspect_format = "auto";
  bool inspect_json = false;
  CLI::App* inspect = cli.add_subcommand("inspect", "Show a model's schema, transforms, model and digest");
  inspect->add_option("model", inspect_path, "Model file")->required();
  inspect->add_option("--format", inspect_format, "Model file format: auto, pipeline, xgboost, pmml, lightgbm, onnx")
      ->capture_default_str();
  inspect->add_flag("--json", inspect_json, "Print the summary as JSON");

  // podium validate
  std::string validate_path, validate_format = "auto";
  CLI::App* validate = cli.add_subcommand("validate", "Check that a model file is valid and can be compiled");
  validate->add_option("model", validate_path, "Model file")->required();
  validate->add_option("--format", validate_format, "Model file format: auto, pipeline, xgboost, pmml, lightgbm, onnx")
      ->capture_default_str();

  // podium registry ..., podium audit ...
  RegistryCommandsPtr registry_commands = AddRegistryCommands(cli);
  // podium server
  ServerCommandPtr server_command = AddServerCommand(cli);
  // podium import
  ImportCommandPtr import_command = AddImportCommand(cli);
  // podium export
  ExportCommandPtr export_command = AddExportCommand(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  if (std::optional<int> code = RunRegistryCommands(*registry_commands)) return *code;
  if (std::optional<int> code = RunServerCommand(*server_command)) return *code;
  if (std::optional<int> code = RunImportCommand(*import_command)) return *code;
  if (std::optional<int> code = RunExportCommand(*export_command)) return *code;
  if (*score) {
    Result<app::ModelFormat> format = app::ParseModelFormat(model_format);
    if (!format.ok()) return Fail(format.status());
    request.model_format = *format;
    if (!in_format.empty()) {
      Result<jobs::DataFormat> f = jobs::ParseDataFormat(in_format);
      if (!f.ok()) return Fail(f.status());
      request.job.input_format = *f;
    }
    if (!out_format.empty()) {
      Result<jobs::DataFormat> f = jobs::ParseDataFormat(out_format);
      if (!f.ok()) return Fail(f.status());
      request.job.output_format = *f;
    }
    if (delimiter == "tab" || delimiter == "\\t") delimiter = "\t";
    if (delimiter.size() != 1) return Fail(InvalidArgumentError("--delimiter must be one character"));
    request.job.delimiter = delimiter[0];
    if (keep == "all") {
      request.job.keep = jobs::ScoreFileOptions::Keep::kAll;
    } else if (keep == "none") {
      request.job.keep = jobs::ScoreFileOptions::Keep::kNone;
    } else {
      request.job.keep = jobs::ScoreFileOptions::Keep::kListed;
      request.job.keep_columns = SplitList(keep);
    }
    return RunScore(request, summary, quiet, progress_mode);
  }
  if (*inspect) {
    Result<app::ModelFormat> format = app::ParseModelFormat(inspect_format);
    if (!format.ok()) return Fail(format.status());
    Result<app::LoadedModel> model = app::LoadModelFile(inspect_path, *format);
    if (!model.ok()) return Fail(model.status());
    std::cout << (inspect_json ? app::DescribePipelineJson(*model) : app::DescribePipeline(*model));
    return 0;
  }
  if (*validate) {
    Result<app::ModelFormat> format = app::ParseModelFormat(validate_format);
    if (!format.ok()) return Fail(format.status());
    Result<app::LoadedModel> model = app::LoadModelFile(validate_path, *format);
    if (!model.ok()) return Fail(model.status());
    Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(model->pipeline);
    if (!plan.ok()) return Fail(plan.status().WithContext("'" + validate_path + "'"));
    std::cout << "valid: " << validate_path << " (" << (model->pipeline.name.empty() ? "unnamed" : model->pipeline.name)
              << ", " << model->digest << ")\n";
    return 0;
  }
  return kExitUsage;
}

}  // namespace
}  // namespace podium::cli

int main(int argc, char** argv) { return podium::cli::Main(argc, argv); }
