// libFuzzer target: the afterloader link's frame parser and message decoders take arbitrary
// bytes (any chunking) without crashing, hanging or reading out of bounds; a decoded frame
// re-encodes to bytes that parse back to the same frame.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "firmware_if/frame.hpp"
#include "firmware_if/messages.hpp"

namespace {
template <class F>
void try_decode(F f) {
  try {
    f();
  } catch (const hdr::fw::ProtocolError&) {
    // malformed input is an error, which is the point
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hdr::fw;
  const std::span<const std::uint8_t> in(data, size);
  // Feed in chunks whose sizes come from the first byte, to exercise partial frames.
  const std::size_t chunk = size ? (data[0] % 17) + 1 : 1;
  FrameParser p;
  std::vector<Frame> frames;
  for (std::size_t off = 0; off < size; off += chunk) p.feed(in.subspan(off, std::min(chunk, size - off)), frames);
  if (p.buffered() > kHeaderBytes + kMaxPayloadBytes + kCrcBytes) __builtin_trap();
  for (const Frame& f : frames) {
    FrameParser again;
    std::vector<Frame> back;
    again.feed(encode_frame(f), back);
    if (back.size() != 1 || !(back[0] == f)) __builtin_trap();
    try_decode([&] { (void)decode_response(f.payload); });
    try_decode([&] { (void)decode_status(f.payload); });
    try_decode([&] { (void)decode_profile(f.payload); });
    try_decode([&] { (void)decode_program(f.payload); });
    try_decode([&] { (void)decode_hello(f.payload); });
  }
  // The raw bytes as payloads too (no frame needed to reach the decoders).
  try_decode([&] { (void)decode_status(in); });
  try_decode([&] { (void)decode_program(in); });
  try_decode([&] { (void)decode_response(in); });
  return 0;
}
