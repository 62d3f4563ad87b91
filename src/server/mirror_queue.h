// A worker's queue of request copies waiting for a mirror sender (server/mirror_sender.h): a
// bounded ring, in jobs and in bytes, touched by the worker's thread only, so it needs no lock.
// A full queue refuses a job; the caller counts it as dropped and the client's request never
// waits for room.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/message.h"

namespace apigw::server {

struct WorkerSnapshot;

// One copy of a request, ready to be written to a mirror target.
struct MirrorJob {
  // Keeps the pools, targets and counters the job uses alive, as a request in flight does.
  std::shared_ptr<WorkerSnapshot> serving;
  std::size_t route = 0;                    // in serving's snapshot: whose counters
  std::size_t cluster = 0;                  // the mirror upstream
  std::size_t target = 0;                   // picked when the job was queued
  http::Method method = http::Method::get;  // the answer to a HEAD has no body
  std::chrono::milliseconds timeout{};
  std::string bytes;  // the request head and body, as the mirror gets them
};

class MirrorQueue {
 public:
  static constexpr std::size_t kMaxJobs = 256;
  static constexpr std::size_t kMaxBytes = 8 << 20;
  // Job buffers kept for reuse, and the largest capacity kept.
  static constexpr std::size_t kMaxFreeBuffers = 16;
  static constexpr std::size_t kMaxKeptCapacity = 64 * 1024;

  explicit MirrorQueue(std::size_t max_jobs = kMaxJobs, std::size_t max_bytes = kMaxBytes)
      : max_jobs_(max_jobs), max_bytes_(max_bytes) {}

  // Whether a job of `bytes` would be taken now: checked before the copy is made.
  bool has_room(std::size_t bytes) const {
    return size_ < max_jobs_ && bytes_ + bytes <= max_bytes_;
  }
  // Takes the job (moved from) and returns true, or leaves it as it is when the queue is full.
  bool try_push(MirrorJob& job);
  // Moves the oldest job into `out`; false when there is none.
  bool pop(MirrorJob& out);
  // Drops every queued job.
  void clear();
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t bytes() const { return bytes_; }

  // An empty string for a job's bytes, with the capacity of one given back before.
  std::string take_buffer();
  void give_back(std::string buffer);

 private:
  std::size_t max_jobs_;
  std::size_t max_bytes_;
  std::vector<MirrorJob> ring_;  // max_jobs_ slots once the first job comes
  std::size_t head_ = 0;         // the oldest job's slot
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  std::vector<std::string> free_;
};

}  // namespace apigw::server
