#include "support/test_certificates.h"

#include <stdexcept>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {
namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult result = run_command(argv, std::chrono::seconds(30));
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    throw std::runtime_error("failed (" + std::to_string(result.exit_code) + "): " + command);
  }
}

// A P-256 key and a leaf certificate for `san`, signed by the CA in `dir`.
void make_leaf(const std::string& dir, const std::string& name, const std::string& san) {
  const std::string base = dir + "/" + name;
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name});
  std::string extensions = "subjectAltName=" + san +
                           "\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                           "extendedKeyUsage=serverAuth\n";
  TempDir scratch;
  const std::string extfile = scratch.write("ext.cnf", extensions);
  openssl({"x509", "-req", "-in", base + ".csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
           "-CAcreateserial", "-days", "2", "-out", base + ".pem", "-extfile", extfile});
}

}  // namespace

TestCertificates make_test_certificates(const std::string& dir) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2", "-subj",
           "/CN=apigw test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
  make_leaf(dir, "server", "IP:127.0.0.1,DNS:localhost");
  make_leaf(dir, "other", "DNS:other.invalid");
  return TestCertificates{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key",
                          dir + "/other.pem", dir + "/other.key"};
}

}  // namespace apigw::test
