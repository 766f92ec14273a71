// A minimal blocking HTTP/1.1 client over a POSIX socket, for the server
// suites: keep-alive requests, raw bytes, and responses framed by
// Content-Length. Independent of Beast so the tests check the server from
// the outside. Thread-compatible: one client per thread.
#ifndef PODIUM_HTTP_TEST_CLIENT_H_
#define PODIUM_HTTP_TEST_CLIENT_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/config.h"
#include "http/scoring_server.h"

namespace podium::http::testing {

struct ClientResponse {
  bool ok = false;       // a complete response was read
  bool partial = false;  // some bytes of a response arrived, then the connection ended
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class TestClient {
 public:
  explicit TestClient(int port, double timeout_seconds = 10);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends a request (Host, Content-Length and the given headers) and reads
  // the response on the same connection.
  ClientResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});
  bool SendRaw(const std::string& bytes);
  ClientResponse ReadResponse();
  // True when the server closed the connection (read returns 0 or an error).
  bool ClosedByPeer();

 private:
  int fd_ = -1;
  std::string buffer_;
};

// A ScoringServer running Run() on its own thread until destroyed
// (Shutdown, then join).
class RunningServer {
 public:
  explicit RunningServer(const ServerConfig& config, bool handle_signals = false);
  ~RunningServer();
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  bool ok() const { return server_ != nullptr; }
  const Status& error() const { return error_; }
  int port() const { return server_->port(); }
  ScoringServer& server() { return *server_; }
  // Shuts down and waits for Run() to return.
  void Stop();

 private:
  Status error_;
  std::unique_ptr<ScoringServer> server_;
  std::thread thread_;
};

// The repository root (tests run with it as the working directory).
std::string SourcePath(const std::string& relative);
// A ServerConfig for tests: port 0, 2 threads, token "secret".
ServerConfig TestConfig();

}  // namespace podium::http::testing

#endif  // PODIUM_HTTP_TEST_CLIENT_H_
