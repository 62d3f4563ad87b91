#include "pipeline/request_context.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace apigw::pipeline {
namespace {

TEST(HeaderEdits, OverridesNamesSetOrRemovedInAnyCaseAndInSharedEdits) {
  HeaderEdits shared;
  shared.remove.push_back("Server");
  HeaderEdits edits;
  edits.set.push_back({"X-Trace", "1"});
  edits.add.push_back({"Vary", "Origin"});
  edits.shared.push_back(&shared);
  EXPECT_TRUE(edits.overrides("x-trace"));
  EXPECT_TRUE(edits.overrides("SERVER")) << "removed by the filter config's shared edits";
  EXPECT_FALSE(edits.overrides("vary")) << "an added header keeps the original beside it";
  EXPECT_FALSE(edits.overrides("x-other"));
}

TEST(HeaderEdits, WritesSetThenAddedThenSharedHeaders) {
  HeaderEdits shared;
  shared.set.push_back({"X-From-Config", "c"});
  HeaderEdits edits;
  edits.add.push_back({"Vary", "Origin"});
  edits.set.push_back({"X-Set", "s"});
  edits.shared.push_back(&shared);
  std::vector<std::pair<std::string, std::string>> written;
  edits.for_each_written(
      [&](std::string_view name, std::string_view value) { written.emplace_back(name, value); });
  EXPECT_EQ(written, (std::vector<std::pair<std::string, std::string>>{
                         {"X-Set", "s"}, {"Vary", "Origin"}, {"X-From-Config", "c"}}));
  EXPECT_FALSE(edits.empty());
  edits.clear();
  EXPECT_TRUE(edits.empty()) << "clear() drops the shared edits too";
}

TEST(RequestContext, ResponseHeadersComeFromTheUpstreamOrTheLocalReply) {
  RequestContext ctx;
  ctx.reset();
  EXPECT_EQ(ctx.response_header("content-type"), "") << "no answer yet";

  ctx.local_reply = LocalReply::error(429, "rate_limited", "slow down");
  ctx.local_reply->headers.push_back({"Retry-After", "3"});
  ctx.local_reply->content_type = "text/plain";
  EXPECT_EQ(ctx.response_header("retry-after"), "3");
  EXPECT_EQ(ctx.response_header("Content-Type"), "text/plain");
  EXPECT_EQ(ctx.response_header(http::Field::content_type), "text/plain");

  // An upstream answer takes precedence over a reply set earlier.
  http::ResponseHead upstream;
  upstream.status = 200;
  upstream.headers.emplace_back("Content-Type", "application/json");
  ctx.upstream_response = &upstream;
  EXPECT_EQ(ctx.response_header("content-type"), "application/json");
  EXPECT_EQ(ctx.response_header("retry-after"), "");
}

TEST(RequestContext, ResetStartsAFreshRequestAndDropsOnlyLargeBodyBuffers) {
  RequestContext ctx;
  ctx.reset();
  ctx.route_name = "r";
  ctx.local_reply = LocalReply::error(500, "x", "y");
  ctx.response_headers.set.push_back({"X", "1"});
  ctx.response_status = 502;
  ctx.bytes_in = 10;
  ctx.request_body_buffered = true;
  ctx.request_body.assign(1000, 'r');
  ctx.response_body.assign(1 << 20, 'b');
  const std::size_t small_capacity = ctx.request_body.capacity();
  ctx.reset();
  EXPECT_TRUE(ctx.route_name.empty());
  EXPECT_FALSE(ctx.local_reply);
  EXPECT_TRUE(ctx.response_headers.empty());
  EXPECT_EQ(ctx.response_status, 0);
  EXPECT_EQ(ctx.bytes_in, 0u);
  EXPECT_FALSE(ctx.request_body_buffered);
  EXPECT_TRUE(ctx.request_body.empty());
  EXPECT_TRUE(ctx.response_body.empty());
  // A small body's capacity is kept for the next request; a 1 MiB one is given back.
  EXPECT_EQ(ctx.request_body.capacity(), small_capacity);
  EXPECT_LE(ctx.response_body.capacity(), 64u * 1024);
}

}  // namespace
}  // namespace apigw::pipeline
