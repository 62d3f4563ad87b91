// `apigw echo-server`: a small HTTP/1.1 backend shipped with the binary, so the quick start and
// the tests have something real to proxy to. See docs/echo-server.md for its endpoints.
#pragma once

#include <string>
#include <vector>

namespace apigw::app {

int echo_server_command(const std::vector<std::string>& args);

}  // namespace apigw::app
