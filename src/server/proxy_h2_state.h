// Internal to ProxyExchange (proxy_exchange.cpp, proxy_h2.cpp): what an exchange with an h2
// upstream holds beside the HTTP/1 exchange's state.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "h2/upstream_request.h"
#include "server/h2_upstream.h"
#include "server/proxy_exchange.h"

namespace apigw::server {

struct ProxyExchange::H2State {
  explicit H2State(net::io_context& context) : call(context), pump_done(context) {}
  std::shared_ptr<H2UpstreamConnection> connection;
  H2UpstreamCall call;
  h2::UpstreamRequest request;
  std::vector<std::string_view> replaced;  // names the filters' edits set or remove
  std::vector<http::Header> added;         // fields the filters' edits write
  bool pumping = false;                    // pump_h2_body() runs
  bool stop_pump = false;
  bool body_failed = false;  // the client's body broke off (or went past its limit)
  UpstreamOutcome body_outcome = UpstreamOutcome::ok;
  net::steady_timer pump_done;  // woken when the pump returns
};

}  // namespace apigw::server
