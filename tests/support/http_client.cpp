#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  return fd;
}

// Returns the size of the first complete response in `raw`, or 0 if incomplete.
std::size_t complete_response_size(std::string_view raw, HttpResponse* out) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  HttpResponse response;
  std::istringstream lines(std::string(raw.substr(0, head_end)));
  std::string line;
  std::getline(lines, line);
  if (line.size() >= 12) response.status = std::atoi(line.substr(9, 3).c_str());
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    response.headers[lower(line.substr(0, colon))] = value;
  }
  std::size_t position = head_end + 4;
  const bool no_body = response.status == 204 || response.status == 304 ||
                       (response.status >= 100 && response.status < 200);
  if (no_body) {
  } else if (response.headers.count("content-length")) {
    const std::size_t length = std::stoull(response.headers["content-length"]);
    if (raw.size() < position + length) return 0;
    response.body = std::string(raw.substr(position, length));
    position += length;
  } else if (lower(response.headers["transfer-encoding"]) == "chunked") {
    for (;;) {
      const std::size_t line_end = raw.find("\r\n", position);
      if (line_end == std::string_view::npos) return 0;
      const std::size_t size =
          std::stoull(std::string(raw.substr(position, line_end - position)), nullptr, 16);
      position = line_end + 2;
      if (size == 0) {
        const std::size_t trailer_end = raw.find("\r\n", position);
        if (trailer_end == std::string_view::npos) return 0;
        position = trailer_end + 2;
        break;
      }
      if (raw.size() < position + size + 2) return 0;
      response.body.append(raw.substr(position, size));
      position += size + 2;
    }
  } else {
    response.body = std::string(raw.substr(position));
    position = raw.size();
  }
  response.raw = std::string(raw.substr(0, position));
  if (out != nullptr) *out = std::move(response);
  return position;
}

}  // namespace

std::string raw_exchange(int port, std::string_view request, std::chrono::milliseconds timeout) {
  RawConnection connection(port);
  connection.send(request);
  return connection.read_until_close(timeout);
}

HttpResponse parse_response(std::string_view raw) {
  HttpResponse response;
  if (complete_response_size(raw, &response) == 0) response.raw = std::string(raw);
  return response;
}

std::vector<HttpResponse> parse_responses(std::string_view raw) {
  std::vector<HttpResponse> responses;
  while (!raw.empty()) {
    HttpResponse response;
    const std::size_t size = complete_response_size(raw, &response);
    if (size == 0) break;
    responses.push_back(std::move(response));
    raw.remove_prefix(size);
  }
  return responses;
}

RawConnection::RawConnection(int port) : fd_(connect_loopback(port)) {}
RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  char chunk[65536];
  for (;;) {
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(timeout.count())) <= 0) break;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

HttpResponse RawConnection::read_response(std::chrono::milliseconds timeout) {
  char chunk[65536];
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    HttpResponse response;
    const std::size_t size = complete_response_size(pending_, &response);
    if (size > 0) {
      pending_.erase(0, size);
      return response;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    pending_.append(chunk, static_cast<std::size_t>(n));
  }
  HttpResponse incomplete;
  incomplete.raw = pending_;
  return incomplete;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  char chunk[4096];
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
    pending_.append(chunk, static_cast<std::size_t>(n));
  }
}

CurlResult curl(const std::vector<std::string>& args) {
  TempDir dir;
  const std::string headers_file = dir.path() + "/headers";
  const std::string body_file = dir.path() + "/body";
  std::vector<std::string> argv = {"curl",       "-sS", "--max-time", "60", "-D",
                                   headers_file, "-o",  body_file,    "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult run = run_command(argv, std::chrono::seconds(90));
  CurlResult result;
  result.exit_code = run.exit_code;
  result.status = std::atoi(run.output.c_str());
  std::ifstream body(body_file, std::ios::binary);
  std::stringstream body_text;
  body_text << body.rdbuf();
  result.body = body_text.str();
  std::ifstream headers(headers_file);
  std::string line;
  while (std::getline(headers, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {
      result.headers.clear();  // keep the last response's headers (after 100 Continue)
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    result.headers[lower(line.substr(0, colon))] = value;
  }
  return result;
}

CurlResult http_get(int port, std::string_view path, const std::vector<std::string>& extra) {
  std::vector<std::string> args = extra;
  args.push_back("http://127.0.0.1:" + std::to_string(port) + std::string(path));
  return curl(args);
}

HttpResponse get_in_process(int port, std::string_view path,
                            const std::vector<std::string>& headers,
                            std::chrono::milliseconds timeout) {
  std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& header : headers) request += header + "\r\n";
  request += "Connection: close\r\n\r\n";
  RawConnection connection(port);
  if (!connection.send(request)) return {};
  return connection.read_response(timeout);
}

}  // namespace apigw::test
