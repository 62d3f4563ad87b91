#include "app/socket_handover.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace apigw::app {
namespace {

// A decimal environment value, or -1.
int read_count(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return -1;
  int value = -1;
  const char* end = text + std::strlen(text);
  const auto [at, ec] = std::from_chars(text, end, value);
  return ec == std::errc() && at == end && value >= 0 ? value : -2;
}

bool starts_with_name(const char* entry, const char* name) {
  const std::size_t length = std::strlen(name);
  return std::strncmp(entry, name, length) == 0 && entry[length] == '=';
}

}  // namespace

InheritedSockets::InheritedSockets(InheritedSockets&& other) noexcept
    : sockets_(std::move(other.sockets_)), ready_fd_(std::exchange(other.ready_fd_, -1)) {
  other.sockets_.clear();
}

InheritedSockets& InheritedSockets::operator=(InheritedSockets&& other) noexcept {
  if (this != &other) {
    close_unused();
    if (ready_fd_ >= 0) ::close(ready_fd_);
    sockets_ = std::move(other.sockets_);
    other.sockets_.clear();
    ready_fd_ = std::exchange(other.ready_fd_, -1);
  }
  return *this;
}

InheritedSockets::~InheritedSockets() {
  close_unused();
  if (ready_fd_ >= 0) ::close(ready_fd_);
}

InheritedSockets InheritedSockets::from_environment(std::string& error) {
  InheritedSockets inherited;
  const int count = read_count(kInheritedFdsVariable);
  const int ready = read_count(kUpgradeReadyVariable);
  ::unsetenv(kInheritedFdsVariable);
  ::unsetenv(kUpgradeReadyVariable);
  if (count == -2 || ready == -2) {
    error = std::string(kInheritedFdsVariable) + " and " + kUpgradeReadyVariable +
            " must be descriptor counts/numbers";
    return inherited;
  }
  for (int fd = 3; count > 0 && fd < 3 + count; ++fd) {
    int listening = 0;
    socklen_t size = sizeof listening;
    sockaddr_storage address{};
    socklen_t address_size = sizeof address;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) != 0 ||
        (address.ss_family != AF_INET && address.ss_family != AF_INET6)) {
      error = "inherited descriptor " + std::to_string(fd) + " is not a listening TCP socket";
      for (auto& [endpoint, taken] : inherited.sockets_) ::close(taken);
      inherited.sockets_.clear();
      return inherited;
    }
    // Not passed on to what this process starts, unless it hands them over itself.
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    server::tcp::endpoint endpoint;
    std::memcpy(endpoint.data(), &address, address_size);
    endpoint.resize(address_size);
    inherited.sockets_.emplace_back(endpoint, fd);
  }
  if (ready >= 0) {
    ::fcntl(ready, F_SETFD, FD_CLOEXEC);
    inherited.ready_fd_ = ready;
  }
  return inherited;
}

std::vector<int> InheritedSockets::take(const server::tcp::endpoint& endpoint) {
  std::vector<int> taken;
  std::erase_if(sockets_, [&](const auto& socket) {
    if (socket.first != endpoint) return false;
    taken.push_back(socket.second);
    return true;
  });
  return taken;
}

std::vector<std::string> InheritedSockets::close_unused() {
  std::vector<std::string> closed;
  for (const auto& [endpoint, fd] : sockets_) {
    const std::string host = endpoint.address().to_string();
    closed.push_back((endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
                     std::to_string(endpoint.port()));
    ::close(fd);
  }
  sockets_.clear();
  return closed;
}

void InheritedSockets::ready() {
  if (ready_fd_ < 0) return;
  const char byte = 'R';
  while (::write(ready_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(ready_fd_);
  ready_fd_ = -1;
}

std::optional<Successor> start_successor(const std::string& binary,
                                         const std::vector<std::string>& arguments,
                                         const std::vector<int>& sockets, std::string& error) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  // Everything the child needs is made before fork(): between fork and exec a child of a
  // threaded process may only make async-signal-safe calls (no allocation).
  std::vector<int> sources = sockets;
  sources.push_back(pipe_fds[1]);
  const int count = static_cast<int>(sockets.size());
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (starts_with_name(*entry, kInheritedFdsVariable) ||
        starts_with_name(*entry, kUpgradeReadyVariable))
      continue;
    environment.emplace_back(*entry);
  }
  environment.push_back(std::string(kInheritedFdsVariable) + "=" + std::to_string(count));
  environment.push_back(std::string(kUpgradeReadyVariable) + "=" + std::to_string(3 + count));
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<int> moved(sources.size(), -1);
  // Above every target descriptor, so that moving one into place never overwrites another.
  const int parking = 3 + static_cast<int>(sources.size());
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const int highest = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > INT_MAX
                          ? INT_MAX
                          : static_cast<int>(limit.rlim_cur);

  // Signals are blocked across fork(): in the child, until exec, this process's handlers (Asio's,
  // which write to this process's signal pipe) would swallow a SIGTERM meant for the child. The
  // child sets its dispositions first, then unblocks, so that a signal sent meanwhile acts on it.
  sigset_t all;
  sigset_t previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid != 0) ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    // Until the successor handles them: SIGTERM and SIGINT stop it (an abandoned upgrade), the
    // others are ignored rather than fatal.
    struct sigaction action {};
    ::sigemptyset(&action.sa_mask);
    action.sa_handler = SIG_DFL;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    action.sa_handler = SIG_IGN;
    for (const int ignored : {SIGHUP, SIGUSR1, SIGUSR2}) ::sigaction(ignored, &action, nullptr);
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      moved[i] = ::fcntl(sources[i], F_DUPFD, parking);
      if (moved[i] < 0) ::_exit(126);
    }
    // dup2 leaves the copy without FD_CLOEXEC: these, and 0-2, are what the successor gets.
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (::dup2(moved[i], 3 + static_cast<int>(i)) < 0) ::_exit(126);
    }
    if (::close_range(static_cast<unsigned>(parking), ~0U, 0) != 0) {
      for (int fd = parking; fd < highest; ++fd) ::close(fd);
    }
    ::execve(binary.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  return Successor{pid, pipe_fds[0]};
}

std::string own_binary_path(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) {
    std::error_code error;
    const auto path = std::filesystem::absolute(argv0, error);
    if (!error && ::access(path.c_str(), X_OK) == 0) return path.lexically_normal().string();
  }
  char path[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return {};
  return std::string(path, static_cast<std::size_t>(length));
}

std::string upgrade_refusal() {
  constexpr const char* kHow = "; replace the container instead";
  if (::getpid() == 1) {
    return std::string("apigw is PID 1 (a container's init): an upgrade would end the container") +
           kHow;
  }
  if (::getppid() != 1) return {};
  std::ifstream comm("/proc/1/comm");
  std::string init;
  std::getline(comm, init);
  for (const char* container_init : {"tini", "catatonit", "docker-init", "dumb-init"}) {
    if (init == container_init) {
      return "apigw runs under " + init +
             " (a container's init, which exits with its child): an upgrade would end the "
             "container" +
             kHow;
    }
  }
  return {};
}

}  // namespace apigw::app
