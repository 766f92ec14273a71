// The batch scoring job: scores a CSV or NDJSON file of any size with a
// compiled plan, on several threads, in constant memory, keeping row order.
//
// Threads (all owned by ScoreFile and joined before it returns): one reader
// cuts the input into chunks of whole records; `threads` workers parse,
// encode and score chunks (each with its own engine::Scratch) and format
// their output rows; the calling thread writes finished chunks in input order
// and reports progress. At most a fixed number of chunks are in flight, so
// memory does not grow with the input.
//
// Bad rows (malformed records, bad UTF-8, values the schema refuses, rows
// the pipeline cannot score) end the job with an error naming the file, line
// and column, unless a rejects file is given: then they are written there
// with the reason and the job goes on. The output is written to a temporary
// file renamed into place only when the job succeeds.
//
// Output columns: the kept input columns, then
//   regression:      prediction
//   classification:  probability_<class> for each class, label
//   decision         when the pipeline has override rules
//   flags            when it has annotate rules ("; "-separated reasons)
//   reason_<i>, reason_<i>_contribution for i = 1..reason_codes (the reason
//                    column takes output_names.reasons[i - 1] when set; reasons
//                    follow the pipeline's reason order and labels)
#ifndef PODIUM_JOBS_SCORE_JOB_H_
#define PODIUM_JOBS_SCORE_JOB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"

namespace podium::jobs {

enum class DataFormat { kCsv, kNdjson };

// "csv" or "ndjson"/"jsonl"; kInvalidArgument otherwise.
Result<DataFormat> ParseDataFormat(std::string_view name);
// From a file name's extension (.csv, .tsv, .ndjson, .jsonl, .json); nullopt
// when it does not tell.
std::optional<DataFormat> DataFormatFromPath(std::string_view path);

struct ScoreProgress {
  int64_t rows_done = 0;       // scored and rejected rows written so far
  int64_t rows_rejected = 0;
  int64_t bytes_done = 0;      // input bytes behind the rows written
  int64_t bytes_total = -1;    // input size, -1 when unknown (a pipe)
  double seconds = 0;
};

struct ScoreFileOptions {
  std::string input_path;    // "-" reads standard input
  std::string output_path;   // "-" writes standard output
  // Where bad rows go, with the reason; empty: the first bad row fails the job.
  std::string rejects_path;
  // Formats; default from the file extension, else CSV.
  std::optional<DataFormat> input_format;
  std::optional<DataFormat> output_format;
  // CSV field delimiter of the input (the output uses ',' unless it is TSV).
  char delimiter = ',';
  // Worker threads; 0 means one per core.
  int threads = 0;
  // Reason codes per row (top contributions); 0 for none.
  int reason_codes = 0;
  // Input columns copied to the output: all of them (default), none, or the
  // listed ones. For NDJSON input "all" copies every member of each object
  // to NDJSON output, and the pipeline's input fields to CSV output.
  enum class Keep { kAll, kNone, kListed };
  Keep keep = Keep::kAll;
  std::vector<std::string> keep_columns;
  // Input block size; chunks in flight are bounded, so memory is about
  // (2 * threads + 2) * block_bytes.
  size_t block_bytes = size_t{1} << 20;
  // Called from the writing thread after each chunk is written.
  std::function<void(const ScoreProgress&)> on_progress;
  // When set and true, the job stops soon with kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct ScoreSummary {
  int64_t rows_scored = 0;
  int64_t rows_rejected = 0;
  int64_t bytes_read = 0;
  double seconds = 0;
  // Classification: rows per predicted label. Rules: rows per decision.
  std::map<std::string, int64_t> label_counts;
  std::map<std::string, int64_t> decision_counts;
  std::map<std::string, int64_t> flag_counts;
  // Mean of the primary score (p(classes[1]), the prediction, or the top
  // class probability) over rows where it is not missing.
  double mean_score = 0;
  // Input columns that the pipeline does not read (copied through when kept).
  std::vector<std::string> unused_columns;
  std::vector<std::string> output_columns;
};

// Runs the job. Errors: kInvalidArgument for bad input (naming file, line,
// column) or options; kNotFound / kPermissionDenied / kUnavailable for files;
// kCancelled when cancelled.
Result<ScoreSummary> ScoreFile(const engine::ScoringPlan& plan, const ScoreFileOptions& options);

}  // namespace podium::jobs

#endif  // PODIUM_JOBS_SCORE_JOB_H_
