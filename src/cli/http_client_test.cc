// The --server client against sockets that misbehave: refused connections,
// a server that never answers, and one canned answer.
#include "cli/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace podium::cli {
namespace {

// A listening socket on 127.0.0.1 and a free port.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 4);
    socklen_t length = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int fd() const { return fd_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HttpClientTest, RefusesUrlsItCannotUse) {
  for (const char* url : {"https://127.0.0.1:8080", "127.0.0.1:8080", "http://", "http://host:http",
                          "http://host:70000", "http://[::1"}) {
    Result<HttpClient> client = HttpClient::Create(url, {});
    ASSERT_FALSE(client.ok()) << url;
    EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument) << url;
  }
  Result<HttpClient> client = HttpClient::Create("http://127.0.0.1:8080/", {});
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->base_url(), "http://127.0.0.1:8080");
}

TEST(HttpClientTest, AClosedPortIsUnavailable) {
  std::string url;
  {
    Listener listener;
    url = listener.url();
  }  // closed: nothing listens there now
  Result<HttpClient> client = HttpClient::Create(url, {});
  ASSERT_TRUE(client.ok());
  Result<HttpAnswer> answer = client->Send("GET", "/x", "", "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("cannot reach the server at " + url), std::string::npos)
      << answer.status().message();
}

TEST(HttpClientTest, ASilentServerTimesOut) {
  Listener listener;  // the kernel completes the handshake; nobody ever answers
  HttpClient::Options options;
  options.timeout_seconds = 0.3;
  Result<HttpClient> client = HttpClient::Create(listener.url(), options);
  ASSERT_TRUE(client.ok());
  Result<HttpAnswer> answer = client->Send("GET", "/x", "", "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("no answer from " + listener.url()), std::string::npos)
      << answer.status().message();
}

TEST(HttpClientTest, SendsTheRequestAndReadsAnyStatus) {
  Listener listener;
  std::string received;
  std::thread server([&] {
    const int connection = ::accept(listener.fd(), nullptr, nullptr);
    char buffer[4096];
    while (received.find("\r\n\r\n") == std::string::npos || received.find("{\"a\":1}") == std::string::npos) {
      const ssize_t n = ::recv(connection, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    const std::string answer =
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"error\": \"nope\"}";
    ::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(connection);
  });
  Result<HttpClient> client = HttpClient::Create(listener.url() + "/base", {});
  ASSERT_TRUE(client.ok());
  Result<HttpAnswer> answer = client->Send("POST", "/v1/x?y=1", "{\"a\":1}", "tok");
  server.join();
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->content_type, "application/json");
  EXPECT_EQ(answer->body, "{\"error\": \"nope\"}");
  EXPECT_EQ(received.rfind("POST /base/v1/x?y=1 HTTP/1.1\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("Authorization: Bearer tok\r\n"), std::string::npos) << received;
  EXPECT_NE(received.find("Content-Type: application/json\r\n"), std::string::npos) << received;
}

}  // namespace
}  // namespace podium::cli
