#include "firmware_if/frame.hpp"

#include <algorithm>
#include <boost/crc.hpp>
#include <string>

namespace hdr::fw {

std::uint32_t frame_crc(std::span<const std::uint8_t> bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint16_t header_crc(std::span<const std::uint8_t> bytes) {
  boost::crc_ccitt_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

Bytes encode_frame(const Frame& f) {
  HDR_ASSERT(f.payload.size() <= kMaxPayloadBytes, "payload of " + std::to_string(f.payload.size()) + " bytes");
  ByteWriter w;
  w.u8(kSync0);
  w.u8(kSync1);
  w.u8(kProtocolVersion);
  w.u8(f.type);
  w.u32(f.epoch);
  w.u32(f.seq);
  w.u16(static_cast<std::uint16_t>(f.payload.size()));
  w.u16(header_crc(std::span<const std::uint8_t>(w.bytes()).subspan(2)));
  w.raw(f.payload);
  Bytes out = w.take();
  const std::uint32_t crc = frame_crc(std::span<const std::uint8_t>(out).subspan(2));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return out;
}

std::size_t FrameParser::feed(std::span<const std::uint8_t> bytes, std::vector<Frame>& out) {
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  std::size_t crc_errors = 0;
  std::size_t pos = 0;
  // Drops `n` bytes from the front of the unparsed region, counting them as garbage.
  auto skip = [&](std::size_t n) {
    pos += n;
    stats_.discarded_bytes += n;
  };
  while (buf_.size() - pos >= 2) {
    if (buf_[pos] != kSync0 || buf_[pos + 1] != kSync1) {
      // Resynchronise: jump to the next candidate sync byte.
      const auto it = std::find(buf_.begin() + static_cast<std::ptrdiff_t>(pos + 1), buf_.end(), kSync0);
      skip(static_cast<std::size_t>(it - buf_.begin()) - pos);
      continue;
    }
    if (buf_.size() - pos < kHeaderBytes) break;
    const std::uint8_t version = buf_[pos + 2];
    const std::size_t len = static_cast<std::size_t>(buf_[pos + 12]) | (static_cast<std::size_t>(buf_[pos + 13]) << 8);
    const std::uint16_t hcrc = static_cast<std::uint16_t>(buf_[pos + 14] | (buf_[pos + 15] << 8));
    if (version != kProtocolVersion || len > kMaxPayloadBytes ||
        hcrc != header_crc(std::span<const std::uint8_t>(buf_.data() + pos + 2, 12))) {
      // Not a frame start after all, or a corrupted header: look further.
      if (version == kProtocolVersion) {
        ++crc_errors;
        ++stats_.crc_errors;
      }
      skip(1);
      continue;
    }
    const std::size_t total = kHeaderBytes + len + kCrcBytes;
    if (buf_.size() - pos < total) break;
    const std::span<const std::uint8_t> body(buf_.data() + pos + 2, kHeaderBytes - 2 + len);
    std::uint32_t crc = 0;
    for (int i = 0; i < 4; ++i)
      crc |= static_cast<std::uint32_t>(buf_[pos + kHeaderBytes + len + static_cast<std::size_t>(i)]) << (8 * i);
    if (crc != frame_crc(body)) {
      // The length itself may be what was corrupted: never skip `total`, only this sync.
      ++crc_errors;
      ++stats_.crc_errors;
      skip(1);
      continue;
    }
    ByteReader r(std::span<const std::uint8_t>(buf_.data() + pos + 3, 11));
    Frame f;
    f.type = r.u8("type");
    f.epoch = r.u32("epoch");
    f.seq = r.u32("seq");
    f.payload.assign(buf_.begin() + static_cast<std::ptrdiff_t>(pos + kHeaderBytes),
                     buf_.begin() + static_cast<std::ptrdiff_t>(pos + kHeaderBytes + len));
    out.push_back(std::move(f));
    ++stats_.frames;
    pos += total;
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos));
  return crc_errors;
}

}  // namespace hdr::fw
