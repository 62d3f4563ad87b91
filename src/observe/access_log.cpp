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

#include "http/authority.h"
#include "http/error_body.h"
#include "util/log.h"

namespace apigw::observe {

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

namespace {

constexpr auto kDefaultFields = [] {
  std::array<config::AccessLogField, config::kDefaultAccessLogFields> fields{};
  for (std::size_t i = 0; i < fields.size(); ++i) fields[i] = static_cast<config::AccessLogField>(i);
  return fields;
}();

// Fields the default line holds only when they have a value: the trace (tracing on), the consumer
// (an authentication filter identified one) and TLS (a TLS connection).
bool only_when_set(config::AccessLogField field) {
  using config::AccessLogField;
  switch (field) {
    case AccessLogField::trace_id:
    case AccessLogField::span_id:
    case AccessLogField::consumer:
    case AccessLogField::tls_protocol_version:
    case AccessLogField::tls_server_name:
    case AccessLogField::tls_client_subject:
      return true;
    default:
      return false;
  }
}

// `always`: written even when empty ("" or 0), so that a parser finds the same keys on every line.
void append_field(std::string& out, const AccessLogEntry& entry, config::AccessLogField field,
                  bool always) {
  using config::AccessLogField;
  const std::string_view name = config::kAccessLogFieldNames[static_cast<std::size_t>(field)];
  const auto text = [&](std::string_view value) {
    if (always || !value.empty()) append_string_field(out, name, value);
  };
  switch (field) {
    case AccessLogField::time:
      out.append(",\"time\":\"");
      append_time(out, entry.unix_micros);
      out.push_back('"');
      break;
    case AccessLogField::request_id:
      text(entry.request_id);
      break;
    case AccessLogField::trace_id:
      text(entry.trace_id);
      break;
    case AccessLogField::span_id:
      text(entry.span_id);
      break;
    case AccessLogField::http_request_method:
      text(entry.method);
      break;
    case AccessLogField::url_path:
      text(entry.path);
      break;
    case AccessLogField::url_query:
      text(entry.query);
      break;
    case AccessLogField::http_response_status_code:
      append_number_field(out, name, static_cast<std::uint64_t>(entry.status));
      break;
    case AccessLogField::client_address:
      text(entry.client);
      break;
    case AccessLogField::server_address:
      text(http::split_authority(entry.host).host);  // the port is not part of the address
      break;
    case AccessLogField::user_agent:
      text(entry.user_agent);
      break;
    case AccessLogField::network_protocol_version:
      text(entry.protocol_version);
      break;
    case AccessLogField::http_request_size:
      append_number_field(out, name, entry.bytes_in);
      break;
    case AccessLogField::http_response_size:
      append_number_field(out, name, entry.bytes_out);
      break;
    case AccessLogField::duration_us:
      append_number_field(out, name, entry.duration_micros);
      break;
    case AccessLogField::route:
      text(entry.route);
      break;
    case AccessLogField::upstream:
      text(entry.upstream_name);
      break;
    case AccessLogField::upstream_address:
      text(entry.upstream_address);
      break;
    case AccessLogField::upstream_us:
      append_number_field(out, name, entry.upstream_micros);
      break;
    case AccessLogField::upstream_tries:
      append_number_field(out, name, entry.tries);
      break;
    case AccessLogField::error:
      text(entry.error);
      break;
    case AccessLogField::consumer:
      text(entry.consumer);
      break;
    case AccessLogField::tls_protocol_version:
      // OpenTelemetry's value is the version number alone ("1.3", not "TLSv1.3").
      text(entry.tls_version.starts_with("TLSv") ? entry.tls_version.substr(4) : entry.tls_version);
      break;
    case AccessLogField::tls_server_name:
      text(entry.tls_server_name);
      break;
    case AccessLogField::tls_client_subject:
      text(entry.tls_client_subject);
      break;
  }
}

}  // namespace

void format_access_log_line(const AccessLogEntry& entry,
                            std::span<const config::AccessLogField> fields, std::string& out) {
  const bool listed = !fields.empty();
  if (!listed) fields = kDefaultFields;
  const std::size_t start = out.size();
  for (const config::AccessLogField field : fields) {
    append_field(out, entry, field, listed || !only_when_set(field));
  }
  // Every field wrote a leading comma: the first becomes the object's brace.
  if (out.size() == start) {
    out.append("{}\n");
    return;
  }
  out[start] = '{';
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

void AccessLog::reopen_file() {
  // A file logrotate renamed: open the path again (a new file) and let the old one go. Lines
  // already written stay in the renamed file; none are lost between the two.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    util::log_warn("access log: cannot reopen '" + path_ + "' (" + std::strerror(errno) +
                   "); still writing to the file open before");
    return;
  }
  const int old = fd_;
  fd_ = fd;
  if (old > 2) ::close(old);
  util::log_info("access log reopened: " + path_);
}

void AccessLog::write_loop() {
  std::string line;
  std::string batch;
  for (;;) {
    const bool last_round = stopping_.load();
    if (reopen_.exchange(false)) {
      reopen_file();
      reopened_.fetch_add(1);
    }
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
