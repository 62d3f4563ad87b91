// One client HTTP/1 connection: reads HTTP/1.1 requests one after another (keep-alive,
// pipelining) and serves each as a RequestStream (request_stream.h). On a TLS listener that
// negotiates h2, and on an `http2` plain listener whose client starts with the HTTP/2 preface,
// it hands the connection to an H2Connection. Lives in the frame of its serve() coroutine.
#pragma once

#include <memory>
#include <string>

#include "http/parser.h"
#include "server/request_stream.h"

namespace apigw::server {

struct AcceptedOn;

// A connection is owned by whatever is waiting on it: while idle, by the handler of its pending
// readability wait (no coroutine frame, no buffer, no scratch: an idle keep-alive connection costs
// this object and its socket); while a request is in progress, by its serve() coroutine. If the
// worker shuts down with the wait or the coroutine pending, destroying them frees the session.
class ClientSession final : public RequestStream, public Connection {
 public:
  using Owner = std::unique_ptr<ClientSession>;

  // Takes over a connection accepted on `on`'s listener: it may start with a PROXY protocol
  // header naming the client, then a TLS handshake.
  static void start(Worker& worker, tcp_socket socket, const AcceptedOn& on);

  ClientSession(Worker& worker, tcp_socket socket);
  ~ClientSession() override;

  void on_deadline() override;
  void on_drain() override;
  void abort() override;

 private:
  // Between requests: gives the buffer and scratch back and waits, without a coroutine, for the
  // next request's first bytes; then spawns serve().
  static void wait_while_idle(Owner self);
  // Serves requests while bytes keep coming; hands the session back to wait_while_idle() when
  // the connection goes quiet, or ends it.
  static awaitable<void> serve(Owner self);
  // On a TLS listener: reads a PROXY header (when the listener has them) without taking any TLS
  // bytes, does the handshake within handshake_timeout, then serves (HTTP/2 when ALPN chose h2).
  static awaitable<void> serve_tls(Owner self, AcceptedOn on);
  awaitable<bool> handshake(const AcceptedOn& on);
  // A PROXY header read with MSG_PEEK and then taken off the socket exactly, so that the TLS
  // bytes behind it stay for OpenSSL. need_more: wait for readability and try again.
  enum class ProxyPeek : std::uint8_t { done, need_more, failed };
  ProxyPeek peek_proxy_header();
  // Hands the connection (its transport, TLS state and the bytes read so far) to an
  // H2Connection; this session ends.
  static void switch_to_http2(Owner self);
  // Reads until a complete head is parsed. False: the connection is done (or became HTTP/2:
  // switched_to_http2_).
  awaitable<bool> read_request_head();
  // On a proxy_protocol listener, before the first request: takes the PROXY header from the
  // input once whole (the client becomes the address it names). False: not a valid header.
  bool take_proxy_header();
  // On an `http2` plain listener, before the first request: whether the bytes read so far are
  // (the start of) the HTTP/2 connection preface.
  enum class Preface : std::uint8_t { no, partial, whole };
  Preface check_http2_preface() const;
  // After a response with nothing more buffered: waits up to kLinger for the next request with a
  // plain read (see the .cpp for why).
  enum class Linger : std::uint8_t { request, quiet, closed };
  static constexpr std::chrono::milliseconds kLinger{100};
  static constexpr std::size_t kMaxLingering = 256;  // per worker
  // Draining (SIGTERM, or a binary upgrade's hand-over): how long a keep-alive connection may stay
  // idle before it is closed. Its client may have sent the next request already, and a close
  // that crosses it resets the connection and fails the request; within the grace the request
  // is answered, with Connection: close, and the client reconnects (to the successor's sockets).
  static constexpr std::chrono::milliseconds kDrainIdleGrace{1000};
  // The idle wait's timeout: [server.timeouts] idle, at most kDrainIdleGrace once draining.
  std::chrono::milliseconds idle_timeout() const;
  awaitable<Linger> linger();
  // Answers a request whose head did not parse (431, 400, 408): no filters; logged and counted.
  awaitable<void> refuse_unparsed(int status, std::string_view code, std::string_view message);
  // The request line, as far as it is there, for the record of an answer to an unparsed head.
  void begin_unparsed_request();
  awaitable<void> lingering_close() override;
  void watch_client(std::shared_ptr<bool> watching) override;
  void cancel_body_read() override { stop_watching_client(); }
  void stop_watching_client() override;
  tcp_socket& socket() { return transport_value_.socket(); }

  Transport transport_value_;           // transport_ points here
  bool awaiting_proxy_header_ = false;  // the PROXY protocol header has not been read yet
  bool may_be_http2_ = false;           // an `http2` plain listener, before the first request
  bool switched_to_http2_ = false;      // read_request_head() found the HTTP/2 preface
  std::unique_ptr<ConnectionTlsState> tls_state_;  // tls_ points here (null: plain)
};

}  // namespace apigw::server
