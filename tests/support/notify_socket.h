// The service manager's end of systemd's notify protocol, for the tests of apigw's Type=notify
// support: a unix datagram socket the gateway is pointed at with NOTIFY_SOCKET, read as systemd
// reads it (one datagram per notification).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace apigw::test {

class NotifySocket {
 public:
  // `path`: a file path, or "@name" for an abstract socket.
  explicit NotifySocket(std::string path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // What to put in the gateway's environment.
  std::string environment() const { return "NOTIFY_SOCKET=" + path_; }
  // The next notification, or nullopt when none came within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace apigw::test
