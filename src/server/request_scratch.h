// Per-request working memory of a client connection: the request record (what filters, the
// exchange, the access log and the metrics read), the parsed head, the normalized and rewritten
// paths, captured path parameters and the buffer that heads are written into.
//
// A connection takes a RequestScratch from its worker's pool when a request starts and gives it
// back when it goes idle. Capacities grown by one request are reused by the next request on any
// connection (no allocation per request once warm), and an idle keep-alive connection holds none
// of this memory: that is most of what keeps an idle connection near the size of its socket.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/path_template.h"
#include "pipeline/request_context.h"
#include "proxy/head_writer.h"

namespace apigw::server {

struct RequestScratch {
  pipeline::RequestContext request;
  http::RequestHead head;
  std::string path;           // normalized path
  std::string upstream_path;  // rewritten path + query
  http::PathParams params;
  std::string output;  // heads being written
  // The request head's bytes, when the read buffer they were parsed in is about to be reused
  // for a body that streams through it (ProxyExchange::keep_head).
  std::string head_copy;
  // Capacity lent to the response head of the request's exchange (ProxyExchange), so that
  // parsing upstream responses allocates nothing once warm.
  std::vector<http::Header> response_headers;
  // The same for an HTTP/2 stream reading back the response head it was given (H2Stream).
  std::vector<http::Header> written_headers;
  // Where the fields of the response head just written are, for an HTTP/2 stream.
  proxy::WrittenHead written_head;

  void clear() {
    request.reset();
    head.clear();
    path.clear();
    upstream_path.clear();
    params.clear();
    output.clear();
    head_copy.clear();
  }
};

// Per-worker free list (LIFO, so the next request gets cache-warm memory). Worker thread only.
class ScratchPool {
 public:
  static constexpr std::size_t kMaxFree = 256;
  // An output buffer grown past this by an unusual response is not kept.
  static constexpr std::size_t kMaxKeptOutput = 4096;

  std::unique_ptr<RequestScratch> take() {
    if (free_.empty()) return std::make_unique<RequestScratch>();
    auto scratch = std::move(free_.back());
    free_.pop_back();
    return scratch;
  }

  void give_back(std::unique_ptr<RequestScratch> scratch) {
    if (!scratch || free_.size() >= kMaxFree) return;
    scratch->clear();
    if (scratch->output.capacity() > kMaxKeptOutput) scratch->output.shrink_to_fit();
    free_.push_back(std::move(scratch));
  }

 private:
  std::vector<std::unique_ptr<RequestScratch>> free_;
};

}  // namespace apigw::server
