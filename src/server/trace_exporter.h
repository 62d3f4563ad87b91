// Sends the workers' finished spans to an OTLP/HTTP endpoint ([tracing] otlp_endpoint), off the
// request path: workers push spans into their own bounded queue (observe/span.h; full: the span
// is dropped and counted, a worker never waits), and this exporter, on the main thread, drains
// them every flush_interval into batches of at most batch_size spans (a worker's full batch at
// once: the queues are looked at every 50 ms), one POST in flight at a time. A batch the
// endpoint refuses or that fails is dropped and counted: spans are telemetry, and holding them
// for retries would only grow memory while the collector is down.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "observe/span.h"
#include "server/asio.h"
#include "store/http/http_client.h"

namespace apigw::server {

struct TraceExportCounters {
  std::uint64_t exported = 0;       // spans the endpoint accepted (2xx)
  std::uint64_t failed = 0;         // spans of batches that failed or were refused
  std::uint64_t dropped = 0;        // spans dropped because a worker's queue was full
  std::uint64_t export_errors = 0;  // export requests that failed or were refused
};

class TraceExporter {
 public:
  // One queue of `queue_size` spans per worker.
  // `version`: the service.version of the spans; `instance_id` their service.instance.id (the
  // node id GET /admin/status shows); `host_name` their host.name.
  TraceExporter(net::io_context& context, std::size_t workers, std::uint32_t queue_size,
                std::string version, std::string instance_id, std::string host_name);
  observe::SpanQueue& queue(std::size_t worker) { return *queues_[worker]; }
  // Starts the export loop; `tracing` gives the current [tracing] settings at each round (a
  // reload may change the endpoint, batch size and interval; tracing off: queued spans are
  // discarded).
  void start(std::function<config::TracingConfig()> tracing);
  // Sends what is queued now, then stops (waiting 2 seconds at most).
  awaitable<void> flush_and_stop();
  TraceExportCounters counters() const;

 private:
  awaitable<void> run();
  // Moves up to `limit` queued spans into batch_; returns how many.
  std::size_t collect(std::size_t limit);
  // Whether some worker has a full batch waiting.
  bool batch_waiting(std::size_t batch_size) const;
  awaitable<void> send(const config::TracingConfig& tracing, std::size_t count);

  net::io_context& context_;
  std::vector<std::unique_ptr<observe::SpanQueue>> queues_;
  std::size_t next_queue_ = 0;  // where collect() starts, so no worker's spans wait behind others
  std::vector<observe::Span> batch_;
  std::string body_;
  std::function<config::TracingConfig()> tracing_;
  store::http::HttpClient client_;
  std::unique_ptr<steady_timer> timer_;
  std::string version_;
  std::string host_name_;
  std::string instance_id_;
  TraceExportCounters counters_;
  std::uint64_t last_error_logged_ = 0;  // export_errors when a failure was last logged
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace apigw::server
