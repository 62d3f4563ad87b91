// OCSP stapling from a file: stapled while current, left out when stale or not asked for.
#include "tls/ocsp_staple.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::build;
using testing::certificate;
using testing::handshake;
using testing::ScratchDir;
using testing::TestPki;

std::string stapled(const testing::Handshake& result) {
  const unsigned char* response = nullptr;
  const long size = SSL_get_tlsext_status_ocsp_resp(result.client.get(), &response);
  return size > 0 ? std::string(reinterpret_cast<const char*>(response), size) : "";
}

std::string file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

config::ListenerTlsConfig with_staple(const std::string& ocsp_file) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.fallback, true), certificate(pki.api)};
  config.certificates[1].ocsp_response = ocsp_file;
  return config;
}

TEST(OcspStaple, ACurrentResponseIsStapledForItsCertificate) {
  const ScratchDir dir;
  const TestPki& pki = TestPki::get();
  const std::string response =
      pki.ca.ocsp_response("api-current.ocsp", pki.api, seconds(-60), hours(24));
  const auto contexts = build(with_staple(response));
  ASSERT_TRUE(contexts);
  EXPECT_TRUE(contexts->warnings().empty());
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    const auto result =
        handshake(contexts->default_context(),
                  {.server_name = "api.example.com", .max_version = version, .request_ocsp = true});
    ASSERT_TRUE(result.ok);
    EXPECT_EQ(stapled(result), file_bytes(response)) << version;
  }
  const auto other = handshake(contexts->default_context(),
                               {.server_name = "fallback.test", .request_ocsp = true});
  ASSERT_TRUE(other.ok);
  EXPECT_EQ(stapled(other), "") << "the default certificate has no response";
  const auto not_asked = handshake(contexts->default_context(), {.server_name = "api.example.com"});
  ASSERT_TRUE(not_asked.ok);
  EXPECT_EQ(stapled(not_asked), "");
}

TEST(OcspStaple, AStaleResponseLoadsWithAWarningButIsNotStapled) {
  const TestPki& pki = TestPki::get();
  const std::string stale = pki.ca.ocsp_response("api-stale.ocsp", pki.api, hours(-48), hours(-1));
  const auto contexts = build(with_staple(stale));
  ASSERT_TRUE(contexts);
  ASSERT_EQ(contexts->warnings().size(), 1u);
  EXPECT_NE(contexts->warnings()[0].find("api-stale.ocsp"), std::string::npos);
  const auto result = handshake(contexts->default_context(),
                                {.server_name = "api.example.com", .request_ocsp = true});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(stapled(result), "");
}

TEST(OcspStaple, CurrentCoversThisUpdateToNextUpdateWithSomeClockSkew) {
  OcspStaple staple;
  staple.der = {1, 2, 3};
  staple.this_update = 1'000'000;
  staple.next_update = 1'100'000;
  EXPECT_TRUE(staple.current(1'000'000));
  EXPECT_TRUE(staple.current(1'099'999));
  EXPECT_FALSE(staple.current(1'100'000));
  EXPECT_TRUE(staple.current(1'000'000 - 60)) << "a responder clock a minute ahead";
  EXPECT_FALSE(staple.current(1'000'000 - 3600));
  staple.next_update = 0;
  EXPECT_TRUE(staple.current(9'000'000)) << "no nextUpdate: always newest";
  staple.der.clear();
  EXPECT_FALSE(staple.current(1'000'000));
}

}  // namespace
}  // namespace apigw::tls
