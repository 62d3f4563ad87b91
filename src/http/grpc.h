// gRPC over HTTP/2, as far as a proxy must read it: which requests are gRPC, their deadline
// (grpc-timeout), and how a gateway-made error is said in gRPC terms (grpc-status, grpc-message)
// — a gRPC client reads the status from there, not from the HTTP status or a JSON body.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace apigw::http {

// content-type "application/grpc", "application/grpc+proto", "application/grpc;..." (not
// gRPC-Web, whose "application/grpc-web" is HTTP/1-compatible and left alone).
bool is_grpc_content_type(std::string_view content_type);

// grpc-timeout: 1 to 8 ASCII digits and a unit (H, M, S, m, u, n). Rounded up to whole
// milliseconds (1 ns is 1 ms: a deadline never shortens to nothing). nullopt: malformed.
std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view value);
// The grpc-timeout value for a duration (milliseconds, or a coarser unit when 8 digits do not
// hold it).
std::string format_grpc_timeout(std::chrono::milliseconds timeout);

// The gRPC status a gateway-made HTTP error stands for (the gRPC project's HTTP to gRPC status
// mapping, with 408 and 504 as DEADLINE_EXCEEDED and 413 as RESOURCE_EXHAUSTED).
int grpc_status_for_http(int status);

// Appends `message` percent-encoded as grpc-message requires (bytes outside printable ASCII,
// and '%').
void append_grpc_message(std::string& out, std::string_view message);

}  // namespace apigw::http
