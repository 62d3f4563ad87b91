#include "server/trace_exporter.h"

#include "config/effective_config.h"
#include "observe/otlp_json.h"
#include "util/log.h"

namespace apigw::server {

TraceExporter::TraceExporter(net::io_context& context, std::size_t workers,
                             std::uint32_t queue_size, std::string version,
                             std::string instance_id, std::string host_name)
    : context_(context),
      client_(context),
      version_(std::move(version)),
      host_name_(std::move(host_name)),
      instance_id_(std::move(instance_id)) {
  for (std::size_t i = 0; i < workers; ++i) {
    queues_.push_back(std::make_unique<observe::SpanQueue>(queue_size));
  }
}

void TraceExporter::start(std::function<config::TracingConfig()> tracing) {
  tracing_ = std::move(tracing);
  timer_ = std::make_unique<steady_timer>(context_);
  net::co_spawn(context_, run(), net::detached);
}

TraceExportCounters TraceExporter::counters() const {
  TraceExportCounters counters = counters_;
  for (const auto& queue : queues_) counters.dropped += queue->dropped();
  return counters;
}

std::size_t TraceExporter::collect(std::size_t limit) {
  if (batch_.size() < limit) batch_.resize(limit);
  std::size_t count = 0;
  // Round-robin over the queues, one span each, so that one busy worker does not starve others.
  for (bool any = true; any && count < limit;) {
    any = false;
    for (std::size_t n = 0; n < queues_.size() && count < limit; ++n) {
      observe::SpanQueue& queue = *queues_[(next_queue_ + n) % queues_.size()];
      if (queue.pop(batch_[count])) {
        ++count;
        any = true;
      }
    }
  }
  next_queue_ = (next_queue_ + 1) % std::max<std::size_t>(queues_.size(), 1);
  return count;
}

awaitable<void> TraceExporter::send(const config::TracingConfig& tracing, std::size_t count) {
  body_.clear();
  observe::OtlpResource resource;
  resource.service_name = tracing.service_name;
  resource.service_version = version_;
  resource.host_name = host_name_;
  resource.instance_id = instance_id_;
  encode_otlp_json(std::span<const observe::Span>(batch_.data(), count), resource, body_);
  store::http::HttpRequest request;
  request.method = "POST";
  request.url = tracing.otlp_endpoint;
  request.headers.emplace_back("Content-Type", "application/json");
  for (const auto& [name, value] : tracing.headers) request.headers.emplace_back(name, value);
  request.body = body_;
  request.tls.ca_file = tracing.ca_file;
  request.timeout = tracing.export_timeout;
  const store::http::HttpResult result = co_await client_.request(std::move(request));
  if (result && result->status >= 200 && result->status < 300) {
    counters_.exported += count;
    co_return;
  }
  counters_.failed += count;
  // Logged once per failing stretch, not per batch: a collector that is down would fill the log.
  if (counters_.export_errors++ == 0 || last_error_logged_ + 100 <= counters_.export_errors) {
    last_error_logged_ = counters_.export_errors;
    util::log_warn("tracing: export to " + config::redact_url_secrets(tracing.otlp_endpoint) +
                   " failed (" +
                   (result ? "HTTP " + std::to_string(result->status)
                           : std::string(store::http::to_string(result.error().kind)) + ": " +
                                 result.error().message) +
                   "); " + std::to_string(count) + " spans dropped");
  }
}

bool TraceExporter::batch_waiting(std::size_t batch_size) const {
  for (const auto& queue : queues_) {
    if (queue->size() >= batch_size) return true;
  }
  return false;
}

awaitable<void> TraceExporter::run() {
  // The queues are looked at every 50 ms: a worker's full batch goes then (at high sampling
  // rates a queue would otherwise overflow between two flushes); the rest goes every
  // flush_interval. Looking is a few atomic loads; workers are never woken.
  constexpr std::chrono::milliseconds kLook{50};
  auto last_flush = std::chrono::steady_clock::now();
  for (;;) {
    const config::TracingConfig tracing = tracing_();
    const auto now = std::chrono::steady_clock::now();
    if (!tracing.enabled) {
      // Off (a reload turned it off): what workers queued before is not sent.
      while (collect(512) != 0) {
      }
    } else if (stopping_ || now - last_flush >= tracing.flush_interval ||
               batch_waiting(tracing.batch_size)) {
      // Full batches go at once; a partial one only at the flush interval (or when stopping).
      const bool flush = stopping_ || now - last_flush >= tracing.flush_interval;
      if (flush) last_flush = now;
      for (std::size_t count; (count = collect(tracing.batch_size)) != 0;) {
        co_await send(tracing, count);
        if (count < tracing.batch_size && !stopping_) break;
      }
    }
    if (stopping_) break;
    timer_->expires_after(std::min<std::chrono::milliseconds>(kLook, tracing.flush_interval));
    co_await timer_->async_wait(use_nothrow);
  }
  stopped_ = true;
}

awaitable<void> TraceExporter::flush_and_stop() {
  if (!timer_) co_return;  // never started
  stopping_ = true;
  timer_->cancel();
  // run() sends what is queued and ends; a shutdown waits for that at most 2 seconds (an export
  // still going then is abandoned with the loop).
  steady_timer wait(context_);
  const auto limit = std::chrono::steady_clock::now() +
                     std::min<std::chrono::milliseconds>(tracing_().export_timeout,
                                                         std::chrono::seconds(2));
  while (!stopped_ && std::chrono::steady_clock::now() < limit) {
    wait.expires_after(std::chrono::milliseconds(10));
    co_await wait.async_wait(use_nothrow);
  }
}

}  // namespace apigw::server
