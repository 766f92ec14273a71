#include "data/chunk_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "data/csv.h"

namespace podium {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

Status IoError(const std::string& what, const std::string& name, int err) {
  std::string message = what + " '" + name + "': " + std::strerror(err);
  if (err == ENOENT) return NotFoundError(std::move(message));
  if (err == EACCES || err == EPERM) return PermissionDeniedError(std::move(message));
  return UnavailableError(std::move(message));
}

Status ValidateOptions(const ChunkReaderOptions& options) {
  if (options.format == RecordFormat::kCsv)
    RETURN_IF_ERROR(ValidateCsvDelimiter(options.delimiter));
  if (options.block_bytes == 0 || options.max_record_bytes == 0) {
    return InvalidArgumentError("block_bytes and max_record_bytes must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ChunkReader>> ChunkReader::Open(const std::string& path,
                                                       const ChunkReaderOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  if (path == "-") {
    return std::unique_ptr<ChunkReader>(new ChunkReader("stdin", STDIN_FILENO, "", options));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path, errno);
  struct stat info {};
  Status status;
  if (::fstat(fd, &info) != 0) {
    status = IoError("cannot stat", path, errno);
  } else if (S_ISDIR(info.st_mode)) {
    status = InvalidArgumentError("'" + path + "' is a directory");
  }
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return std::unique_ptr<ChunkReader>(new ChunkReader(path, fd, "", options));
}

Result<std::unique_ptr<ChunkReader>> ChunkReader::FromString(std::string contents,
                                                             const ChunkReaderOptions& options,
                                                             std::string name) {
  RETURN_IF_ERROR(ValidateOptions(options));
  return std::unique_ptr<ChunkReader>(
      new ChunkReader(std::move(name), -1, std::move(contents), options));
}

ChunkReader::ChunkReader(std::string name, int fd, std::string contents,
                         const ChunkReaderOptions& options)
    : name_(std::move(name)),
      fd_(fd),
      close_fd_(fd > STDIN_FILENO),
      memory_(std::move(contents)),
      options_(options) {}

ChunkReader::~ChunkReader() {
  if (close_fd_) ::close(fd_);
}

Result<std::optional<Chunk>> ChunkReader::ReadHeader() {
  if (started_) return FailedPreconditionError("ReadHeader must be called first, and once");
  return Read(/*header=*/true);
}

Result<std::optional<Chunk>> ChunkReader::Next() { return Read(/*header=*/false); }

Result<std::optional<Chunk>> ChunkReader::Read(bool header) {
  started_ = true;
  for (;;) {
    if (!status_.ok()) return status_;
    status_ = Scan(header);
    if (!status_.ok()) return status_;
    if (header && records_ > 0) return std::optional<Chunk>(Cut(header));
    if (eof_) {
      // The last record may lack its line feed.
      if (record_start_ < buf_.size()) {
        status_ = EndRecord(buf_.size());
        if (!status_.ok()) return status_;
      }
      if (records_ == 0) {
        buf_.clear();
        scan_pos_ = record_start_ = boundary_ = 0;
        return std::optional<Chunk>();
      }
      return std::optional<Chunk>(Cut(header));
    }
    if (!header && boundary_ > 0) return std::optional<Chunk>(Cut(header));
    if (buf_.size() - boundary_ > options_.max_record_bytes) {
      status_ = RecordTooLarge();
      return status_;
    }
    status_ = Fill();
  }
}

// Appends up to block_bytes from the input to buf_; sets eof_ at the end.
Status ChunkReader::Fill() {
  const size_t old_size = buf_.size();
  size_t got = 0;
  if (fd_ < 0) {
    got = std::min(options_.block_bytes, memory_.size() - memory_pos_);
    buf_.append(memory_, memory_pos_, got);
    memory_pos_ += got;
    eof_ = memory_pos_ == memory_.size();
  } else {
    buf_.resize(old_size + options_.block_bytes);
    while (got < options_.block_bytes) {
      const ssize_t n = ::read(fd_, buf_.data() + old_size + got, options_.block_bytes - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        buf_.resize(old_size + got);
        return IoError("cannot read", name_, errno);
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      got += static_cast<size_t>(n);
    }
    buf_.resize(old_size + got);
  }
  if (bom_checked_) return Status::Ok();
  if (buf_.size() < kByteOrderMark.size() && !eof_) return Fill();  // too few bytes to tell
  bom_checked_ = true;
  if (std::string_view(buf_).starts_with(kByteOrderMark)) buf_.erase(0, kByteOrderMark.size());
  return Status::Ok();
}

// Advances scan_pos_ to the end of buf_ (or, for a header, to the end of the
// first record), noting every record end. For CSV it tracks the quote state
// with the same rule as CsvRecordParser: a quote opens a quoted field only as
// the first byte of a field.
Status ChunkReader::Scan(bool header) {
  const char* const data = buf_.data();
  const size_t size = buf_.size();
  size_t pos = scan_pos_;
  // Ends the records in data[pos, limit); false when the header is complete.
  auto end_records = [&](size_t limit, Status* status) {
    while (const void* found = std::memchr(data + pos, '\n', limit - pos)) {
      const size_t newline = static_cast<size_t>(static_cast<const char*>(found) - data);
      *status = EndRecord(newline);
      pos = newline + 1;
      if (!status->ok() || (header && records_ > 0)) return false;
    }
    pos = limit;
    return true;
  };
  Status status;
  while (pos < size) {
    if (options_.format == RecordFormat::kNdjson) {
      end_records(size, &status);
      break;
    }
    if (quote_ == QuoteState::kOutside) {
      const void* found = std::memchr(data + pos, '"', size - pos);
      const size_t quote =
          found ? static_cast<size_t>(static_cast<const char*>(found) - data) : size;
      if (!end_records(quote, &status)) break;
      if (quote == size) break;
      if (quote == record_start_ || data[quote - 1] == options_.delimiter) {
        quote_ = QuoteState::kInside;
      }
      pos = quote + 1;
    } else if (quote_ == QuoteState::kInside) {
      const void* found = std::memchr(data + pos, '"', size - pos);
      const size_t quote =
          found ? static_cast<size_t>(static_cast<const char*>(found) - data) : size;
      open_lines_ += std::count(data + pos, data + quote, '\n');
      if (quote < size) quote_ = QuoteState::kQuoteInside;
      pos = std::min(quote + 1, size);
    } else {  // kQuoteInside: the previous byte was a quote inside a quoted field
      const bool doubled = data[pos] == '"';
      quote_ = doubled ? QuoteState::kInside : QuoteState::kOutside;
      if (doubled) ++pos;
    }
  }
  scan_pos_ = pos;
  return status;
}

// Notes a record that ends at `end` (a line feed, or the end of the input).
Status ChunkReader::EndRecord(size_t end) {
  if (end - record_start_ > options_.max_record_bytes) return RecordTooLarge();
  if (!IsBlank(record_start_, end)) ++records_;
  const bool newline = end < buf_.size();
  lines_ += open_lines_ + (newline ? 1 : 0);
  open_lines_ = 0;
  record_start_ = boundary_ = end + (newline ? 1 : 0);
  quote_ = QuoteState::kOutside;
  return Status::Ok();
}

// Whether buf_[begin, end) is a blank line, which is not a record: for CSV an
// empty line or a lone "\r"; for NDJSON only JSON whitespace.
bool ChunkReader::IsBlank(size_t begin, size_t end) const {
  if (options_.format == RecordFormat::kCsv) {
    return end == begin || (end == begin + 1 && buf_[begin] == '\r');
  }
  for (size_t i = begin; i < end; ++i) {
    const char c = buf_[i];
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Returns buf_[0, boundary_) as a chunk and keeps the rest.
Chunk ChunkReader::Cut(bool header) {
  Chunk chunk;
  chunk.first_line = next_line_;
  chunk.first_record = header ? 0 : next_record_;
  next_line_ += lines_;
  if (!header) next_record_ += records_;
  lines_ = records_ = 0;
  std::string rest = buf_.substr(boundary_);
  buf_.resize(boundary_);
  chunk.bytes = std::move(buf_);
  buf_ = std::move(rest);
  buf_.reserve(buf_.size() + options_.block_bytes);
  scan_pos_ -= boundary_;
  record_start_ -= boundary_;
  boundary_ = 0;
  return chunk;
}

Status ChunkReader::RecordTooLarge() const {
  return ResourceExhaustedError("file '" + name_ + "', line " +
                                std::to_string(next_line_ + lines_) +
                                ": record is larger than the limit of " +
                                std::to_string(options_.max_record_bytes) + " bytes");
}

}  // namespace podium
