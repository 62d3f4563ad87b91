// UUIDs for entity ids: random (version 4) for new entities, and name-based (version 5, SHA-1)
// for entities of a config file that do not name their id, so the same file always yields the
// same ids.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace apigw::util {

// A UUID's 16 bytes in network order, as RFC 9562 lays them out.
using UuidBytes = std::array<std::uint8_t, 16>;

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", from the OpenSSL CSPRNG.
std::string random_uuid();
// Version 5 UUID of `name` in apigw's own namespace. Entity ids of config files come from it:
// the namespace and the hashing must never change, or every file-defined id would.
std::string name_uuid(std::string_view name);
// Version 5 UUID of `name` in any namespace (RFC 9562 §5.5), e.g. the RFC's DNS namespace.
std::string name_uuid(const UuidBytes& name_space, std::string_view name);
// 36 characters, hex digits and dashes at 8-4-4-4-12 (any version, either case).
bool is_uuid(std::string_view text);

}  // namespace apigw::util
