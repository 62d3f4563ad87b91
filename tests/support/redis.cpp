#include "support/redis.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace apigw::test {
namespace {

// Whether something accepts connections on 127.0.0.1:port (so redis-cli is not asked before,
// which would print "Could not connect" into the test output).
bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

}  // namespace

TestRedis::TestRedis(std::string password) : password_(std::move(password)), port_(free_port()) {
  start();
}

TestRedis::~TestRedis() { stop(); }

void TestRedis::start() {
  if (process_ != nullptr) return;
  std::vector<std::string> argv = {"redis-server", "--port",     std::to_string(port_),
                                   "--bind",       "127.0.0.1",  "--dir",
                                   dir_.path(),    "--save",     "",
                                   "--appendonly", "no",         "--daemonize",
                                   "no",           "--loglevel", "warning"};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  process_ = std::make_unique<Process>(argv, dir_.path() + "/redis.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts_connections(port_) || cli({"PING"}) != "PONG") {
    if (!process_->running()) {
      const std::string log = process_->log();
      process_.reset();
      throw std::runtime_error("redis-server exited at start (scripts/bootstrap.sh test): " + log);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("redis-server did not answer PING within 10 s: " + process_->log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void TestRedis::stop() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
  process_.reset();
}

std::string TestRedis::url(int db) const {
  const std::string auth = password_.empty() ? "" : ":" + password_ + "@";
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

std::string TestRedis::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
  if (!password_.empty()) {
    argv.insert(argv.end(), {"-a", password_, "--no-auth-warning"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output = run_command(argv, std::chrono::seconds(10)).output;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace apigw::test
