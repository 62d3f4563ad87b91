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
#include <span>
#include <vector>

#include "config/access_log_fields.h"

#include "observe/swap_ring.h"

namespace apigw::observe {

// One worker's lines, on their way to the writer thread.
class AccessLogQueue : public SwapRing<std::string> {
 public:
  explicit AccessLogQueue(std::size_t capacity = 8192) : SwapRing(capacity) {}
};

struct AccessLogEntry {
  std::int64_t unix_micros = 0;
  std::string_view request_id;
  std::string_view client;
  std::string_view method;
  std::string_view path;   // as received, without the query
  std::string_view query;  // without the '?'
  std::string_view host;
  std::string_view user_agent;
  std::string_view protocol_version;  // "1.0", "1.1", "2"
  std::uint32_t tries = 0;            // upstream tries (0: none was made)
  std::string_view consumer;          // who an authentication filter found the client to be
  std::string_view span_id;           // the request's span (with tracing on)
  int status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t duration_micros = 0;
  std::string_view upstream_address;
  std::string_view upstream_name;  // the upstream of that target (an arm of a split, a fallback)
  std::uint64_t upstream_micros = 0;
  std::string_view route;
  std::string_view error;  // the code of an error the gateway answered with; empty otherwise
  std::string_view trace_id;  // with [tracing] on
  // A TLS connection's version, SNI and verified client certificate subject (fields left out
  // of the line on a plain connection).
  std::string_view tls_version;
  std::string_view tls_server_name;
  std::string_view tls_client_subject;
};

// Appends one JSON line (with the trailing newline) for `entry`, holding `fields` in that order,
// each always ("" or 0 when it has no value). Empty `fields`: the default line, where the trace,
// the consumer and the TLS fields appear only when they have a value.
void format_access_log_line(const AccessLogEntry& entry,
                            std::span<const config::AccessLogField> fields, std::string& out);

// Owns the queues (one per worker) and the writer thread.
class AccessLog {
 public:
  AccessLog(std::string path, std::size_t workers);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool open(std::string& error);  // opens the file and starts the writer thread
  AccessLogQueue& queue(std::size_t worker) { return *queues_[worker]; }
  // Any thread (SIGUSR1): the writer opens the path again before its next write, so that a
  // rotated file is let go (logrotate without copytruncate).
  void reopen() { reopen_.store(true); }
  // Reopens done so far (lines pushed after the count moved go to the new file).
  std::uint64_t reopened() const { return reopened_.load(); }
  std::uint64_t dropped() const;

 private:
  void write_loop();
  void reopen_file();
  std::string path_;
  int fd_ = -1;
  std::vector<std::unique_ptr<AccessLogQueue>> queues_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reopen_{false};
  std::atomic<std::uint64_t> reopened_{0};
  std::thread writer_;
};

}  // namespace apigw::observe
