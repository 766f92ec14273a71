// The lifecycle of one model version inside a ModelManager, as an explicit
// state enum with its legal transitions (TF Serving's loader_harness.h habit).
//
//   kLoading ──► kReady ──► kServing ──► kRetired
//      │            │
//      ▼            └──────────────────► kRetired   (superseded before publish)
//   kFailed
//
// Legal transitions, and nothing else:
//   kLoading -> kReady    the file was read, validated and compiled
//   kLoading -> kFailed   reading, importing or compiling failed (terminal)
//   kReady   -> kServing  published in a serving snapshot
//   kReady   -> kRetired  dropped before it was published
//   kServing -> kRetired  a newer version replaced it (in-flight requests that
//                         pinned it still finish on it; it is freed with its
//                         last reader)
// kFailed and kRetired are terminal. A failed load never touches the serving
// version: the model keeps answering with what it served before.
// Thread-safe (pure functions).
#ifndef PODIUM_SERVING_LIFECYCLE_H_
#define PODIUM_SERVING_LIFECYCLE_H_

#include <string_view>

namespace podium::serving {

enum class VersionState { kLoading, kReady, kServing, kRetired, kFailed };

// Whether `from -> to` is one of the transitions listed above.
bool IsLegalTransition(VersionState from, VersionState to);

// "loading", "ready", "serving", "retired", "failed".
std::string_view VersionStateName(VersionState state);

}  // namespace podium::serving

#endif  // PODIUM_SERVING_LIFECYCLE_H_
