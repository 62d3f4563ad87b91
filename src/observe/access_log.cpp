#include "observe/access_log.h"

#include <algorithm>
#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

#include "http/error_body.h"

namespace apigw::observe {

// One slot always stays empty to tell full from empty, so a ring of N holds N - 1 lines.
AccessLogQueue::AccessLogQueue(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 2)) {}

bool AccessLogQueue::push(std::string& line) {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  const std::size_t next = (tail + 1) % slots_.size();
  if (next == head_.load(std::memory_order_acquire)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  slots_[tail].swap(line);
  tail_.store(next, std::memory_order_release);
  return true;
}

bool AccessLogQueue::pop(std::string& out) {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == tail_.load(std::memory_order_acquire)) return false;
  out.swap(slots_[head]);
  head_.store((head + 1) % slots_.size(), std::memory_order_release);
  return true;
}

namespace {

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void append_string_field(std::string& out, std::string_view key, std::string_view value) {
  out.append(",\"").append(key).append("\":\"");
  http::append_json_escaped(out, value);
  out.push_back('"');
}

void append_number_field(std::string& out, std::string_view key, std::uint64_t value) {
  out.append(",\"").append(key).append("\":");
  append_number(out, value);
}

// RFC 3339 UTC with microseconds: 2026-11-22T21:47:39.123456Z
void append_time(std::string& out, std::int64_t unix_micros) {
  const std::time_t seconds = unix_micros / 1'000'000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  out.append(text, length);
  char micros[16];
  std::snprintf(micros, sizeof micros, ".%06lld", static_cast<long long>(unix_micros % 1'000'000));
  out.append(micros).append("Z");
}

}  // namespace

void format_access_log_line(const AccessLogEntry& entry, std::string& out) {
  out.append("{\"time\":\"");
  append_time(out, entry.unix_micros);
  out.push_back('"');
  append_string_field(out, "request_id", entry.request_id);
  append_string_field(out, "client", entry.client);
  append_string_field(out, "method", entry.method);
  append_string_field(out, "path", entry.path);
  append_number_field(out, "status", static_cast<std::uint64_t>(entry.status));
  append_number_field(out, "bytes_in", entry.bytes_in);
  append_number_field(out, "bytes_out", entry.bytes_out);
  append_number_field(out, "duration_us", entry.duration_micros);
  append_string_field(out, "upstream", entry.upstream_address);
  append_string_field(out, "upstream_name", entry.upstream_name);
  append_number_field(out, "upstream_us", entry.upstream_micros);
  append_string_field(out, "route", entry.route);
  // What went wrong, when the gateway answered for a failure: its unified error code.
  append_string_field(out, "error", entry.error);
  if (!entry.tls_version.empty()) {
    append_string_field(out, "tls_version", entry.tls_version);
    append_string_field(out, "tls_server_name", entry.tls_server_name);
    append_string_field(out, "tls_client_subject", entry.tls_client_subject);
  }
  out.append("}\n");
}

AccessLog::AccessLog(std::string path, std::size_t workers) : path_(std::move(path)) {
  for (std::size_t i = 0; i < workers; ++i) queues_.push_back(std::make_unique<AccessLogQueue>());
}

AccessLog::~AccessLog() {
  stopping_.store(true);
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0 && fd_ > 2) ::close(fd_);
}

bool AccessLog::open(std::string& error) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "cannot open access log '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  writer_ = std::thread([this] { write_loop(); });
  return true;
}

std::uint64_t AccessLog::dropped() const {
  std::uint64_t total = 0;
  for (const auto& queue : queues_) total += queue->dropped();
  return total;
}

void AccessLog::write_loop() {
  std::string line;
  std::string batch;
  for (;;) {
    const bool last_round = stopping_.load();
    batch.clear();
    for (auto& queue : queues_) {
      while (batch.size() < (1 << 20) && queue->pop(line)) batch.append(line);
    }
    for (std::size_t written = 0; written < batch.size();) {
      const ssize_t n = ::write(fd_, batch.data() + written, batch.size() - written);
      if (n <= 0) break;  // a full disk must not stall the gateway; lines are lost
      written += static_cast<std::size_t>(n);
    }
    if (last_round && batch.empty()) return;
    if (batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace apigw::observe
