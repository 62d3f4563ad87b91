#include "app/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "util/log.h"

namespace apigw::app {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier notifier;
  const char* path = std::getenv("NOTIFY_SOCKET");
  // Only unix sockets: systemd 252 (Debian 12) names no other kind.
  if (path != nullptr && (path[0] == '/' || path[0] == '@')) notifier.socket_path_ = path;
  return notifier;
}

void SystemdNotifier::ready(std::string_view status) const {
  send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::reloading() const {
  // MONOTONIC_USEC lets systemd tell this reload from an earlier one (required by systemd 253's
  // Type=notify-reload, harmless before).
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto microseconds = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                            static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(microseconds) +
       "\nSTATUS=reloading the config");
}

void SystemdNotifier::stopping() const { send("STOPPING=1\nSTATUS=draining connections"); }

void SystemdNotifier::handed_over_to(pid_t new_main_pid) const {
  send("MAINPID=" + std::to_string(new_main_pid) + "\nREADY=1\nSTATUS=upgraded: process " +
       std::to_string(new_main_pid) + " serves");
}

bool SystemdNotifier::send(std::string_view message) const {
  if (!enabled()) return true;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof address.sun_path) {
    if (!warned_) util::log_warn("NOTIFY_SOCKET is too long for a unix socket address; ignored");
    warned_ = true;
    return false;
  }
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  if (socket_path_[0] == '@') {
    address.sun_path[0] = '\0';  // abstract namespace: no terminating NUL counted
  } else {
    ++length;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  bool sent = false;
  if (fd >= 0) {
    sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&address),
                    length) == static_cast<ssize_t>(message.size());
    const int saved = errno;
    ::close(fd);
    errno = saved;
  }
  if (!sent && !warned_) {
    util::log_warn("cannot notify the service manager at " + socket_path_ + ": " +
                   std::strerror(errno));
    warned_ = true;
  }
  return sent;
}

}  // namespace apigw::app
