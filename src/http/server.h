// The network side of the scoring server: an event-driven HTTP/1.1 server
// with keep-alive on Boost.Beast/Asio. `threads` io threads run one
// io_context; each connection is a chain of asynchronous operations on its
// own strand (no thread per connection). Parsed requests go to a Service.
//
// Limits enforced here: header size (431), body size (413, read no further),
// the time to receive a request's header, idle keep-alive included
// (idle_timeout), and the time to receive its body (read_timeout); a slow or
// silent client is disconnected.
//
// Shutdown (SIGTERM, SIGINT or Shutdown()): readiness turns false first, the
// listener closes, keep-alive connections close after their current
// response, and the io threads stop once no request is in flight or the drain
// timeout passed; connections still open then (idle, or a request not fully
// received) are closed. SIGHUP calls `on_reload` (reload every model file).
// Signals are handled through an asio::signal_set owned by the server; there
// is no global state.
//
// Ownership and threads: the HttpServer owns the io_context, the listener,
// the signal set and the io threads, which Run() starts and joins. The
// Service, Metrics and on_reload callback are not owned and must outlive
// Run(). Thread-safe: Shutdown() and port() may be called from any thread.
#ifndef PODIUM_HTTP_SERVER_H_
#define PODIUM_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/metrics.h"
#include "http/service.h"

namespace podium::http {

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port (see port())
    int threads = 2;
    uint64_t max_body_bytes = 64ull << 20;
    uint32_t max_header_bytes = 16 << 10;
    double read_timeout_seconds = 30;
    double idle_timeout_seconds = 60;
    double drain_timeout_seconds = 10;
    bool handle_signals = true;  // SIGTERM/SIGINT drain, SIGHUP reload
    // HTTPS when both are set: PEM files of the certificate chain and its
    // private key, read once by Create (TLS 1.2 or later only).
    std::string tls_cert_file;
    std::string tls_key_file;
  };

  // Binds and listens (so port() is known before Run). kInvalidArgument for
  // a bad address, kUnavailable when the port cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Create(Options options, Service* service, Metrics* metrics,
                                                    std::function<void()> on_reload);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Serves until shutdown; blocks the calling thread, which becomes one of
  // the io threads.
  Status Run();
  // Begins a graceful shutdown.
  void Shutdown();
  // Runs `task` on an io thread, after the handlers already queued. Tasks
  // still queued when the server stops are dropped.
  void Post(std::function<void()> task);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_SERVER_H_
