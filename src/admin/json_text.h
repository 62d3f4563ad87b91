// JSON text for people as well as programs: like boost::json::serialize, except that numbers
// with a fraction are written in plain decimal notation ("12.47", "0.0031") where Boost's
// serializer writes its shortest exponent form ("1.247E1"). Both parse to the same double; only
// the first reads at a glance in curl's output. Magnitudes that plain notation would spell out
// at length (>= 1e15, or below 1e-6) keep the exponent form.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace apigw::admin {

std::string json_text(const boost::json::value& value);
void append_json_text(std::string& out, const boost::json::value& value);

}  // namespace apigw::admin
