// A route's action when the gateway answers the request itself instead of an upstream (static
// responses, redirects; later token endpoints, aggregation, the dashboard). The route keeps
// everything else of a proxied route: matching, filters (both phases), metrics and the access log.
// Built once per snapshot from its validated config, like a filter; keeps no per-request state.
#pragma once

#include "pipeline/filter.h"

namespace apigw::pipeline {

class AsyncHandler;

class Handler {
 public:
  virtual ~Handler() = default;
  // Sets ctx.local_reply and returns Verdict::stop; or returns Verdict::suspend when it must
  // wait on I/O, and the server awaits its AsyncHandler::resume (pipeline/async.h).
  virtual Verdict handle(RequestContext& ctx) const = 0;
  virtual const AsyncHandler* as_async() const { return nullptr; }
};

}  // namespace apigw::pipeline
