#include "firmware_if/wire.hpp"

namespace hdr::fw {

void ByteWriter::u16(std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void ByteWriter::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void ByteWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void ByteWriter::str(const std::string& s) {
  HDR_ASSERT(s.size() <= 255, "wire strings are at most 255 bytes, got " + std::to_string(s.size()));
  u16(static_cast<std::uint16_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

void ByteReader::need(std::size_t n, const char* field) const {
  if (in_.size() - pos_ < n)
    throw ProtocolError(std::string("payload truncated at field '") + field + "' (need " + std::to_string(n) +
                        " bytes, have " + std::to_string(in_.size() - pos_) + ")");
}
std::uint8_t ByteReader::u8(const char* field) {
  need(1, field);
  return in_[pos_++];
}
std::uint16_t ByteReader::u16(const char* field) {
  need(2, field);
  std::uint16_t v = 0;
  for (int i = 0; i < 2; ++i) v = static_cast<std::uint16_t>(v | (in_[pos_ + i] << (8 * i)));
  pos_ += 2;
  return v;
}
std::uint32_t ByteReader::u32(const char* field) {
  need(4, field);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(in_[pos_ + i]) << (8 * i);
  pos_ += 4;
  return v;
}
std::uint64_t ByteReader::u64(const char* field) {
  need(8, field);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(in_[pos_ + i]) << (8 * i);
  pos_ += 8;
  return v;
}
std::string ByteReader::str(const char* field) {
  const std::uint16_t n = u16(field);
  if (n > 255) throw ProtocolError(std::string("field '") + field + "': string length " + std::to_string(n) + " > 255");
  need(n, field);
  std::string s(in_.begin() + static_cast<std::ptrdiff_t>(pos_), in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return s;
}
void ByteReader::raw(std::span<std::uint8_t> out, const char* field) {
  need(out.size(), field);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = in_[pos_ + i];
  pos_ += out.size();
}
void ByteReader::finish(const char* message) const {
  if (pos_ != in_.size())
    throw ProtocolError(std::string(message) + ": " + std::to_string(in_.size() - pos_) + " unexpected trailing bytes");
}

}  // namespace hdr::fw
