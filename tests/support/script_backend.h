// A backend that is one of the Python peers in tests/support (python3-h2, python3-websockets
// servers: Debian's modules, hence /usr/bin/python3), started on a free loopback port and stopped
// with the test. Its stdout is the log the tests read: one line per event it saw.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {

class ScriptBackend {
 public:
  // Runs `script` (a path under tests/support/) with `arguments`, then "--port" and the port;
  // throws if it does not listen within 20 s.
  ScriptBackend(const std::string& script, std::vector<std::string> arguments);
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_->log(); }
  bool saw(const std::string& text) const { return log().find(text) != std::string::npos; }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace apigw::test
