// A throw-away PostgreSQL cluster for integration tests: initdb into a temporary directory, a
// server on a loopback port with trust authentication, database "apigw". Debian's server binaries
// refuse to run as root, so as root they run as the "postgres" user the package creates.
#pragma once

#include <string>

namespace apigw::test {

class TestPostgres {
 public:
  TestPostgres();  // initdb, start, createdb; throws when PostgreSQL is not installed
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  void start();
  void stop();  // fast shutdown: connections are closed
  int port() const { return port_; }
  // postgresql://apigw@127.0.0.1:{port}/apigw
  std::string url() const;
  // Runs SQL through psql; returns its output (unaligned, tuples only).
  std::string psql(const std::string& sql) const;

 private:
  std::string run_as_owner(const std::string& command) const;

  std::string dir_;
  std::string bin_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace apigw::test
