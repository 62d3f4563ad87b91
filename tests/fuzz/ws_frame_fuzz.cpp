// Fuzzes the WebSocket frame scanner (src/ws/frame.h): whatever the bytes, scanning them whole and
// scanning them in pieces (the caller keeping the unaccepted tail, as a tunnel does) agree on
// what was accepted, counted and refused; nothing is accepted past a violation; a partial header
// is the only tail kept. The first byte picks the sender, the limits and the piece size.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "ws/frame.h"

namespace {

using apigw::ws::FrameScanner;
using apigw::ws::ScanLimits;
using apigw::ws::ScanProgress;
using apigw::ws::Sender;
using apigw::ws::Violation;

struct Totals {
  std::uint64_t accepted = 0, frames = 0, messages = 0, payload = 0, pongs = 0;
  bool close_frame = false;
  Violation violation = Violation::none;
};

Totals scan(std::span<const std::uint8_t> input, Sender sender, ScanLimits limits,
            std::size_t piece) {
  FrameScanner scanner(sender, limits);
  Totals totals;
  std::vector<std::uint8_t> pending;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    const std::size_t end = std::min(input.size(), at + piece);
    pending.insert(pending.end(), input.begin() + static_cast<std::ptrdiff_t>(at),
                   input.begin() + static_cast<std::ptrdiff_t>(end));
    const ScanProgress progress = scanner.feed(pending);
    FUZZ_CHECK(progress.accepted <= pending.size());
    if (totals.violation != Violation::none) FUZZ_CHECK(progress.accepted == 0);
    totals.accepted += progress.accepted;
    totals.frames += progress.frames;
    totals.messages += progress.messages;
    totals.payload += progress.payload;
    totals.pongs += progress.pongs;
    totals.close_frame = totals.close_frame || progress.close_frame;
    if (progress.violation != Violation::none) totals.violation = progress.violation;
    if (totals.violation == Violation::none) FUZZ_CHECK(pending.size() - progress.accepted <= 13);
    pending.erase(pending.begin(),
                  pending.begin() + static_cast<std::ptrdiff_t>(progress.accepted));
  }
  return totals;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t choice = data[0];
  const Sender sender = (choice & 1) != 0 ? Sender::client : Sender::server;
  ScanLimits limits;
  limits.rsv1_allowed = (choice & 2) != 0;
  limits.max_message_size = (choice & 4) != 0 ? 1000 : 0;
  const std::size_t piece = 1 + (choice >> 3);
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  const Totals whole = scan(input, sender, limits, input.empty() ? 1 : input.size());
  const Totals pieces = scan(input, sender, limits, piece);
  FUZZ_CHECK(whole.accepted == pieces.accepted);
  FUZZ_CHECK(whole.frames == pieces.frames);
  FUZZ_CHECK(whole.messages == pieces.messages);
  FUZZ_CHECK(whole.payload == pieces.payload);
  FUZZ_CHECK(whole.pongs == pieces.pongs);
  FUZZ_CHECK(whole.close_frame == pieces.close_frame);
  FUZZ_CHECK(whole.violation == pieces.violation);
  FUZZ_CHECK(whole.accepted <= input.size());
  return 0;
}
