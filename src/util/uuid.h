// UUIDs for entity ids: random (version 4) for new entities, and name-based (version 5, SHA-1)
// for entities of a config file that do not name their id, so the same file always yields the
// same ids.
#pragma once

#include <string>
#include <string_view>

namespace apigw::util {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", from the OpenSSL CSPRNG.
std::string random_uuid();
// Version 5 UUID of `name` in apigw's own namespace.
std::string name_uuid(std::string_view name);
// 36 characters, hex digits and dashes at 8-4-4-4-12 (any version, either case).
bool is_uuid(std::string_view text);

}  // namespace apigw::util
