#include "registry/change_feed.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "registry/store/postgres_database.h"

namespace podium::registry {
namespace {

// Records read per query while catching up.
constexpr int kPage = 1000;

}  // namespace

Result<std::unique_ptr<ChangeFeed>> ChangeFeed::Start(Registry* registry, ChangeFeedOptions options) {
  if (registry == nullptr) return InvalidArgumentError("a change feed needs a registry");
  if (!options.listener) return InvalidArgumentError("a change feed needs a listener");
  if (options.token.empty()) return InvalidArgumentError("a change feed needs a registry token to read the audit log");
  if (options.poll_interval.count() <= 0 || options.notify_timeout.count() <= 0 || options.min_backoff.count() <= 0 ||
      options.max_backoff < options.min_backoff) {
    return InvalidArgumentError("change feed intervals must be positive, and max_backoff >= min_backoff");
  }
  std::unique_ptr<ChangeFeed> feed(new ChangeFeed(registry, std::move(options)));
  if (::pipe2(feed->wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    return UnavailableError(std::string("cannot create the change feed's wake pipe: ") + std::strerror(errno));
  }
  feed->thread_ = std::thread([raw = feed.get()] { raw->Run(); });
  return feed;
}

ChangeFeed::ChangeFeed(Registry* registry, ChangeFeedOptions options)
    : registry_(registry),
      options_(std::move(options)),
      postgres_(!registry->options().postgres_url.empty()),
      last_seq_(options_.after_seq) {}

ChangeFeed::~ChangeFeed() {
  stopping_.store(true);
  Wake();
  if (thread_.joinable()) thread_.join();
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void ChangeFeed::Wake() {
  if (wake_pipe_[1] < 0) return;
  const char byte = 1;
  // A full pipe already holds a wake-up; nothing is lost by dropping this one.
  [[maybe_unused]] ssize_t written = ::write(wake_pipe_[1], &byte, 1);
}

void ChangeFeed::DrainWake() {
  char buffer[64];
  while (::read(wake_pipe_[0], buffer, sizeof(buffer)) > 0) {
  }
}

void ChangeFeed::Sleep(std::chrono::milliseconds duration) {
  if (stopping_.load()) return;
  pollfd fd = {wake_pipe_[0], POLLIN, 0};
  ::poll(&fd, 1, static_cast<int>(duration.count()));
  DrainWake();
}

Status ChangeFeed::health() const {
  std::lock_guard<std::mutex> lock(health_mutex_);
  return health_;
}

void ChangeFeed::SetHealth(const Status& status) {
  bool changed;
  {
    std::lock_guard<std::mutex> lock(health_mutex_);
    changed = !(health_ == status);
    health_ = status;
  }
  if (changed && options_.on_status) options_.on_status(status);
}

Status ChangeFeed::CatchUp() {
  for (;;) {
    AuditQuery query;
    query.after_seq = last_seq_.load();
    query.limit = kPage;
    ASSIGN_OR_RETURN(std::vector<AuditRecord> records, registry_->AuditLog(options_.token, query));
    for (const AuditRecord& record : records) {
      if (stopping_.load()) return Status::Ok();
      if (std::optional<ChangeEvent> event = ChangeEventFromAudit(record)) options_.listener(*event);
      last_seq_.store(record.seq);
    }
    if (static_cast<int>(records.size()) < kPage) return Status::Ok();
  }
}

void ChangeFeed::Run() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  auto fail = [&](const Status& status) {
    SetHealth(status);
    Sleep(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  };
  while (!stopping_.load()) {
    if (postgres_ && listener_ == nullptr) {
      // LISTEN before reading: a change committed after the read below is
      // then announced on this connection.
      Result<std::unique_ptr<PostgresListener>> listener =
          PostgresListener::Connect(registry_->options().postgres_url, kChangeChannel);
      if (!listener.ok()) {
        fail(listener.status().WithContext("change feed listener"));
        continue;
      }
      listener_ = std::move(listener).value();
    }
    DrainWake();  // what is read next covers every wake-up so far
    const Status read = CatchUp();
    if (!read.ok()) {
      fail(read.WithContext("change feed"));
      continue;
    }
    backoff = options_.min_backoff;
    SetHealth(Status::Ok());
    if (!postgres_) {
      Sleep(options_.poll_interval);
      continue;
    }
    Result<int> waited = listener_->Wait(static_cast<int>(options_.notify_timeout.count()), wake_pipe_[0]);
    if (!waited.ok()) {
      listener_.reset();
      fail(waited.status().WithContext("change feed listener"));
    }
  }
  listener_.reset();
}

}  // namespace podium::registry
