// tests/support/recording_backend.py on a free loopback port: a backend that parses every request
// strictly (RFC 9112) and compares requests carrying X-Seed with what the client sent
// (request_generator.py, varied_requests.lua). docs/reliability.md, "Request integrity".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {

class RecordingBackend {
 public:
  struct Options {
    bool record_heads = false;  // keep each request's raw head in requests.jsonl
    bool check_host = true;     // Host must be the client's (apigw's default host_header)
    bool exact = false;         // no proxy in between: heads must be the generator's bytes
  };
  explicit RecordingBackend(std::string name = "recording");
  RecordingBackend(std::string name, Options options);
  ~RecordingBackend();
  RecordingBackend(const RecordingBackend&) = delete;
  RecordingBackend& operator=(const RecordingBackend&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Kills it (SIGKILL: in-flight requests see a reset, as with a crashed backend).
  void stop() { process_.reset(); }
  // Starts it again on the same port (after stop()); what it recorded so far is kept.
  void start();
  // One line per malformed request (strict parser) and per request that differs from what the
  // client sent; empty when all was well.
  std::vector<std::string> violations() const;
  // Complete, well-formed requests received (matching the client's or not).
  int requests_seen() const;
  // Every event as a JSON line (requests.jsonl): requests, violations, incomplete requests.
  std::vector<std::string> events() const;
  const std::string& state_dir() const { return dir_.path(); }

 private:
  std::vector<std::string> lines(const std::string& file) const;

  TempDir dir_;
  std::string name_;
  Options options_;
  int port_;
  std::unique_ptr<Process> process_;
};

// The path of tests/support/varied_requests.lua, for `wrk -s`.
std::string varied_requests_script();

}  // namespace apigw::test
