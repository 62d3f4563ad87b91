#include "support/temp_dir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace apigw::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "apigw-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string full = path_ + "/" + name;
  std::ofstream file(full, std::ios::binary | std::ios::trunc);
  file << content;
  return full;
}

namespace {

// Whether a listener could bind `port` on 127.0.0.1 now (0: any; the port chosen is returned).
int bind_port(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  int bound = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    bound = ntohs(address.sin_port);
  }
  ::close(fd);
  return bound;
}

// The lowest port the kernel hands out to outgoing connections (ip_local_port_range).
int ephemeral_floor() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  range >> low;
  return low;
}

}  // namespace

int free_port() {
  // Below the kernel's ephemeral range: a port bind(0) returns is one that outgoing connections
  // also draw from, and a test opening hundreds of them (WebSocket tunnels, load) in parallel
  // with another could take it before that test's server binds it (EADDRINUSE). Random, checked
  // free now; bind(0) only if that range is too small.
  static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  const int floor = 10000;
  const int ceiling = ephemeral_floor() - 1;
  if (ceiling - floor >= 1000) {
    std::uniform_int_distribution<int> pick(floor, ceiling);
    for (int attempt = 0; attempt < 100; ++attempt) {
      const int port = pick(random);
      if (bind_port(port) == port) return port;
    }
  }
  return bind_port(0);
}

std::string fill(std::string text,
                 const std::initializer_list<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string token = "{" + key + "}";
    for (std::size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

}  // namespace apigw::test
