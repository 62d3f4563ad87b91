#include "store/http/message.h"

#include "http/message.h"

namespace apigw::store::http {

std::string_view find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [field, value] : headers) {
    if (::apigw::http::iequals(field, name)) return value;
  }
  return {};
}

}  // namespace apigw::store::http
