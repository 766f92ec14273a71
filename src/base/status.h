// Errors as values: Status and Result<T>.
//
// Every function that can fail across a module boundary returns a Status or a
// Result<T>. The codes follow the usual canonical set and map one-to-one onto
// HTTP statuses (see HttpStatusFor). Pick the most specific code:
//   kInvalidArgument    the caller's input is malformed (bad file, bad value)
//   kNotFound           a named thing does not exist
//   kAlreadyExists      a thing to be created exists already
//   kFailedPrecondition the system is not in a state that allows the call
//   kOutOfRange         a value or position lies outside what is allowed
//   kPermissionDenied   the caller may not do this
//   kUnauthenticated    the caller did not prove who it is
//   kResourceExhausted  a limit was hit (size, depth, memory)
//   kUnavailable        try again later
//   kUnimplemented      the input asks for a feature Podium does not support
//   kDataLoss           stored data is corrupt
//   kCancelled          the caller cancelled the job
//   kInternal           a bug: an invariant did not hold
//
// Thread-compatible value types.
#ifndef PODIUM_BASE_STATUS_H_
#define PODIUM_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace podium {

enum class StatusCode {
  kOk = 0,
  kCancelled,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kResourceExhausted,
  kFailedPrecondition,
  kOutOfRange,
  kUnimplemented,
  kInternal,
  kUnavailable,
  kDataLoss,
  kUnauthenticated,
};

std::string_view StatusCodeName(StatusCode code);
int HttpStatusFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(std::string_view context) const;

  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status OutOfRangeError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status UnimplementedError(std::string message);
Status DataLossError(std::string message);
Status CancelledError(std::string message);
Status InternalError(std::string message);

// A value or an error. Access to value() on an error is a bug (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result constructed from an OK status");
    if (status_.ok()) status_ = InternalError("Result built from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;  // OK when value_ is set.
  std::optional<T> value_;
};

namespace status_internal {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace status_internal

}  // namespace podium

#define PODIUM_CONCAT_INNER(a, b) a##b
#define PODIUM_CONCAT(a, b) PODIUM_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Status or Result) from the current function.
#define RETURN_IF_ERROR(expr)                                             \
  do {                                                                    \
    const ::podium::Status podium_status_ =                               \
        ::podium::status_internal::GetStatus((expr));                     \
    if (!podium_status_.ok()) return podium_status_;                      \
  } while (false)

// Declares `lhs` from the value of a Result, or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(PODIUM_CONCAT(podium_result_, __COUNTER__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#endif  // PODIUM_BASE_STATUS_H_
