// Sends the copies of requests that routes mirror (config `mirror`), off the request path. Each
// worker has one MirrorSender: the request side samples and queues (ProxyExchange::mirror_request,
// proxy_mirror.cpp), never waiting; up to kMaxSenders coroutines, started when jobs wait and ended
// when none do, write each job on a pooled connection of its target, read the answer's head and
// drain a small body, within the job's timeout. A connection that failed or timed out counts for
// the target's passive health checks (connect-failure ejection, outlier detection, breaker), so an
// ejected or unhealthy mirror target costs no more than a failed pick per sampled request.
#pragma once

#include <cstdint>
#include <vector>

#include "observe/counter_families.h"
#include "server/asio.h"
#include "server/deadline_sweeper.h"
#include "server/mirror_queue.h"

namespace apigw::server {

class UpstreamConnection;

class MirrorSender {
 public:
  static constexpr std::size_t kMaxSenders = 8;
  // An answer's body up to this is read and dropped, so the connection can be reused; a larger
  // one closes the connection.
  static constexpr std::uint64_t kMaxDrainedBody = 64 * 1024;

  MirrorSender(net::io_context& context, DeadlineSweeper& sweeper)
      : context_(context), sweeper_(sweeper) {}
  MirrorSender(const MirrorSender&) = delete;
  MirrorSender& operator=(const MirrorSender&) = delete;

  MirrorQueue& queue() { return queue_; }
  // Queues the job (moved from) and starts a sender if every running one is busy. False: the
  // queue is full or the worker is stopping; the job is left to the caller, to count as dropped.
  bool submit(MirrorJob& job);
  // Worker shutdown: drops the queued jobs and closes the connections of those being sent, so
  // that the senders end at once.
  void abort();
  std::size_t senders() const { return senders_; }

 private:
  class InFlight;
  struct Attempt;
  awaitable<void> run();
  awaitable<observe::MirrorResult> send(MirrorJob& job, InFlight& in_flight);
  // One try on `connection` (connected first when null).
  awaitable<Attempt> exchange(MirrorJob& job, std::unique_ptr<UpstreamConnection>& connection,
                              InFlight& in_flight);
  // Reads and drops the answer's body; whether the connection may serve another request.
  awaitable<bool> drain_body(UpstreamConnection& connection, InFlight& in_flight);

  net::io_context& context_;
  DeadlineSweeper& sweeper_;
  MirrorQueue queue_;
  std::size_t senders_ = 0;   // running
  std::size_t starting_ = 0;  // spawned, not yet at their first pop
  std::vector<InFlight*> in_flight_;
  bool aborted_ = false;
};

}  // namespace apigw::server
