// Clients for integration tests: raw sockets (for malformed and smuggling requests, where a real
// client would refuse to send what we need) and curl (for everything a user would do).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::test {

// Response headers, names lower-cased, last value wins. Reading a missing header through a const
// map gives "" so that assertions read naturally: EXPECT_EQ(r.headers["connection"], "close").
class HeaderMap : public std::map<std::string, std::string> {
 public:
  using std::map<std::string, std::string>::operator[];
  std::string operator[](const std::string& name) const {
    const auto found = find(name);
    return found == end() ? std::string() : found->second;
  }
};

struct HttpResponse {
  int status = 0;
  HeaderMap headers;
  std::string body;
  std::string raw;
};

// Sends `request` as-is to 127.0.0.1:port and reads until the server closes or `timeout`.
std::string raw_exchange(int port, std::string_view request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Parses the first response in `raw` (Content-Length or chunked or until the end).
HttpResponse parse_response(std::string_view raw);

// Parses every response in `raw`, for pipelining and keep-alive tests.
std::vector<HttpResponse> parse_responses(std::string_view raw);

// An open raw connection, for tests that send in pieces or hold connections.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool send(std::string_view bytes);
  // Reads what arrives until the peer closes or `timeout` passes without data.
  std::string read_until_close(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until one complete response has arrived (keeps the connection open).
  HttpResponse read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True if the peer closed the connection (reads EOF within `timeout`).
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;
};

struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string body;
  HeaderMap headers;  // of the last response
};

// Runs curl with `args` plus flags that capture status, headers and body.
CurlResult curl(const std::vector<std::string>& args);

// GET http://127.0.0.1:port/path with curl.
CurlResult http_get(int port, std::string_view path, const std::vector<std::string>& extra = {});

// GET 127.0.0.1:port/path from this process, on a fresh connection that asks for
// "Connection: close". For tests whose timing must not include starting a curl process (a loaded
// CI machine can take hundreds of milliseconds to start one). `headers` are extra header lines
// ("X-User: u1"). A response that did not arrive within `timeout` has status 0.
HttpResponse get_in_process(int port, std::string_view path,
                            const std::vector<std::string>& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace apigw::test
