// The JSON-lines access log. Workers format a line and push it into their own bounded
// single-producer queue; one writer thread drains all queues to the file. A full queue drops the
// line and counts it: logging never blocks a worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace apigw::observe {

// Lock-free single-producer single-consumer ring of lines. Slots keep their string capacity, so
// steady-state logging does not allocate.
class AccessLogQueue {
 public:
  explicit AccessLogQueue(std::size_t capacity = 8192);
  // Producer: swaps `line` into a free slot. Returns false (and counts a drop) when full.
  bool push(std::string& line);
  // Consumer: swaps the oldest line into `out`. Returns false when empty.
  bool pop(std::string& out);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  std::vector<std::string> slots_;
  alignas(64) std::atomic<std::size_t> head_{0};  // next slot to pop
  alignas(64) std::atomic<std::size_t> tail_{0};  // next slot to push
  std::atomic<std::uint64_t> dropped_{0};
};

struct AccessLogEntry {
  std::int64_t unix_micros = 0;
  std::string_view request_id;
  std::string_view client;
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t duration_micros = 0;
  std::string_view upstream_address;
  std::string_view upstream_name;  // the upstream of that target (an arm of a split, a fallback)
  std::uint64_t upstream_micros = 0;
  std::string_view route;
  std::string_view error;  // the code of an error the gateway answered with; empty otherwise
  // A TLS connection's version, SNI and verified client certificate subject (fields left out
  // of the line on a plain connection).
  std::string_view tls_version;
  std::string_view tls_server_name;
  std::string_view tls_client_subject;
};

// Appends one JSON line (with the trailing newline) for `entry`.
void format_access_log_line(const AccessLogEntry& entry, std::string& out);

// Owns the queues (one per worker) and the writer thread.
class AccessLog {
 public:
  AccessLog(std::string path, std::size_t workers);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool open(std::string& error);  // opens the file and starts the writer thread
  AccessLogQueue& queue(std::size_t worker) { return *queues_[worker]; }
  std::uint64_t dropped() const;

 private:
  void write_loop();
  std::string path_;
  int fd_ = -1;
  std::vector<std::unique_ptr<AccessLogQueue>> queues_;
  std::atomic<bool> stopping_{false};
  std::thread writer_;
};

}  // namespace apigw::observe
