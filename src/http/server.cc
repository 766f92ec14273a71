// The one translation unit that includes Boost.Beast (template-heavy).
#include "http/server.h"

#include <atomic>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <csignal>
#include <functional>
#include <memory>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace podium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
// Sessions run on one io_context each; naming its executor type (instead of
// the type-erased any_io_executor of beast::tcp_stream) spares every
// asynchronous operation the erased executor's copies.
using IoExecutor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<IoExecutor>::other;
using PlainStream = beast::basic_stream<tcp, IoExecutor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<PlainStream>;

namespace {

std::chrono::steady_clock::duration Duration(double seconds) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

constexpr size_t kLingerBytes = 1 << 20;  // read and drop at most this much after refusing a request
constexpr double kLingerSeconds = 2;
constexpr auto kDrainPoll = std::chrono::milliseconds(20);
constexpr int kBlockingNice = 10;

}  // namespace

// A connection the server can close when it stops (see Impl::CloseAll).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void CloseNow() = 0;
};

// Owns the io contexts, listener, signal set and drain timer. Members are
// touched by the io threads only through handlers, except the atomics.
//
// Threads: one io_context per io thread, each run by exactly that thread, so
// a connection's handlers never race and need no strand, and the threads
// share no reactor lock. Connections are dealt to the contexts in turn as
// they are accepted. contexts[0] also runs the acceptor, the signal set and
// the drain timer.
class HttpServer::Impl {
 public:
  Impl(Options o, Service* s, Metrics* m, std::function<void()> reload)
      : options(std::move(o)),
        service(s),
        metrics(m),
        on_reload(std::move(reload)),
        contexts(MakeContexts(options.threads)),
        acceptor(*contexts[0]),
        signals(*contexts[0]),
        drain_timer(*contexts[0]) {
    for (auto& context : contexts) guards.emplace_back(asio::make_work_guard(*context));
    // The blocking thread runs at a lower priority (nice 10) so that a model
    // load competing for the cores delays itself, not the requests being
    // answered meanwhile. Best effort: without the permission it stays as is.
    asio::post(blocking, [] {
#ifdef __linux__
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kBlockingNice);
#endif
    });
  }

  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (int i = 0; i < std::max(threads, 1); ++i) made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }
  // The context of the next connection or posted task (round robin).
  asio::io_context& NextContext() {
    return *contexts[next_context.fetch_add(1, std::memory_order_relaxed) % contexts.size()];
  }
  void StopAll() {
    for (auto& context : contexts) context->stop();
  }

  void Accept();
  void WaitForSignal();
  void BeginShutdown();  // on the acceptor's strand
  void PollDrain();
  void Track(const std::shared_ptr<Connection>& connection);
  // Closes every connection still open; only once the io threads stopped.
  void CloseAll();

  const Options options;
  Service* const service;
  Metrics* const metrics;
  const std::function<void()> on_reload;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // Keep every context's run() going while it has no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::atomic<size_t> next_context{0};
  // Runs the requests that may block for long (model loads, registry writes
  // with their fsyncs) so that the io threads keep answering. Declared after
  // the contexts: destroyed, and so joined, first.
  asio::thread_pool blocking{1};
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;
  // Set when the server speaks HTTPS; shared read-only by every session.
  std::optional<ssl::context> tls;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  int port = 0;

  std::mutex connections_mutex;  // guards connections
  std::vector<std::weak_ptr<Connection>> connections;
};

namespace {

// One connection: read a request, answer it, and again while keep-alive.
// Owned by the handlers of its pending operation (shared_from_this); runs on
// the one thread of its io context. Stream: PlainStream (HTTP) or
// beast::ssl_stream over it (HTTPS, after a handshake).
template <typename Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;

  Session(Socket&& socket, HttpServer::Impl* server)
    requires(!kTls)
      : stream_(std::move(socket)), server_(server) {}
  Session(Socket&& socket, HttpServer::Impl* server, ssl::context& tls)
    requires(kTls)
      : stream_(std::move(socket), tls), server_(server) {}

  void CloseNow() override {
    beast::error_code ignored;
    Lowest().socket().close(ignored);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Lowest().expires_after(Duration(self->server_->options.read_timeout_seconds));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();  // not TLS, a bad certificate check, a timeout
          self->ReadHeader();
        });
      } else {
        self->ReadHeader();
      }
    });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  PlainStream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    if (server_->draining.load()) return Close();
    parser_.emplace();
    parser_->header_limit(server_->options.max_header_bytes);
    parser_->body_limit(server_->options.max_body_bytes);
    Lowest().expires_after(Duration(server_->options.idle_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue), [self = shared_from_this()](beast::error_code e, size_t) {
        if (e) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(Duration(server_->options.read_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    server_->in_flight.fetch_add(1);
    server_->metrics->AddInFlight(1);
    bhttp::request<bhttp::string_body> req = parser_->release();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.podium_key = std::string(req["X-Podium-Key"]);
    request.body = std::move(req.body());
    keep_alive_ = req.keep_alive() && !server_->draining.load();
    const unsigned version = req.version();
    const bool head = req.method() == bhttp::verb::head;
    if (RunsOffIoThread(request.target)) {
      asio::post(server_->blocking, [self = shared_from_this(), request = std::move(request), version, head] {
        HttpResponse answer = self->server_->service->Handle(request);
        asio::post(self->stream_.get_executor(), [self, answer = std::move(answer), version, head]() mutable {
          self->Respond(std::move(answer), version, head);
        });
      });
      return;
    }
    Respond(server_->service->Handle(request), version, head);
  }

  // Admin actions (a reload reads and compiles a model) and registry calls
  // (database writes) may take long; scoring, health and metrics do not.
  static bool RunsOffIoThread(std::string_view target) {
    return target.starts_with("/v1/admin/") || target.starts_with("/v1/registry");
  }

  // The status line and headers are written by hand into one buffer and sent
  // with the body in one gathered write: the answer's shape is fixed, and
  // Beast's general serializer cost more than the rest of a small answer.
  void Respond(HttpResponse answer, unsigned version, bool head) {
    head_.clear();
    head_.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    head_.append(std::to_string(answer.status));
    head_.push_back(' ');
    const beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(answer.status));
    head_.append(reason.empty() ? std::string_view("Unknown") : std::string_view(reason.data(), reason.size()));
    head_.append("\r\nServer: podium\r\nContent-Type: ");
    AppendHeaderText(answer.content_type);
    head_.append("\r\nContent-Length: ");
    head_.append(std::to_string(answer.body.size()));
    if (version == 10 && keep_alive_) head_.append("\r\nConnection: keep-alive");
    if (version != 10 && !keep_alive_) head_.append("\r\nConnection: close");
    for (const auto& [name, value] : answer.headers) {
      head_.append("\r\n");
      AppendHeaderText(name);
      head_.append(": ");
      AppendHeaderText(value);
    }
    head_.append("\r\n\r\n");
    body_ = std::move(answer.body);
    if (head) body_.clear();
    Lowest().expires_after(Duration(server_->options.read_timeout_seconds));
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  // Header names and values come from the service; a CR or LF in one would
  // split the header, so control characters become spaces.
  void AppendHeaderText(std::string_view text) {
    for (char c : text) head_.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }

  void OnWrite(beast::error_code ec, size_t) {
    server_->in_flight.fetch_sub(1);
    server_->metrics->AddInFlight(-1);
    if (ec) return Close();
    if (!keep_alive_ || server_->draining.load()) return Close();
    ReadHeader();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Refuse(413, "the request body is larger than the limit of " +
                             std::to_string(server_->options.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return Refuse(431, "the request header is larger than the limit of " +
                             std::to_string(server_->options.max_header_bytes) + " bytes");
    }
    if (ec.category() == beast::error_code(bhttp::error::bad_target).category() && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return Refuse(400, "malformed HTTP request: " + ec.message());
    }
    Close();  // end of stream, timeout, reset: nothing to answer
  }

  // Answers a request that could not be read and closes after draining what
  // the client still sends (so it can read the answer before the close).
  void Refuse(int status, const std::string& message) {
    server_->metrics->RecordRequest("transport", "", 0, status, 0, 0);
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<unsigned>(status));
    response_->set(bhttp::field::server, "podium");
    response_->set(bhttp::field::content_type, "application/json");
    response_->keep_alive(false);
    std::string escaped;
    for (char c : message) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) escaped += c;
    }
    response_->body() = "{\"error\":\"" + escaped + "\"}";
    response_->prepare_payload();
    Lowest().expires_after(Duration(server_->options.read_timeout_seconds));
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      beast::error_code ignored;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->Lowest().expires_after(Duration(kLingerSeconds));
      self->Linger();
    });
  }

  void Linger() {
    if (lingered_ >= kLingerBytes) return Close();
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->lingered_ += n;
      if (ec) return self->Close();
      self->Linger();
    });
  }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Stream stream_;
  HttpServer::Impl* const server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;  // Refuse only
  std::string head_;  // Respond: status line and headers
  std::string body_;  // Respond: the body
  bool keep_alive_ = false;
  size_t lingered_ = 0;
  std::array<char, 16384> discard_{};
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(NextContext(), [this](beast::error_code ec, Socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // shutting down
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        auto session = std::make_shared<Session<TlsStream>>(std::move(socket), this, *tls);
        Track(session);
        session->Start();
      } else {
        auto session = std::make_shared<Session<PlainStream>>(std::move(socket), this);
        Track(session);
        session->Start();
      }
    }
    if (!draining.load()) Accept();
  });
}

void HttpServer::Impl::Track(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(connections_mutex);
  if (connections.size() >= 1024 && connections.size() == connections.capacity()) {
    std::erase_if(connections, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
  }
  connections.push_back(connection);
}

void HttpServer::Impl::CloseAll() {
  std::lock_guard<std::mutex> lock(connections_mutex);
  for (const std::weak_ptr<Connection>& weak : connections) {
    if (std::shared_ptr<Connection> connection = weak.lock()) connection->CloseNow();
  }
  connections.clear();
}

void HttpServer::Impl::WaitForSignal() {
  signals.async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      if (on_reload) on_reload();
      WaitForSignal();
      return;
    }
    if (draining.load()) {
      StopAll();  // a second SIGTERM/SIGINT: stop now
      return;
    }
    BeginShutdown();  // already on contexts[0], the acceptor's thread
    WaitForSignal();
  });
}

void HttpServer::Impl::BeginShutdown() {
  if (draining.exchange(true)) return;
  service->SetReady(false);
  beast::error_code ignored;
  acceptor.close(ignored);
  drain_deadline = std::chrono::steady_clock::now() + Duration(options.drain_timeout_seconds);
  PollDrain();
}

void HttpServer::Impl::PollDrain() {
  if (in_flight.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
    StopAll();
    return;
  }
  drain_timer.expires_after(kDrainPoll);
  drain_timer.async_wait([this](beast::error_code) { PollDrain(); });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Create(Options options, Service* service, Metrics* metrics,
                                                       std::function<void()> on_reload) {
  if (options.threads < 1) return InvalidArgumentError("threads must be at least 1");
  auto impl = std::make_unique<Impl>(std::move(options), service, metrics, std::move(on_reload));
  beast::error_code ec;
  if (!impl->options.tls_cert_file.empty() || !impl->options.tls_key_file.empty()) {
    if (impl->options.tls_cert_file.empty() || impl->options.tls_key_file.empty()) {
      return InvalidArgumentError("TLS needs both a certificate file and a key file");
    }
    impl->tls.emplace(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    impl->tls->use_certificate_chain_file(impl->options.tls_cert_file, ec);
    if (ec) {
      return InvalidArgumentError("TLS certificate '" + impl->options.tls_cert_file + "': " + ec.message());
    }
    impl->tls->use_private_key_file(impl->options.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      // Also where a key that is not the certificate's is caught ("key values mismatch").
      return InvalidArgumentError("TLS key '" + impl->options.tls_key_file + "' for the certificate '" +
                                  impl->options.tls_cert_file + "': " + ec.message());
    }
    if (SSL_CTX_check_private_key(impl->tls->native_handle()) != 1) {
      return InvalidArgumentError("TLS key '" + impl->options.tls_key_file + "' does not match the certificate '" +
                                  impl->options.tls_cert_file + "'");
    }
  }
  const asio::ip::address address = asio::ip::make_address(impl->options.host, ec);
  if (ec) return InvalidArgumentError("host '" + impl->options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl->options.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + impl->options.host + ":" + std::to_string(impl->options.port) +
                            ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  if (impl->options.handle_signals) {
    impl->signals.add(SIGTERM);
    impl->signals.add(SIGINT);
    impl->signals.add(SIGHUP);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Shutdown() {
  // On the acceptor's thread: the accept handler uses the acceptor too.
  asio::post(*impl_->contexts[0], [impl = impl_.get()] { impl->BeginShutdown(); });
}

void HttpServer::Post(std::function<void()> task) { asio::post(impl_->NextContext(), std::move(task)); }

Status HttpServer::Run() {
  Impl& impl = *impl_;
  impl.Accept();
  if (impl.options.handle_signals) impl.WaitForSignal();
  auto run = [](asio::io_context& context) {
    for (;;) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        std::cerr << "podium server: error in a request handler: " << e.what() << "\n";
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl.contexts.size(); ++i) threads.emplace_back(run, std::ref(*impl.contexts[i]));
  run(*impl.contexts[0]);
  for (std::thread& t : threads) t.join();
  // Idle keep-alive connections and requests still being received are
  // closed, so their clients see the end instead of a silent socket.
  impl.CloseAll();
  return Status::Ok();
}

}  // namespace podium::http
