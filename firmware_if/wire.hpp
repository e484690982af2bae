#pragma once
// Little-endian byte writer/reader for frame payloads (PROTOCOL.md §3). The reader never reads
// past its span: a short or malformed payload is a ProtocolError naming the field, never UB.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "planner/common/error.hpp"

namespace hdr::fw {

using Bytes = std::vector<std::uint8_t>;

// Malformed bytes from the wire (a frame or payload the peer should not have sent).
class ProtocolError : public hdr::Error {
 public:
  using hdr::Error::Error;
};

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void str(const std::string& s);  // u16 length + bytes (<= 255 bytes allowed)
  void raw(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> in) : in_(in) {}
  std::uint8_t u8(const char* field);
  std::uint16_t u16(const char* field);
  std::uint32_t u32(const char* field);
  std::uint64_t u64(const char* field);
  std::string str(const char* field);
  void raw(std::span<std::uint8_t> out, const char* field);
  std::size_t remaining() const { return in_.size() - pos_; }
  // Refuses trailing bytes: a payload longer than its message is malformed.
  void finish(const char* message) const;

 private:
  void need(std::size_t n, const char* field) const;
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

}  // namespace hdr::fw
