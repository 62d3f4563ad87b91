// Fuzzes the X-Forwarded-For walk. Input: the peer address on the first line, then one header
// value per line. Checks that the answer is the peer or a piece of a header value, that several
// headers mean the same as one joined list, and that the walk only leaves trusted peers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/forwarded_for.h"

namespace {

const apigw::util::CidrSet& trusted() {
  static const apigw::util::CidrSet set = [] {
    std::vector<apigw::util::Cidr> blocks;
    for (const char* text : {"10.0.0.0/8", "127.0.0.1", "2001:db8::/32", "::1"}) {
      blocks.push_back(*apigw::util::parse_cidr(text));
    }
    return apigw::util::CidrSet(blocks);
  }();
  return set;
}

bool points_into(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view peer = input.substr(0, newline);
  std::vector<std::string_view> values;
  std::string joined;
  if (newline != std::string_view::npos) {
    std::string_view rest = input.substr(newline + 1);
    while (true) {
      const std::size_t end = rest.find('\n');
      values.push_back(rest.substr(0, end));
      joined += (values.size() > 1 ? "," : "") + std::string(values.back());
      if (end == std::string_view::npos) break;
      rest = rest.substr(end + 1);
    }
  }
  const apigw::http::ForwardedClient client =
      apigw::http::forwarded_client(peer, values, trusted());
  if (client.hops == 0) {
    FUZZ_CHECK(client.address.data() == peer.data() && client.address.size() == peer.size());
  } else {
    FUZZ_CHECK(trusted().contains(peer));
    bool inside = false;
    for (std::string_view value : values) inside = inside || points_into(client.address, value);
    FUZZ_CHECK(inside);
    FUZZ_CHECK(apigw::util::parse_ip(client.address) == client.ip);
  }
  // The headers form one list: joining them changes nothing.
  const std::vector<std::string_view> one = {joined};
  const apigw::http::ForwardedClient same = apigw::http::forwarded_client(peer, one, trusted());
  FUZZ_CHECK(same.hops == client.hops);
  FUZZ_CHECK(same.address == client.address);
  return 0;
}
