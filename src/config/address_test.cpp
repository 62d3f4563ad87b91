#include <gtest/gtest.h>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

TEST(ConfigAddress, ListenAcceptsIpLiteralsWithPort) {
  EXPECT_TRUE(is_valid_listen_address("127.0.0.1:8080"));
  EXPECT_TRUE(is_valid_listen_address("0.0.0.0:80"));
  EXPECT_TRUE(is_valid_listen_address("[::1]:8080"));
  EXPECT_TRUE(is_valid_listen_address("[::]:443"));
}

TEST(ConfigAddress, ListenRefusesPortZero) {
  // Every worker binds the same port with SO_REUSEPORT: "any free port" would differ per worker.
  EXPECT_FALSE(is_valid_listen_address("127.0.0.1:0"));
  EXPECT_FALSE(is_valid_listen_address("[::1]:0"));
}

TEST(ConfigAddress, ListenRefusesNamesMissingPortsAndBadPorts) {
  EXPECT_FALSE(is_valid_listen_address("localhost:8080"));
  EXPECT_FALSE(is_valid_listen_address("127.0.0.1"));
  EXPECT_FALSE(is_valid_listen_address("127.0.0.1:"));
  EXPECT_FALSE(is_valid_listen_address("127.0.0.1:65536"));
  EXPECT_FALSE(is_valid_listen_address("127.0.0.1:80x"));
  EXPECT_FALSE(is_valid_listen_address("::1:8080"));
  EXPECT_FALSE(is_valid_listen_address("[::1]8080"));
  EXPECT_FALSE(is_valid_listen_address("[127.0.0.1]:80"));
  EXPECT_FALSE(is_valid_listen_address("256.0.0.1:80"));
  EXPECT_FALSE(is_valid_listen_address(":80"));
  EXPECT_FALSE(is_valid_listen_address(""));
}

TEST(ConfigAddress, TargetAcceptsDnsNamesAndIpLiterals) {
  EXPECT_TRUE(is_valid_target_address("127.0.0.1:9001"));
  EXPECT_TRUE(is_valid_target_address("backend.internal:80"));
  EXPECT_TRUE(is_valid_target_address("api-1.example.com:65535"));
  EXPECT_TRUE(is_valid_target_address("localhost:1"));
  EXPECT_TRUE(is_valid_target_address("[2001:db8::1]:8443"));
}

TEST(ConfigAddress, TargetRefusesPortZeroAndMalformedHosts) {
  EXPECT_FALSE(is_valid_target_address("backend:0"));
  EXPECT_FALSE(is_valid_target_address("backend"));
  EXPECT_FALSE(is_valid_target_address("-bad.example.com:80"));
  EXPECT_FALSE(is_valid_target_address("bad..example.com:80"));
  EXPECT_FALSE(is_valid_target_address("under_score:80"));
  EXPECT_FALSE(is_valid_target_address("999.1.1.1:80"));
  EXPECT_FALSE(is_valid_target_address("[not-v6]:80"));
  EXPECT_FALSE(is_valid_target_address("http://backend:80"));
}

TEST(ConfigAddress, DnsNameChecksLabels) {
  EXPECT_TRUE(is_dns_name("example.com"));
  EXPECT_TRUE(is_dns_name("10.0.0.1"));
  EXPECT_FALSE(is_dns_name(std::string(64, 'a') + ".com"));
  EXPECT_FALSE(is_dns_name("example.com."));
  EXPECT_FALSE(is_dns_name("exa mple.com"));
}

}  // namespace
}  // namespace apigw::config::detail
