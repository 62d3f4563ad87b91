#include "support/test_http_server.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace apigw::test {

namespace {

std::vector<std::string> base_argv(const std::string& dir) {
  return {"/usr/bin/python3", std::string(APIGW_SOURCE_DIR) + "/tests/support/test_http_server.py",
          "--port-file",      dir + "/port",
          "--state-dir",      dir};
}

}  // namespace

TestHttpServer::TestHttpServer(Tls tls) : tls_(tls != Tls::off) {
  std::vector<std::string> argv = base_argv(dir_.path());
  if (tls_) {
    certificates_ = make_test_certificates(dir_.path());
    const bool wrong = tls == Tls::wrong_name;
    argv.insert(argv.end(),
                {"--cert", wrong ? certificates_.other_cert_file : certificates_.cert_file, "--key",
                 wrong ? certificates_.other_key_file : certificates_.key_file});
  }
  start(std::move(argv));
}

TestHttpServer::TestHttpServer(const TlsFiles& files) : tls_(true) {
  std::vector<std::string> argv = base_argv(dir_.path());
  argv.insert(argv.end(), {"--cert", files.cert_file, "--key", files.key_file});
  if (!files.client_ca_file.empty()) argv.insert(argv.end(), {"--client-ca", files.client_ca_file});
  start(std::move(argv));
}

void TestHttpServer::start(std::vector<std::string> argv) {
  process_ = std::make_unique<Process>(argv, dir_.path() + "/server.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (port_ == 0) {
    std::ifstream file(dir_.path() + "/port");
    if (!(file >> port_)) port_ = 0;
    if (port_ != 0) break;
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("test_http_server.py did not start:\n" + process_->log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TestHttpServer::~TestHttpServer() {
  if (::testing::Test::HasFailure()) std::cerr << "--- test_http_server.py log\n" << log();
}

std::string TestHttpServer::url(std::string_view path, std::string_view host) const {
  return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(port_) + std::string(path);
}

std::vector<std::string> TestHttpServer::lines(const std::string& file) const {
  std::ifstream in(dir_.path() + "/" + file);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

int TestHttpServer::connections() const {
  return static_cast<int>(lines("connections.log").size());
}

std::vector<std::string> TestHttpServer::sni_names() const { return lines("sni.log"); }

}  // namespace apigw::test
