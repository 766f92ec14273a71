#include "data/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "data/number.h"
#include "data/utf8.h"

namespace podium {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool NeedsQuotes(std::string_view value, char delimiter) {
  if (value.empty()) return false;
  if (IsSpace(value.front()) || IsSpace(value.back())) return true;
  for (const char c : value) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

Status WriteError(const std::string& what, const std::string& path, int err) {
  std::string message = what + " '" + path + "': " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) return ResourceExhaustedError(message);
  if (err == ENOENT) return NotFoundError(message);
  if (err == EACCES || err == EPERM || err == EROFS) return PermissionDeniedError(message);
  return UnavailableError(message);
}

}  // namespace

CsvWriter::CsvWriter(std::string* out, const CsvOptions& options)
    : out_(out), delimiter_(options.delimiter) {}

void CsvWriter::StartField() {
  if (fields_++ == 0) {
    row_start_ = out_->size();
  } else {
    out_->push_back(delimiter_);
  }
}

void CsvWriter::WriteHeader(std::span<const std::string> names) {
  for (const std::string& name : names) AddString(name);
  EndRow();
}

void CsvWriter::AddString(std::string_view value) {
  StartField();
  if (!NeedsQuotes(value, delimiter_)) {
    out_->append(value);
    return;
  }
  out_->push_back('"');
  for (size_t quote; (quote = value.find('"')) != std::string_view::npos;) {
    out_->append(value.substr(0, quote + 1)).push_back('"');
    value.remove_prefix(quote + 1);
  }
  out_->append(value).push_back('"');
}

void CsvWriter::AddNumber(double value) {
  StartField();
  FormatNumber(value, out_);  // non-finite: empty, like a missing value
}

void CsvWriter::AddBool(bool value) {
  StartField();
  out_->append(value ? "true" : "false");
}

void CsvWriter::AddMissing() { StartField(); }

void CsvWriter::AddRaw(std::string_view csv_fields) {
  StartField();
  out_->append(csv_fields);
}

void CsvWriter::EndRow() {
  if (fields_ == 1 && out_->size() == row_start_) out_->append("\"\"");
  out_->push_back('\n');
  fields_ = 0;
}

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* run = p;  // bytes that need no escaping
    while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\' &&
           static_cast<unsigned char>(*p) < 0x80) {
      ++p;
    }
    out->append(run, p);
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const int length = Utf8SequenceLength(p, end);
      if (length == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD replacement character
        ++p;
      } else {
        out->append(p, static_cast<size_t>(length));
        p += length;
      }
      continue;
    }
    ++p;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00").append(1, kHex[c >> 4]).append(1, kHex[c & 15]);
    }
  }
  out->push_back('"');
}

bool NdjsonWriter::AddMembersOf(std::string_view object) {
  const size_t first = object.find_first_not_of(" \t\r\n");
  const size_t last = object.find_last_not_of(" \t\r\n");
  if (open_ || first == std::string_view::npos || last <= first || object[first] != '{' ||
      object[last] != '}') {
    return false;
  }
  const std::string_view body = object.substr(first, last - first);  // without the '}'
  out_->append(body);
  open_ = true;
  members_ = body.find_first_not_of(" \t\r\n", 1) != std::string_view::npos;
  return true;
}

void NdjsonWriter::StartMember(std::string_view name) {
  if (!open_) {
    out_->push_back('{');
  } else if (members_) {
    out_->push_back(',');
  }
  open_ = members_ = true;
  AppendJsonString(name, out_);
  out_->push_back(':');
}

void NdjsonWriter::AddString(std::string_view name, std::string_view value) {
  StartMember(name);
  AppendJsonString(value, out_);
}

void NdjsonWriter::AddNumber(std::string_view name, double value) {
  StartMember(name);
  if (!FormatNumber(value, out_)) out_->append("null");
}

void NdjsonWriter::AddBool(std::string_view name, bool value) {
  StartMember(name);
  out_->append(value ? "true" : "false");
}

void NdjsonWriter::AddNull(std::string_view name) {
  StartMember(name);
  out_->append("null");
}

void NdjsonWriter::EndRow() {
  if (!open_) out_->push_back('{');
  out_->append("}\n");
  open_ = members_ = false;
}

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path) {
  if (path == "-") return std::unique_ptr<OutputFile>(new OutputFile(path, "", STDOUT_FILENO));
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    if (S_ISDIR(info.st_mode)) return InvalidArgumentError("'" + path + "' is a directory");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return WriteError("cannot open", path, errno);
    return std::unique_ptr<OutputFile>(new OutputFile(path, "", fd));
  }
  // A name no other writer picks: O_EXCL makes sure of it.
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string temp = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                             std::to_string(now) + "-" + std::to_string(attempt);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return std::unique_ptr<OutputFile>(new OutputFile(path, temp, fd));
    if (errno != EEXIST) return WriteError("cannot create a file beside", path, errno);
  }
  return UnavailableError("cannot create a temporary file beside '" + path + "'");
}

OutputFile::OutputFile(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

OutputFile::~OutputFile() {
  if (closed_) return;
  if (fd_ != STDOUT_FILENO) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status OutputFile::Write(std::string_view bytes) {
  if (closed_) return FailedPreconditionError("'" + path_ + "' is closed");
  while (status_.ok() && !bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = WriteError("cannot write", path_, errno);
    } else {
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  return status_;
}

Status OutputFile::Close() {
  if (closed_) return FailedPreconditionError("'" + path_ + "' is closed");
  closed_ = true;
  if (!temp_path_.empty()) {
    if (status_.ok() && ::fsync(fd_) != 0) status_ = WriteError("cannot flush", path_, errno);
    if (::close(fd_) != 0 && status_.ok()) status_ = WriteError("cannot close", path_, errno);
    if (status_.ok() && ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      status_ = WriteError("cannot rename a file to", path_, errno);
    }
    if (!status_.ok()) ::unlink(temp_path_.c_str());
  } else if (fd_ != STDOUT_FILENO && ::close(fd_) != 0 && status_.ok()) {
    status_ = WriteError("cannot close", path_, errno);
  }
  return status_;
}

}  // namespace podium
