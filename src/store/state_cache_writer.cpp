#include "store/state_cache_writer.h"

#include <utility>

#include "store/state_cache.h"
#include "util/log.h"

namespace apigw::store {

StateCacheWriter::StateCacheWriter(std::string path)
    : path_(std::move(path)), thread_([this] { run(); }) {}

StateCacheWriter::~StateCacheWriter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void StateCacheWriter::write(StoredState state) {
  {
    const std::lock_guard lock(mutex_);
    waiting_ = std::move(state);
  }
  wake_.notify_one();
}

void StateCacheWriter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !waiting_ && !writing_; });
}

void StateCacheWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return waiting_ || stopping_; });
    if (!waiting_) return;  // stopping, and everything is written
    StoredState state = std::move(*waiting_);
    waiting_.reset();
    writing_ = true;
    lock.unlock();
    try {
      write_state_cache(path_, state);
    } catch (const StoreError& error) {
      util::log_warn(std::string("cannot cache the entities: ") + error.what());
    }
    lock.lock();
    writing_ = false;
    idle_.notify_all();
  }
}

}  // namespace apigw::store
