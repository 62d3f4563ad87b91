#include "server/mirror_sender.h"

#include <algorithm>

#include "http/parser.h"
#include "proxy/circuit_breaker.h"
#include "proxy/outlier.h"
#include "server/upstream_connect.h"
#include "server/worker.h"
#include "util/log.h"

namespace apigw::server {
namespace {

constexpr http::HeadLimits kAnswerHeadLimits{64 * 1024, 256, 64 * 1024};

}  // namespace

// One job being sent by one sender: its connection, which the deadline (the job's timeout) or a
// shutdown closes, and the answer's head.
class MirrorSender::InFlight final : public Expirable {
 public:
  void on_deadline() override {
    timed_out = true;
    close();
  }
  void close() {
    if (connection == nullptr) return;
    error_code ignored;
    connection->transport.close(ignored);
  }

  UpstreamConnection* connection = nullptr;
  bool timed_out = false;
  http::ResponseHead answer;
  http::ChunkedScanner chunks;
};

struct MirrorSender::Attempt {
  observe::MirrorResult result = observe::MirrorResult::failed;
  bool connect_failed = false;
  bool stale = false;     // a pooled connection the mirror had closed: nothing was received
  bool reusable = false;  // the answer was read whole: the connection may go back to the pool
  int status = 0;
};

bool MirrorSender::submit(MirrorJob& job) {
  if (aborted_ || !queue_.try_push(job)) return false;
  // A sender already started and not yet at its first job will take this one.
  if (senders_ < kMaxSenders && queue_.size() > starting_) {
    ++senders_;
    ++starting_;
    net::co_spawn(context_, run(), net::detached);
  }
  return true;
}

void MirrorSender::abort() {
  aborted_ = true;
  queue_.clear();
  for (InFlight* sending : in_flight_) {
    sending->close();
    // Its coroutine may be destroyed with the io_context, after the sweeper.
    sweeper_.remove(*sending);
  }
}

awaitable<void> MirrorSender::run() {
  --starting_;
  InFlight in_flight;
  sweeper_.add(in_flight);
  in_flight_.push_back(&in_flight);
  for (MirrorJob job; !aborted_ && queue_.pop(job);) {
    const observe::MirrorResult result = co_await send(job, in_flight);
    job.serving->count(observe::Family::mirrors, job.route, result).add();
    job.serving.reset();
    queue_.give_back(std::move(job.bytes));
  }
  std::erase(in_flight_, &in_flight);
  --senders_;
}

awaitable<observe::MirrorResult> MirrorSender::send(MirrorJob& job, InFlight& in_flight) {
  WorkerSnapshot& serving = *job.serving;
  const proxy::Cluster& cluster = serving.snapshot->clusters[job.cluster];
  const proxy::Target& target = cluster.targets[job.target];
  const proxy::CountGuard counted(&target.state->in_flight);
  const Clock::time_point start = Clock::now();
  in_flight.timed_out = false;
  in_flight.set_deadline(start + job.timeout);

  std::unique_ptr<UpstreamConnection> connection = serving.pool(job.cluster, job.target).take();
  Attempt attempt = co_await exchange(job, connection, in_flight);
  if (attempt.stale && !aborted_) {
    connection.reset();
    attempt = co_await exchange(job, connection, in_flight);
  }
  in_flight.connection = nullptr;
  in_flight.clear_deadline();

  // The target's passive health, as a request's try would tell it (ProxyExchange::record_try).
  if (!aborted_) {
    const std::int64_t now = proxy::steady_now_ns();
    const bool failed = attempt.result != observe::MirrorResult::sent || attempt.status >= 500;
    const config::CircuitBreakerConfig& breaker = cluster.config->circuit_breaker;
    if (breaker.scope != config::CircuitBreakerConfig::Scope::upstream) {
      if (const auto moved = proxy::breaker_record(breaker, target.state->breaker, failed,
                                                   Clock::now() - start, now)) {
        serving
            .count(observe::Family::breaker_transitions, job.cluster,
                   proxy::breaker_entered(/*upstream_breaker=*/false, *moved))
            .add();
        util::log_warn("upstream '" + cluster.config->name + "': circuit breaker of target " +
                       target.address + " " + proxy::breaker_state_name(*moved));
      }
    }
    auto ejected = proxy::record_try(cluster, job.target, failed, now);
    const auto refused = proxy::record_connect(cluster, job.target, attempt.connect_failed, now);
    const char* why = "failure";
    if (ejected.count() == 0 && refused.count() > 0) {
      ejected = refused;
      why = "connect failure";
    }
    if (ejected.count() > 0) {
      serving.count(observe::Family::ejections, job.cluster, observe::Ejection::ejected).add();
      util::log_warn("upstream '" + cluster.config->name + "': target " + target.address +
                     " ejected for " + std::to_string(ejected.count()) + " ms after mirrored " +
                     "requests' " + why);
    }
  }
  if (attempt.reusable && !aborted_) {
    TargetPool& pool = *connection->pool();
    pool.put(std::move(connection));
  }
  co_return attempt.result;
}

awaitable<MirrorSender::Attempt> MirrorSender::exchange(
    MirrorJob& job, std::unique_ptr<UpstreamConnection>& connection, InFlight& in_flight) {
  Attempt attempt;
  WorkerSnapshot& serving = *job.serving;
  const proxy::Cluster& cluster = serving.snapshot->clusters[job.cluster];
  const bool reused = connection != nullptr;
  if (!reused) {
    connection = serving.pool(job.cluster, job.target).make(context_);
    cluster.state->connections.fetch_add(1, std::memory_order_relaxed);
    connection->open_connections = &cluster.state->connections;
    in_flight.connection = connection.get();
    // The upstream's connect_timeout bounds the connect, within the job's own deadline.
    const Clock::time_point job_deadline = in_flight.deadline();
    in_flight.set_deadline(std::min(job_deadline, Clock::now() + cluster.config->connect_timeout));
    const proxy::Target& target = cluster.targets[job.target];
    const auto& tls = job.cluster < serving.snapshot->upstream_tls.size()
                          ? serving.snapshot->upstream_tls[job.cluster]
                          : nullptr;
    TargetPool& pool = serving.pool(job.cluster, job.target);
    UpstreamTlsFailure failure;
    const ConnectStatus status = co_await connect_upstream(connection->transport, target, tls,
                                                           &pool.tls_sessions(), failure);
    if (status != ConnectStatus::ok) {
      const bool tls_failed = status == ConnectStatus::tls_failed;
      serving
          .count(observe::Family::connect_errors, job.cluster,
                 tls_failed ? observe::ConnectError::tls : observe::ConnectError::failed)
          .add();
      attempt.connect_failed = !aborted_;  // refused, unreachable, timed out or TLS refused
      if (tls_failed) pool.tls_sessions().clear();
      std::uint64_t suppressed = 0;
      if (tls_failed && pool.log_tls_failure(failure.reason, Clock::now(), suppressed)) {
        util::log_warn(describe_tls_failure(cluster.config->name, target, *tls, failure) +
                       " (mirrored request)");
      }
      co_return attempt;
    }
    in_flight.set_deadline(job_deadline);
  }
  in_flight.connection = connection.get();
  ++connection->requests_served;
  auto [write_ec, written] =
      co_await connection->transport.async_write(net::buffer(job.bytes), use_nothrow);
  connection->count_sent(written);
  if (write_ec) {
    attempt.stale = reused && !in_flight.timed_out;
    co_return attempt;
  }

  ByteBuffer& buffer = connection->buffer;
  http::ResponseHead& answer = in_flight.answer;
  bool received_any = false;
  for (;;) {
    if (!buffer.empty()) {
      const auto parsed =
          http::parse_response_head(buffer.readable(), kAnswerHeadLimits, job.method, answer);
      if (parsed.status == http::ParseStatus::error) co_return attempt;
      if (parsed.status == http::ParseStatus::complete) {
        if (answer.status == 101) co_return attempt;  // not asked for
        buffer.consume(answer.head_bytes);
        if (answer.status >= 200) break;
        continue;  // interim 1xx
      }
    }
    if (buffer.writable() == 0) {
      buffer.compact();
      if (buffer.writable() == 0) buffer.grow(kAnswerHeadLimits.max_header_bytes + 1024);
    }
    auto [ec, n] = co_await connection->transport.async_read_some(
        net::buffer(buffer.write_position(), buffer.writable()), use_nothrow);
    if (ec) {
      attempt.stale = reused && !received_any && !in_flight.timed_out;
      co_return attempt;
    }
    received_any = true;
    connection->count_received(n);
    buffer.commit(n);
  }
  attempt.result = observe::MirrorResult::sent;
  attempt.status = answer.status;
  const bool keep_alive = answer.keep_alive;
  attempt.reusable = co_await drain_body(*connection, in_flight) && keep_alive && buffer.empty() &&
                     !in_flight.timed_out;
  co_return attempt;
}

awaitable<bool> MirrorSender::drain_body(UpstreamConnection& connection, InFlight& in_flight) {
  const http::ResponseHead& answer = in_flight.answer;
  ByteBuffer& buffer = connection.buffer;
  switch (answer.framing) {
    case http::BodyFraming::none:
      co_return true;
    case http::BodyFraming::until_close:
    case http::BodyFraming::stream_end:  // never a response's: not parsed from HTTP/1
      co_return false;
    case http::BodyFraming::content_length:
    case http::BodyFraming::chunked:
      break;
  }
  const bool chunked = answer.framing == http::BodyFraming::chunked;
  if (!chunked && answer.content_length > kMaxDrainedBody) co_return false;
  std::uint64_t remaining = answer.content_length;
  std::uint64_t drained = 0;
  in_flight.chunks.reset();
  for (;;) {
    if (chunked) {
      const auto step = in_flight.chunks.scan(buffer.readable());
      buffer.consume(step.consumed);
      drained += step.consumed;
      if (step.error || drained > kMaxDrainedBody) co_return false;
      if (step.done) co_return true;
    } else {
      const std::uint64_t take = std::min<std::uint64_t>(remaining, buffer.size());
      buffer.consume(take);
      remaining -= take;
      if (remaining == 0) co_return true;
    }
    if (buffer.writable() == 0) buffer.compact();
    if (buffer.writable() == 0) co_return false;
    auto [ec, n] = co_await connection.transport.async_read_some(
        net::buffer(buffer.write_position(), buffer.writable()), use_nothrow);
    if (ec) co_return false;
    connection.count_received(n);
    buffer.commit(n);
  }
}

}  // namespace apigw::server
