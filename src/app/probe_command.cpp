#include "app/probe_command.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace apigw::app {

const char* const kProbeHelp =
    "usage: apigw probe [URL] [--timeout MS]\n"
    "\n"
    "Sends GET URL and exits 0 when the answer is 2xx, 1 when it is not or none came (printing\n"
    "the status line or the reason). For container health checks: the image has no curl.\n"
    "\n"
    "options:\n"
    "  URL            http://HOST:PORT/PATH (default: http://127.0.0.1:9901/ready, the admin\n"
    "                 listener's readiness)\n"
    "  --timeout MS   for connecting and for the answer together (default: 2000)\n"
    "  -h, --help     this text\n";

namespace {

struct Target {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

bool parse_url(std::string_view url, Target& target) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  url.remove_prefix(kScheme.size());
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) target.path = std::string(url.substr(slash));
  if (authority.starts_with('[')) {  // [v6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    target.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority[0] != ':') return false;
      target.port = std::string(authority.substr(1));
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) target.port = std::string(authority.substr(colon + 1));
  }
  return !target.host.empty() && !target.port.empty() &&
         target.path.find_first_of("\r\n ") == std::string::npos;
}

int unhealthy(const std::string& why) {
  std::printf("%s\n", why.c_str());
  return 1;
}

// Milliseconds left until `deadline`, at least 0.
int remaining(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

int probe(const Target& target, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found);
      error != 0) {
    return unhealthy("cannot resolve " + target.host + ": " + ::gai_strerror(error));
  }
  int fd = -1;
  std::string failure = "no address";
  for (const addrinfo* address = found; address != nullptr && fd < 0; address = address->ai_next) {
    fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      failure = std::strerror(errno);
      continue;
    }
    int error = 0;
    if (::connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        pollfd writable{fd, POLLOUT, 0};
        error = ETIMEDOUT;
        socklen_t size = sizeof error;
        if (::poll(&writable, 1, remaining(deadline)) == 1) {
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
        }
      }
    }
    if (error != 0) {
      failure = std::strerror(error);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0)
    return unhealthy("cannot connect to " + target.host + ":" + target.port + ": " + failure);

  // An IPv6 literal goes in brackets (Host: [::1]:9901), or a server (apigw too) refuses it.
  const std::string host =
      target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
  const std::string request = "GET " + target.path + " HTTP/1.1\r\nHost: " + host +
                              (target.port == "80" ? "" : ":" + target.port) +
                              "\r\nUser-Agent: apigw-probe\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  std::string answer;
  char buffer[1024];
  while (answer.find("\r\n") == std::string::npos) {
    pollfd ready{fd, static_cast<short>(sent < request.size() ? POLLOUT : POLLIN), 0};
    if (::poll(&ready, 1, remaining(deadline)) != 1) {
      ::close(fd);
      return unhealthy("no answer within " + std::to_string(timeout.count()) + " ms");
    }
    if (sent < request.size()) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return unhealthy("cannot send the request: " + why);
      }
      if (n > 0) sent += static_cast<std::size_t>(n);
      continue;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN)) break;
    if (n > 0) answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t line_end = answer.find("\r\n");
  if (line_end == std::string::npos) return unhealthy("the connection closed without an answer");
  const std::string status_line = answer.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  const bool healthy = status_line.size() >= 12 && status_line.starts_with("HTTP/1.") &&
                       status_line[8] == ' ' && status_line[9] == '2';
  std::printf("%s\n", status_line.c_str());
  return healthy ? 0 : 1;
}

}  // namespace

int probe_command(const std::vector<std::string>& args) {
  std::string url = "http://127.0.0.1:9901/ready";
  long timeout_ms = 2000;
  bool url_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout" && i + 1 < args.size()) {
      char* end = nullptr;
      timeout_ms = std::strtol(args[++i].c_str(), &end, 10);
      if (*end != '\0' || timeout_ms <= 0 || timeout_ms > 600000) {
        std::fprintf(stderr, "apigw probe: --timeout must be milliseconds, 1 to 600000\n");
        return 2;
      }
    } else if (!url_given && !args[i].starts_with("-")) {
      url = args[i];
      url_given = true;
    } else {
      std::fprintf(stderr, "apigw probe: unknown option '%s'\n\n%s", args[i].c_str(), kProbeHelp);
      return 2;
    }
  }
  Target target;
  if (!parse_url(url, target)) {
    std::fprintf(stderr, "apigw probe: '%s' is not an http://HOST:PORT/PATH URL\n", url.c_str());
    return 2;
  }
  return probe(target, std::chrono::milliseconds(timeout_ms));
}

}  // namespace apigw::app
