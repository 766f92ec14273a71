#include "base/status.h"

namespace podium {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kCancelled: return 499;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kFailedPrecondition: return 412;
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kInternal: return 500;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDataLoss: return 500;
    case StatusCode::kUnauthenticated: return 401;
  }
  return 500;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message));
}

#define PODIUM_DEFINE_ERROR(Name, Code) \
  Status Name(std::string message) {    \
    return Status(StatusCode::Code, std::move(message)); \
  }
PODIUM_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
PODIUM_DEFINE_ERROR(NotFoundError, kNotFound)
PODIUM_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
PODIUM_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
PODIUM_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
PODIUM_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
PODIUM_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
PODIUM_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
PODIUM_DEFINE_ERROR(UnavailableError, kUnavailable)
PODIUM_DEFINE_ERROR(UnimplementedError, kUnimplemented)
PODIUM_DEFINE_ERROR(DataLossError, kDataLoss)
PODIUM_DEFINE_ERROR(CancelledError, kCancelled)
PODIUM_DEFINE_ERROR(InternalError, kInternal)
#undef PODIUM_DEFINE_ERROR

}  // namespace podium
