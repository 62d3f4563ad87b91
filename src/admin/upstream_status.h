// The live state of upstreams and their targets, for GET /admin/status/upstreams[/{name}] and for
// the per-target gauges of /metrics: health, ejection, circuit breaker, requests in flight and the
// recent error rate. Read from the targets' shared atomics; nothing here changes them.
#pragma once

#include <string>
#include <string_view>

#include "snapshot/snapshot.h"

namespace apigw::admin {

// JSON: {"upstreams":[...]} for all, or one upstream's object when `name` is given. Returns an
// empty string when `name` names no upstream.
std::string render_upstreams_json(const snapshot::Snapshot& snapshot, std::string_view name);

// Appends the per-target gauges in Prometheus text.
void append_target_gauges(const snapshot::Snapshot& snapshot, std::string& out);

}  // namespace apigw::admin
