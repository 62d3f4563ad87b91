// Per-worker keep-alive pools of upstream connections, one per target address. LIFO reuse (the
// most recently used connection is the least likely to have been closed by the upstream), an idle
// timeout, and a cap on idle connections sized by demand: at least `max_idle`, and as many as
// the target had requests in flight on this worker at the recent peak — a fixed cap below the
// concurrency makes a busy pool close connections that the next burst reconnects at once.
// Only the owning worker touches a pool: no locks. A pool of a TLS upstream also keeps the last
// TLS session its target gave (resumed by the next connection) and when it last logged a failed
// handshake.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "observe/metrics.h"
#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"
#include "server/transport.h"
#include "tls/upstream_context.h"

namespace apigw::server {

class TargetPool;
class H2UpstreamConnection;

class UpstreamConnection final : public Expirable {
 public:
  UpstreamConnection(boost::asio::io_context& context, TargetPool& pool)
      : transport(tcp_socket(context)), pool_(&pool) {}
  ~UpstreamConnection() override;
  // The socket, with TLS on it when the upstream has `tls` (server/upstream_connect.h).
  Transport transport;
  // The upstream's count of open connections (circuit_breaker.max_connections), counted from
  // connect to destruction.
  std::atomic<std::int64_t>* open_connections = nullptr;
  ByteBuffer buffer;
  std::uint64_t requests_served = 0;
  bool in_use = false;  // counted in the pool's in_use()
  // Idle too long in the pool: the pool closes and frees it.
  void on_deadline() override;
  TargetPool* pool() const { return pool_; }
  // Bytes read from or written to the target, for apigw_upstream_bytes_total: every read and
  // write on the transport is counted by its caller with one of these.
  inline void count_received(std::size_t bytes);
  inline void count_sent(std::size_t bytes);
  // transport.read_now(buffer), counted.
  ReadNow read_now() {
    const std::size_t before = buffer.size();
    const ReadNow got = transport.read_now(buffer);
    count_received(buffer.size() - before);
    return got;
  }

 private:
  friend class TargetPool;
  TargetPool* pool_;
};

class TargetPool {
 public:
  TargetPool(DeadlineSweeper& sweeper, BufferPool& buffers)
      : sweeper_(sweeper), buffers_(buffers) {}
  ~TargetPool();
  TargetPool(const TargetPool&) = delete;
  TargetPool& operator=(const TargetPool&) = delete;
  void configure(std::uint32_t max_idle, std::chrono::milliseconds idle_timeout) {
    max_idle_ = max_idle;
    idle_timeout_ = idle_timeout;
  }
  // Where its connections count their bytes: the upstream's cells of Family::upstream_bytes
  // (cells never move). Until set (pools of unit tests), a pool counts into cells of its own.
  void count_bytes_in(observe::CounterCell* cells) { byte_cells_ = cells; }
  observe::CounterCell* byte_cells() const { return byte_cells_; }
  // How long a peak of in-flight requests keeps the idle cap up: one to three of these.
  static constexpr std::chrono::seconds kPeakWindow{10};
  // An idle connection (with its buffer acquired), or null when none is pooled.
  std::unique_ptr<UpstreamConnection> take();
  // A fresh, unconnected connection object bound to this pool.
  std::unique_ptr<UpstreamConnection> make(boost::asio::io_context& context);
  // Returns a connection that finished an exchange cleanly and may be reused.
  void put(std::unique_ptr<UpstreamConnection> connection);
  void evict(UpstreamConnection& connection);
  std::size_t idle_count() const { return idle_.size(); }
  // Connections taken or made and not yet back or destroyed: the target's requests in flight on
  // this worker.
  std::size_t in_use() const { return in_use_; }
  // The most idle connections put() keeps now.
  std::size_t idle_cap(Clock::time_point now);
  void clear();
  // HTTP/2 upstreams: a connection that takes another stream now (null: open one and add() it).
  std::shared_ptr<H2UpstreamConnection> h2_connection();
  void add(std::shared_ptr<H2UpstreamConnection> connection);
  DeadlineSweeper& sweeper() { return sweeper_; }
  // The target's last TLS session, for the next connection to resume.
  tls::SessionCache& tls_sessions() { return tls_sessions_; }
  // Whether a failed handshake with `reason` is logged now: the first of each reason, then at
  // most one line per kTlsLogInterval; `suppressed` gets how many went unlogged since the last.
  static constexpr std::chrono::seconds kTlsLogInterval{10};
  bool log_tls_failure(std::string_view reason, Clock::time_point now, std::uint64_t& suppressed);

 private:
  friend class UpstreamConnection;
  // Counts `connection` as in use (taken or made) and raises the peak.
  void note_in_use(UpstreamConnection& connection);
  // First, so that it outlives the connections destroyed with the pool.
  tls::SessionCache tls_sessions_;
  DeadlineSweeper& sweeper_;
  BufferPool& buffers_;
  std::uint32_t max_idle_ = 64;
  std::chrono::milliseconds idle_timeout_{60'000};
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
  std::vector<std::shared_ptr<H2UpstreamConnection>> h2_;  // open, with or without streams
  std::size_t in_use_ = 0;
  // The peak of in_use_ in the current window and in the one before it.
  std::size_t peak_ = 0;
  std::size_t previous_peak_ = 0;
  Clock::time_point window_start_{};
  std::string tls_logged_reason_;
  Clock::time_point tls_logged_at_{};
  std::uint64_t tls_unlogged_ = 0;
  observe::CounterCell own_byte_cells_[2];
  observe::CounterCell* byte_cells_ = own_byte_cells_;
};

void UpstreamConnection::count_received(std::size_t bytes) {
  pool_->byte_cells()[static_cast<std::size_t>(observe::UpstreamBytes::received)].add(bytes);
}

void UpstreamConnection::count_sent(std::size_t bytes) {
  pool_->byte_cells()[static_cast<std::size_t>(observe::UpstreamBytes::sent)].add(bytes);
}

}  // namespace apigw::server
