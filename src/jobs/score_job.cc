#include "jobs/score_job.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "data/chunk_reader.h"
#include "data/csv.h"
#include "data/ndjson.h"
#include "data/number.h"
#include "data/writer.h"

namespace podium::jobs {
namespace {

using Clock = std::chrono::steady_clock;

// Rows encoded and scored together: large enough for the engine's
// tree-outer/rows-inner kernels, small enough to stay in cache.
constexpr size_t kBatchRows = 256;

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// ---------------------------------------------------------------------------
// The output layout: which columns, in which order, named how.
// ---------------------------------------------------------------------------

struct Layout {
  DataFormat input_format = DataFormat::kCsv;
  DataFormat output_format = DataFormat::kCsv;
  char input_delimiter = ',';
  char output_delimiter = ',';
  std::vector<std::string> header;        // input CSV header (empty for NDJSON)
  std::vector<int> field_columns;         // input field -> CSV column (NDJSON: unused)
  // Kept columns: names, and for CSV input their column index.
  std::vector<std::string> kept_names;
  std::vector<int> kept_columns;
  // CSV to CSV keeping every column with the same delimiter: copy the raw
  // record instead of re-quoting each field.
  bool copy_raw_csv = false;
  // NDJSON to NDJSON keeping everything: append members to the raw object.
  bool extend_raw_object = false;
  bool regression = true;
  bool clustering = false;
  std::vector<std::string> value_names;   // prediction or probability_<class>, or the source's names
  std::string label_name;                 // label, or the source's name
  bool label = false;
  std::vector<std::string> derived_names;  // post.outputs, after the label
  bool decision = false;
  bool flags = false;
  int reasons = 0;
  std::vector<std::string> output_names;  // all added columns, in order
};

Result<Layout> MakeLayout(const engine::ScoringPlan& plan, const ScoreFileOptions& options,
                          DataFormat input_format, DataFormat output_format,
                          const std::vector<std::string>& header, std::vector<std::string>* unused) {
  const Pipeline& pipeline = plan.pipeline();
  Layout layout;
  layout.input_format = input_format;
  layout.output_format = output_format;
  layout.input_delimiter = options.delimiter;
  layout.output_delimiter =
      (EndsWith(options.output_path, ".tsv") || options.delimiter == '\t') ? '\t' : ',';
  layout.header = header;

  // Bind input fields to CSV columns.
  std::map<std::string_view, int> column_of;
  for (size_t c = 0; c < header.size(); ++c) column_of.emplace(header[c], static_cast<int>(c));
  std::vector<bool> used(header.size(), false);
  if (input_format == DataFormat::kCsv) {
    std::vector<std::string> missing;
    for (const InputField& field : pipeline.inputs) {
      auto it = column_of.find(field.name);
      if (it == column_of.end()) {
        missing.push_back(field.name);
        layout.field_columns.push_back(-1);
      } else {
        layout.field_columns.push_back(it->second);
        used[static_cast<size_t>(it->second)] = true;
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (const std::string& name : missing) list += (list.empty() ? "'" : ", '") + name + "'";
      return InvalidArgumentError("'" + options.input_path + "', line 1: the header has no column " + list +
                                  ", which the model needs (columns are matched by exact name)");
    }
    for (size_t c = 0; c < header.size(); ++c) {
      if (!used[c]) unused->push_back(header[c]);
    }
  }

  // Kept columns.
  using Keep = ScoreFileOptions::Keep;
  if (options.keep == Keep::kAll) {
    if (input_format == DataFormat::kCsv) {
      layout.kept_names = header;
      for (size_t c = 0; c < header.size(); ++c) layout.kept_columns.push_back(static_cast<int>(c));
      layout.copy_raw_csv = output_format == DataFormat::kCsv && layout.input_delimiter == layout.output_delimiter;
    } else if (output_format == DataFormat::kNdjson) {
      layout.extend_raw_object = true;
    } else {
      for (const InputField& field : pipeline.inputs) layout.kept_names.push_back(field.name);
    }
  } else if (options.keep == Keep::kListed) {
    for (const std::string& name : options.keep_columns) {
      if (input_format == DataFormat::kCsv) {
        auto it = column_of.find(name);
        if (it == column_of.end()) {
          return InvalidArgumentError("--keep: the input has no column '" + name + "'");
        }
        layout.kept_columns.push_back(it->second);
      }
      layout.kept_names.push_back(name);
    }
  }

  // Added columns.
  layout.regression = pipeline.model.task == Task::kRegression;
  layout.clustering = pipeline.model.task == Task::kClustering;
  layout.value_names = ValueColumnNames(pipeline);
  layout.label = !layout.regression;
  layout.label_name = LabelColumnName(pipeline);
  for (const BusinessRule& rule : pipeline.post.rules) {
    layout.decision |= rule.action == RuleAction::kOverride;
    layout.flags |= rule.action == RuleAction::kAnnotate;
  }
  layout.reasons = options.reason_codes;
  if (layout.reasons > 0 && pipeline.model.task == Task::kClustering) {
    return FailedPreconditionError("--reasons: a clustering model has no reason codes (its outputs are the "
                                   "distances to the cluster centers, not a score made of feature contributions)");
  }
  if (layout.reasons > 0 && !pipeline.post.prediction_expression.empty()) {
    return FailedPreconditionError("--reasons: this model cannot be explained (post.prediction_expression replaces "
                                   "the model's prediction, so feature contributions would not add up to it)");
  }
  if (layout.reasons > 0 && !plan.can_explain()) {
    return FailedPreconditionError("--reasons: this model cannot be explained (its trees have no node cover)");
  }
  layout.output_names = layout.value_names;
  if (layout.label) layout.output_names.push_back(layout.label_name);
  for (const DerivedOutput& output : pipeline.post.outputs) {
    layout.derived_names.push_back(output.name);
    layout.output_names.push_back(output.name);
  }
  if (layout.decision) layout.output_names.push_back("decision");
  if (layout.flags) layout.output_names.push_back("flags");
  for (int i = 1; i <= layout.reasons; ++i) {
    layout.output_names.push_back(ReasonColumnName(pipeline, i));
    layout.output_names.push_back("reason_" + std::to_string(i) + "_contribution");
  }
  for (const std::string& name : layout.output_names) {
    if (std::find(layout.kept_names.begin(), layout.kept_names.end(), name) != layout.kept_names.end()) {
      return InvalidArgumentError("the output column '" + name +
                                  "' would repeat an input column of that name; leave it out with --keep");
    }
  }
  return layout;
}

// ---------------------------------------------------------------------------
// Work items and the bounded hand-off between reader, workers and writer.
// ---------------------------------------------------------------------------

struct WorkItem {
  int64_t sequence = 0;
  Chunk chunk;
};

struct RowFailure {
  int64_t line = 0;
  std::string message;
};

struct ChunkResult {
  int64_t sequence = 0;
  size_t input_bytes = 0;
  std::string output;
  std::string rejects;
  int64_t rows_scored = 0;
  int64_t rows_rejected = 0;
  std::optional<RowFailure> first_failure;  // when there is no rejects file
  std::vector<int64_t> label_counts;
  std::vector<int64_t> decision_counts;
  std::vector<int64_t> flag_counts;
  double score_sum = 0;
  int64_t score_count = 0;
};

// Owned by ScoreFile; shared by its threads. Every member below the mutex is
// guarded by it.
class Exchange {
 public:
  explicit Exchange(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // Reader: waits for room, then queues a chunk. False when stopping.
  bool PushWork(WorkItem item) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return stopping_ || in_flight_ < max_in_flight_; });
    if (stopping_) return false;
    ++in_flight_;
    work_.push_back(std::move(item));
    work_ready_.notify_one();
    return true;
  }
  void FinishReading(Status status) {
    std::lock_guard lock(mutex_);
    reading_done_ = true;
    read_status_ = std::move(status);
    work_ready_.notify_all();
    result_ready_.notify_all();
  }
  // Worker: the next chunk, or nullopt when there is no more work.
  std::optional<WorkItem> PopWork() {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return stopping_ || !work_.empty() || reading_done_; });
    if (stopping_ || work_.empty()) return std::nullopt;
    WorkItem item = std::move(work_.front());
    work_.pop_front();
    return item;
  }
  void PushResult(ChunkResult result) {
    std::lock_guard lock(mutex_);
    const int64_t sequence = result.sequence;
    results_.emplace(sequence, std::move(result));
    result_ready_.notify_all();
  }
  // Writer: the result with `sequence`, or nullopt when reading ended before
  // it (then read_status() tells why). Frees a slot for the reader.
  std::optional<ChunkResult> PopResult(int64_t sequence) {
    std::unique_lock lock(mutex_);
    result_ready_.wait(lock, [&] {
      return stopping_ || results_.count(sequence) != 0 || (reading_done_ && sequence >= chunks_queued_);
    });
    auto it = results_.find(sequence);
    if (it == results_.end()) return std::nullopt;
    ChunkResult result = std::move(it->second);
    results_.erase(it);
    --in_flight_;
    room_.notify_one();
    return result;
  }
  void CountQueued() {
    std::lock_guard lock(mutex_);
    ++chunks_queued_;
  }
  void Stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    room_.notify_all();
    work_ready_.notify_all();
    result_ready_.notify_all();
  }
  Status read_status() {
    std::lock_guard lock(mutex_);
    return read_status_;
  }

 private:
  const size_t max_in_flight_;
  std::mutex mutex_;
  std::condition_variable room_, work_ready_, result_ready_;
  std::deque<WorkItem> work_;
  std::map<int64_t, ChunkResult> results_;
  size_t in_flight_ = 0;
  int64_t chunks_queued_ = 0;
  bool reading_done_ = false;
  bool stopping_ = false;
  Status read_status_;
};

// ---------------------------------------------------------------------------
// Row sinks: one interface over the CSV and NDJSON writers, so that a row is
// laid out once. CSV ignores the names (the header carries them).
// ---------------------------------------------------------------------------

class CsvSink {
 public:
  CsvSink(std::string* out, char delimiter) : writer_(out, Options(delimiter)) {}
  void AddRaw(std::string_view record) { writer_.AddRaw(record); }
  void AddString(std::string_view, std::string_view value) { writer_.AddString(value); }
  void AddNumber(std::string_view, double value) { writer_.AddNumber(value); }
  void AddBool(std::string_view, bool value) { writer_.AddBool(value); }
  void AddMissing(std::string_view) { writer_.AddMissing(); }
  void EndRow() { writer_.EndRow(); }

 private:
  static CsvOptions Options(char delimiter) {
    CsvOptions options;
    options.delimiter = delimiter;
    return options;
  }
  CsvWriter writer_;
};

class NdjsonSink {
 public:
  explicit NdjsonSink(std::string* out) : writer_(out) {}
  void AddRaw(std::string_view object) { writer_.AddMembersOf(object); }
  void AddString(std::string_view name, std::string_view value) { writer_.AddString(name, value); }
  void AddNumber(std::string_view name, double value) { writer_.AddNumber(name, value); }
  void AddBool(std::string_view name, bool value) { writer_.AddBool(name, value); }
  void AddMissing(std::string_view name) { writer_.AddNull(name); }
  void EndRow() { writer_.EndRow(); }

 private:
  NdjsonWriter writer_;
};

// ---------------------------------------------------------------------------
// A worker: parses, encodes, scores and formats one chunk at a time.
// ---------------------------------------------------------------------------

class ChunkScorer {
 public:
  ChunkScorer(const engine::ScoringPlan& plan, const Layout& layout, const std::string& input_name,
              bool collect_rejects)
      : plan_(plan),
        layout_(layout),
        input_name_(input_name),
        collect_rejects_(collect_rejects),
        num_inputs_(static_cast<size_t>(plan.num_inputs())),
        scratch_(plan.NewScratch()) {
    encoded_.resize(kBatchRows * num_inputs_);
    const Pipeline& pipeline = plan.pipeline();
    for (const BusinessRule& rule : pipeline.post.rules) {
      flag_text_.push_back(rule.reason.empty() ? rule.name : rule.reason);
    }
  }

  ChunkResult Score(WorkItem item) {
    ChunkResult result;
    result.sequence = item.sequence;
    result.input_bytes = item.chunk.bytes.size();
    result.label_counts.assign(plan_.classes().size(), 0);
    result.decision_counts.assign(plan_.decision_vocabulary().size(), 0);
    result.flag_counts.assign(plan_.pipeline().post.rules.size(), 0);
    result_ = &result;
    rows_.clear();
    kept_.clear();
    kept_text_.clear();
    if (layout_.input_format == DataFormat::kCsv) {
      ScoreCsv(item.chunk);
    } else {
      ScoreNdjson(item.chunk);
    }
    Flush();
    result_ = nullptr;
    return result;
  }

 private:
  struct PendingRow {
    int64_t line = 0;
    std::string_view raw;
  };

  void Reject(int64_t line, std::string_view raw, const std::string& message) {
    ChunkResult& result = *result_;
    ++result.rows_rejected;
    if (!collect_rejects_) {
      if (!result.first_failure) result.first_failure = RowFailure{line, message};
      return;
    }
    if (layout_.input_format == DataFormat::kCsv) {
      CsvOptions csv_options;
      csv_options.delimiter = layout_.input_delimiter;
      CsvWriter writer(&result.rejects, csv_options);
      writer.AddRaw(raw);
      writer.AddString(message);
      writer.EndRow();
    } else {
      NdjsonWriter writer(&result.rejects);
      writer.AddNumber("line", static_cast<double>(line));
      writer.AddString("error", message);
      writer.AddString("record", raw);
      writer.EndRow();
    }
  }

  std::string Where(int64_t line) const { return input_name_ + ", line " + std::to_string(line); }

  void ScoreCsv(const Chunk& chunk) {
    CsvOptions csv_options;
    csv_options.delimiter = layout_.input_delimiter;
    CsvRecordParser parser(chunk.bytes, chunk.first_line, layout_.header.size(), csv_options);
    while (parser.Next()) {
      if (!parser.status().ok()) {
        Reject(parser.line(), parser.raw(), input_name_ + ", " + parser.status().message());
        continue;
      }
      const auto fields = parser.fields();
      double* encoded = &encoded_[rows_.size() * num_inputs_];
      bool ok = true;
      for (size_t i = 0; i < num_inputs_ && ok; ++i) {
        const size_t column = static_cast<size_t>(layout_.field_columns[i]);
        Result<double> value = plan_.EncodeInput(static_cast<int>(i), RawValue::Text(fields[column]));
        if (!value.ok()) {
          Reject(parser.line(), parser.raw(),
                 input_name_ + ", " + parser.Location(column) + " (" + layout_.header[column] +
                     "): " + StripFieldPrefix(value.status().message()));
          ok = false;
        } else {
          encoded[i] = *value;
        }
      }
      if (!ok) continue;
      if (!layout_.copy_raw_csv) {
        for (int column : layout_.kept_columns) KeepValue(fields[static_cast<size_t>(column)]);
      }
      rows_.push_back({parser.line(), parser.raw()});
      if (rows_.size() == kBatchRows) Flush();
    }
  }

  void ScoreNdjson(const Chunk& chunk) {
    NdjsonRecordParser parser(chunk.bytes, chunk.first_line);
    const Pipeline& pipeline = plan_.pipeline();
    while (parser.Next()) {
      if (!parser.status().ok()) {
        Reject(parser.line(), parser.raw(), input_name_ + ", " + parser.status().message());
        continue;
      }
      double* encoded = &encoded_[rows_.size() * num_inputs_];
      bool ok = true;
      for (size_t i = 0; i < num_inputs_ && ok; ++i) {
        Result<JsonScalar> scalar = parser.Field(pipeline.inputs[i].name);
        Result<double> value = scalar.ok() ? plan_.EncodeInput(static_cast<int>(i), ToRawValue(*scalar))
                                           : Result<double>(scalar.status());
        if (!value.ok()) {
          Reject(parser.line(), parser.raw(),
                 input_name_ + ", line " + std::to_string(parser.line()) + ", field '" +
                     pipeline.inputs[i].name + "': " + StripFieldPrefix(StripLinePrefix(value.status().message())));
          ok = false;
        } else {
          encoded[i] = *value;
        }
      }
      if (!ok) continue;
      for (const std::string& name : layout_.kept_names) {
        Result<JsonScalar> scalar = parser.Field(name);
        KeepJson(scalar.ok() ? *scalar : JsonScalar{});
      }
      rows_.push_back({parser.line(), parser.raw()});
      if (rows_.size() == kBatchRows) Flush();
    }
  }

  static RawValue ToRawValue(const JsonScalar& scalar) {
    switch (scalar.kind) {
      case JsonScalar::Kind::kMissing:
      case JsonScalar::Kind::kNull: return RawValue::Missing();
      case JsonScalar::Kind::kBool: return RawValue::Boolean(scalar.boolean);
      case JsonScalar::Kind::kNumber: return RawValue::Number(scalar.number);
      case JsonScalar::Kind::kString: return RawValue::Text(scalar.string);
    }
    return RawValue::Missing();
  }

  // The engine's messages start with "field 'x': "; the job names the column
  // itself, so drop the repetition.
  static std::string StripFieldPrefix(const std::string& message) {
    if (message.rfind("field '", 0) == 0) {
      const size_t end = message.find("': ");
      if (end != std::string::npos) return message.substr(end + 3);
    }
    return message;
  }
  static std::string StripLinePrefix(const std::string& message) {
    if (message.rfind("line ", 0) == 0) {
      const size_t end = message.find(": ");
      if (end != std::string::npos) return message.substr(end + 2);
    }
    return message;
  }

  // Kept values of the pending rows, copied so they outlive the parser.
  void KeepValue(std::string_view text) {
    KeptCell cell;
    cell.kind = text.empty() ? JsonScalar::Kind::kNull : JsonScalar::Kind::kString;
    cell.offset = kept_text_.size();
    cell.size = text.size();
    kept_text_.append(text);
    kept_.push_back(cell);
  }
  void KeepJson(const JsonScalar& scalar) {
    if (scalar.kind == JsonScalar::Kind::kString) {
      KeepValue(scalar.string);
      return;
    }
    KeptCell cell;
    cell.kind = scalar.kind;
    cell.number = scalar.number;
    cell.boolean = scalar.boolean;
    kept_.push_back(cell);
  }

  // Scores the pending rows and formats them.
  void Flush() {
    if (rows_.empty()) return;
    const bool explain = layout_.reasons > 0;
    plan_.ScoreBatch(encoded_.data(), rows_.size(), *scratch_, &batch_, explain);
    size_t next_error = 0;
    const size_t kept_per_row =
        (layout_.copy_raw_csv || layout_.extend_raw_object) ? 0 : layout_.kept_names.size();
    for (size_t r = 0; r < rows_.size(); ++r) {
      if (next_error < batch_.errors.size() && batch_.errors[next_error].row == r) {
        Reject(rows_[r].line, rows_[r].raw,
               Where(rows_[r].line) + ": " + batch_.errors[next_error].status.message());
        ++next_error;
        continue;
      }
      if (layout_.output_format == DataFormat::kCsv) {
        CsvSink sink(&result_->output, layout_.output_delimiter);
        WriteRow(r, kept_per_row, sink);
      } else {
        NdjsonSink sink(&result_->output);
        WriteRow(r, kept_per_row, sink);
      }
    }
    rows_.clear();
    kept_.clear();
    kept_text_.clear();
  }

  // Writes one output row through `sink` (a CsvWriter or NdjsonWriter
  // adapter, see RowSink below).
  template <typename Sink>
  void WriteRow(size_t r, size_t kept_per_row, Sink& sink) {
    ChunkResult& result = *result_;
    const int k = batch_.num_values;
    const double* values = &batch_.values[r * static_cast<size_t>(k)];
    const int32_t label = batch_.labels[r];
    const int32_t decision = batch_.decisions[r];
    ++result.rows_scored;
    if (label >= 0) ++result.label_counts[static_cast<size_t>(label)];
    if (decision >= 0) ++result.decision_counts[static_cast<size_t>(decision)];
    const double score = PrimaryScore(values, k, label);
    if (!std::isnan(score)) {
      result.score_sum += score;
      ++result.score_count;
    }
    if (layout_.copy_raw_csv || layout_.extend_raw_object) sink.AddRaw(rows_[r].raw);
    for (size_t c = 0; c < kept_per_row; ++c) {
      const KeptCell& cell = kept_[r * kept_per_row + c];
      const std::string& name = layout_.kept_names[c];
      switch (cell.kind) {
        case JsonScalar::Kind::kString:
          sink.AddString(name, std::string_view(kept_text_).substr(cell.offset, cell.size));
          break;
        case JsonScalar::Kind::kNumber: sink.AddNumber(name, cell.number); break;
        case JsonScalar::Kind::kBool: sink.AddBool(name, cell.boolean); break;
        default: sink.AddMissing(name); break;
      }
    }
    for (int j = 0; j < k; ++j) sink.AddNumber(layout_.value_names[static_cast<size_t>(j)], values[j]);
    if (layout_.label) AddOptionalText(sink, layout_.label_name, label, plan_.classes());
    const auto& outputs = plan_.pipeline().post.outputs;
    const size_t nd = layout_.derived_names.size();
    for (size_t j = 0; j < nd; ++j) {
      const double value = batch_.derived[r * nd + j];
      if (outputs[j].categories.empty()) {
        sink.AddNumber(layout_.derived_names[j], value);
      } else {
        // A category output holds its category's position (NaN: missing).
        AddOptionalText(sink, layout_.derived_names[j], std::isnan(value) ? -1 : static_cast<int32_t>(value),
                        outputs[j].categories);
      }
    }
    if (layout_.decision) AddOptionalText(sink, "decision", decision, plan_.decision_vocabulary());
    if (layout_.flags) {
      flags_.clear();
      const auto& rules = plan_.pipeline().post.rules;
      for (uint32_t i = batch_.fired_offsets[r]; i < batch_.fired_offsets[r + 1]; ++i) {
        const size_t rule = static_cast<size_t>(batch_.fired_rules[i]);
        if (rules[rule].action != RuleAction::kAnnotate) continue;
        ++result.flag_counts[rule];
        if (!flags_.empty()) flags_ += "; ";
        flags_ += flag_text_[rule];
      }
      if (flags_.empty()) {
        sink.AddMissing("flags");
      } else {
        sink.AddString("flags", flags_);
      }
    }
    if (layout_.reasons > 0) {
      const size_t width = plan_.feature_names().size() + 1;
      contributions_.clear();
      for (size_t f = 0; f + 1 < width; ++f) {
        contributions_.push_back({static_cast<int32_t>(f), batch_.contributions[r * width + f]});
      }
      const Pipeline& pipeline = plan_.pipeline();
      const std::vector<Contribution> top = TopReasons(contributions_, layout_.reasons, pipeline.post);
      for (size_t i = 0; i < static_cast<size_t>(layout_.reasons); ++i) {
        const std::string& name = layout_.output_names[layout_.output_names.size() - 2 * layout_.reasons + 2 * i];
        const bool have = i < top.size() && !std::isnan(top[i].value);
        if (have) {
          sink.AddString(name, ReasonLabel(pipeline, top[i].feature));
        } else {
          sink.AddMissing(name);
        }
        sink.AddNumber(layout_.output_names[layout_.output_names.size() - 2 * layout_.reasons + 2 * i + 1],
                       have ? top[i].value : std::nan(""));
      }
    }
    sink.EndRow();
  }

  template <typename Sink>
  static void AddOptionalText(Sink& sink, const std::string& name, int32_t index,
                              const std::vector<std::string>& names) {
    if (index >= 0) {
      sink.AddString(name, names[static_cast<size_t>(index)]);
    } else {
      sink.AddMissing(name);
    }
  }

  // The model's primary output (pipeline.md, "Post-processing"): for
  // clustering, the affinity of the predicted cluster.
  double PrimaryScore(const double* values, int k, int32_t label) const {
    if (layout_.regression) return values[0];
    if (layout_.clustering) return label >= 0 ? values[label] : std::nan("");
    if (k == 2) return values[1];
    double best = values[0];
    for (int j = 1; j < k; ++j) best = std::max(best, values[j]);
    return best;
  }

  const engine::ScoringPlan& plan_;
  const Layout& layout_;
  const std::string& input_name_;
  const bool collect_rejects_;
  const size_t num_inputs_;
  std::unique_ptr<engine::Scratch> scratch_;
  std::vector<std::string> flag_text_;

  // Per-batch state.
  ChunkResult* result_ = nullptr;
  std::vector<double> encoded_;
  std::vector<PendingRow> rows_;
  struct KeptCell {
    JsonScalar::Kind kind = JsonScalar::Kind::kNull;
    size_t offset = 0, size = 0;  // kString: in kept_text_
    double number = 0;
    bool boolean = false;
  };
  std::vector<KeptCell> kept_;
  std::string kept_text_;
  engine::BatchResult batch_;
  std::vector<Contribution> contributions_;
  std::string flags_;
};

std::string HeaderLine(const Layout& layout) {
  std::string line;
  if (layout.output_format != DataFormat::kCsv) return line;
  std::vector<std::string> names = layout.kept_names;
  names.insert(names.end(), layout.output_names.begin(), layout.output_names.end());
  CsvOptions options;
  options.delimiter = layout.output_delimiter;
  CsvWriter(&line, options).WriteHeader(names);
  return line;
}

int64_t FileSize(const std::string& path) {
  struct stat info {};
  if (path == "-" || ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return -1;
  return static_cast<int64_t>(info.st_size);
}

}  // namespace

Result<DataFormat> ParseDataFormat(std::string_view name) {
  if (name == "csv" || name == "tsv") return DataFormat::kCsv;
  if (name == "ndjson" || name == "jsonl") return DataFormat::kNdjson;
  return InvalidArgumentError("unknown data format '" + std::string(name) + "' (known: csv, ndjson)");
}

std::optional<DataFormat> DataFormatFromPath(std::string_view path) {
  for (std::string_view ext : {".csv", ".tsv", ".csv.tmp"}) {
    if (EndsWith(path, ext)) return DataFormat::kCsv;
  }
  for (std::string_view ext : {".ndjson", ".jsonl", ".json"}) {
    if (EndsWith(path, ext)) return DataFormat::kNdjson;
  }
  return std::nullopt;
}

Result<ScoreSummary> ScoreFile(const engine::ScoringPlan& plan, const ScoreFileOptions& options) {
  const auto start = Clock::now();
  if (options.input_path.empty()) return InvalidArgumentError("no input file given");
  if (options.output_path.empty()) return InvalidArgumentError("no output file given");
  if (options.reason_codes < 0) return InvalidArgumentError("the number of reason codes must not be negative");
  if (options.output_path != "-" && options.output_path == options.input_path) {
    return InvalidArgumentError("the output file is the input file; choose another output");
  }
  RETURN_IF_ERROR(ValidateCsvDelimiter(options.delimiter));
  const DataFormat input_format =
      options.input_format.value_or(DataFormatFromPath(options.input_path).value_or(DataFormat::kCsv));
  const DataFormat output_format =
      options.output_format.value_or(DataFormatFromPath(options.output_path).value_or(input_format));
  const std::string input_name = options.input_path == "-" ? "stdin" : options.input_path;

  ChunkReaderOptions reader_options;
  reader_options.format = input_format == DataFormat::kCsv ? RecordFormat::kCsv : RecordFormat::kNdjson;
  reader_options.delimiter = options.delimiter;
  reader_options.block_bytes = std::max<size_t>(options.block_bytes, 4096);
  ASSIGN_OR_RETURN(std::unique_ptr<ChunkReader> reader, ChunkReader::Open(options.input_path, reader_options));

  ScoreSummary summary;
  std::vector<std::string> header;
  if (input_format == DataFormat::kCsv) {
    ASSIGN_OR_RETURN(std::optional<Chunk> header_chunk, reader->ReadHeader());
    if (!header_chunk) return InvalidArgumentError("'" + input_name + "' is empty: expected a header line");
    CsvOptions csv_options;
    csv_options.delimiter = options.delimiter;
    Result<std::vector<std::string>> parsed = ParseCsvHeader(header_chunk->bytes, header_chunk->first_line, csv_options);
    if (!parsed.ok()) return parsed.status().WithContext("'" + input_name + "'");
    header = std::move(parsed).value();
    summary.bytes_read += static_cast<int64_t>(header_chunk->bytes.size());
  }
  ASSIGN_OR_RETURN(Layout layout, MakeLayout(plan, options, input_format, output_format, header,
                                             &summary.unused_columns));
  summary.output_columns = layout.output_names;

  ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> output, OutputFile::Create(options.output_path));
  std::unique_ptr<OutputFile> rejects;
  if (!options.rejects_path.empty()) {
    ASSIGN_OR_RETURN(rejects, OutputFile::Create(options.rejects_path));
    if (input_format == DataFormat::kCsv) {
      std::vector<std::string> names = header;
      names.push_back("error");
      std::string rejects_header;
      CsvOptions csv_options;
      csv_options.delimiter = options.delimiter;
      CsvWriter(&rejects_header, csv_options).WriteHeader(names);
      RETURN_IF_ERROR(rejects->Write(rejects_header));
    }
  }
  RETURN_IF_ERROR(output->Write(HeaderLine(layout)));

  const int threads = options.threads > 0 ? options.threads
                                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Exchange exchange(static_cast<size_t>(2 * threads + 2));

  // Reader thread.
  std::thread reader_thread([&] {
    int64_t sequence = 0;
    while (true) {
      Result<std::optional<Chunk>> chunk = reader->Next();
      if (!chunk.ok()) {
        exchange.FinishReading(chunk.status());
        return;
      }
      if (!chunk->has_value()) break;
      exchange.CountQueued();
      if (!exchange.PushWork({sequence++, std::move(**chunk)})) break;
    }
    exchange.FinishReading(Status::Ok());
  });

  // Worker threads.
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      ChunkScorer scorer(plan, layout, input_name, rejects != nullptr);
      while (std::optional<WorkItem> item = exchange.PopWork()) {
        exchange.PushResult(scorer.Score(std::move(*item)));
      }
    });
  }

  // This thread writes, in input order.
  Status status;
  std::vector<int64_t> label_counts(plan.classes().size(), 0);
  std::vector<int64_t> decision_counts(plan.decision_vocabulary().size(), 0);
  std::vector<int64_t> flag_counts(plan.pipeline().post.rules.size(), 0);
  double score_sum = 0;
  int64_t score_count = 0;
  const int64_t total_bytes = FileSize(options.input_path);
  for (int64_t sequence = 0;; ++sequence) {
    if (options.cancel != nullptr && options.cancel->load()) {
      status = CancelledError("scoring was cancelled");
      break;
    }
    std::optional<ChunkResult> result = exchange.PopResult(sequence);
    if (!result) {
      status = exchange.read_status();
      break;
    }
    if (result->first_failure) {
      status = InvalidArgumentError(result->first_failure->message +
                                    " (use --rejects FILE to set bad rows aside and go on)");
      break;
    }
    status = output->Write(result->output);
    if (status.ok() && rejects) status = rejects->Write(result->rejects);
    if (!status.ok()) break;
    summary.rows_scored += result->rows_scored;
    summary.rows_rejected += result->rows_rejected;
    summary.bytes_read += static_cast<int64_t>(result->input_bytes);
    for (size_t i = 0; i < label_counts.size(); ++i) label_counts[i] += result->label_counts[i];
    for (size_t i = 0; i < decision_counts.size(); ++i) decision_counts[i] += result->decision_counts[i];
    for (size_t i = 0; i < flag_counts.size(); ++i) flag_counts[i] += result->flag_counts[i];
    score_sum += result->score_sum;
    score_count += result->score_count;
    if (options.on_progress) {
      ScoreProgress progress;
      progress.rows_done = summary.rows_scored + summary.rows_rejected;
      progress.rows_rejected = summary.rows_rejected;
      progress.bytes_done = summary.bytes_read;
      progress.bytes_total = total_bytes;
      progress.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      options.on_progress(progress);
    }
  }
  exchange.Stop();
  reader_thread.join();
  for (std::thread& worker : workers) worker.join();
  if (!status.ok()) return status;  // the outputs' destructors discard them

  RETURN_IF_ERROR(output->Close());
  if (rejects) RETURN_IF_ERROR(rejects->Close());
  for (size_t i = 0; i < label_counts.size(); ++i) {
    if (label_counts[i] > 0) summary.label_counts[plan.classes()[i]] = label_counts[i];
  }
  for (size_t i = 0; i < decision_counts.size(); ++i) {
    if (decision_counts[i] > 0) summary.decision_counts[plan.decision_vocabulary()[i]] = decision_counts[i];
  }
  const auto& rules = plan.pipeline().post.rules;
  for (size_t i = 0; i < flag_counts.size(); ++i) {
    if (flag_counts[i] > 0) summary.flag_counts[rules[i].name.empty() ? rules[i].reason : rules[i].name] = flag_counts[i];
  }
  summary.mean_score = score_count > 0 ? score_sum / static_cast<double>(score_count) : 0;
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace podium::jobs
