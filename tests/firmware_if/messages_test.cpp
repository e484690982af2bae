// Messages: round trips, integrity hash, and every truncation of every payload refused as a
// ProtocolError (never UB).
#include <doctest/doctest.h>

#include "firmware_if/messages.hpp"

using namespace hdr::fw;

namespace {
Program sample_program() {
  Program p;
  p.program_id = "p1-abc/s3";
  p.dwells = {{1, 0, 0, 4500}, {1, 1, 50, 1200}, {2, 0, 0, 999900}};
  return p;
}
StatusReport sample_status() {
  StatusReport s;
  s.state = MachineState::interrupted;
  s.source = SourceState::retracting;
  s.stop_reason = StopReason::door;
  s.interlocks = kInterlockDoorOpen;
  s.fault = FaultCode::check_cable_obstructed;
  s.fault_channel = 2;
  s.program_id = "x/s1";
  s.program_hash = program_hash(sample_program());
  s.current_channel = 1;
  s.current_index = 1;
  s.machine_clock_unix_ms = 1796000000123ULL;
  s.strength_mU = 40700000;
  s.dwells = {{{1, 0, 0, 4500}, 4500}, {{1, 1, 50, 1200}, 733}};
  return s;
}
template <class F>
void every_truncation_throws(const Bytes& b, F decode) {
  for (std::size_t n = 0; n < b.size(); ++n) CHECK_THROWS_AS(decode(std::span<const std::uint8_t>(b.data(), n)), ProtocolError);
}
}  // namespace

TEST_CASE("profile, program, status, response and hello round-trip") {
  MachineProfile prof;
  prof.source_serial = "D36A-1234";
  prof.machine_clock_unix_ms = 42;
  CHECK(decode_profile(encode(prof)) == prof);
  CHECK(decode_program(encode(sample_program())) == sample_program());
  CHECK(decode_status(encode(sample_status())) == sample_status());
  ResponseMsg r{MsgType::download, Result::rejected, "channel 3 refused", {1, 2, 3}};
  const ResponseMsg back = decode_response(encode(r));
  CHECK(back.request == MsgType::download);
  CHECK(back.result == Result::rejected);
  CHECK(back.detail == "channel 3 refused");
  CHECK(back.body == Bytes{1, 2, 3});
  CHECK(decode_hello(encode(HelloMsg{1, "console"})).console_name == "console");
}

TEST_CASE("a program whose content changed in transit fails its integrity hash") {
  Bytes b = encode(sample_program());
  // Change the last dwell's time (bytes just before the 32-byte hash) without fixing the hash.
  b[b.size() - 33] ^= 0x01;
  CHECK_THROWS_AS(decode_program(b), ProtocolError);
  // And a different program id gives a different hash.
  Program other = sample_program();
  other.program_id = "p1-abc/s4";
  CHECK(program_hash(other) != program_hash(sample_program()));
}

TEST_CASE("every truncated payload is a ProtocolError") {
  every_truncation_throws(encode(MachineProfile{}), [](auto s) { return decode_profile(s); });
  every_truncation_throws(encode(sample_program()), [](auto s) { return decode_program(s); });
  every_truncation_throws(encode(sample_status()), [](auto s) { return decode_status(s); });
  every_truncation_throws(encode(HelloMsg{1, "c"}), [](auto s) { return decode_hello(s); });
}

TEST_CASE("out-of-range enums and trailing bytes are refused") {
  Bytes s = encode(sample_status());
  s[0] = 9;  // state
  CHECK_THROWS_AS(decode_status(s), ProtocolError);
  Bytes p = encode(MachineProfile{});
  p.push_back(0);
  CHECK_THROWS_AS(decode_profile(p), ProtocolError);
}
