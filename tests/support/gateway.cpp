#include "support/gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace apigw::test {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool wait_for_port(int port, std::chrono::milliseconds timeout, const std::string& host) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v6;
  } else {
    throw std::invalid_argument("wait_for_port: not a numeric address: " + host);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(storage.ss_family, SOCK_STREAM, 0);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
    ::close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

EchoBackend::EchoBackend(std::string name, std::string host, std::vector<std::string> extra_args)
    : host_(std::move(host)), port_(free_port()) {
  record_path_ = dir_.path() + "/requests.log";
  command_ = {APIGW_BINARY, "echo-server", "--listen", address(),
              "--name",     name,          "--record", record_path_};
  command_.insert(command_.end(), extra_args.begin(), extra_args.end());
  start();
}

void EchoBackend::start() {
  process_ = std::make_unique<Process>(command_, dir_.path() + "/echo.log");
  if (!wait_for_port(port_, std::chrono::seconds(10), host_)) {
    throw std::runtime_error("echo backend did not start on " + address());
  }
}

std::vector<std::string> EchoBackend::received() const {
  std::vector<std::string> lines;
  std::ifstream file(record_path_);
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

std::string pool_config(const std::string& targets, const std::string& upstream_extra,
                        const std::string& route_extra, int workers,
                        const std::string& server_extra) {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = {workers}
{server_extra}
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{targets}]
{upstream_extra}
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
{route_extra}
)",
              {{"workers", std::to_string(workers)},
               {"targets", targets},
               {"upstream_extra", upstream_extra},
               {"route_extra", route_extra},
               {"server_extra", server_extra}});
}

std::string targets_toml(const std::vector<std::string>& addresses) {
  std::string list;
  for (const auto& address : addresses) list += "{ address = \"" + address + "\" },";
  return list;
}

std::string dead_address() { return "127.0.0.1:" + std::to_string(free_port()); }

std::string statuses(const Gateway& gateway, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const int status = get_in_process(gateway.port(), "/").status;
    out += status == 200 ? '.' : status == 502 ? 'x' : '?';
  }
  return out;
}

Gateway::Gateway(const std::string& config, std::vector<std::string> extra_env)
    : port_(free_port()), admin_port_(free_port()) {
  write_config(config);
  process_ =
      std::make_unique<Process>(std::vector<std::string>{APIGW_BINARY, "run", "-c", config_path_},
                                dir_.path() + "/apigw.log", std::move(extra_env));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) break;
    if (wait_for_port(admin_port_, std::chrono::milliseconds(50))) {
      const auto response = parse_response(raw_exchange(
          admin_port_, "GET /ready HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n"));
      if (response.status == 200) return;
    }
  }
  throw std::runtime_error("apigw did not become ready:\n" + process_->log());
}

Gateway::~Gateway() {
  if (!::testing::Test::HasFailure() || !process_) return;
  // A sanitizer report is what explains a failure; show it from its start, else the log's tail.
  const std::string text = process_->log();
  constexpr std::size_t kShown = 12000;
  std::size_t from = text.size() > kShown ? text.size() - kShown : 0;
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
    const std::size_t at = text.find(marker);
    if (at != std::string::npos) {
      from = at > 1000 ? at - 1000 : 0;  // with the lines logged just before it
      break;
    }
  }
  std::fprintf(stderr, "--- apigw log ---\n%s\n--- end of apigw log ---\n",
               text.substr(from, kShown).c_str());
}

void Gateway::write_config(const std::string& config) {
  const std::string text = fill(config, {{"port", std::to_string(port_)},
                                         {"admin_port", std::to_string(admin_port_)},
                                         {"dir", dir_.path()}});
  // Write then rename, as a config manager would, so a reload never sees half a file.
  const std::string staging = dir_.write("apigw.toml.tmp", text);
  config_path_ = dir_.path() + "/apigw.toml";
  std::rename(staging.c_str(), config_path_.c_str());
}

long Gateway::rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string Gateway::metrics() const {
  return parse_response(
             raw_exchange(admin_port_,
                          "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
      .body;
}

double Gateway::metric(const std::string& series) const {
  return metric_sample(metrics(), series);
}

double metric_sample(const std::string& text, const std::string& series) {
  const std::size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

bool Gateway::wait_for_metric(const std::string& needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metrics().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string statistics_config(const std::string& backend) {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "slow"
match = { path_prefix = "/delay/" }
upstream = "backend"
[[routes]]
name = "fast"
match = { path_prefix = "/api/" }
upstream = "backend"
[[routes]]
name = "statuses"
match = { path_prefix = "/status/" }
upstream = "backend"
)",
              {{"backend", backend}});
}

}  // namespace apigw::test
