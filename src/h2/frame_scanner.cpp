#include "h2/frame_scanner.h"

#include <algorithm>

namespace apigw::h2 {

FrameScanner::Piece FrameScanner::next(std::span<const std::uint8_t>& in) {
  Piece piece;
  switch (state_) {
    case State::preface: {
      const std::size_t take = std::min(preface_left_, in.size());
      piece = Piece{Kind::preface, in.first(take), 0};
      preface_left_ -= take;
      if (preface_left_ == 0) state_ = State::header;
      break;
    }
    case State::header: {
      const std::size_t take = std::min(kHeaderSize - header_have_, in.size());
      std::copy_n(in.begin(), take, header_bytes_ + header_have_);
      header_have_ += take;
      in = in.subspan(take);
      if (header_have_ < kHeaderSize) return Piece{};
      const std::uint8_t* b = header_bytes_;
      header_.length = (std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 8) | b[2];
      header_.type = b[3];
      header_.flags = b[4];
      header_.stream =
          static_cast<std::int32_t>(((std::uint32_t{b[5]} << 24) | (std::uint32_t{b[6]} << 16) |
                                     (std::uint32_t{b[7]} << 8) | b[8]) &
                                    0x7fffffffu);
      header_have_ = 0;
      payload_left_ = header_.length;
      state_ = payload_left_ == 0 ? State::header : State::payload;
      return Piece{Kind::header, std::span<const std::uint8_t>(header_bytes_, kHeaderSize), 0};
    }
    case State::payload: {
      const std::size_t take = std::min(payload_left_, in.size());
      piece = Piece{Kind::payload, in.first(take), header_.length - payload_left_};
      payload_left_ -= take;
      if (payload_left_ == 0) state_ = State::header;
      break;
    }
  }
  in = in.subspan(piece.bytes.size());
  return piece;
}

}  // namespace apigw::h2
