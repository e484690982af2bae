#pragma once
// Framing of the afterloader link (PROTOCOL.md §2): sync, version, type, epoch, sequence
// number, length, header CRC-16, payload, CRC-32. The parser takes bytes as they come (any
// chunking), skips garbage, and never trusts a length its header CRC has not confirmed (a
// corrupted length would otherwise make it wait for bytes that never come).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "firmware_if/wire.hpp"

namespace hdr::fw {

inline constexpr std::uint8_t kSync0 = 0xA5;
inline constexpr std::uint8_t kSync1 = 0x5A;
inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderBytes = 16;        // sync(2) version type epoch(4) seq(4) len(2) hcrc(2)
inline constexpr std::size_t kCrcBytes = 4;
inline constexpr std::size_t kMaxPayloadBytes = 16384;  // a 30 x 48 dwell table fits with room

struct Frame {
  std::uint8_t type = 0;
  std::uint32_t epoch = 0;  // the console process's link epoch (PROTOCOL.md §4)
  std::uint32_t seq = 0;    // request sequence number; a response carries its request's
  Bytes payload;
  friend bool operator==(const Frame&, const Frame&) = default;
};

// CRC-32 (IEEE 802.3, boost::crc_32_type) over version..payload.
std::uint32_t frame_crc(std::span<const std::uint8_t> bytes);
// CRC-16/CCITT (boost::crc_ccitt_type) over version..len.
std::uint16_t header_crc(std::span<const std::uint8_t> bytes);

// The frame's bytes on the wire. HDR_ASSERTs payload <= kMaxPayloadBytes (a caller bug).
Bytes encode_frame(const Frame& f);

class FrameParser {
 public:
  struct Stats {
    std::size_t frames = 0;
    std::size_t crc_errors = 0;       // candidate frames whose header or frame CRC failed (peer gets a NAK)
    std::size_t discarded_bytes = 0;  // bytes skipped while resynchronising
  };
  // Appends the complete frames found in `bytes` (plus any buffered) to `out`. Returns how many
  // CRC failures were seen in this call (each one worth a NAK).
  std::size_t feed(std::span<const std::uint8_t> bytes, std::vector<Frame>& out);
  void reset() { buf_.clear(); }
  const Stats& stats() const { return stats_; }
  std::size_t buffered() const { return buf_.size(); }

 private:
  Bytes buf_;
  Stats stats_;
};

}  // namespace hdr::fw
