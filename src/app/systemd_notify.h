// Tells the service manager how the gateway is doing: systemd's notify protocol (a Type=notify
// unit), written against its documented socket interface rather than linking libsystemd for one
// sendto(): each message is one datagram of NAME=value lines to the unix socket named by
// $NOTIFY_SOCKET (a path, or an abstract socket when it starts with '@'). Without the variable
// every call does nothing, so the same binary runs under systemd, a container runtime or a shell.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace apigw::app {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET. The variable stays set: a binary upgrade's new process reports through
  // the same socket once it is the service's main process.
  static SystemdNotifier from_environment();

  bool enabled() const { return !socket_path_.empty(); }
  // The listeners are bound and the workers serve.
  void ready(std::string_view status) const;
  // A reload has begun (SIGHUP or a changed file); `ready` ends it.
  void reloading() const;
  // Draining before exit.
  void stopping() const;
  // A binary upgrade's new process serves: it becomes the main process of the service.
  void handed_over_to(pid_t new_main_pid) const;
  // Sends `message` as one datagram; returns false when it could not be sent (logged once).
  bool send(std::string_view message) const;

 private:
  std::string socket_path_;
  mutable bool warned_ = false;
};

}  // namespace apigw::app
