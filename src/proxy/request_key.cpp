#include "proxy/request_key.h"

namespace apigw::proxy {

std::string_view request_key(const config::HashOn& on, std::string_view client_address,
                             const std::vector<http::Header>& headers,
                             const http::PathParams& params) {
  switch (on.kind) {
    case config::HashOn::Kind::client_ip:
      return client_address;
    case config::HashOn::Kind::header:
      return http::find_header(headers, on.name);
    case config::HashOn::Kind::cookie:
      return http::find_cookie(headers, on.name);
    case config::HashOn::Kind::param: {
      std::string_view key;
      for (const auto& param : params) {
        if (param.name == on.name) key = param.value;
      }
      return key;
    }
  }
  return {};
}

}  // namespace apigw::proxy
