// How both sessions set up their nghttp2 session alike: the options each sets (nghttp2's RFC 9113
// checks on, window updates sent by us, closed streams not kept, its own protections set
// explicitly — Debian's backported ones apply only when set), and the SETTINGS and connection
// window each announces.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace apigw::h2 {

inline constexpr std::uint32_t kMaxFrameSize = 16'384;
inline constexpr std::uint32_t kHeaderTableSize = 4096;  // the HPACK table we decode with

struct OptionDeleter {
  void operator()(nghttp2_option* option) const { nghttp2_option_del(option); }
};
struct CallbacksDeleter {
  void operator()(nghttp2_session_callbacks* callbacks) const {
    nghttp2_session_callbacks_del(callbacks);
  }
};
using OptionPtr = std::unique_ptr<nghttp2_option, OptionDeleter>;
using CallbacksPtr = std::unique_ptr<nghttp2_session_callbacks, CallbacksDeleter>;

// The options both sessions set: `max_continuations` CONTINUATION frames in a header block, an
// HPACK table of `deflate_table_size` for what we encode, at most 32 SETTINGS entries and 1,000
// unsent SETTINGS/PING acknowledgements. Throws std::bad_alloc.
OptionPtr common_options(std::size_t max_continuations, std::uint32_t deflate_table_size);

struct Announcement {
  std::uint32_t stream_window = 0;
  std::uint32_t connection_window = 0;
  std::uint32_t max_header_list = 0;
  std::optional<std::uint32_t> max_concurrent_streams;  // a server's
};
// Submits our SETTINGS (no push, no RFC 7540 priorities, the windows and limits) and opens the
// connection window. False if nghttp2 refused.
bool announce(nghttp2_session* session, const Announcement& ours);

}  // namespace apigw::h2
