// The TLS side of the listeners, on the main thread: builds each TLS listener's contexts for a
// snapshot (reusing unchanged certificates, keeping the previous ones when new files fail to
// load), rotates the session ticket keys, and watches the certificate files so that a renewed
// certificate is served without a reload command (docs/tls.md).
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/schema.h"
#include "observe/tls_metrics.h"
#include "server/asio.h"
#include "tls/server_contexts.h"
#include "tls/ticket_keys.h"

namespace apigw::app {

using ListenerContexts = std::vector<std::shared_ptr<const tls::ServerContexts>>;

class ListenerTls {
 public:
  explicit ListenerTls(server::net::io_context& context);
  ~ListenerTls();

  // The contexts of every listener of `server` (null for plain ones). `previous` (null at start)
  // are the served ones: unchanged certificates are reused, and a listener whose files no longer
  // load keeps its previous contexts (the error is logged and counted). At start a failure is
  // fatal: returns false after logging it.
  bool build(const config::ServerConfig& server, const ListenerContexts* previous,
             ListenerContexts& out);
  // The ALPN protocols a listener offers, in preference order.
  static std::vector<std::string> alpn_protocols(const config::ListenerConfig& listener);
  // Certificate expiry and reload counts, for /metrics.
  observe::TlsGauges gauges(const config::ServerConfig& server,
                            const ListenerContexts& contexts) const;
  // Watches the directories of every file the TLS listeners read; `changed` is called (debounced)
  // when one of those files is written, replaced or renamed into place. Called after each
  // publish: the set of files may have changed.
  void watch(const config::ServerConfig& server, std::function<void()> changed);
  // Starts (or, when a reload changed it, restarts) the ticket key rotation at the shortest
  // ticket_key_rotation of the listeners that use in-memory keys.
  void start_rotation(const config::ServerConfig& server);

 private:
  void schedule_rotation();
  void read_events();
  void close_watch();

  server::net::io_context& context_;
  std::shared_ptr<tls::TicketKeyRing> ring_ = tls::TicketKeyRing::generate();
  server::steady_timer rotation_;
  std::chrono::milliseconds rotation_period_{0};
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  bool built_once_ = false;

  int inotify_fd_ = -1;
  std::unique_ptr<server::net::posix::stream_descriptor> inotify_;
  std::array<char, 4096> buffer_{};
  std::map<int, std::string> directories_;               // watch descriptor -> directory
  std::set<std::pair<std::string, std::string>> files_;  // (directory, file name)
  std::function<void()> changed_;
  server::steady_timer debounce_;
};

}  // namespace apigw::app
