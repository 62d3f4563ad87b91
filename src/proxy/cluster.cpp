#include "proxy/cluster.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace apigw::proxy {

bool split_host_port(std::string_view address, std::string& host, std::string& port) {
  std::size_t colon;
  if (!address.empty() && address.front() == '[') {
    const std::size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
      return false;
    host.assign(address.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    host.assign(address.substr(0, colon));
    if (host.find(':') != std::string::npos) return false;  // unbracketed IPv6
  }
  port.assign(address.substr(colon + 1));
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  const int number = std::stoi(port);
  return number > 0 && number <= 65535;
}

namespace {

std::vector<Endpoint> resolve(const std::string& host, const std::string& port,
                              std::string& error) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  std::vector<Endpoint> endpoints;
  if (ec) {
    error = ec.message();
    return endpoints;
  }
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

}  // namespace

Cluster build_cluster(const config::UpstreamConfig& upstream, const ResolvedAddresses& previous,
                      ResolvedAddresses& resolved, std::vector<std::string>& warnings,
                      bool resolve_known) {
  Cluster cluster;
  cluster.config = &upstream;
  for (const auto& target_config : upstream.targets) {
    Target target;
    target.address = target_config.address;
    target.weight = target_config.weight;
    target.backup = target_config.backup;
    target.drain = target_config.drain;
    target.health = target_config.health;
    std::string port;
    split_host_port(target_config.address, target.host, port);
    const auto known = previous.find(target.address);
    if (!resolve_known && known != previous.end()) {
      target.endpoints = known->second;
      resolved[target.address] = target.endpoints;
      cluster.targets.push_back(std::move(target));
      continue;
    }
    std::string error;
    target.endpoints = resolve(target.host, port, error);
    if (target.endpoints.empty()) {
      if (known != previous.end()) target.endpoints = known->second;
      warnings.push_back("upstream '" + upstream.name + "': cannot resolve '" + target.address +
                         "': " + error +
                         (target.endpoints.empty() ? " (target unavailable)"
                                                   : " (keeping the last good addresses)"));
    }
    if (!target.endpoints.empty()) resolved[target.address] = target.endpoints;
    cluster.targets.push_back(std::move(target));
  }
  return cluster;
}

bool parse_listen_address(std::string_view address, Endpoint& out) {
  std::string host, port;
  if (!split_host_port(address, host, port)) return false;
  boost::system::error_code ec;
  boost::asio::ip::address ip;
  if (host == "*") {
    ip = boost::asio::ip::address_v6::any();
  } else if (host == "localhost") {
    ip = boost::asio::ip::address_v4::loopback();
  } else {
    ip = boost::asio::ip::make_address(host, ec);
    if (ec) return false;
  }
  out = Endpoint(ip, static_cast<unsigned short>(std::stoi(port)));
  return true;
}

}  // namespace apigw::proxy
