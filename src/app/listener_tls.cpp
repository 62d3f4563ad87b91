#include "app/listener_tls.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

#include "util/log.h"

namespace apigw::app {
namespace net = server::net;
using namespace std::chrono_literals;

ListenerTls::ListenerTls(net::io_context& context)
    : context_(context), rotation_(context), debounce_(context) {}

ListenerTls::~ListenerTls() { close_watch(); }

std::vector<std::string> ListenerTls::alpn_protocols(const config::ListenerConfig& listener) {
  if (config::speaks_http2(listener)) return {"h2", "http/1.1"};
  return {"http/1.1"};
}

bool ListenerTls::build(const config::ServerConfig& server, const ListenerContexts* previous,
                        ListenerContexts& out) {
  out.assign(server.listeners.size(), nullptr);
  bool any_tls = false;
  bool failed = false;
  for (std::size_t i = 0; i < server.listeners.size(); ++i) {
    const config::ListenerConfig& listener = server.listeners[i];
    if (!listener.tls) continue;
    any_tls = true;
    // Listeners bind once: the served contexts of the listener at this index are its own.
    const tls::ServerContexts* before =
        previous != nullptr && i < previous->size() ? (*previous)[i].get() : nullptr;
    tls::ServerContextsResult built =
        tls::build_server_contexts(*listener.tls, alpn_protocols(listener), ring_, before);
    if (built) {
      for (const auto& warning : built.contexts->warnings()) {
        util::log_warn("tls (listener " + listener.address + "): " + warning);
      }
      out[i] = std::move(built.contexts);
      continue;
    }
    failed = true;
    if (before == nullptr) {
      util::log_error("tls (listener " + listener.address + "): " + built.error);
      return false;
    }
    util::log_error("tls (listener " + listener.address + "): " + built.error +
                    "; keeping the certificates and TLS settings loaded before");
    out[i] = (*previous)[i];
  }
  if (any_tls && built_once_) ++(failed ? reloads_failed_ : reloads_ok_);
  built_once_ = built_once_ || any_tls;
  return true;
}

observe::TlsGauges ListenerTls::gauges(const config::ServerConfig& server,
                                       const ListenerContexts& contexts) const {
  observe::TlsGauges gauges;
  gauges.reloads_ok = reloads_ok_;
  gauges.reloads_failed = reloads_failed_;
  const auto now = std::chrono::system_clock::now();
  for (std::size_t i = 0; i < contexts.size() && i < server.listeners.size(); ++i) {
    if (!contexts[i]) continue;
    for (const auto& certificate : contexts[i]->certificates()) {
      observe::CertificateExpiry expiry;
      expiry.listener = server.listeners[i].address;
      expiry.name = certificate.names.empty() ? certificate.cert_file : certificate.names.front();
      expiry.seconds_left = std::chrono::duration<double>(certificate.not_after - now).count();
      gauges.expiry.push_back(std::move(expiry));
    }
  }
  return gauges;
}

void ListenerTls::start_rotation(const config::ServerConfig& server) {
  std::chrono::milliseconds period{0};
  for (const auto& listener : server.listeners) {
    if (!listener.tls || !listener.tls->session_tickets || !listener.tls->ticket_key_file.empty())
      continue;
    if (period.count() == 0 || listener.tls->ticket_key_rotation < period) {
      period = listener.tls->ticket_key_rotation;
    }
  }
  // A reload with the same period keeps the timer: restarting it would postpone the rotation
  // for as long as reloads come more often than the period.
  if (period == rotation_period_) return;
  rotation_period_ = period;
  rotation_.cancel();
  if (period.count() > 0) schedule_rotation();
}

void ListenerTls::schedule_rotation() {
  rotation_.expires_after(rotation_period_);
  rotation_.async_wait([this](server::error_code ec) {
    if (ec) return;
    ring_->rotate();
    schedule_rotation();
  });
}

void ListenerTls::close_watch() {
  if (inotify_) {
    inotify_.reset();  // closes the descriptor
  } else if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
  inotify_fd_ = -1;
  directories_.clear();
}

void ListenerTls::watch(const config::ServerConfig& server, std::function<void()> changed) {
  changed_ = std::move(changed);
  std::set<std::pair<std::string, std::string>> files;
  const auto add = [&files](const std::string& path) {
    if (path.empty()) return;
    const std::filesystem::path p(path);
    files.emplace(p.has_parent_path() ? p.parent_path().string() : std::string("."),
                  p.filename().string());
  };
  for (const auto& listener : server.listeners) {
    if (!listener.tls) continue;
    for (const auto& certificate : listener.tls->certificates) {
      add(certificate.cert);
      add(certificate.key);
      add(certificate.ocsp_response);
    }
    add(listener.tls->client_ca_file);
    add(listener.tls->ticket_key_file);
  }
  if (files == files_ && (files.empty() || inotify_)) return;
  close_watch();
  files_ = std::move(files);
  if (files_.empty()) return;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    util::log_warn("tls: cannot watch the certificate files; reload with SIGHUP after renewing");
    return;
  }
  std::set<std::string> directories;
  for (const auto& [directory, name] : files_) directories.insert(directory);
  for (const auto& directory : directories) {
    // Watch the directory: certificate tools replace files by rename or swap symlinks.
    const int wd = ::inotify_add_watch(inotify_fd_, directory.c_str(),
                                       IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
    if (wd < 0) {
      util::log_warn("tls: cannot watch " + directory + "; reload with SIGHUP after renewing");
      continue;
    }
    directories_[wd] = directory;
  }
  inotify_ = std::make_unique<net::posix::stream_descriptor>(context_, inotify_fd_);
  read_events();
}

void ListenerTls::read_events() {
  inotify_->async_read_some(net::buffer(buffer_), [this](server::error_code ec, std::size_t n) {
    if (ec) return;
    bool ours = false;
    for (std::size_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer_.data() + offset);
      if (event->len > 0) {
        const auto directory = directories_.find(event->wd);
        // A watched file, or a Kubernetes secret volume's "..data" symlink swap (its events
        // never name the files themselves).
        if (directory != directories_.end() &&
            (files_.count({directory->second, std::string(event->name)}) > 0 ||
             std::string_view(event->name).starts_with(".."))) {
          ours = true;
        }
      }
      offset += sizeof(inotify_event) + event->len;
    }
    if (ours) {
      // A renewal writes the certificate and the key one after the other: load once both are
      // there.
      debounce_.expires_after(500ms);
      debounce_.async_wait([this](server::error_code wait_ec) {
        if (!wait_ec && changed_) changed_();
      });
    }
    read_events();
  });
}

}  // namespace apigw::app
