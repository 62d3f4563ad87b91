#include "support/tls_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace apigw::test {
namespace {

std::string openssl_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

}  // namespace

TlsClient::TlsClient(int port, TlsClientOptions options) : timeout_(options.timeout) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (options.min_version != 0) {
    SSL_CTX_set_security_level(ctx_, 0);  // TLS 1.1 needs it, to be refused by the server
    SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  }
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (!options.ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.cert_file.empty()) {
    SSL_CTX_use_certificate_chain_file(ctx_, options.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM);
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const auto& protocol : options.alpn) {
      wire.push_back(static_cast<char>(protocol.size()));
      wire += protocol;
    }
    SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    return;
  }
  if (!options.before_handshake.empty()) {
    (void)!::send(fd_, options.before_handshake.data(), options.before_handshake.size(),
                  MSG_NOSIGNAL);
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (!options.server_name.empty()) SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
  if (options.session) SSL_set_session(ssl_, options.session.get());
  for (;;) {
    const int result = SSL_connect(ssl_);
    if (result == 1) break;
    const int code = SSL_get_error(ssl_, result);
    if ((code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) &&
        wait(code == SSL_ERROR_WANT_WRITE)) {
      continue;
    }
    error_ = "handshake failed (" + std::to_string(code) + "): " + openssl_errors();
    return;
  }
  ok_ = true;
}

TlsClient::~TlsClient() {
  // Without close_notify OpenSSL marks the session not resumable (ssl_clear_bad_session).
  if (ok_) SSL_shutdown(ssl_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool TlsClient::wait(bool for_write) {
  pollfd p{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  return ::poll(&p, 1, static_cast<int>(timeout_.count())) > 0;
}

std::string TlsClient::server_common_name() const {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (peer == nullptr) return {};
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
  X509_free(peer);
  return name;
}

std::string TlsClient::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(ssl_, &data, &size);
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::string TlsClient::version() const { return SSL_get_version(ssl_); }

bool TlsClient::resumed() const { return SSL_session_reused(ssl_) == 1; }

std::shared_ptr<SSL_SESSION> TlsClient::session() const {
  return std::shared_ptr<SSL_SESSION>(SSL_get1_session(ssl_), SSL_SESSION_free);
}

bool TlsClient::send(const std::string& raw) {
  if (!ok_) return false;
  for (std::size_t sent = 0; sent < raw.size();) {
    std::size_t n = 0;
    if (SSL_write_ex(ssl_, raw.data() + sent, raw.size() - sent, &n) == 1) {
      sent += n;
      continue;
    }
    const int code = SSL_get_error(ssl_, 0);
    if ((code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) ||
        !wait(code == SSL_ERROR_WANT_WRITE)) {
      return false;
    }
  }
  return true;
}

HttpResponse TlsClient::request(const std::string& raw) {
  HttpResponse response;
  if (!send(raw)) return response;
  std::string in;
  for (;;) {
    // Complete once the head is in and the body its framing announces.
    const std::size_t head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      HttpResponse parsed = parse_response(in);
      const auto length = parsed.headers.find("content-length");
      if (length != parsed.headers.end() &&
          in.size() >= head_end + 4 + std::stoul(length->second)) {
        return parse_response(in.substr(0, head_end + 4 + std::stoul(length->second)));
      }
      if (parsed.headers["transfer-encoding"] == "chunked" &&
          in.find("\r\n0\r\n\r\n", head_end) != std::string::npos) {
        return parsed;
      }
    }
    char buffer[16384];
    std::size_t n = 0;
    if (SSL_read_ex(ssl_, buffer, sizeof buffer, &n) == 1) {
      in.append(buffer, n);
      continue;
    }
    const int code = SSL_get_error(ssl_, 0);
    if ((code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) &&
        wait(code == SSL_ERROR_WANT_WRITE)) {
      continue;
    }
    ERR_clear_error();
    return in.empty() ? response : parse_response(in);
  }
}

HttpResponse TlsClient::get(const std::string& path, const std::vector<std::string>& headers) {
  std::string raw = "GET " + path + " HTTP/1.1\r\nHost: gateway.test\r\n";
  for (const auto& header : headers) raw += header + "\r\n";
  return request(raw + "\r\n");
}

bool TlsClient::closed_by_peer(std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    char byte;
    std::size_t n = 0;
    if (ok_ && SSL_read_ex(ssl_, &byte, 1, &n) == 1) continue;
    const int code = ok_ ? SSL_get_error(ssl_, 0) : SSL_ERROR_SYSCALL;
    ERR_clear_error();
    if (code == SSL_ERROR_WANT_READ) {
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 50);
      continue;
    }
    return true;
  }
  return false;
}

}  // namespace apigw::test
