// A throw-away redis-server for client tests: a temp dir, a free loopback port, no persistence
// (--save "" --appendonly no), optionally a password. Killed (SIGKILL) when the object goes;
// stop() and start() restart it on the same port for reconnect tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {

class TestRedis {
 public:
  // Starts the server and waits until it answers PING; throws when it does not within 10 s
  // (or redis-server is missing: scripts/bootstrap.sh test).
  explicit TestRedis(std::string password = "");
  ~TestRedis();
  TestRedis(const TestRedis&) = delete;
  TestRedis& operator=(const TestRedis&) = delete;

  // Kills the server at once (SIGKILL: connections die without a goodbye).
  void stop();
  // Starts it again on the same port.
  void start();
  bool running() const { return process_ != nullptr; }

  int port() const { return port_; }
  // redis://[:password@]127.0.0.1:PORT/db
  std::string url(int db = 0) const;
  // Runs redis-cli against the server (authenticated) and returns its output, trailing newline
  // removed, e.g. cli({"-n", "3", "GET", "k"}).
  std::string cli(const std::vector<std::string>& args) const;

 private:
  TempDir dir_;
  std::string password_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace apigw::test
