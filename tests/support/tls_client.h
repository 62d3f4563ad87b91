// A blocking TLS client on the OpenSSL API, for tests that need what curl cannot show or do: the
// certificate the gateway chose, ALPN, resumption with a saved session, a PROXY header before
// the handshake, several requests on one connection across a reload.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/http_client.h"

namespace apigw::test {

struct TlsClientOptions {
  std::string server_name;        // SNI; empty: none sent
  std::string ca_file;            // verify the gateway's chain against it; empty: no verification
  std::vector<std::string> alpn;  // offered protocols, in order
  std::string cert_file;          // a client certificate (mTLS) and its key
  std::string key_file;
  int min_version = 0;  // TLS1_1_VERSION, ...; 0: OpenSSL's default
  int max_version = 0;
  std::string before_handshake;             // raw bytes sent first (a PROXY header)
  std::shared_ptr<SSL_SESSION> session;     // resume this session
  std::chrono::milliseconds timeout{5000};  // per read or write
};

class TlsClient {
 public:
  // Connects to 127.0.0.1:port and does the handshake; ok() tells whether it succeeded.
  TlsClient(int port, TlsClientOptions options);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  // The CN of the certificate the gateway presented.
  std::string server_common_name() const;
  std::string alpn() const;
  std::string version() const;
  bool resumed() const;
  // The session, for a later TlsClient to resume (read after a request: TLS 1.3 tickets come
  // after the handshake).
  std::shared_ptr<SSL_SESSION> session() const;
  // Sends `raw` without reading anything back. False: the connection failed.
  bool send(const std::string& raw);
  // Sends `raw` and reads one response (Content-Length or chunked framing, or until close).
  // status 0: no complete response.
  HttpResponse request(const std::string& raw);
  // A GET with Host and the given extra header lines.
  HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {});
  // Whether the gateway closed the connection (a read sees the end) within `within`.
  bool closed_by_peer(std::chrono::milliseconds within);

 private:
  bool wait(bool for_write);
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
  std::string error_;
  std::chrono::milliseconds timeout_;
};

}  // namespace apigw::test
