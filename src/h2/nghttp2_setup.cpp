#include "h2/nghttp2_setup.h"

#include <new>
#include <vector>

namespace apigw::h2 {

OptionPtr common_options(std::size_t max_continuations, std::uint32_t deflate_table_size) {
  nghttp2_option* raw = nullptr;
  if (nghttp2_option_new(&raw) != 0) throw std::bad_alloc();
  OptionPtr option(raw);
  nghttp2_option_set_no_auto_window_update(raw, 1);
  nghttp2_option_set_no_http_messaging(raw, 0);
  nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(raw, 0);
  nghttp2_option_set_max_continuations(raw, max_continuations);
  nghttp2_option_set_max_settings(raw, 32);
  nghttp2_option_set_max_outbound_ack(raw, 1000);
  nghttp2_option_set_max_deflate_dynamic_table_size(raw, deflate_table_size);
  nghttp2_option_set_no_closed_streams(raw, 1);
  return option;
}

bool announce(nghttp2_session* session, const Announcement& ours) {
  std::vector<nghttp2_settings_entry> settings;
  if (ours.max_concurrent_streams) {
    settings.push_back({NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, *ours.max_concurrent_streams});
  }
  settings.insert(settings.end(), {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, ours.stream_window},
                                   {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, kMaxFrameSize},
                                   {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, ours.max_header_list},
                                   {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, kHeaderTableSize},
                                   {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1}});
  return nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) ==
             0 &&
         nghttp2_session_set_local_window_size(
             session, NGHTTP2_FLAG_NONE, 0, static_cast<std::int32_t>(ours.connection_window)) == 0;
}

}  // namespace apigw::h2
