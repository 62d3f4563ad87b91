#include "support/recording_backend.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "support/gateway.h"

namespace apigw::test {

RecordingBackend::RecordingBackend(std::string name) : RecordingBackend(std::move(name), {}) {}

RecordingBackend::RecordingBackend(std::string name, Options options)
    : name_(std::move(name)), options_(options), port_(free_port()) {
  start();
}

RecordingBackend::~RecordingBackend() {
  if (::testing::Test::HasFailure() && process_) {
    std::cerr << "--- recording backend " << name_ << " log\n" << process_->log();
  }
}

void RecordingBackend::start() {
  std::vector<std::string> argv{
      "/usr/bin/python3", std::string(APIGW_SOURCE_DIR) + "/tests/support/recording_backend.py",
      "--port",           std::to_string(port_),
      "--state-dir",      dir_.path(),
      "--name",           name_};
  if (options_.record_heads) argv.push_back("--record-heads");
  if (!options_.check_host) argv.insert(argv.end(), {"--host", "ignore"});
  if (options_.exact) argv.push_back("--exact");
  process_ = std::make_unique<Process>(argv, dir_.path() + "/backend.log");
  if (!wait_for_port(port_, std::chrono::seconds(10))) {
    throw std::runtime_error("recording backend did not start on " + address() + ":\n" +
                             process_->log());
  }
}

std::vector<std::string> RecordingBackend::lines(const std::string& file) const {
  std::ifstream in(dir_.path() + "/" + file);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

std::vector<std::string> RecordingBackend::violations() const { return lines("violations.log"); }

std::vector<std::string> RecordingBackend::events() const { return lines("requests.jsonl"); }

int RecordingBackend::requests_seen() const {
  int count = 0;
  for (const auto& line : events()) {
    count += line.find("\"verdict\": \"ok\"") != std::string::npos ||
             line.find("\"verdict\": \"mismatch\"") != std::string::npos;
  }
  return count;
}

std::string varied_requests_script() {
  return std::string(APIGW_SOURCE_DIR) + "/tests/support/varied_requests.lua";
}

}  // namespace apigw::test
