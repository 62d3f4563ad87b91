// Idle keep-alive connections of one HttpClient, per origin (scheme, host, port and TLS options).
// LIFO: the most recently used connection is the least likely to have been closed by the server.
// A cap on idle connections per origin (the oldest goes first) and an idle timeout, enforced by
// one timer per pool. One thread: no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/http/client_connection.h"
#include "store/net.h"

namespace apigw::store::http {

class ConnectionPool {
 public:
  ConnectionPool(executor executor, std::size_t max_idle_per_origin,
                 std::chrono::milliseconds idle_timeout);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // The most recently pooled connection of `origin` that still looks usable, or null. Connections
  // found closed by the server or idle too long are dropped on the way.
  std::unique_ptr<ClientConnection> take(const std::string& origin);
  // Keeps a connection that finished an exchange cleanly.
  void put(const std::string& origin, std::unique_ptr<ClientConnection> connection);
  std::size_t idle_count() const;
  // Closes every idle connection.
  void clear();

 private:
  struct Idle {
    std::unique_ptr<ClientConnection> connection;
    Clock::time_point expires;
  };
  void schedule_sweep(Clock::time_point at);
  void sweep();

  std::size_t max_idle_;
  std::chrono::milliseconds idle_timeout_;
  std::unordered_map<std::string, std::vector<Idle>> idle_;  // each vector oldest first
  steady_timer sweep_timer_;
  bool sweep_scheduled_ = false;
  // The sweep handler holds a weak_ptr to this: a firing already queued when the pool is destroyed
  // finds it expired instead of a dangling pool.
  std::shared_ptr<ConnectionPool*> self_;
};

}  // namespace apigw::store::http
