#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>

namespace podium::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

Result<HttpClient> HttpClient::Create(std::string_view base_url, Options options) {
  constexpr std::string_view kScheme = "http://";
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("https://", 0) == 0) {
    return InvalidArgumentError("--server '" + url + "': https is not supported; use http:// (e.g. on loopback or "
                                "behind a TLS-terminating proxy)");
  }
  if (url.rfind(kScheme, 0) != 0) {
    return InvalidArgumentError("--server '" + url + "': expected http://HOST:PORT");
  }
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
  std::string host = authority;
  std::string port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const size_t close = authority.find(']');
    if (close == std::string::npos) return InvalidArgumentError("--server '" + url + "': unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return InvalidArgumentError("--server '" + url + "': bad host");
      port = authority.substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgumentError("--server '" + url + "': no host");
  const bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return InvalidArgumentError("--server '" + url + "': the port must be a number in [1, 65535]");
  }
  return HttpClient(url, host, port, prefix, options);
}

Result<HttpAnswer> HttpClient::Send(std::string_view method, std::string_view target, std::string_view body,
                                    std::string_view bearer) const {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request;
  request.method_string(beast::string_view(method.data(), method.size()));
  const std::string full_target = prefix_ + std::string(target);
  request.target(beast::string_view(full_target.data(), full_target.size()));
  request.version(11);
  request.set(bhttp::field::host, host_ + ":" + port_);
  request.set(bhttp::field::user_agent, "podium-cli");
  request.set(bhttp::field::connection, "close");
  if (!bearer.empty()) request.set(bhttp::field::authorization, "Bearer " + std::string(bearer));
  if (!body.empty()) {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = std::string(body);
  }
  request.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.max_answer_bytes);

  // The whole exchange is one chain of asynchronous steps on this thread;
  // run_for bounds it, so a silent server cannot hang the command.
  beast::error_code failure;
  const char* failed_step = nullptr;
  bool done = false;
  auto fail = [&](const char* step, beast::error_code ec) {
    failure = ec;
    failed_step = step;
  };
  resolver.async_resolve(host_, port_, [&](beast::error_code ec, tcp::resolver::results_type endpoints) {
    if (ec) return fail("resolve", ec);
    stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      bhttp::async_write(stream, request, [&](beast::error_code ec, size_t) {
        if (ec) return fail("send", ec);
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
          if (ec) return fail("receive", ec);
          done = true;
        });
      });
    });
  });
  const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(options_.timeout_seconds));
  ioc.run_for(timeout);
  if (!done && failed_step == nullptr) {
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%g", options_.timeout_seconds);
    return UnavailableError("no answer from " + base_url_ + " within " + seconds + " s");
  }
  if (failed_step != nullptr) {
    return UnavailableError(std::string("cannot reach the server at ") + base_url_ + " (" + failed_step +
                            "): " + failure.message());
  }
  HttpAnswer answer;
  const auto& response = parser.get();
  answer.status = static_cast<int>(response.result_int());
  answer.content_type = std::string(response[bhttp::field::content_type]);
  answer.body = response.body();
  return answer;
}

}  // namespace podium::cli
