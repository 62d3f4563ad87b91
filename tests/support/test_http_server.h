// tests/support/test_http_server.py on a free loopback port, plain HTTP or HTTPS with a
// throw-away CA (test_certificates.h), for tests of apigw's outbound HTTP client. The endpoints
// are listed in the script. Killed when the object goes out of scope.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace apigw::test {

class TestHttpServer {
 public:
  enum class Tls {
    off,
    on,          // certificate for IP:127.0.0.1 and DNS:localhost
    wrong_name,  // certificate from the same CA for DNS:other.invalid only
  };
  // Throws std::runtime_error when the server does not come up within 10 s.
  explicit TestHttpServer(Tls tls = Tls::off);
  // HTTPS with a certificate of the caller's (expired, another CA's, ...); with a client CA,
  // only clients presenting a certificate it signed get through the handshake.
  struct TlsFiles {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;  // "": no client certificate asked for
  };
  explicit TestHttpServer(const TlsFiles& files);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  // http[s]://{host}:{port}{path}
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;
  // The CA that signed the server's certificate (empty without TLS).
  const std::string& ca_file() const { return certificates_.ca_file; }
  // TCP connections the server has accepted so far.
  int connections() const;
  // The SNI name of each TLS ClientHello so far ("-" when the client sent none).
  std::vector<std::string> sni_names() const;
  std::string log() const { return process_->log(); }
  // Each completed TLS handshake: "new" or "resumed", the version, the client certificate's CN
  // ("-" without one): "resumed TLSv1.3 -".
  std::vector<std::string> handshakes() const { return lines("handshakes.log"); }
  // Each failed TLS handshake, as Python's ssl module words it.
  std::vector<std::string> handshake_failures() const { return lines("handshake_failures.log"); }
  // "METHOD PATH" of each request the server read, in order.
  std::vector<std::string> requests() const { return lines("requests.log"); }
  // The headers of each call of /auth so far, one JSON object per call.
  std::vector<std::string> auth_calls() const { return lines("auth.log"); }

 private:
  std::vector<std::string> lines(const std::string& file) const;
  void start(std::vector<std::string> argv);

  TempDir dir_;
  bool tls_ = false;
  TestCertificates certificates_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace apigw::test
