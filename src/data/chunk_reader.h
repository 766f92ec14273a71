// Splits a CSV or NDJSON input into large chunks of whole records, so that
// one thread can read while others parse.
//
// Memory stays bounded by about block_bytes + max_record_bytes whatever the
// input size. A UTF-8 byte order mark at the start of the input is skipped.
// Record boundaries follow the same rules as CsvRecordParser (a line feed
// outside a quoted field) and NdjsonRecordParser (a line feed), so a chunk
// never splits a record, however the blocks fall.
#ifndef PODIUM_DATA_CHUNK_READER_H_
#define PODIUM_DATA_CHUNK_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"

namespace podium {

// Whole records, ready to be moved to a worker thread.
struct Chunk {
  // The records, each ending with "\n" except possibly the last record of the
  // input. May include blank lines, which are not records.
  std::string bytes;
  // Line number (1-based) of bytes[0].
  int64_t first_line = 1;
  // Index (0-based) of the first record in `bytes` among the records returned
  // by Next(): the header read by ReadHeader() is not counted.
  int64_t first_record = 0;
};

enum class RecordFormat { kCsv, kNdjson };

struct ChunkReaderOptions {
  RecordFormat format = RecordFormat::kCsv;
  // CSV only: the field delimiter (',', ';', '\t' or '|'); needed to tell
  // where quoted fields begin.
  char delimiter = ',';
  // Bytes read from the input at a time; a chunk holds about this much.
  size_t block_bytes = size_t{1} << 20;
  // A longer record (without its line terminator) is kResourceExhausted.
  size_t max_record_bytes = size_t{16} << 20;
};

// Thread-compatible: one thread calls ReadHeader/Next.
class ChunkReader {
 public:
  // Opens `path`, or standard input when `path` is "-". Errors name the path:
  // kNotFound, kPermissionDenied, kInvalidArgument (a directory, or bad
  // options), kUnavailable (other I/O errors).
  static Result<std::unique_ptr<ChunkReader>> Open(const std::string& path,
                                                   const ChunkReaderOptions& options = {});
  // Reads from memory, block by block, exactly as from a file called `name`.
  static Result<std::unique_ptr<ChunkReader>> FromString(std::string contents,
                                                         const ChunkReaderOptions& options = {},
                                                         std::string name = "<memory>");
  ~ChunkReader();

  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Returns a chunk holding exactly the first record (a CSV header) and any
  // blank lines before it, or nullopt if the input has no record. Call it at
  // most once, before Next() (else kFailedPrecondition).
  Result<std::optional<Chunk>> ReadHeader();

  // Returns the next chunk, or nullopt at the end of the input. Errors are
  // final (later calls return them again): I/O errors naming the path, and
  // kResourceExhausted "file 'x', line 7: record is larger than the limit of
  // 16777216 bytes".
  Result<std::optional<Chunk>> Next();

  // The path given to Open ("stdin" for "-").
  const std::string& name() const { return name_; }

 private:
  enum class QuoteState { kOutside, kInside, kQuoteInside };

  ChunkReader(std::string name, int fd, std::string contents, const ChunkReaderOptions& options);
  Result<std::optional<Chunk>> Read(bool header);
  Status Fill();
  Status Scan(bool header);
  Status EndRecord(size_t end);
  bool IsBlank(size_t begin, size_t end) const;
  Chunk Cut(bool header);
  Status RecordTooLarge() const;

  const std::string name_;
  const int fd_;  // -1 when reading from memory_
  const bool close_fd_;
  std::string memory_;
  size_t memory_pos_ = 0;
  const ChunkReaderOptions options_;

  Status status_;  // sticky error
  bool started_ = false;
  bool eof_ = false;
  bool bom_checked_ = false;

  // buf_ holds the bytes not yet returned; it starts at a record boundary.
  std::string buf_;
  size_t scan_pos_ = 0;      // bytes before this have been scanned
  size_t record_start_ = 0;  // start of the record being scanned
  size_t boundary_ = 0;      // end of the last complete record
  QuoteState quote_ = QuoteState::kOutside;
  int64_t lines_ = 0;       // line feeds in buf_[0, boundary_)
  int64_t records_ = 0;     // records in buf_[0, boundary_)
  int64_t open_lines_ = 0;  // line feeds in buf_[record_start_, scan_pos_)
  int64_t next_line_ = 1;   // line of buf_[0]
  int64_t next_record_ = 0;
};

}  // namespace podium

#endif  // PODIUM_DATA_CHUNK_READER_H_
