// ProxyExchange, the request side of mirroring: sample, copy the request as the mirror gets it
// and queue it for the worker's MirrorSender (server/mirror_sender.h). Synchronous and bounded:
// the request goes on to its own upstream at once, whatever becomes of the copy.
#include "proxy/balancers/balancer.h"
#include "server/mirror_sender.h"
#include "server/proxy_exchange.h"

namespace apigw::server {

void ProxyExchange::mirror_request() {
  const snapshot::RouteMirror& mirror = *route_.mirror;
  MirrorSender& sender = session_.worker().mirrors();
  // The worker's splitmix64: one draw, unless every request is copied.
  if (mirror.per_million < 1'000'000 &&
      session_.worker().random() % 1'000'000 >= mirror.per_million) {
    return;
  }
  const std::size_t route = session_.route_index();
  const auto count = [&](observe::MirrorResult result) {
    serving_.count(observe::Family::mirrors, route, result).add();
  };
  // Only a body already whole in memory is copied: the request never waits, nor buffers, for
  // the mirror's sake. A body filters hold (and may have changed) goes as they left it.
  std::string_view body;
  if (context_.request_body_buffered) {
    body = context_.request_body;
  } else if (body_complete_in_buffer_) {
    body = {session_.input().readable().data(), buffered_body_};
  } else {
    count(observe::MirrorResult::skipped_body);
    return;
  }
  if (body.size() > mirror.max_body_bytes) {
    count(observe::MirrorResult::skipped_body);
    return;
  }
  if (!sender.queue().has_room(body.size())) {
    count(observe::MirrorResult::dropped);
    return;
  }
  // Ejected, unhealthy or open-breaker targets are not picked: a dead mirror costs this much.
  const std::size_t target = serving_.pick_target(mirror.cluster_index, std::nullopt);
  if (target == proxy::Balancer::npos) {
    count(observe::MirrorResult::failed);
    return;
  }
  const proxy::Cluster& cluster = snapshot_.clusters[mirror.cluster_index];
  MirrorJob job;
  job.serving = session_.serving();
  job.route = route;
  job.cluster = mirror.cluster_index;
  job.target = target;
  job.method = session_.scratch().head.method;
  job.timeout = mirror.timeout;
  job.bytes = sender.queue().take_buffer();
  // The copy's own span id (a child of the request's, not exported): the shadow's spans join
  // the trace without being taken for the live try's.
  if (context_.trace.active) session_.begin_call_span();
  write_upstream_head(*cluster.config, cluster.targets[target], job.bytes);
  job.bytes.append(body);
  if (!sender.submit(job)) {
    count(observe::MirrorResult::dropped);
    sender.queue().give_back(std::move(job.bytes));
  }
}

}  // namespace apigw::server
