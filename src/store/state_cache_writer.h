// Writes the state cache (state_cache.h) on a thread of its own. Serializing 11,000 entities and
// fsyncing the file took about 30 ms: on the control-plane thread, an admin write that arrived
// meanwhile waited for it. States are written in the order given; one given while another waits
// replaces it (only the newest matters), so the file never goes back to an older revision.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/store.h"

namespace apigw::store {

class StateCacheWriter {
 public:
  explicit StateCacheWriter(std::string path);
  ~StateCacheWriter();  // writes what is waiting, then joins
  StateCacheWriter(const StateCacheWriter&) = delete;
  StateCacheWriter& operator=(const StateCacheWriter&) = delete;

  // Returns at once; the file is written soon after (a failure is logged as a warning).
  void write(StoredState state);
  // Returns once everything given so far is on disk (or failed).
  void flush();

 private:
  void run();

  std::string path_;
  std::mutex mutex_;
  std::condition_variable wake_;  // something to write, or stopping
  std::condition_variable idle_;  // nothing waiting and nothing being written
  std::optional<StoredState> waiting_;
  bool writing_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace apigw::store
