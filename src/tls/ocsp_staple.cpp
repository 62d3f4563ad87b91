#include "tls/ocsp_staple.h"

#include <openssl/ocsp.h>

#include "tls/openssl_ptr.h"

namespace apigw::tls {
namespace {

constexpr std::time_t kClockSkew = 300;

std::time_t to_time(const ASN1_GENERALIZEDTIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return timegm(&parts);
}

}  // namespace

bool OcspStaple::current(std::time_t now) const {
  if (der.empty() || this_update == 0) return false;
  if (now + kClockSkew < this_update) return false;
  return next_update == 0 || now < next_update;
}

std::string parse_ocsp_staple(const std::string& der, const std::string& path, X509* leaf,
                              OcspStaple& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &bytes, static_cast<long>(der.size())));
  if (response == nullptr) {
    return path + ": not a DER OCSP response (" + take_openssl_reasons() + ")";
  }
  const int status = OCSP_response_status(response.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return path + ": the OCSP responder answered '" + OCSP_response_status_str(status) + "'";
  }
  OcspBasicResponsePtr basic(OCSP_response_get1_basic(response.get()));
  if (basic == nullptr) return path + ": not a basic OCSP response";
  const ASN1_INTEGER* serial = X509_get0_serialNumber(leaf);
  for (int i = 0; i < OCSP_resp_count(basic.get()); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic.get(), i);
    ASN1_INTEGER* single_serial = nullptr;
    if (OCSP_id_get0_info(nullptr, nullptr, nullptr, &single_serial,
                          const_cast<OCSP_CERTID*>(OCSP_SINGLERESP_get0_id(single))) != 1 ||
        ASN1_INTEGER_cmp(single_serial, serial) != 0) {
      continue;
    }
    int reason = 0;
    ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
    const int cert_status =
        OCSP_single_get0_status(single, &reason, &revoked, &this_update, &next_update);
    if (cert_status != V_OCSP_CERTSTATUS_GOOD) {
      return path + ": the OCSP response says the certificate is " +
             OCSP_cert_status_str(cert_status);
    }
    out.der.assign(der.begin(), der.end());
    out.this_update = to_time(this_update);
    out.next_update = next_update == nullptr ? 0 : to_time(next_update);
    return "";
  }
  return path + ": the OCSP response is for another certificate (no serial number matches)";
}

}  // namespace apigw::tls
