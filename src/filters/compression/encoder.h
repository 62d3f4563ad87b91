// Streaming response compression: gzip (zlib) and Brotli (libbrotlienc). Bytes go in as the
// upstream sends them and come out as soon as the library has them (zlib keeps tens of KiB, the
// Brotli encoder at most 256 KiB of unflushed input), so a response is never held whole; flush()
// pushes out everything written so far, for a streamed chunk that must reach the client now
// (server-sent events, long polls).
//
// Default levels, for compressing on the fly on the request path. Measured with encoder_bench.cpp
// (16 KiB JSON-like body, one encoder per response, CPU time, -O2; docs/architecture.md):
//   gzip 1: 239 MB/s, ratio 0.166   gzip 6: 122 MB/s, 0.143   gzip 9: 76 MB/s, 0.137
//   br 1: 314 MB/s, 0.154   br 4: 172 MB/s, 0.115   br 5: 104 MB/s, 0.107   br 11: 0.9 MB/s, 0.093
//  * gzip level 1, as NGINX's gzip_comp_level: twice the speed of zlib's default 6 for an output
//    16% larger. A gateway pays the CPU on every response; clients that care about size send
//    "br", and get Brotli.
//  * Brotli quality 4 with a 4 MiB window (lgwin 22, the library's default): faster than gzip 6
//    and 20% smaller; quality 5 gains another 7% at 60% of the speed (it switches to a slower
//    match finder), and 11 is for precompressed static files.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "filters/compression/accept_encoding.h"

namespace apigw::filters::compression {

inline constexpr int kDefaultGzipLevel = 1;      // zlib: 1 (fastest) .. 9 (smallest)
inline constexpr int kDefaultBrotliQuality = 4;  // Brotli: 0 (fastest) .. 11 (smallest)
inline constexpr int kBrotliWindowBits = 22;

// The default level of a coding (0 for identity).
int default_level(Coding coding);

// One response's compressor. Each call appends to `out` what the coding has ready, which may be
// nothing for write(). Once finish() has been called, or after any call returned false, the
// encoder accepts nothing more. A false return means the library failed (memory, misuse) and the
// response cannot be completed: the caller aborts it.
class Encoder {
 public:
  // A compressor for `coding` at `level` (clamped to gzip 1..9, Brotli 0..11). identity gives an
  // encoder that copies its input. nullptr when the library cannot allocate its state.
  static std::unique_ptr<Encoder> make(Coding coding, int level);
  static std::unique_ptr<Encoder> make(Coding coding) {
    return make(coding, default_level(coding));
  }

  virtual ~Encoder() = default;

  // Compresses `in`, appending to `out` whatever output is complete.
  [[nodiscard]] virtual bool write(std::string_view in, std::string& out) = 0;
  // Appends everything needed for the client to decode all input so far (zlib Z_SYNC_FLUSH,
  // Brotli BROTLI_OPERATION_FLUSH). Costs a few bytes each time: call it when the upstream's data
  // pauses, not after every write.
  [[nodiscard]] virtual bool flush(std::string& out) = 0;
  // Appends the end of the stream (the gzip trailer, Brotli's last meta-block).
  [[nodiscard]] virtual bool finish(std::string& out) = 0;

  Coding coding() const { return coding_; }

 protected:
  explicit Encoder(Coding coding) : coding_(coding) {}

 private:
  Coding coding_;
};

}  // namespace apigw::filters::compression
