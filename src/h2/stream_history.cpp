#include "h2/stream_history.h"

namespace apigw::h2 {

bool StreamHistory::in_window(std::int32_t id) const {
  return id > 0 && (id & 1) == 1 && id <= highest_ &&
         static_cast<std::size_t>((highest_ - id) / 2) < kWindow;
}

void StreamHistory::on_headers(std::int32_t id) {
  if (id <= highest_ || (id & 1) == 0) return;  // trailers, or a violation the caller judges
  // The ids between the old highest and this one were skipped: never opened. Their slots held
  // ids a window older, which are forgotten now.
  std::size_t cleared = 0;
  for (std::int64_t skipped = highest_ == 0 ? 1 : std::int64_t{highest_} + 2;
       skipped <= id && cleared < kWindow; skipped += 2, ++cleared) {
    clear(opened_, slot(static_cast<std::int32_t>(skipped)));
    clear(ended_, slot(static_cast<std::int32_t>(skipped)));
  }
  highest_ = id;
  set(opened_, slot(id));
}

void StreamHistory::on_client_end(std::int32_t id) {
  if (in_window(id)) set(ended_, slot(id));
}

StreamHistory::Past StreamHistory::past(std::int32_t id) const {
  if (!in_window(id)) return Past::unknown;
  if (test(ended_, slot(id))) return Past::client_closed;
  return test(opened_, slot(id)) ? Past::open : Past::never_opened;
}

}  // namespace apigw::h2
