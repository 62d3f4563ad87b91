// The TLS side of a client connection: a PROXY header read without taking TLS bytes, the
// handshake on the worker, and what it established. In a file of its own so that the plain
// path's translation unit (client_session.cpp) keeps the compiler's inlining choices it had
// before TLS (measured: +1.4% instructions per plain request with this code beside it).
#include <sys/socket.h>

#include "http/proxy_protocol.h"
#include "server/client_session.h"
#include "server/worker.h"
#include "tls/server_contexts.h"

namespace apigw::server {

// The counters are indexed by tls::HandshakeFailure; their labels must be in the same order.
static_assert(observe::kTlsFailureReasons.size() ==
              static_cast<std::size_t>(tls::HandshakeFailure::other) + 1);
static_assert(
    observe::kTlsFailureReasons[static_cast<std::size_t>(tls::HandshakeFailure::timeout)] ==
    "timeout");

awaitable<void> ClientSession::serve_tls(Owner self, AcceptedOn on) {
  ClientSession& session = *self;
  if (!co_await session.handshake(on)) co_return;
  if (session.tls_state_->facts.alpn == "h2") {
    switch_to_http2(std::move(self));
    co_return;
  }
  // As on a plain connection, the first request is usually right behind the handshake.
  session.worker_.buffers().acquire(session.input_);
  switch (session.transport_value_.read_now(session.input_)) {
    case ReadNow::read:
      co_await serve(std::move(self));
      co_return;
    case ReadNow::failed:
      co_return;
    case ReadNow::nothing:
      wait_while_idle(std::move(self));
      co_return;
  }
}

ClientSession::ProxyPeek ClientSession::peek_proxy_header() {
  // v1 is at most 107 bytes; v2 headers with the TLVs load balancers add stay well under this.
  char peeked[1024];
  const ssize_t n =
      ::recv(socket().native_handle(), peeked, sizeof peeked, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? ProxyPeek::need_more : ProxyPeek::failed;
  if (n == 0) return ProxyPeek::failed;
  const http::ProxyParseResult proxy =
      http::parse_proxy_protocol(std::string_view(peeked, static_cast<std::size_t>(n)));
  switch (proxy.status) {
    case http::ProxyParseStatus::need_more:
      return static_cast<std::size_t>(n) < sizeof peeked ? ProxyPeek::need_more : ProxyPeek::failed;
    case http::ProxyParseStatus::error:
      return ProxyPeek::failed;
    case http::ProxyParseStatus::done:
      break;
  }
  if (!proxy.header.local) {
    client_.text = proxy.header.source_text;
    client_.ip = proxy.header.source;
  }
  // Take exactly the header: what follows is the client's TLS handshake.
  if (::recv(socket().native_handle(), peeked, proxy.header_bytes, MSG_DONTWAIT) !=
      static_cast<ssize_t>(proxy.header_bytes)) {
    return ProxyPeek::failed;
  }
  return ProxyPeek::done;
}

awaitable<bool> ClientSession::handshake(const AcceptedOn& on) {
  const std::shared_ptr<WorkerSnapshot> current = worker_.current();
  const snapshot::Snapshot& snapshot = *current->snapshot;
  observe::TlsListenerCounters& counters = *on.tls;
  const auto& listeners = snapshot.config.server.listeners;
  if (on.listener >= snapshot.listener_tls.size() || !snapshot.listener_tls[on.listener] ||
      on.listener >= listeners.size() || !listeners[on.listener].tls) {
    ++counters.failures[static_cast<std::size_t>(tls::HandshakeFailure::other)];
    co_return false;
  }
  const auto& contexts = snapshot.listener_tls[on.listener];
  const config::ListenerTlsConfig& settings = *listeners[on.listener].tls;
  const auto count_failure = [&counters](tls::HandshakeFailure failure) {
    ++counters.failures[static_cast<std::size_t>(failure)];
  };
  timed_out_ = false;
  expect(Phase::tls_handshake, settings.handshake_timeout);
  const auto wait = [this](tcp_socket::wait_type type) -> awaitable<bool> {
    auto [ec] = co_await socket().async_wait(type, use_nothrow);
    co_return !ec;
  };
  if (on.proxy_protocol) {
    for (;;) {
      const ProxyPeek peek = peek_proxy_header();
      if (peek == ProxyPeek::done) break;
      if (peek == ProxyPeek::failed || !co_await wait(tcp_socket::wait_read)) {
        if (timed_out_) count_failure(tls::HandshakeFailure::timeout);
        co_return false;
      }
    }
  }
  SSL* ssl = SSL_new(contexts->default_context());
  if (ssl == nullptr) {
    count_failure(tls::HandshakeFailure::other);
    co_return false;
  }
  transport_value_.use_tls(std::make_unique<TlsSocket>(ssl, socket(), contexts));
  for (;;) {
    int error = 0;
    const TlsStep step = transport_value_.tls()->handshake(error);
    if (step == TlsStep::done) break;
    if (step == TlsStep::failed) {
      count_failure(tls::classify_handshake_failure(ssl, error));
      co_return false;
    }
    const bool ready =
        co_await wait(step == TlsStep::want_read ? tcp_socket::wait_read : tcp_socket::wait_write);
    if (!ready) {
      count_failure(timed_out_ ? tls::HandshakeFailure::timeout : tls::HandshakeFailure::eof);
      co_return false;
    }
  }
  clear_deadline();
  tls_state_ = std::make_unique<ConnectionTlsState>();
  ConnectionTlsState& state = *tls_state_;
  state.facts = tls::connection_facts(ssl);
  const tls::ConnectionFacts& facts = state.facts;
  state.view =
      pipeline::ConnectionTls{facts.version, facts.cipher,          facts.server_name,   facts.alpn,
                              facts.resumed, facts.client_verified, facts.client_subject};
  state.forward_subject =
      settings.forward_client_cert == config::ListenerTlsConfig::ForwardClientCert::subject;
  state.counters = &counters;
  tls_ = tls_state_.get();
  ++counters.handshakes_ok;
  if (facts.resumed) ++counters.resumptions;
  ++counters.connections;
  co_return true;
}

}  // namespace apigw::server
