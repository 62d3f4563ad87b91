// A binary upgrade without a refused connection: the running process starts its successor with
// its listening sockets (the same kernel sockets, so connections waiting in their accept queues
// are not lost, which binding new SO_REUSEPORT sockets and closing the old ones would reset), the
// successor starts serving on them and says so through a pipe, and only then does the old process
// stop accepting and drain. The same hand-over nginx (SIGUSR2) and HAProxy (-x) make.
//
// The successor finds the sockets as descriptors 3 .. 3+N-1 with APIGW_INHERITED_FDS=N (the
// layout of systemd's socket activation) and its ready pipe at APIGW_UPGRADE_READY_FD; it tells
// the sockets apart by their bound address, so it may run another config (more or fewer workers,
// a listener added or dropped) than the process before it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/asio.h"

namespace apigw::app {

inline constexpr const char* kInheritedFdsVariable = "APIGW_INHERITED_FDS";
inline constexpr const char* kUpgradeReadyVariable = "APIGW_UPGRADE_READY_FD";

// The new process's side: what it inherited.
class InheritedSockets {
 public:
  InheritedSockets() = default;
  InheritedSockets(InheritedSockets&& other) noexcept;
  InheritedSockets& operator=(InheritedSockets&& other) noexcept;
  InheritedSockets(const InheritedSockets&) = delete;
  InheritedSockets& operator=(const InheritedSockets&) = delete;
  // Closes what no listener took and, when ready() was never called, the pipe: the old process
  // reads end-of-file and keeps serving.
  ~InheritedSockets();

  // Reads the variables and unsets them (processes this one starts inherit nothing). A descriptor
  // that is not a listening TCP socket makes `error` say which, and nothing is inherited.
  static InheritedSockets from_environment(std::string& error);

  // Started by an upgrade: the old process waits for ready().
  bool from_upgrade() const { return ready_fd_ >= 0; }
  std::size_t size() const { return sockets_.size(); }
  // The inherited sockets bound to `endpoint` (none: empty), now the caller's.
  std::vector<int> take(const server::tcp::endpoint& endpoint);
  // Closes the sockets no listener took (an address the new config dropped; connections waiting
  // on them are reset) and returns their addresses, for the log.
  std::vector<std::string> close_unused();
  // Tells the old process that this one serves.
  void ready();

 private:
  std::vector<std::pair<server::tcp::endpoint, int>> sockets_;
  int ready_fd_ = -1;
};

// The old process's side.
struct Successor {
  pid_t pid = -1;
  int ready_fd = -1;  // the read end of the ready pipe: one byte 'R', or end-of-file if it failed
};

// Starts `binary` with `arguments` (argv, argv[0] first) and this process's environment, handing
// it `sockets`. Returns nullopt with `error` set when it could not be started.
std::optional<Successor> start_successor(const std::string& binary,
                                         const std::vector<std::string>& arguments,
                                         const std::vector<int>& sockets, std::string& error);

// This process's binary, read once at start: the path it was started by (`argv0`, made absolute)
// when it names one — so that a symlink switched to a new version runs the new version — else
// /proc/self/exe. Read at start because after a package upgrade replaced the file,
// /proc/self/exe names the deleted one.
std::string own_binary_path(const std::string& argv0);

// Why an upgrade would end the service rather than renew it ("": it would not): apigw is a
// container's init (PID 1), or the child of one that exits with its child (tini, catatonit,
// docker-init, dumb-init): when the old process exits, the container ends, successor and all.
std::string upgrade_refusal();

}  // namespace apigw::app
