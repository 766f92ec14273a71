// Whole-file reads and atomic whole-file writes with errors that name the path.
// Thread-safe (no shared state).
#ifndef PODIUM_BASE_FILE_H_
#define PODIUM_BASE_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace podium {

// Reads the whole file. Refuses files larger than `max_bytes`
// (kResourceExhausted) so an accidental multi-gigabyte input cannot exhaust
// memory.
Result<std::string> ReadFileToString(const std::string& path,
                                     size_t max_bytes = size_t{1} << 31);

// Writes `contents` to a temporary file beside `path`, flushes it to disk and
// renames it over `path`, so readers see the old or the new file, never half.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace podium

#endif  // PODIUM_BASE_FILE_H_
