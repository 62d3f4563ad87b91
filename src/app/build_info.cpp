#include "app/build_info.h"

#include <brotli/encode.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <zlib.h>

#include <boost/version.hpp>
#include <toml++/impl/version.h>

#include "app/build_commit.h"  // generated at build time (cmake/build_commit.cmake)

namespace apigw::app {
namespace {

std::string dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// "3.0.15 (built with 3.0.15)": what runs, then what the build saw when they differ.
std::string running_and_built(const std::string& running, const std::string& built) {
  return running == built ? running : running + " (built with " + built + ")";
}

}  // namespace

std::string_view build_commit() { return APIGW_BUILD_COMMIT; }

std::string build_info_text() {
  std::string out = "apigw " + std::string(kVersion) + "\n";
  out += "commit " APIGW_BUILD_COMMIT "\n";
#if defined(__clang__)
  out += "compiler clang " __clang_version__ ", C++" + std::to_string(__cplusplus / 100 % 100) + "\n";
#elif defined(__GNUC__)
  out += "compiler GCC " __VERSION__ ", C++" + std::to_string(__cplusplus / 100 % 100) + "\n";
#endif
  out += "openssl " +
         running_and_built(OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT) + "\n";
  out += "boost " + dotted(BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100) +
         "\n";
  out += "nghttp2 " + running_and_built(nghttp2_version(0)->version_str, NGHTTP2_VERSION) + "\n";
  out += "sqlite " + running_and_built(sqlite3_libversion(), SQLITE_VERSION) + "\n";
  const int pq = PQlibVersion();
  out += "libpq " + std::to_string(pq / 10000) + "." + std::to_string(pq % 10000) + "\n";
  out += "hiredis " + dotted(HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH) + "\n";
  out += "zlib " + running_and_built(zlibVersion(), ZLIB_VERSION) + "\n";
  const std::uint32_t brotli = BrotliEncoderVersion();
  out += "brotli " + dotted(brotli >> 24, (brotli >> 12) & 0xfff, brotli & 0xfff) + "\n";
  out += "toml++ " + dotted(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH) + "\n";
  // yaml-cpp's headers carry no version: pkg-config's, passed by the build.
  out += std::string("yaml-cpp ") + APIGW_YAMLCPP_VERSION + "\n";
  return out;
}

}  // namespace apigw::app
