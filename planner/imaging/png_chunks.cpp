#include "planner/imaging/png_chunks.hpp"

#include <boost/crc.hpp>
#include <cstdint>

#include "planner/common/error.hpp"

namespace hdr::imaging {
namespace {

constexpr std::string_view kSignature{"\x89PNG\r\n\x1a\n", 8};
constexpr std::uint32_t kMaxChunkLength = 0x7fffffffu;  // PNG spec: lengths are < 2^31
constexpr size_t kIhdrLength = 13;

std::uint32_t big_endian_u32(std::string_view b, size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(b[at])} << 24) | (std::uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) | std::uint32_t{static_cast<unsigned char>(b[at + 3])};
}

bool is_chunk_type(std::string_view type) {
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

}  // namespace

void check_png_chunks(std::string_view bytes, const std::string& name) {
  require(bytes.size() >= kSignature.size() && bytes.substr(0, kSignature.size()) == kSignature,
          name + ": not a PNG file (no PNG signature; hdr-trus/1 frames are PNG images)");
  size_t at = kSignature.size();
  bool seen_idat = false;
  for (int index = 0;; ++index) {
    const std::string where = name + ": byte " + std::to_string(at) + ": ";
    require(at + 8 <= bytes.size(), where + "the file is truncated (it ends before the IEND chunk)");
    const std::uint32_t length = big_endian_u32(bytes, at);
    const std::string_view type = bytes.substr(at + 4, 4);
    require(is_chunk_type(type), where + "corrupt PNG: a chunk type must be four letters");
    const std::string chunk = std::string(type) + " chunk";
    require(length <= kMaxChunkLength, where + "corrupt PNG: the " + chunk + " declares an impossible length");
    require(bytes.size() - (at + 8) >= std::size_t{length} + 4,
            where + "the file is truncated inside the " + chunk + " (" + std::to_string(length) + " data bytes declared, " +
                std::to_string(bytes.size() - (at + 8)) + " bytes left)");
    if (index == 0) require(type == "IHDR" && length == kIhdrLength, where + "corrupt PNG: the first chunk must be IHDR");
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data() + at + 4, 4 + std::size_t{length});
    require(crc.checksum() == big_endian_u32(bytes, at + 8 + length), where + "corrupt PNG: the " + chunk + "'s CRC does not match its data");
    if (type == "IDAT") seen_idat = true;
    if (type == "IEND") {
      require(seen_idat, where + "corrupt PNG: no IDAT chunk (the file holds no pixels)");
      return;
    }
    at += 12 + std::size_t{length};
  }
}

}  // namespace hdr::imaging
