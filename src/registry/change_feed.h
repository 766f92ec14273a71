// ChangeFeed: follows the registry's changes, whichever process made them,
// and delivers them in audit order, each once, without losing any.
//
// The audit log is the feed (every change appends its record in its own
// transaction, seq 1, 2, 3, ... without gaps); the feed remembers the last
// seq it delivered and reads the records after it. What differs per store is
// how it learns that there is something to read:
//   * PostgreSQL: a NOTIFY sent in the transaction of the change
//     (kChangeChannel). The feed LISTENs on a connection of its own, and
//     LISTENs before it reads, so a change committed in between is read, not
//     missed. When that connection drops it reconnects with capped
//     exponential backoff and reads everything after the last seq it
//     delivered; a notification lost with a connection is thus never a lost
//     change. It also reads after `notify_timeout` without a notification,
//     as a safety net.
//   * SQLite (one host, no server to push): the feed reads the records after
//     its last seq every `poll_interval`: one indexed range read on the audit
//     log's primary key, which returns nothing when nothing changed.
// Wake() makes the feed read now (e.g. on an in-process Registry event), so
// changes made in this process arrive without the interval's delay.
//
// Threads: the feed owns one thread, started by Start and joined by the
// destructor; the listener and on_status run on it, in seq order. The
// PostgreSQL listener connection belongs to that thread. LISTEN is used when
// the Registry was opened with a postgres_url (RegistryOptions); otherwise
// the feed polls, as on SQLite.
#ifndef PODIUM_REGISTRY_CHANGE_FEED_H_
#define PODIUM_REGISTRY_CHANGE_FEED_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "registry/change_event.h"
#include "registry/registry.h"

namespace podium::registry {

class PostgresListener;

struct ChangeFeedOptions {
  // A token the feed reads the audit log with (any role may read).
  std::string token;
  // Deliver the changes after this seq: typically Registry::ChangeSequence,
  // read before the state the subscriber starts from.
  int64_t after_seq = 0;
  // SQLite: how often the feed looks for changes of other processes.
  std::chrono::milliseconds poll_interval{50};
  // PostgreSQL: the longest wait for a notification before reading anyway.
  std::chrono::milliseconds notify_timeout{2000};
  // After a failure (store unavailable, listener connection lost) the feed
  // waits min_backoff, doubling up to max_backoff, and tries again for as
  // long as it lives.
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
  // Called for each change, in seq order (required).
  ChangeListener listener;
  // Called when reading fails (with the error) and when it works again
  // after a failure (with OK). Optional.
  std::function<void(const Status&)> on_status;
};

class ChangeFeed {
 public:
  // Starts the feed's thread. `registry` must outlive the feed.
  // kInvalidArgument without a listener or token.
  static Result<std::unique_ptr<ChangeFeed>> Start(Registry* registry, ChangeFeedOptions options);
  // Stops and joins the thread (a listener call in progress finishes first).
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Read now instead of at the next interval. Thread-safe and never blocks;
  // callers must stop calling it before the feed is destroyed.
  void Wake();
  // The seq of the last change delivered (or after_seq). Thread-safe.
  int64_t last_seq() const { return last_seq_.load(); }
  // OK, or the error that makes the feed retry now. Thread-safe.
  Status health() const;

 private:
  ChangeFeed(Registry* registry, ChangeFeedOptions options);
  void Run();                           // the feed's thread
  Status CatchUp();                     // reads and delivers the records after last_seq_
  void Sleep(std::chrono::milliseconds duration);  // until the duration passed, Wake or stop
  void DrainWake();
  void SetHealth(const Status& status);

  Registry* const registry_;
  const ChangeFeedOptions options_;
  const bool postgres_;
  int wake_pipe_[2] = {-1, -1};  // Wake writes a byte; the thread polls the read end
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> last_seq_;

  mutable std::mutex health_mutex_;  // guards health_
  Status health_;

  std::unique_ptr<PostgresListener> listener_;  // used by thread_ only
  std::thread thread_;                          // started last, joined by the destructor
};

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_CHANGE_FEED_H_
