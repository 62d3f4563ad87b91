// An upstream as the data plane sees it: its targets with resolved addresses and its settings.
// Built with the snapshot (on the main thread, where DNS may block) and immutable afterwards.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "proxy/target_state.h"

namespace apigw::proxy {

using Endpoint = boost::asio::ip::tcp::endpoint;

struct Target {
  std::string address;  // as configured ("host:port")
  std::string host;     // the host part, without the port
  std::uint32_t weight = 1;
  bool backup = false;
  bool drain = false;  // set by hand: no new requests or tunnels
  config::TargetConfig::Health health = config::TargetConfig::Health::automatic;  // set by hand
  std::shared_ptr<TargetState> state;  // shared by every worker; set by build_snapshot
  std::vector<Endpoint> endpoints;     // empty when resolution failed and nothing was known before
};

struct Cluster {
  const config::UpstreamConfig* config = nullptr;  // owned by the snapshot's Config
  std::vector<Target> targets;
  std::shared_ptr<UpstreamState> state;  // shared by every worker; set by build_snapshot
};

// Last known addresses of named targets, kept across snapshots so that a failed re-resolution
// keeps serving the last good addresses.
using ResolvedAddresses = std::map<std::string, std::vector<Endpoint>>;

// Splits "host:port" / "[v6]:port". Returns false if malformed.
bool split_host_port(std::string_view address, std::string& host, std::string& port);

// Resolves every target of `upstream` (blocking; call off the workers). Where resolution fails,
// takes the addresses from `previous`; `resolved` receives what this call knows now. With
// `resolve_known` false, a target `previous` has answers for takes them without resolving.
Cluster build_cluster(const config::UpstreamConfig& upstream, const ResolvedAddresses& previous,
                      ResolvedAddresses& resolved, std::vector<std::string>& warnings,
                      bool resolve_known = true);

// Parses a listen address into an endpoint (numeric host or "localhost"; "*:port" = any IPv6+v4).
bool parse_listen_address(std::string_view address, Endpoint& out);

}  // namespace apigw::proxy
