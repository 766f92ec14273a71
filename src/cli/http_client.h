// A small synchronous HTTP/1.1 client (Boost.Beast) for `podium ... --server
// URL`: one request per connection, plain http:// only, every request
// bounded by a timeout (connect, send and receive together).
//
// Errors: kInvalidArgument for a URL it cannot use (https, no host, a bad
// port), kUnavailable when the server cannot be reached, refuses the
// connection, or does not answer in time, naming the URL. Any HTTP status is
// a successful exchange: the caller reads it.
// Thread-compatible.
#ifndef PODIUM_CLI_HTTP_CLIENT_H_
#define PODIUM_CLI_HTTP_CLIENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace podium::cli {

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  struct Options {
    double timeout_seconds = 60;
    uint64_t max_answer_bytes = uint64_t{1} << 30;
  };

  // `base_url`: "http://HOST[:PORT][/PREFIX]" (port 80 when omitted); the
  // prefix is put before every target.
  static Result<HttpClient> Create(std::string_view base_url, Options options);

  // `target` is a path and query below the base URL. A non-empty `bearer`
  // is sent as "Authorization: Bearer ..."; a non-empty body as JSON.
  Result<HttpAnswer> Send(std::string_view method, std::string_view target, std::string_view body,
                          std::string_view bearer) const;

  const std::string& base_url() const { return base_url_; }

 private:
  HttpClient(std::string base_url, std::string host, std::string port, std::string prefix, Options options)
      : base_url_(std::move(base_url)),
        host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)),
        options_(options) {}

  std::string base_url_;
  std::string host_;
  std::string port_;
  std::string prefix_;
  Options options_;
};

}  // namespace podium::cli

#endif  // PODIUM_CLI_HTTP_CLIENT_H_
