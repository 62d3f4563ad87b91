// One PostgreSQL connection driven by libpq's asynchronous API on an Asio executor: connecting,
// sending a query and reading its result never block the thread, they wait for the socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

struct pg_conn;
struct pg_result;

namespace apigw::store {

// A query's rows, as text.
struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  const std::string& at(std::size_t row, std::size_t column) const;
};

class PgConnection {
 public:
  explicit PgConnection(boost::asio::any_io_executor executor);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Throws StoreError when the server cannot be reached within `timeout` or refuses.
  awaitable<void> connect(const std::string& url, std::chrono::milliseconds timeout);
  bool connected() const { return conn_ != nullptr; }
  void close();

  // Runs one statement with $1.. parameters (or, without parameters, a script of several).
  // Throws StoreError on a failed statement or a lost connection (which closes this one).
  awaitable<PgRows> exec(std::string_view sql, const std::vector<std::string>& params = {});

  // Waits until a NOTIFY arrives or `timeout` passes; returns the payloads received (empty on a
  // timeout). Needs a previous LISTEN. Throws StoreError when the connection is lost.
  awaitable<std::vector<std::string>> wait_for_notifications(std::chrono::milliseconds timeout);

  // Ends a wait in progress at once, and every later one (as a timeout would), for shutdown.
  void cancel_wait();

 private:
  // Waits until the socket is readable (or writable); false on timeout.
  awaitable<bool> wait_socket(bool for_write, std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void fail(const std::string& what);
  [[noreturn]] void timed_out();
  void collect_notifications();

  boost::asio::any_io_executor executor_;
  pg_conn* conn_ = nullptr;
  std::vector<std::string> notifications_;
  boost::asio::posix::basic_stream_descriptor<>* waiting_ = nullptr;
  bool cancelled_ = false;
};

}  // namespace apigw::store
