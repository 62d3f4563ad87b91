#include "support/admin_client.h"

#include <gtest/gtest.h>
#include <strings.h>

#include <algorithm>

namespace apigw::test {

CurlResult admin_call(const Gateway& gateway, const std::string& method, const std::string& path,
                      const std::string& body, const std::vector<std::string>& extra,
                      const std::string& token) {
  std::vector<std::string> args{"-X", method,
                                "http://127.0.0.1:" + std::to_string(gateway.admin_port()) + path};
  if (!token.empty()) {
    args.push_back("-H");
    args.push_back("Authorization: Bearer " + token);
  }
  // JSON unless the caller sends its own Content-Type (curl would send both).
  const bool typed = std::any_of(extra.begin(), extra.end(), [](const std::string& arg) {
    return arg.size() > 13 && strncasecmp(arg.c_str(), "content-type:", 13) == 0;
  });
  if (!body.empty() && !typed) {
    args.push_back("-H");
    args.push_back("Content-Type: application/json");
  }
  if (!body.empty()) {
    args.push_back("--data-binary");
    args.push_back(body);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return curl(args);
}

bool add_upstream_and_route(const Gateway& gateway, const std::string& upstream,
                            const std::string& target, const std::string& route,
                            const std::string& path_prefix) {
  const auto created =
      admin_call(gateway, "POST", "/admin/upstreams",
                 R"({"name":")" + upstream + R"(","targets":[{"address":")" + target + R"("}]})");
  EXPECT_EQ(created.status, 201) << created.body;
  if (created.status != 201 || route.empty()) return created.status == 201;
  const auto routed = admin_call(gateway, "POST", "/admin/routes",
                                 R"({"name":")" + route + R"(","match":{"path_prefix":")" +
                                     path_prefix + R"("},"upstream":")" + upstream + R"("})");
  EXPECT_EQ(routed.status, 201) << routed.body;
  return routed.status == 201;
}

std::string store_config(const std::string& store, const std::string& entities) {
  return std::string(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1

[admin]
listen = "127.0.0.1:{admin_port}"
token = ")") +
         kAdminToken + "\"\n\n[store]\n" + store + "\n" + entities;
}

std::string sqlite_config(const std::string& entities) {
  return store_config("kind = \"sqlite\"\npath = \"{dir}/apigw.db\"\n", entities);
}

}  // namespace apigw::test
