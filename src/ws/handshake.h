// The WebSocket opening handshake as a proxy sees it (RFC 6455 §4): whether an HTTP/1.1 request
// asks for a WebSocket and does so correctly, and whether the upstream's answer accepts it (the
// tunnel starts only then; anything else is relayed as an ordinary response).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace apigw::ws {

enum class Upgrade : std::uint8_t {
  none,         // not a WebSocket upgrade (no "Upgrade: websocket" with "Connection: upgrade")
  valid,        // §4.1: GET over HTTP/1.1, no body, one Sec-WebSocket-Key of 16 bytes in base64
  bad_request,  // asks for one but breaks §4.1: answered 400
  bad_version,  // a Sec-WebSocket-Version other than 13: answered 426 naming 13 (§4.4)
};
Upgrade check_upgrade(const http::RequestHead& request);

// The request's Sec-WebSocket-Key (valid when check_upgrade said so).
std::string_view upgrade_key(const http::RequestHead& request);
// Sec-WebSocket-Accept for `key` (§4.2.2): base64 of the SHA-1 of the key and the protocol's GUID.
std::string accept_key(std::string_view key);
// Whether `response` accepts the upgrade asked for with `key` (§4.2.2, §4.1 client checks): 101,
// "Upgrade: websocket", "Connection: upgrade" and the accept key that belongs to `key`.
bool accepts(const http::ResponseHead& response, std::string_view key);
// Whether the upstream's 101 agreed to permessage-deflate (RFC 7692): its frames and the client's
// may then set RSV1, which the gateway relays without inflating anything.
bool negotiated_deflate(const http::ResponseHead& response);

}  // namespace apigw::ws
