#include "h2/outbound_body.h"

#include <algorithm>

namespace apigw::h2 {

std::size_t OutboundBody::append(nghttp2_session* session, std::int32_t id, std::string_view bytes,
                                 bool ends, std::size_t limit) {
  if (!open()) return 0;
  const std::size_t take = std::min(bytes.size(), space(limit));
  queue.append(bytes.substr(0, take));
  // Full (whether or not everything fitted): the caller hears when there is room again.
  if (take < bytes.size() || queue.size() >= limit) was_full = true;
  if (ends && take == bytes.size()) end = true;
  if (deferred && (take != 0 || end)) {
    deferred = false;
    nghttp2_session_resume_data(session, id);
  }
  return take;
}

void OutboundBody::end_with_trailers(nghttp2_session* session, std::int32_t id,
                                     std::span<const nghttp2_nv> fields) {
  trailers.clear();
  for (const nghttp2_nv& field : fields) {
    trailers.emplace_back(std::string(reinterpret_cast<const char*>(field.name), field.namelen),
                          std::string(reinterpret_cast<const char*>(field.value), field.valuelen));
  }
  end = true;
  if (deferred) {
    deferred = false;
    nghttp2_session_resume_data(session, id);
  }
}

ssize_t OutboundBody::provide(nghttp2_session* session, std::int32_t id, std::uint8_t* buf,
                              std::size_t length, std::uint32_t* data_flags,
                              std::vector<nghttp2_nv>& nv, std::size_t limit, bool& room_again) {
  const std::size_t take = queue.take_into(buf, length);
  if (queue.empty()) {
    if (end) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!trailers.empty()) {
        // The trailers end the stream instead; nghttp2 allows submitting them from here.
        *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nv.clear();
        for (auto& [name, value] : trailers) {
          nv.push_back(nghttp2_nv{reinterpret_cast<std::uint8_t*>(name.data()),
                                  reinterpret_cast<std::uint8_t*>(value.data()), name.size(),
                                  value.size(), NGHTTP2_NV_FLAG_NONE});
        }
        nghttp2_submit_trailer(session, id, nv.data(), nv.size());
      }
    } else if (take == 0) {
      deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
  }
  room_again = was_full && queue.size() <= limit / 2;
  if (room_again) was_full = false;
  return static_cast<ssize_t>(take);
}

}  // namespace apigw::h2
