// Output: CSV and NDJSON row formatting into memory, and an output file that
// appears complete or not at all.
//
// Workers format rows into their own std::string buffers in parallel; one
// thread then writes the buffers to an OutputFile in input order:
//
//   std::string buffer;
//   CsvWriter writer(&buffer);
//   writer.AddString("a,b"); writer.AddNumber(0.25); writer.EndRow();  // "\"a,b\",0.25\n"
//   RETURN_IF_ERROR(file->Write(buffer));
//
// Numbers use the shortest text that reads back as the same double; missing
// and non-finite values are written as an empty CSV field or a JSON null.
#ifndef PODIUM_DATA_WRITER_H_
#define PODIUM_DATA_WRITER_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "data/csv.h"

namespace podium {

// Appends CSV rows (terminated by "\n") to a buffer. A field is quoted only
// when it must be: it holds the delimiter, a quote, CR or LF, or starts or
// ends with a space or tab. Thread-compatible.
class CsvWriter {
 public:
  // `out` must outlive the writer. `options.delimiter` must be valid
  // (ValidateCsvDelimiter).
  explicit CsvWriter(std::string* out, const CsvOptions& options = {});

  // Writes a whole row of names.
  void WriteHeader(std::span<const std::string> names);

  void AddString(std::string_view value);
  void AddNumber(double value);
  void AddBool(bool value);  // "true" / "false"
  void AddMissing();
  // Appends text that is already CSV (one or more fields, e.g.
  // CsvRecordParser::raw() to pass an input record through) as is.
  void AddRaw(std::string_view csv_fields);
  // Ends the row. A row that is one empty field is written as "" so that it
  // is not a blank line, which readers skip (so is a row with no fields).
  void EndRow();

 private:
  void StartField();

  std::string* out_;
  char delimiter_;
  size_t fields_ = 0;     // in the current row
  size_t row_start_ = 0;  // size of *out_ before the row's first field
};

// Appends NDJSON rows (one object per line) to a buffer. Names and strings are
// escaped (control characters as \u00XX); invalid UTF-8 becomes U+FFFD, so
// the output is always valid JSON. Thread-compatible.
class NdjsonWriter {
 public:
  // `out` must outlive the writer.
  explicit NdjsonWriter(std::string* out) : out_(out) {}

  // Starts the row with the members of `object`, a JSON object text such as
  // NdjsonRecordParser::raw(); members added next are appended to them.
  // Returns false, writing nothing, if `object` does not look like an object
  // or the row has members already.
  bool AddMembersOf(std::string_view object);
  void AddString(std::string_view name, std::string_view value);
  void AddNumber(std::string_view name, double value);
  void AddBool(std::string_view name, bool value);
  void AddNull(std::string_view name);
  // Closes the object and the line.
  void EndRow();

 private:
  void StartMember(std::string_view name);

  std::string* out_;
  bool open_ = false;     // "{" written for the current row
  bool members_ = false;  // the current row has a member
};

// Appends `text` as a JSON string literal (with quotes), escaped as above.
void AppendJsonString(std::string_view text, std::string* out);

// A file being written. For a regular file (or a path that does not exist
// yet) the bytes go to a temporary file beside it that Close() flushes to disk
// and renames over `path`: a job that fails never leaves a partial file that
// looks complete. Other paths (devices, pipes) and "-" (standard output) are
// written directly. Errors name the path. Thread-compatible.
class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path);
  // Removes the temporary file if Close() did not succeed.
  ~OutputFile();

  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // kResourceExhausted when the disk is full, kUnavailable for other errors.
  Status Write(std::string_view bytes);
  // Publishes the file. After an error nothing is published; either way the
  // file can no longer be written.
  Status Close();

  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::string temp_path, int fd);

  const std::string path_;
  const std::string temp_path_;  // empty when writing directly
  int fd_;
  Status status_;  // first error
  bool closed_ = false;
};

}  // namespace podium

#endif  // PODIUM_DATA_WRITER_H_
