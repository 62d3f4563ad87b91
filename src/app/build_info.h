// What a binary is: its version, the commit and compiler it was built with, and the versions of
// the libraries it uses — those it was compiled against and, where a library can say, the one
// loaded at run time (`apigw version`).
#pragma once

#include <string>
#include <string_view>

namespace apigw::app {

inline constexpr std::string_view kVersion = "0.1.0";

// One "name value" line each, the first "apigw <version>".
std::string build_info_text();
// The commit the binary was built from ("unknown" outside git).
std::string_view build_commit();

}  // namespace apigw::app
