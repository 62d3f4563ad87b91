// The running gateway: owns the workers, the admin listener, the access log and the current
// snapshot, and does everything that happens on the main thread: signals, reload (SIGHUP and
// file changes), periodic DNS re-resolution, the graceful drain on SIGTERM, the binary upgrade on
// SIGUSR2 (app/socket_handover.h) and the service manager's notifications.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "admin/admin_server.h"
#include "app/control_plane.h"
#include "app/listener_tls.h"
#include "app/socket_handover.h"
#include "app/systemd_notify.h"
#include "config/schema.h"
#include "observe/access_log.h"
#include "proxy/resolve_schedule.h"
#include "server/health_checker.h"
#include "server/trace_exporter.h"
#include "server/worker.h"
#include "snapshot/catalog.h"
#include "snapshot/snapshot.h"

namespace apigw::app {

class Gateway {
 public:
  // `loaded` is the config file's load (its text in `file_text`).
  // `log_from_cli`: the log level and format were set on the command line, and the config's
  // [server.error_log] is not applied. `command_line`: argv, which a binary upgrade runs again.
  Gateway(std::string config_path, config::LoadResult loaded, std::string file_text,
          bool log_from_cli = false, std::vector<std::string> command_line = {});
  ~Gateway();
  // Runs until SIGTERM/SIGINT and the drain that follows. Returns the process exit code.
  int run();

 private:
  bool start();
  void reload(std::string_view why);
  void publish(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // [server.error_log] of the snapshot in use, unless the command line set them.
  void apply_log_settings();
  // Builds the next snapshot from a validated config and publishes it; returns its version.
  // `resolve_names`: see ControlPlane::Apply.
  std::uint64_t apply_config(config::Config next, std::string_view why, bool resolve_names);
  void wait_for_signal();
  void wait_for_reopen();
  void watch_config_file();
  void read_config_events();
  void schedule_reresolve();
  // A certificate file changed: the same config again, with the TLS contexts built anew.
  void reload_certificates();
  void begin_shutdown();
  void poll_drain();
  // Binary upgrade (gateway_upgrade.cpp). SIGUSR2: starts the successor with this process's
  // listening sockets once admin writes are paused, waits for its ready byte, then drains.
  void wait_for_upgrade_signal();
  void begin_upgrade();
  server::awaitable<void> start_successor_process();
  void wait_for_successor();
  // The successor ended before it served: reap it without blocking (SIGKILL after `give_up`).
  void reap_failed_successor(std::chrono::steady_clock::time_point give_up);
  void end_failed_upgrade();
  // Shutdown before the hand-over: the successor is stopped, not left serving in this one's place.
  void abandon_upgrade();
  // While draining: reaps the successor if it has ended (logged after a hand-over).
  void check_on_successor();

  std::string config_path_;
  config::LoadResult loaded_;
  std::string file_text_;
  config::Config initial_config_;
  server::net::io_context context_;
  server::net::signal_set signals_;
  server::net::signal_set reopen_signal_;  // SIGUSR1: reopen the access log
  snapshot::Catalog registry_;
  std::shared_ptr<const snapshot::Snapshot> current_;
  server::HealthChecker health_checker_;
  std::vector<std::unique_ptr<server::Worker>> workers_;
  std::unique_ptr<observe::AccessLog> access_log_;
  std::unique_ptr<server::TraceExporter> trace_exporter_;
  std::unique_ptr<ControlPlane> control_plane_;
  std::unique_ptr<admin::AdminServer> admin_;
  observe::GatewayGauges gauges_;
  bool ready_ = false;
  bool shutting_down_ = false;

  int inotify_fd_ = -1;
  std::unique_ptr<server::net::posix::stream_descriptor> inotify_;
  std::array<char, 4096> inotify_buffer_{};
  std::string watched_file_name_;
  server::steady_timer reload_debounce_;
  server::steady_timer reresolve_timer_;
  proxy::ResolveSchedule resolve_schedule_;
  server::steady_timer drain_timer_;
  ListenerTls listener_tls_{context_};
  std::chrono::steady_clock::time_point drain_deadline_{};
  bool log_from_cli_ = false;

  SystemdNotifier notifier_ = SystemdNotifier::from_environment();
  bool reload_notified_ = false;  // RELOADING=1 sent; READY=1 follows the reload
  // Binary upgrade: this process's command line and binary, the sockets it was handed (when it
  // is a successor), and the successor it started (when it is the one upgraded).
  std::vector<std::string> command_line_;
  std::string binary_path_;
  InheritedSockets inherited_;
  server::net::signal_set upgrade_signal_;
  bool upgrading_ = false;  // from SIGUSR2 until the hand-over or the failure
  pid_t successor_pid_ = -1;
  server::steady_timer successor_deadline_{context_};
  std::unique_ptr<server::net::posix::stream_descriptor> successor_pipe_;
  std::array<char, 1> successor_byte_{};
  bool handed_over_ = false;
};

}  // namespace apigw::app
