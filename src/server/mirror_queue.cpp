#include "server/mirror_queue.h"

#include <utility>

namespace apigw::server {

bool MirrorQueue::try_push(MirrorJob& job) {
  if (!has_room(job.bytes.size())) return false;
  // A worker whose routes never mirror never pays for the slots.
  if (ring_.empty()) ring_.resize(max_jobs_);
  bytes_ += job.bytes.size();
  ring_[(head_ + size_) % max_jobs_] = std::move(job);
  ++size_;
  return true;
}

bool MirrorQueue::pop(MirrorJob& out) {
  if (size_ == 0) return false;
  out = std::move(ring_[head_]);
  ring_[head_] = MirrorJob{};  // the snapshot it held is released now, not when the slot is reused
  head_ = (head_ + 1) % max_jobs_;
  --size_;
  bytes_ -= out.bytes.size();
  return true;
}

void MirrorQueue::clear() {
  for (MirrorJob job; pop(job);) give_back(std::move(job.bytes));
}

std::string MirrorQueue::take_buffer() {
  if (free_.empty()) return {};
  std::string buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void MirrorQueue::give_back(std::string buffer) {
  if (free_.size() >= kMaxFreeBuffers || buffer.capacity() > kMaxKeptCapacity) return;
  buffer.clear();
  free_.push_back(std::move(buffer));
}

}  // namespace apigw::server
