// Frame parser: round trips in any chunking, resynchronisation after garbage, CRC rejection of
// every single-bit corruption, no trust in a corrupted length.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "firmware_if/frame.hpp"

using namespace hdr::fw;

namespace {
Frame sample(std::uint32_t seq, std::size_t n) {
  Frame f;
  f.type = 0x03;
  f.epoch = 0xDEADBEEF;
  f.seq = seq;
  for (std::size_t i = 0; i < n; ++i) f.payload.push_back(static_cast<std::uint8_t>(i * 7 + seq));
  return f;
}
}  // namespace

TEST_CASE("a frame round-trips, fed whole or one byte at a time") {
  const Frame f = sample(42, 100);
  const Bytes wire = encode_frame(f);
  CHECK(wire.size() == kHeaderBytes + 100 + kCrcBytes);
  FrameParser whole;
  std::vector<Frame> out;
  CHECK(whole.feed(wire, out) == 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == f);
  FrameParser bytewise;
  out.clear();
  for (std::uint8_t b : wire) bytewise.feed(std::span<const std::uint8_t>(&b, 1), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == f);
  CHECK(bytewise.buffered() == 0);
}

TEST_CASE("garbage between frames is skipped and both frames are found") {
  Bytes wire = {0x00, 0xA5, 0x11, 0xA5, 0x5A, 0x07};  // includes false sync starts
  const Bytes a = encode_frame(sample(1, 5));
  const Bytes b = encode_frame(sample(2, 0));
  wire.insert(wire.end(), a.begin(), a.end());
  wire.insert(wire.end(), {0xFF, 0xA5});
  wire.insert(wire.end(), b.begin(), b.end());
  FrameParser p;
  std::vector<Frame> out;
  p.feed(wire, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].seq == 1);
  CHECK(out[1].seq == 2);
  CHECK(p.stats().discarded_bytes >= 8);
}

TEST_CASE("every single-bit flip in a frame is rejected and the next frame still parses") {
  const Bytes a = encode_frame(sample(7, 20));
  const Bytes b = encode_frame(sample(8, 3));
  for (std::size_t byte = 0; byte < a.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes wire = a;
      wire[byte] = static_cast<std::uint8_t>(wire[byte] ^ (1u << bit));
      wire.insert(wire.end(), b.begin(), b.end());
      FrameParser p;
      std::vector<Frame> out;
      p.feed(wire, out);
      // CRC-32 detects all single-bit errors: only the intact frame may come out.
      REQUIRE(out.size() == 1);
      CHECK(out[0].seq == 8);
    }
  }
}

TEST_CASE("a corrupted length cannot swallow the following frames") {
  Bytes a = encode_frame(sample(1, 4));
  a[12] = 0xFF;  // claims 255+ bytes of payload
  a[13] = 0x00;
  const Bytes b = encode_frame(sample(2, 4));
  Bytes wire = a;
  for (int i = 0; i < 3; ++i) wire.insert(wire.end(), b.begin(), b.end());
  // Padding so that the claimed length is available: the CRC must then fail.
  wire.resize(wire.size() + 300, 0x00);
  FrameParser p;
  std::vector<Frame> out;
  p.feed(wire, out);
  CHECK(out.size() == 3);
}

TEST_CASE("oversized length fields are treated as garbage, not buffered forever") {
  Bytes wire = {kSync0, kSync1, kProtocolVersion, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  const Bytes b = encode_frame(sample(3, 1));
  wire.insert(wire.end(), b.begin(), b.end());
  FrameParser p;
  std::vector<Frame> out;
  p.feed(wire, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].seq == 3);
  CHECK(p.buffered() == 0);
}

TEST_CASE("random noise never produces a frame and never grows the buffer beyond one frame") {
  std::mt19937 rng(12345);
  FrameParser p;
  std::vector<Frame> out;
  Bytes noise(200000);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
  p.feed(noise, out);
  CHECK(out.empty());
  CHECK(p.buffered() <= kHeaderBytes + kMaxPayloadBytes + kCrcBytes);
}

TEST_CASE("the fuzzer's seed corpus replays: every seed parses without error, the valid ones to frames") {
  const std::filesystem::path dir = std::filesystem::path(HDR_SOURCE_DIR) / "tools/fuzz/corpus/frame_parser";
  REQUIRE(std::filesystem::is_directory(dir));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    FrameParser p;
    std::vector<Frame> out;
    p.feed(bytes, out);
    INFO(entry.path().filename().string());
    CHECK(!out.empty());  // every seed holds at least one intact frame (written by an independent Python encoder)
    ++files;
  }
  CHECK(files >= 8);
}
