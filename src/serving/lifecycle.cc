#include "serving/lifecycle.h"

namespace podium::serving {

bool IsLegalTransition(VersionState from, VersionState to) {
  switch (from) {
    case VersionState::kLoading:
      return to == VersionState::kReady || to == VersionState::kFailed;
    case VersionState::kReady:
      return to == VersionState::kServing || to == VersionState::kRetired;
    case VersionState::kServing:
      return to == VersionState::kRetired;
    case VersionState::kRetired:
    case VersionState::kFailed:
      return false;
  }
  return false;
}

std::string_view VersionStateName(VersionState state) {
  switch (state) {
    case VersionState::kLoading: return "loading";
    case VersionState::kReady: return "ready";
    case VersionState::kServing: return "serving";
    case VersionState::kRetired: return "retired";
    case VersionState::kFailed: return "failed";
  }
  return "unknown";
}

}  // namespace podium::serving
