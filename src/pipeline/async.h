// The I/O half of filters and handlers that wait on the network (an auth service, Redis). Only
// they include this header, and with it Asio's awaitable; synchronous filters never see Asio.
//
// The server calls resume_request / resume only after the synchronous call returned
// Verdict::suspend, so a chain of synchronous filters never makes a coroutine frame. The awaited
// coroutine runs on the request's worker; when the request ends early (client gone, deadline)
// the server triggers ctx.cancellation, and the filter's I/O must then finish at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/filter.h"
#include "pipeline/handler.h"

namespace apigw::pipeline {

// The worker's io_context executor, as in server/asio.h (coroutines share one executor type).
using Executor = boost::asio::io_context::executor_type;
template <typename T>
using Awaitable = boost::asio::awaitable<T, Executor>;

class AsyncFilter : public Filter {
 public:
  // Finishes the request phase after on_request returned Verdict::suspend: next, or stop with
  // ctx.local_reply set.
  virtual Awaitable<Verdict> resume_request(RequestContext& ctx) const = 0;
  const AsyncFilter* as_async() const final { return this; }
  // The filter's kind ("forward_auth"): the name of its wait's span when tracing.
  virtual std::string_view name() const = 0;
};

class AsyncHandler : public Handler {
 public:
  // Answers after handle() returned Verdict::suspend: sets ctx.local_reply, returns stop.
  virtual Awaitable<Verdict> resume(RequestContext& ctx) const = 0;
  const AsyncHandler* as_async() const final { return this; }
  // The handler's kind: the name of its wait's span when tracing.
  virtual std::string_view name() const = 0;
};

}  // namespace apigw::pipeline
