// The gateway's side of a binary upgrade (SIGUSR2; app/socket_handover.h): start the successor
// with this process's listening sockets, wait for it to serve, then drain — or, when it fails,
// go on as if nothing happened.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "app/gateway.h"
#include "util/log.h"

namespace apigw::app {

using namespace std::chrono_literals;
namespace net = server::net;

namespace {

// How long a successor may take to serve (its store, DNS and certificates included) before it is
// stopped and the upgrade counted as failed.
constexpr auto kSuccessorReadyTimeout = 60s;

std::string exit_text(int status) {
  return WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                           : "was killed by signal " + std::to_string(WTERMSIG(status));
}

}  // namespace

void Gateway::wait_for_upgrade_signal() {
  upgrade_signal_.async_wait([this](server::error_code ec, int) {
    if (ec) return;
    begin_upgrade();
    wait_for_upgrade_signal();
  });
}

void Gateway::begin_upgrade() {
  if (shutting_down_) return;
  if (upgrading_) {
    util::log_warn(
        "SIGUSR2: an upgrade is already under way" +
        (successor_pid_ > 0 ? " (process " + std::to_string(successor_pid_) + ")" : std::string()));
    return;
  }
  if (const std::string refusal = upgrade_refusal(); !refusal.empty()) {
    util::log_warn("SIGUSR2: " + refusal);
    return;
  }
  if (binary_path_.empty() || command_line_.empty()) {
    util::log_error("SIGUSR2: cannot upgrade: this process's binary or command line is unknown");
    return;
  }
  upgrading_ = true;
  net::co_spawn(context_, start_successor_process(), net::detached);
}

server::awaitable<void> Gateway::start_successor_process() {
  // No admin write may land between the successor's reading of the store and the hand-over.
  co_await control_plane_->pause_writes();
  if (shutting_down_) co_return;
  std::vector<int> sockets;
  for (const auto& worker : workers_) {
    const std::vector<int> handles = worker->listening_handles();
    sockets.insert(sockets.end(), handles.begin(), handles.end());
  }
  if (const int admin = admin_->listening_handle(); admin >= 0) sockets.push_back(admin);
  std::string error;
  const auto successor = start_successor(binary_path_, command_line_, sockets, error);
  if (!successor) {
    util::log_error("SIGUSR2: cannot start " + binary_path_ + ": " + error);
    end_failed_upgrade();
    co_return;
  }
  successor_pid_ = successor->pid;
  successor_pipe_ = std::make_unique<net::posix::stream_descriptor>(context_, successor->ready_fd);
  util::log_info("SIGUSR2: started " + binary_path_ + " as process " +
                 std::to_string(successor_pid_) + " with " + std::to_string(sockets.size()) +
                 " listening sockets; this process serves until it is ready (admin writes wait)");
  successor_deadline_.expires_after(kSuccessorReadyTimeout);
  successor_deadline_.async_wait([this](server::error_code ec) {
    if (ec || handed_over_ || successor_pid_ <= 0) return;
    util::log_error("binary upgrade: process " + std::to_string(successor_pid_) +
                    " did not serve within 60 s; stopping it");
    ::kill(successor_pid_, SIGKILL);  // its end closes the pipe: the failure path below
  });
  wait_for_successor();
}

void Gateway::wait_for_successor() {
  successor_pipe_->async_read_some(
      net::buffer(successor_byte_), [this](server::error_code ec, std::size_t n) {
        if (ec == net::error::operation_aborted) return;
        successor_deadline_.cancel();
        successor_pipe_.reset();
        const std::string pid = std::to_string(successor_pid_);
        if (!ec && n == 1 && successor_byte_[0] == 'R' && !shutting_down_) {
          util::log_info("binary upgrade: process " + pid +
                         " serves; this process stops accepting and drains");
          notifier_.handed_over_to(successor_pid_);
          handed_over_ = true;
          // Its admin listener's queue is the successor's now too: stop taking from it at once,
          // so that no probe reaches a process that is about to answer /ready with 503.
          admin_->stop();
          begin_shutdown();
          return;
        }
        if (shutting_down_) return;  // abandoned at shutdown (begin_shutdown stopped it)
        // End of file without the byte: the successor exited (a config it refused, a binary
        // that does not start) or is about to; this process goes on as if nothing happened.
        reap_failed_successor(std::chrono::steady_clock::now() + 10s);
      });
}

void Gateway::reap_failed_successor(std::chrono::steady_clock::time_point give_up) {
  // Never a blocking waitpid on this thread: admin requests, signals and reloads go on meanwhile.
  int status = 0;
  if (::waitpid(successor_pid_, &status, WNOHANG) == successor_pid_) {
    util::log_error("binary upgrade failed: process " + std::to_string(successor_pid_) + " " +
                    exit_text(status) + " before it served; this process goes on serving");
    end_failed_upgrade();
    return;
  }
  if (std::chrono::steady_clock::now() >= give_up) ::kill(successor_pid_, SIGKILL);
  successor_deadline_.expires_after(20ms);
  successor_deadline_.async_wait([this, give_up](server::error_code ec) {
    if (!ec) reap_failed_successor(give_up);
  });
}

void Gateway::end_failed_upgrade() {
  successor_pid_ = -1;
  upgrading_ = false;
  control_plane_->resume_writes();
}

void Gateway::abandon_upgrade() {
  if (!upgrading_ || handed_over_) return;
  successor_deadline_.cancel();
  if (successor_pid_ > 0) {
    // Stopped, this process would leave the successor serving in its place.
    util::log_warn("stopping: the binary upgrade under way is abandoned; stopping process " +
                   std::to_string(successor_pid_));
    ::kill(successor_pid_, SIGTERM);
  }
}

void Gateway::check_on_successor() {
  if (successor_pid_ <= 0) return;
  int status = 0;
  if (::waitpid(successor_pid_, &status, WNOHANG) != successor_pid_) return;
  if (handed_over_) {
    util::log_error("binary upgrade: process " + std::to_string(successor_pid_) + " " +
                    exit_text(status) + " while this one drained: nothing accepts connections");
  }
  successor_pid_ = -1;
}

}  // namespace apigw::app
