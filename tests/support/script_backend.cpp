#include "support/script_backend.h"

#include <stdexcept>

#include "support/gateway.h"

namespace apigw::test {

ScriptBackend::ScriptBackend(const std::string& script, std::vector<std::string> arguments)
    : port_(free_port()) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                std::string(APIGW_SOURCE_DIR) + "/tests/support/" + script};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  argv.push_back("--port");
  argv.push_back(std::to_string(port_));
  process_ = std::make_unique<Process>(argv, dir_.path() + "/backend.log");
  if (!wait_for_port(port_, std::chrono::seconds(20))) {
    throw std::runtime_error(script + " did not start:\n" + process_->log());
  }
}

}  // namespace apigw::test
