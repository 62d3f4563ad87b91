#include "store/pg_connection.h"

#include <libpq-fe.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace apigw::store {
namespace net = boost::asio;

namespace {
// Statements have no deadline of their own beyond this: an admin write or a load that takes
// longer means the server is in trouble, and the caller falls back to what it serves.
constexpr std::chrono::seconds kStatementTimeout{10};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;
}  // namespace

const std::string& PgRows::at(std::size_t row, std::size_t column) const {
  static const std::string kNull;
  const auto& value = rows.at(row).at(column);
  return value ? *value : kNull;
}

PgConnection::PgConnection(net::any_io_executor executor) : executor_(std::move(executor)) {}

PgConnection::~PgConnection() { close(); }

void PgConnection::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

void PgConnection::fail(const std::string& what) {
  std::string message = "postgres: " + what;
  if (conn_ != nullptr) {
    std::string detail = PQerrorMessage(conn_);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    if (!detail.empty()) message += ": " + detail;
    if (PQstatus(conn_) != CONNECTION_OK) close();
  }
  throw StoreError(message);
}

awaitable<bool> PgConnection::wait_socket(bool for_write,
                                          std::chrono::steady_clock::time_point deadline) {
  if (cancelled_) co_return false;
  const int fd = PQsocket(conn_);
  if (fd < 0) fail("no socket");
  // The descriptor is borrowed from libpq, which owns and closes it: released, never closed.
  net::posix::stream_descriptor socket(executor_, fd);
  net::steady_timer timer(executor_, deadline);
  bool timed_out = false;
  bool done = false;
  timer.async_wait([&](boost::system::error_code ec) {
    // Both waits may complete in one reactor pass: once the socket wait is done (and the
    // descriptor released), the timer has nothing left to cancel.
    if (ec || done) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
  waiting_ = &socket;
  const auto [ec] = co_await socket.async_wait(for_write ? net::posix::stream_descriptor::wait_write
                                                         : net::posix::stream_descriptor::wait_read,
                                               net::as_tuple(net::use_awaitable_t<executor>()));
  done = true;
  waiting_ = nullptr;
  timer.cancel();
  socket.release();
  // The timer's handler may still be queued; give it its turn before `socket` and `timed_out`
  // leave scope.
  co_await net::post(executor_, net::use_awaitable_t<executor>());
  if (timed_out || cancelled_) co_return false;
  if (ec && ec != net::error::operation_aborted) fail(ec.message());
  co_return true;
}

awaitable<void> PgConnection::connect(const std::string& url, std::chrono::milliseconds timeout) {
  close();
  conn_ = PQconnectStart(url.c_str());
  if (conn_ == nullptr) throw StoreError("postgres: out of memory");
  if (PQstatus(conn_) == CONNECTION_BAD) fail("cannot connect");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (PostgresPollingStatusType poll = PGRES_POLLING_WRITING;;) {
    if (poll == PGRES_POLLING_OK) break;
    if (poll == PGRES_POLLING_FAILED) fail("cannot connect");
    if (!co_await wait_socket(poll == PGRES_POLLING_WRITING, deadline)) {
      close();
      throw StoreError("postgres: connection timed out");
    }
    poll = PQconnectPoll(conn_);
  }
  if (PQsetnonblocking(conn_, 1) != 0) fail("cannot switch to non-blocking mode");
}

void PgConnection::timed_out() {
  // The statement may still be running; the connection cannot carry another one until it ends,
  // so it goes, and the next operation opens a new one.
  close();
  throw StoreError(cancelled_ ? "postgres: interrupted" : "postgres: statement timed out");
}

void PgConnection::cancel_wait() {
  cancelled_ = true;
  if (waiting_ != nullptr) waiting_->cancel();
}

void PgConnection::collect_notifications() {
  while (PGnotify* notify = PQnotifies(conn_)) {
    notifications_.emplace_back(notify->extra != nullptr ? notify->extra : "");
    PQfreemem(notify);
  }
}

awaitable<PgRows> PgConnection::exec(std::string_view sql, const std::vector<std::string>& params) {
  if (conn_ == nullptr) throw StoreError("postgres: not connected");
  const std::string text(sql);
  int sent = 0;
  if (params.empty()) {
    sent = PQsendQuery(conn_, text.c_str());
  } else {
    std::vector<const char*> values;
    for (const auto& param : params) values.push_back(param.c_str());
    sent = PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  }
  if (sent != 1) fail("cannot send query");
  const auto deadline = std::chrono::steady_clock::now() + kStatementTimeout;
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed < 0) fail("cannot send query");
    if (flushed == 0) break;
    // libpq: while output is pending, input must be read too, or a server that is blocked
    // writing to us never reads the rest. Short waits for writability, reading in between.
    if (PQconsumeInput(conn_) != 1) fail("connection lost");
    if (cancelled_ || std::chrono::steady_clock::now() >= deadline) timed_out();
    co_await wait_socket(
        true, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(10)));
  }
  PgRows rows;
  std::string error;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      if (!co_await wait_socket(false, deadline)) timed_out();
      if (PQconsumeInput(conn_) != 1) fail("connection lost");
    }
    Result result(PQgetResult(conn_));
    if (result == nullptr) break;
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_TUPLES_OK) {
      rows.rows.clear();
      for (int r = 0; r < PQntuples(result.get()); ++r) {
        auto& row = rows.rows.emplace_back();
        for (int c = 0; c < PQnfields(result.get()); ++c) {
          if (PQgetisnull(result.get(), r, c) != 0) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(
                std::string(PQgetvalue(result.get(), r, c),
                            static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
          }
        }
      }
    } else if (status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY && error.empty()) {
      error = PQresultErrorMessage(result.get());
      while (!error.empty() && error.back() == '\n') error.pop_back();
    }
  }
  collect_notifications();
  if (PQstatus(conn_) != CONNECTION_OK) fail("connection lost");
  if (!error.empty()) throw StoreError("postgres: " + error);
  co_return rows;
}

awaitable<std::vector<std::string>> PgConnection::wait_for_notifications(
    std::chrono::milliseconds timeout) {
  if (conn_ == nullptr) throw StoreError("postgres: not connected");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (notifications_.empty()) {
    if (PQconsumeInput(conn_) != 1) fail("connection lost");
    collect_notifications();
    if (!notifications_.empty()) break;
    if (!co_await wait_socket(false, deadline)) break;
    if (PQconsumeInput(conn_) != 1) fail("connection lost");
    collect_notifications();
  }
  co_return std::exchange(notifications_, {});
}

}  // namespace apigw::store
