#pragma once
// Typed messages of the afterloader link (PROTOCOL.md §3-§5). Integers only on the wire:
// times in milliseconds, distances in 0.1 mm, strength in milli-U, clocks in Unix ms, so that
// no NaN or rounding ambiguity can travel.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firmware_if/frame.hpp"

namespace hdr::fw {

enum class MsgType : std::uint8_t {
  // console -> machine requests; each is answered by one RESPONSE carrying its seq
  hello = 0x01,
  status = 0x03,
  download = 0x04,
  start = 0x05,
  interrupt = 0x06,
  resume = 0x07,
  emergency_stop = 0x08,
  // both ways, never answered
  heartbeat = 0x02,
  nak = 0x7F,
  // machine -> console
  response = 0x80,
  notify = 0x81,  // unsolicited state change (a StatusReport without the dwell table)
};
const char* to_string(MsgType t);
bool is_request(std::uint8_t type);

// The typed answer to every request (F-prime style command response).
enum class Result : std::uint8_t {
  ok = 0,
  rejected = 1,       // valid request the machine refuses in its state (detail says why)
  invalid = 2,        // request type unknown
  format_error = 3,   // payload malformed
  busy = 4,
  not_connected = 5,  // frame from an epoch without a HELLO: never acted on
};
const char* to_string(Result r);

enum class MachineState : std::uint8_t { idle = 0, programmed = 1, running = 2, interrupted = 3, completed = 4 };
enum class SourceState : std::uint8_t { safe = 0, check_cable = 1, travelling = 2, dwelling = 3, retracting = 4 };
// Why the machine is INTERRUPTED.
enum class StopReason : std::uint8_t {
  none = 0, console = 1, door = 2, emergency_stop = 3, watchdog = 4, fault = 5, link_lost = 6 };
enum class FaultCode : std::uint16_t { none = 0, check_cable_obstructed = 1, channel_refused = 2 };
const char* to_string(MachineState s);
const char* to_string(SourceState s);
const char* to_string(StopReason s);
const char* to_string(FaultCode f);

inline constexpr std::uint8_t kInterlockDoorOpen = 0x01;
inline constexpr std::uint8_t kInterlockEmergency = 0x02;
inline constexpr std::uint8_t kInterlockCheckCable = 0x04;

using Hash = std::array<std::uint8_t, 32>;
std::string to_hex(const Hash& h);

// Reported by the machine in answer to HELLO.
struct MachineProfile {
  std::uint8_t protocol_version = kProtocolVersion;
  std::uint16_t channels = 30;
  std::uint16_t max_dwells_per_channel = 48;
  std::uint16_t step_size_decimm = 10;         // smallest spacing between dwells: 1.0 mm
  std::uint32_t max_channel_length_decimm = 15000;  // farthest dwell from the tip reference: 1500 mm
  std::uint16_t time_resolution_ms = 100;
  std::uint32_t max_dwell_ms = 999900;
  std::uint32_t watchdog_ms = 1000;
  std::string source_model = "mHDR-v2";
  std::string source_serial = "SIM-0001";
  std::uint64_t strength_mU = 40700000;         // air-kerma strength now, milli-U
  std::uint64_t machine_clock_unix_ms = 0;
  friend bool operator==(const MachineProfile&, const MachineProfile&) = default;
};

// One dwell of the program as the machine runs it. `index` is the dwell's index among the
// plan's dwells of that catheter counted from the tip; distance from the catheter's tip-most
// plan dwell.
struct ProgramDwell {
  std::uint16_t channel = 0;
  std::uint16_t index = 0;
  std::uint32_t distance_decimm = 0;
  std::uint32_t planned_ms = 0;
  friend bool operator==(const ProgramDwell&, const ProgramDwell&) = default;
};

struct Program {
  std::string program_id;              // console's identifier (record session), <= 64 bytes
  std::vector<ProgramDwell> dwells;    // in delivery order: channel ascending, tip first
  friend bool operator==(const Program&, const Program&) = default;
};
// BLAKE2b-256 of the program's canonical body bytes (id + dwells): the integrity hash the
// machine recomputes before it accepts or runs a program.
Hash program_hash(const Program& p);

// A dwell's progress as the machine reports it.
struct DwellReport {
  ProgramDwell dwell;
  std::uint32_t delivered_ms = 0;
  friend bool operator==(const DwellReport&, const DwellReport&) = default;
};

struct StatusReport {
  MachineState state = MachineState::idle;
  SourceState source = SourceState::safe;
  StopReason stop_reason = StopReason::none;
  std::uint8_t interlocks = 0;
  FaultCode fault = FaultCode::none;
  std::uint16_t fault_channel = 0;
  std::string program_id;
  Hash program_hash{};                 // zeros when no program
  std::uint16_t current_channel = 0;   // 0 when the source is safe
  std::uint16_t current_index = 0;
  std::uint64_t machine_clock_unix_ms = 0;
  std::uint64_t strength_mU = 0;
  std::vector<DwellReport> dwells;     // whole table in STATUS answers, empty in NOTIFY
  bool source_safe() const { return source == SourceState::safe; }
  friend bool operator==(const StatusReport&, const StatusReport&) = default;
};

struct ResponseMsg {
  MsgType request = MsgType::status;
  Result result = Result::ok;
  std::string detail;  // human-readable reason when not ok
  Bytes body;          // typed by `request`: MachineProfile for HELLO, StatusReport otherwise
};

struct HelloMsg {
  std::uint8_t protocol_version = kProtocolVersion;
  std::string console_name;
};

// Encoders never fail; decoders throw ProtocolError naming the field.
Bytes encode(const MachineProfile& p);
Bytes encode(const Program& p);
Bytes encode(const StatusReport& s);
Bytes encode(const ResponseMsg& r);
Bytes encode(const HelloMsg& h);
Bytes encode_hash(const Hash& h);

MachineProfile decode_profile(std::span<const std::uint8_t> b);
Program decode_program(std::span<const std::uint8_t> b);
StatusReport decode_status(std::span<const std::uint8_t> b);
ResponseMsg decode_response(std::span<const std::uint8_t> b);
HelloMsg decode_hello(std::span<const std::uint8_t> b);
Hash decode_hash(std::span<const std::uint8_t> b);

}  // namespace hdr::fw
