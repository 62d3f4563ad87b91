// Per-worker keep-alive pools of upstream connections, one per target address. LIFO reuse (the
// most recently used connection is the least likely to have been closed by the upstream), an idle
// timeout and a cap on idle connections. Only the owning worker touches a pool: no locks.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>
#include "server/asio.h"

#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"

namespace apigw::server {

class TargetPool;

class UpstreamConnection final : public Expirable {
 public:
  UpstreamConnection(boost::asio::io_context& context, TargetPool& pool)
      : socket(context), pool_(&pool) {}
  ~UpstreamConnection() override {
    if (open_connections) open_connections->fetch_sub(1, std::memory_order_relaxed);
  }
  tcp_socket socket;
  // The upstream's count of open connections (circuit_breaker.max_connections), counted from
  // connect to destruction.
  std::atomic<std::int64_t>* open_connections = nullptr;
  ByteBuffer buffer;
  std::uint64_t requests_served = 0;
  // Idle too long in the pool: the pool closes and frees it.
  void on_deadline() override;
  TargetPool* pool() const { return pool_; }

 private:
  friend class TargetPool;
  TargetPool* pool_;
};

class TargetPool {
 public:
  TargetPool(DeadlineSweeper& sweeper, BufferPool& buffers)
      : sweeper_(sweeper), buffers_(buffers) {}
  void configure(std::uint32_t max_idle, std::chrono::milliseconds idle_timeout) {
    max_idle_ = max_idle;
    idle_timeout_ = idle_timeout;
  }
  // An idle connection (with its buffer acquired), or null when none is pooled.
  std::unique_ptr<UpstreamConnection> take();
  // A fresh, unconnected connection object bound to this pool.
  std::unique_ptr<UpstreamConnection> make(boost::asio::io_context& context);
  // Returns a connection that finished an exchange cleanly and may be reused.
  void put(std::unique_ptr<UpstreamConnection> connection);
  void evict(UpstreamConnection& connection);
  std::size_t idle_count() const { return idle_.size(); }
  void clear() { idle_.clear(); }

 private:
  DeadlineSweeper& sweeper_;
  BufferPool& buffers_;
  std::uint32_t max_idle_ = 64;
  std::chrono::milliseconds idle_timeout_{60'000};
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

}  // namespace apigw::server
