#include "filters/compression/encoder.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>

namespace apigw::filters::compression {
namespace {

// Output is produced into `out` in steps of this size (then shrunk to what was written).
constexpr std::size_t kOutputStep = 16 * 1024;

// Brotli at quality 4 and above merges input into meta-blocks of up to 8 MiB (or 1 MiB of
// literals) before it emits anything, which for most responses would mean holding the whole body.
// write() flushes after this much input, so output never lags input by more; a flush closes a
// meta-block and costs a few bytes, nothing at this spacing.
constexpr std::size_t kBrotliMaxUnflushedInput = 256 * 1024;

class IdentityEncoder final : public Encoder {
 public:
  IdentityEncoder() : Encoder(Coding::identity) {}

  bool write(std::string_view in, std::string& out) override {
    if (finished_) return false;
    out.append(in);
    return true;
  }
  bool flush(std::string&) override { return !finished_; }
  bool finish(std::string&) override {
    if (finished_) return false;
    finished_ = true;
    return true;
  }

 private:
  bool finished_ = false;
};

class GzipEncoder final : public Encoder {
 public:
  GzipEncoder() : Encoder(Coding::gzip) {}
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;
  ~GzipEncoder() override {
    if (initialized_) deflateEnd(&stream_);
  }

  // windowBits 15 + 16: the largest window, with a gzip header and trailer instead of zlib's.
  // memLevel 8 is zlib's default (~256 KiB of state per stream at windowBits 15).
  bool init(int level) {
    initialized_ =
        deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    return initialized_;
  }

  bool write(std::string_view in, std::string& out) override {
    if (in.empty()) return usable();
    // zlib counts input in uInt (32 bits): hand over larger inputs in slices.
    constexpr std::size_t kSlice = std::size_t{1} << 30;
    for (std::size_t pos = 0; pos < in.size(); pos += kSlice) {
      if (!run(in.substr(pos, kSlice), Z_NO_FLUSH, out)) return false;
    }
    return true;
  }
  bool flush(std::string& out) override { return run({}, Z_SYNC_FLUSH, out); }
  bool finish(std::string& out) override {
    const bool ok = run({}, Z_FINISH, out);
    failed_ = true;  // nothing may follow the trailer
    return ok;
  }

 private:
  bool usable() const { return initialized_ && !failed_; }

  bool run(std::string_view in, int mode, std::string& out) {
    if (!usable()) return false;
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    // zlib's contract: call again while it filled the whole output space; for Z_FINISH, until it
    // reports the end of the stream.
    while (true) {
      const std::size_t before = out.size();
      out.resize(before + kOutputStep);
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
      stream_.avail_out = static_cast<uInt>(kOutputStep);
      const int rc = deflate(&stream_, mode);
      out.resize(before + kOutputStep - stream_.avail_out);
      if (rc == Z_STREAM_ERROR) {
        failed_ = true;
        return false;
      }
      if (mode == Z_FINISH ? rc == Z_STREAM_END : stream_.avail_out != 0) break;
    }
    return stream_.avail_in == 0;
  }

  z_stream stream_{};
  bool initialized_ = false;
  bool failed_ = false;
};

class BrotliEncoder final : public Encoder {
 public:
  BrotliEncoder() : Encoder(Coding::br) {}
  BrotliEncoder(const BrotliEncoder&) = delete;
  BrotliEncoder& operator=(const BrotliEncoder&) = delete;
  ~BrotliEncoder() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  bool init(int quality) {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    return state_ != nullptr &&
           BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY,
                                     static_cast<std::uint32_t>(quality)) &&
           BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, kBrotliWindowBits);
  }

  bool write(std::string_view in, std::string& out) override {
    if (in.empty()) return usable();
    if (!run(in, BROTLI_OPERATION_PROCESS, out)) return false;
    unflushed_ += in.size();
    return unflushed_ < kBrotliMaxUnflushedInput || flush(out);
  }
  bool flush(std::string& out) override {
    unflushed_ = 0;
    return run({}, BROTLI_OPERATION_FLUSH, out);
  }
  bool finish(std::string& out) override {
    const bool ok = run({}, BROTLI_OPERATION_FINISH, out);
    failed_ = true;
    return ok;
  }

 private:
  bool usable() const { return state_ != nullptr && !failed_; }

  bool run(std::string_view in, BrotliEncoderOperation operation, std::string& out) {
    if (!usable()) return false;
    std::size_t available_in = in.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    // No output buffer of ours: the encoder keeps its output, and TakeOutput hands it over
    // without a copy inside the library.
    while (true) {
      std::size_t available_out = 0;
      if (!BrotliEncoderCompressStream(state_, operation, &available_in, &next_in, &available_out,
                                       nullptr, nullptr)) {
        failed_ = true;
        return false;
      }
      std::size_t size = 0;
      const std::uint8_t* output = BrotliEncoderTakeOutput(state_, &size);
      out.append(reinterpret_cast<const char*>(output), size);
      const bool done = operation == BROTLI_OPERATION_FINISH
                            ? BrotliEncoderIsFinished(state_) != 0
                            : available_in == 0 && BrotliEncoderHasMoreOutput(state_) == 0;
      if (done) return true;
    }
  }

  BrotliEncoderState* state_ = nullptr;
  std::size_t unflushed_ = 0;  // input bytes since the last flush
  bool failed_ = false;
};

}  // namespace

int default_level(Coding coding) {
  switch (coding) {
    case Coding::gzip:
      return kDefaultGzipLevel;
    case Coding::br:
      return kDefaultBrotliQuality;
    case Coding::identity:
      break;
  }
  return 0;
}

std::unique_ptr<Encoder> Encoder::make(Coding coding, int level) {
  switch (coding) {
    case Coding::gzip: {
      auto encoder = std::make_unique<GzipEncoder>();
      if (!encoder->init(std::clamp(level, 1, 9))) return nullptr;
      return encoder;
    }
    case Coding::br: {
      auto encoder = std::make_unique<BrotliEncoder>();
      if (!encoder->init(std::clamp(level, BROTLI_MIN_QUALITY, BROTLI_MAX_QUALITY))) return nullptr;
      return encoder;
    }
    case Coding::identity:
      break;
  }
  return std::make_unique<IdentityEncoder>();
}

}  // namespace apigw::filters::compression
