#include "app/gateway.h"
#include "app/build_info.h"

#include <algorithm>

#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "config/loader.h"
#include "config/worker_count.h"
#include "observe/trace_context.h"
#include "proxy/cluster.h"
#include "util/log.h"

namespace apigw::app {

using namespace std::chrono_literals;
namespace net = server::net;

Gateway::Gateway(std::string config_path, config::LoadResult loaded, std::string file_text,
                 bool log_from_cli, std::vector<std::string> command_line)
    : config_path_(std::move(config_path)),
      loaded_(std::move(loaded)),
      file_text_(std::move(file_text)),
      context_(1),
      signals_(context_, SIGTERM, SIGINT, SIGHUP),
      reopen_signal_(context_, SIGUSR1),
      reload_debounce_(context_),
      reresolve_timer_(context_),
      drain_timer_(context_),
      log_from_cli_(log_from_cli),
      command_line_(std::move(command_line)),
      binary_path_(own_binary_path(command_line_.empty() ? std::string() : command_line_[0])),
      upgrade_signal_(context_, SIGUSR2) {}

Gateway::~Gateway() {
  for (auto& worker : workers_) worker->stop();
  if (inotify_fd_ >= 0) inotify_.reset();
}

int Gateway::run() {
  // A peer closing mid-write must be an error code on that socket, not a fatal signal.
  std::signal(SIGPIPE, SIG_IGN);
  if (!start()) return 1;
  context_.run();
  for (auto& worker : workers_) worker->stop();
  util::log_info("stopped");
  return 0;
}

bool Gateway::start() {
  // Listening sockets the process before this one handed over (a binary upgrade), if any.
  std::string inherit_error;
  inherited_ = InheritedSockets::from_environment(inherit_error);
  if (!inherit_error.empty()) {
    util::log_error("binary upgrade: " + inherit_error);
    return false;
  }
  // The entities to serve first may come from a store: ask the control plane, on this thread's
  // io_context, before any worker runs.
  control_plane_ = std::make_unique<ControlPlane>(
      context_, config_path_, registry_,
      [this](config::Config next, std::string_view why, bool resolve_names) {
        return apply_config(std::move(next), why, resolve_names);
      });
  control_plane_->served_config = [this]() -> const config::Config* {
    return current_ ? &current_->config : nullptr;
  };
  control_plane_->on_reload = [this](bool ok) {
    ++(ok ? gauges_.reloads_ok : gauges_.reloads_failed);
    if (reload_notified_) {
      reload_notified_ = false;
      notifier_.ready("config version " + std::to_string(current_->version) +
                      (ok ? "" : " (the last reload was refused; see the log)"));
    }
  };
  std::optional<std::optional<config::Config>> first;
  net::co_spawn(context_, control_plane_->initial(std::move(loaded_), std::move(file_text_)),
                [&first](std::exception_ptr failure, std::optional<config::Config> config) {
                  if (failure) {
                    try {
                      std::rethrow_exception(failure);
                    } catch (const std::exception& error) {
                      util::log_error(std::string("cannot load the config: ") + error.what());
                    }
                    first.emplace();
                    return;
                  }
                  first.emplace(std::move(config));
                });
  while (!first && context_.run_one() > 0) {
  }
  context_.restart();
  if (!first || !*first) return false;
  initial_config_ = std::move(**first);

  const config::ServerConfig& server = initial_config_.server;
  std::vector<server::ListenerSpec> listeners;
  for (const auto& listener : server.listeners) {
    server::ListenerSpec spec;
    spec.address = listener.address;
    spec.proxy_protocol = listener.proxy_protocol;
    spec.tls = listener.tls.has_value();
    spec.http2 = config::speaks_http2(listener);
    if (!proxy::parse_listen_address(listener.address, spec.endpoint)) {
      util::log_error("invalid listen address '" + listener.address + "'");
      return false;
    }
    listeners.push_back(std::move(spec));
  }
  server::tcp::endpoint admin_endpoint;
  if (!proxy::parse_listen_address(initial_config_.admin.listen, admin_endpoint)) {
    util::log_error("invalid admin listen address '" + initial_config_.admin.listen + "'");
    return false;
  }
  const std::size_t worker_count = config::worker_count(server);

  if (server.access_log.enabled) {
    access_log_ = std::make_unique<observe::AccessLog>(server.access_log.path, worker_count);
    std::string error;
    if (!access_log_->open(error)) {
      util::log_error(error);
      return false;
    }
  }

  std::vector<std::string> warnings;
  auto first_snapshot = snapshot::build_snapshot(initial_config_, 1, nullptr, registry_, warnings);
  if (!listener_tls_.build(server, nullptr, first_snapshot->listener_tls)) return false;
  current_ = std::move(first_snapshot);
  apply_log_settings();
  resolve_schedule_.resolved_all(current_->config.upstreams, std::chrono::steady_clock::now());
  for (const auto& warning : warnings) util::log_warn(warning);
  gauges_.config_version = 1;
  gauges_.workers = worker_count;

  // Always there (its queues are small until spans fill them), so that a reload can turn
  // tracing on; queue_size is read once.
  // This process's id (random at each start): the traces' service.instance.id and the node id
  // of GET /admin/status, so a span leads to the node that made it.
  const auto node_id = observe::to_hex(observe::new_trace_id());
  char host_name[256] = {};
  if (::gethostname(host_name, sizeof host_name - 1) != 0) host_name[0] = '\0';
  trace_exporter_ = std::make_unique<server::TraceExporter>(
      context_, worker_count, initial_config_.tracing.queue_size, std::string(kVersion),
      std::string(node_id.data(), node_id.size()), host_name);
  // Handed-over sockets are spread over the workers (a worker may accept on several); a worker
  // left without one binds its own beside them (SO_REUSEPORT).
  std::vector<std::vector<int>> inherited_by_listener;
  for (const auto& listener : listeners) {
    inherited_by_listener.push_back(inherited_.take(listener.endpoint));
  }
  std::vector<int> inherited_admin = inherited_.take(admin_endpoint);
  for (std::size_t extra = 1; extra < inherited_admin.size(); ++extra)
    ::close(inherited_admin[extra]);
  for (const auto& address : inherited_.close_unused()) {
    util::log_warn("binary upgrade: " + address +
                   " is no longer in the config; its handed-over socket is closed");
  }
  try {
    for (std::size_t i = 0; i < worker_count; ++i) {
      workers_.push_back(
          std::make_unique<server::Worker>(i, access_log_ ? &access_log_->queue(i) : nullptr));
      workers_.back()->set_span_queue(&trace_exporter_->queue(i));
      std::vector<std::vector<int>> adopted(listeners.size());
      for (std::size_t l = 0; l < listeners.size(); ++l) {
        for (std::size_t j = i; j < inherited_by_listener[l].size(); j += worker_count) {
          adopted[l].push_back(inherited_by_listener[l][j]);
        }
      }
      workers_.back()->listen(listeners, adopted);
    }
    admin::AdminSources sources;
    sources.workers = [this] {
      std::vector<server::Worker*> all;
      for (auto& worker : workers_) all.push_back(worker.get());
      return all;
    };
    sources.gauges = [this] {
      observe::GatewayGauges gauges = gauges_;
      gauges.tls = listener_tls_.gauges(current_->config.server, current_->listener_tls);
      gauges.access_log_dropped = access_log_ ? access_log_->dropped() : 0;
      const server::TraceExportCounters spans = trace_exporter_->counters();
      gauges.spans_exported = spans.exported;
      gauges.spans_failed = spans.failed;
      gauges.spans_dropped = spans.dropped;
      gauges.span_export_errors = spans.export_errors;
      gauges.version = std::string(kVersion);
      gauges.commit = std::string(build_commit());
      return gauges;
    };
    sources.ready = [this] { return ready_; };
    sources.snapshot = [this] { return current_; };
    sources.config = control_plane_.get();
    sources.started = std::chrono::steady_clock::now();
    sources.node_id.assign(node_id.data(), node_id.size());
    sources.hostname = host_name;
    admin_ = std::make_unique<admin::AdminServer>(context_, std::move(sources));
    admin_->start(admin_endpoint, inherited_admin.empty() ? -1 : inherited_admin.front());
  } catch (const std::exception& error) {
    util::log_error(std::string("cannot listen: ") + error.what());
    return false;
  }
  for (auto& worker : workers_) worker->start(current_);
  trace_exporter_->start([this] { return current_->config.tracing; });
  health_checker_.watch(current_);
  control_plane_->started(current_->version);
  ready_ = true;
  std::string listening;
  for (const auto& listener : server.listeners) {
    listening.append(" ").append(listener.address).append(listener.tls ? " (tls)" : "");
  }
  util::log_info("apigw listening on" + listening + " (admin " + initial_config_.admin.listen +
                 ", " + std::to_string(worker_count) + " workers, config " + config_path_ + ")");
  if (inherited_.from_upgrade()) {
    // The process before this one tells the service manager (it is still the main process).
    util::log_info("binary upgrade: serving; the process before this one stops accepting");
    inherited_.ready();
  } else {
    notifier_.ready("serving on" + listening);
  }
  wait_for_signal();
  wait_for_upgrade_signal();
  wait_for_reopen();
  watch_config_file();
  listener_tls_.start_rotation(server);
  listener_tls_.watch(server, [this] { reload_certificates(); });
  schedule_reresolve();
  return true;
}

void Gateway::wait_for_reopen() {
  reopen_signal_.async_wait([this](server::error_code ec, int) {
    if (ec) return;
    if (access_log_) {
      access_log_->reopen();
    } else {
      util::log_info("SIGUSR1: no access log file to reopen");
    }
    wait_for_reopen();
  });
}

void Gateway::wait_for_signal() {
  signals_.async_wait([this](server::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload("SIGHUP");
      wait_for_signal();
      return;
    }
    util::log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                   ": draining");
    begin_shutdown();
  });
}

void Gateway::reload(std::string_view why) {
  if (shutting_down_) return;
  util::log_info("reloading (" + std::string(why) + ")");
  if (!reload_notified_) {
    notifier_.reloading();
    reload_notified_ = true;
  }
  // Counted through the control plane's on_reload, like POST /admin/reload.
  net::co_spawn(context_, control_plane_->reload(), net::detached);
}

std::uint64_t Gateway::apply_config(config::Config next, std::string_view why, bool resolve_names) {
  // The admin listener binds once, so whether it needs a token is decided by the bound address:
  // a reload that moves `listen` to loopback (not applied until restart) and drops the token must
  // not leave the bound non-loopback listener open.
  const config::AdminConfig& bound = current_->config.admin;
  if (next.admin.token.empty() && !bound.token.empty() &&
      !config::is_loopback_listen_address(bound.listen)) {
    util::log_warn("reload: the admin token stays until restart (the admin listener on " +
                   bound.listen + " is not on loopback)");
    next.admin.token = bound.token;
  }
  const auto same_listeners = [](const config::ServerConfig& a, const config::ServerConfig& b) {
    if (a.listeners.size() != b.listeners.size()) return false;
    for (std::size_t i = 0; i < a.listeners.size(); ++i) {
      if (a.listeners[i].address != b.listeners[i].address ||
          a.listeners[i].proxy_protocol != b.listeners[i].proxy_protocol ||
          config::speaks_http2(a.listeners[i]) != config::speaks_http2(b.listeners[i]) ||
          a.listeners[i].tls.has_value() != b.listeners[i].tls.has_value()) {
        return false;
      }
    }
    return true;
  };
  if (!same_listeners(next.server, current_->config.server)) {
    // Listeners bind once: keep the bound ones (and their TLS on/off) so that each listener's
    // contexts stay at its index; their tls settings below still reload.
    util::log_warn(
        "reload: listener addresses, proxy_protocol, http2 and TLS on/off take effect on restart "
        "only");
    std::vector<config::ListenerConfig> kept = current_->config.server.listeners;
    for (auto& listener : kept) {
      for (const auto& wanted : next.server.listeners) {
        if (wanted.address == listener.address &&
            wanted.tls.has_value() == listener.tls.has_value())
          listener.tls = wanted.tls;
      }
    }
    next.server.listeners = std::move(kept);
  }
  if (next.server.workers != current_->config.server.workers ||
      next.admin.listen != current_->config.admin.listen ||
      next.server.access_log.enabled != current_->config.server.access_log.enabled ||
      next.server.access_log.path != current_->config.server.access_log.path) {
    util::log_warn("reload: workers, admin.listen and access_log take effect on restart only");
  }
  std::vector<std::string> warnings;
  const auto started = std::chrono::steady_clock::now();
  // Without resolve_names, known targets keep their answers (the schedule refreshes them).
  const snapshot::ResolveAgain keep_known = [](const config::UpstreamConfig&) { return false; };
  auto snapshot =
      snapshot::build_snapshot(std::move(next), current_->version + 1, current_.get(), registry_,
                               warnings, resolve_names ? nullptr : keep_known);
  const auto built = std::chrono::steady_clock::now();
  if (resolve_names) resolve_schedule_.resolved_all(snapshot->config.upstreams, built);
  for (const auto& warning : warnings) util::log_warn(warning);
  // Cannot fail with the previous contexts to fall back on (listeners bind once: each keeps its
  // index and its TLS on/off), so the result needs no check here.
  listener_tls_.build(snapshot->config.server, &current_->listener_tls, snapshot->listener_tls);
  publish(std::move(snapshot));
  listener_tls_.watch(current_->config.server, [this] { reload_certificates(); });
  listener_tls_.start_rotation(current_->config.server);
  // How long the build took, so that a slow publish shows whether the snapshot is the cause.
  char took[64];
  std::snprintf(took, sizeof took, "), snapshot %.1f ms",
                std::chrono::duration<double, std::milli>(built - started).count());
  util::log_info("config version " + std::to_string(current_->version) + " (" + std::string(why) +
                 took);
  return current_->version;
}

void Gateway::apply_log_settings() {
  if (log_from_cli_) return;
  const config::ErrorLogConfig& log = current_->config.server.error_log;
  util::configure_log(log.level, log.format);
}

void Gateway::publish(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  current_ = std::move(snapshot);
  apply_log_settings();
  health_checker_.watch(current_);
  gauges_.config_version = current_->version;
  for (auto& worker : workers_) worker->publish(current_);
}

void Gateway::watch_config_file() {
  // Watch the directory, not the file: editors and config managers replace files by rename.
  const std::filesystem::path path(config_path_);
  const std::string directory =
      path.has_parent_path() ? path.parent_path().string() : std::string(".");
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0 || ::inotify_add_watch(inotify_fd_, directory.c_str(),
                                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
    util::log_warn("cannot watch " + directory + " for changes; reload with SIGHUP");
    return;
  }
  inotify_ = std::make_unique<net::posix::stream_descriptor>(context_, inotify_fd_);
  watched_file_name_ = path.filename().string();
  read_config_events();
}

void Gateway::read_config_events() {
  inotify_->async_read_some(net::buffer(inotify_buffer_), [this](server::error_code ec,
                                                                 std::size_t n) {
    if (ec) return;
    bool ours = false;
    for (std::size_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(inotify_buffer_.data() + offset);
      if (event->len > 0 && watched_file_name_ == event->name) ours = true;
      offset += sizeof(inotify_event) + event->len;
    }
    if (ours) {
      // Writers often touch a file more than once; reload once it has settled.
      reload_debounce_.expires_after(100ms);
      reload_debounce_.async_wait([this](server::error_code wait_ec) {
        if (!wait_ec) reload("file changed");
      });
    }
    read_config_events();
  });
}

void Gateway::schedule_reresolve() {
  reresolve_timer_.expires_at(
      resolve_schedule_.next_due(current_->config.upstreams, std::chrono::steady_clock::now()));
  reresolve_timer_.async_wait([this](server::error_code ec) {
    if (ec || shutting_down_) return;
    // Each upstream on its own resolve_interval: only those due are resolved again.
    const auto now = std::chrono::steady_clock::now();
    std::set<std::string> due;
    for (const auto& upstream : current_->config.upstreams) {
      if (resolve_schedule_.due(upstream, now)) {
        due.insert(upstream.name);
        resolve_schedule_.resolved(upstream, now);
      }
    }
    const snapshot::ResolveAgain is_due = [&due](const config::UpstreamConfig& upstream) {
      return due.contains(upstream.name);
    };
    // Resolution blocks, so it runs here on the main thread, never on a worker.
    std::vector<std::string> warnings;
    auto fresh = snapshot::build_snapshot(current_->config, current_->version + 1, current_.get(),
                                          registry_, warnings, is_due);
    if (fresh->resolved != current_->resolved) {
      for (const auto& warning : warnings) util::log_warn(warning);
      util::log_info("DNS answers changed: config version " + std::to_string(fresh->version));
      publish(std::move(fresh));
    }
    schedule_reresolve();
  });
}

void Gateway::reload_certificates() {
  if (shutting_down_) return;
  util::log_info("certificate files changed: loading them");
  apply_config(current_->config, "certificate files changed", false);
}

void Gateway::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  ready_ = false;
  // After a hand-over the successor is the service's main process; this one is not heard.
  if (!handed_over_) notifier_.stopping();
  abandon_upgrade();
  signals_.cancel();
  reopen_signal_.cancel();
  upgrade_signal_.cancel();
  reresolve_timer_.cancel();
  reload_debounce_.cancel();
  health_checker_.stop();
  control_plane_->stop();
  if (inotify_) inotify_->close();
  for (auto& worker : workers_) worker->drain();
  drain_deadline_ = std::chrono::steady_clock::now() + current_->config.server.timeouts.drain;
  poll_drain();
}

void Gateway::poll_drain() {
  check_on_successor();
  std::int64_t active = 0;
  std::int64_t tunnels = 0;
  for (const auto& worker : workers_) {
    active += worker->active_connections();
    tunnels += worker->open_tunnels();
  }
  const auto now = std::chrono::steady_clock::now();
  // The control plane's operations were interrupted by begin_shutdown and end within
  // milliseconds; the io_context stops only after them (see ControlPlane::idle()).
  const bool control_plane_done = control_plane_->idle() || now >= drain_deadline_ + 5s;
  // WebSocket tunnels are closed with 1001 when the deadline passes and wait up to a second for
  // the peers' answers (server/websocket_tunnel.h): while any is open, that second and a sweeper
  // tick more.
  const auto deadline = drain_deadline_ + (tunnels > 0 ? 1200ms : 0ms);
  if ((active == 0 || now >= deadline) && control_plane_done) {
    if (active != 0) {
      util::log_warn("drain deadline passed with " + std::to_string(active) +
                     " connections open; closing them");
    }
    if (admin_) admin_->stop();
    // The last requests' spans go out before the loop stops (bounded by the export timeout).
    net::co_spawn(
        context_,
        [this]() -> server::awaitable<void> {
          co_await trace_exporter_->flush_and_stop();
          context_.stop();
        },
        net::detached);
    return;
  }
  drain_timer_.expires_after(20ms);
  drain_timer_.async_wait([this](server::error_code ec) {
    if (!ec) poll_drain();
  });
}

}  // namespace apigw::app
