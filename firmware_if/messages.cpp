#include "firmware_if/messages.hpp"

#include <sodium.h>

namespace hdr::fw {

const char* to_string(MsgType t) {
  switch (t) {
    case MsgType::hello: return "HELLO";
    case MsgType::status: return "STATUS";
    case MsgType::download: return "DOWNLOAD";
    case MsgType::start: return "START";
    case MsgType::interrupt: return "INTERRUPT";
    case MsgType::resume: return "RESUME";
    case MsgType::emergency_stop: return "EMERGENCY_STOP";
    case MsgType::heartbeat: return "HEARTBEAT";
    case MsgType::nak: return "NAK";
    case MsgType::response: return "RESPONSE";
    case MsgType::notify: return "NOTIFY";
  }
  return "UNKNOWN";
}

bool is_request(std::uint8_t type) {
  switch (static_cast<MsgType>(type)) {
    case MsgType::hello:
    case MsgType::status:
    case MsgType::download:
    case MsgType::start:
    case MsgType::interrupt:
    case MsgType::resume:
    case MsgType::emergency_stop: return true;
    default: return false;
  }
}

const char* to_string(Result r) {
  switch (r) {
    case Result::ok: return "OK";
    case Result::rejected: return "REJECTED";
    case Result::invalid: return "INVALID";
    case Result::format_error: return "FORMAT_ERROR";
    case Result::busy: return "BUSY";
    case Result::not_connected: return "NOT_CONNECTED";
  }
  return "UNKNOWN";
}
const char* to_string(MachineState s) {
  switch (s) {
    case MachineState::idle: return "idle";
    case MachineState::programmed: return "programmed";
    case MachineState::running: return "running";
    case MachineState::interrupted: return "interrupted";
    case MachineState::completed: return "completed";
  }
  return "unknown";
}
const char* to_string(SourceState s) {
  switch (s) {
    case SourceState::safe: return "safe";
    case SourceState::check_cable: return "check_cable";
    case SourceState::travelling: return "travelling";
    case SourceState::dwelling: return "dwelling";
    case SourceState::retracting: return "retracting";
  }
  return "unknown";
}
const char* to_string(StopReason s) {
  switch (s) {
    case StopReason::none: return "none";
    case StopReason::console: return "console";
    case StopReason::door: return "door_open";
    case StopReason::emergency_stop: return "emergency_stop";
    case StopReason::watchdog: return "watchdog";
    case StopReason::fault: return "fault";
    case StopReason::link_lost: return "link_lost";
  }
  return "unknown";
}
const char* to_string(FaultCode f) {
  switch (f) {
    case FaultCode::none: return "none";
    case FaultCode::check_cable_obstructed: return "check_cable_obstructed";
    case FaultCode::channel_refused: return "channel_refused";
  }
  return "unknown";
}

std::string to_hex(const Hash& h) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : h) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

Bytes encode(const MachineProfile& p) {
  ByteWriter w;
  w.u8(p.protocol_version);
  w.u16(p.channels);
  w.u16(p.max_dwells_per_channel);
  w.u16(p.step_size_decimm);
  w.u32(p.max_channel_length_decimm);
  w.u16(p.time_resolution_ms);
  w.u32(p.max_dwell_ms);
  w.u32(p.watchdog_ms);
  w.str(p.source_model);
  w.str(p.source_serial);
  w.u64(p.strength_mU);
  w.u64(p.machine_clock_unix_ms);
  return w.take();
}

MachineProfile decode_profile(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  MachineProfile p;
  p.protocol_version = r.u8("profile.protocol_version");
  p.channels = r.u16("profile.channels");
  p.max_dwells_per_channel = r.u16("profile.max_dwells_per_channel");
  p.step_size_decimm = r.u16("profile.step_size_decimm");
  p.max_channel_length_decimm = r.u32("profile.max_channel_length_decimm");
  p.time_resolution_ms = r.u16("profile.time_resolution_ms");
  p.max_dwell_ms = r.u32("profile.max_dwell_ms");
  p.watchdog_ms = r.u32("profile.watchdog_ms");
  p.source_model = r.str("profile.source_model");
  p.source_serial = r.str("profile.source_serial");
  p.strength_mU = r.u64("profile.strength_mU");
  p.machine_clock_unix_ms = r.u64("profile.machine_clock_unix_ms");
  r.finish("profile");
  return p;
}

namespace {
void write_dwell(ByteWriter& w, const ProgramDwell& d) {
  w.u16(d.channel);
  w.u16(d.index);
  w.u32(d.distance_decimm);
  w.u32(d.planned_ms);
}
ProgramDwell read_dwell(ByteReader& r) {
  ProgramDwell d;
  d.channel = r.u16("dwell.channel");
  d.index = r.u16("dwell.index");
  d.distance_decimm = r.u32("dwell.distance_decimm");
  d.planned_ms = r.u32("dwell.planned_ms");
  return d;
}
Bytes program_body(const Program& p) {
  ByteWriter w;
  w.str(p.program_id);
  HDR_ASSERT(p.dwells.size() <= 0xFFFF, "program of " + std::to_string(p.dwells.size()) + " dwells");
  w.u16(static_cast<std::uint16_t>(p.dwells.size()));
  for (const auto& d : p.dwells) write_dwell(w, d);
  return w.take();
}
}  // namespace

Hash program_hash(const Program& p) {
  // sodium_init is idempotent and thread-safe; BLAKE2b itself needs no randomness.
  static const int sodium_ready = sodium_init();
  HDR_ASSERT(sodium_ready >= 0, "libsodium failed to initialise");
  const Bytes body = program_body(p);
  Hash h{};
  crypto_generichash(h.data(), h.size(), body.data(), body.size(), nullptr, 0);
  return h;
}

Bytes encode(const Program& p) {
  ByteWriter w;
  w.raw(program_body(p));
  w.raw(program_hash(p));
  return w.take();
}

Program decode_program(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  Program p;
  p.program_id = r.str("program.program_id");
  const std::uint16_t n = r.u16("program.dwell_count");
  if (static_cast<std::size_t>(n) * 12 > r.remaining())
    throw ProtocolError("program.dwell_count " + std::to_string(n) + " exceeds the payload");
  p.dwells.reserve(n);
  for (std::uint16_t i = 0; i < n; ++i) p.dwells.push_back(read_dwell(r));
  Hash sent{};
  r.raw(sent, "program.hash");
  r.finish("program");
  if (sent != program_hash(p))
    throw ProtocolError("program.hash: integrity hash does not match the program's content (sent " + to_hex(sent) +
                        ")");
  return p;
}

Bytes encode(const StatusReport& s) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(s.state));
  w.u8(static_cast<std::uint8_t>(s.source));
  w.u8(static_cast<std::uint8_t>(s.stop_reason));
  w.u8(s.interlocks);
  w.u16(static_cast<std::uint16_t>(s.fault));
  w.u16(s.fault_channel);
  w.str(s.program_id);
  w.raw(s.program_hash);
  w.u16(s.current_channel);
  w.u16(s.current_index);
  w.u64(s.machine_clock_unix_ms);
  w.u64(s.strength_mU);
  w.u16(static_cast<std::uint16_t>(s.dwells.size()));
  for (const auto& d : s.dwells) {
    write_dwell(w, d.dwell);
    w.u32(d.delivered_ms);
  }
  return w.take();
}

StatusReport decode_status(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  StatusReport s;
  const auto state = r.u8("status.state");
  if (state > 4) throw ProtocolError("status.state: unknown value " + std::to_string(state));
  s.state = static_cast<MachineState>(state);
  const auto source = r.u8("status.source");
  if (source > 4) throw ProtocolError("status.source: unknown value " + std::to_string(source));
  s.source = static_cast<SourceState>(source);
  const auto reason = r.u8("status.stop_reason");
  if (reason > 6) throw ProtocolError("status.stop_reason: unknown value " + std::to_string(reason));
  s.stop_reason = static_cast<StopReason>(reason);
  s.interlocks = r.u8("status.interlocks");
  const auto fault = r.u16("status.fault");
  if (fault > 2) throw ProtocolError("status.fault: unknown value " + std::to_string(fault));
  s.fault = static_cast<FaultCode>(fault);
  s.fault_channel = r.u16("status.fault_channel");
  s.program_id = r.str("status.program_id");
  r.raw(s.program_hash, "status.program_hash");
  s.current_channel = r.u16("status.current_channel");
  s.current_index = r.u16("status.current_index");
  s.machine_clock_unix_ms = r.u64("status.machine_clock_unix_ms");
  s.strength_mU = r.u64("status.strength_mU");
  const std::uint16_t n = r.u16("status.dwell_count");
  if (static_cast<std::size_t>(n) * 16 > r.remaining())
    throw ProtocolError("status.dwell_count " + std::to_string(n) + " exceeds the payload");
  s.dwells.reserve(n);
  for (std::uint16_t i = 0; i < n; ++i) {
    DwellReport d;
    d.dwell = read_dwell(r);
    d.delivered_ms = r.u32("status.dwell.delivered_ms");
    s.dwells.push_back(d);
  }
  r.finish("status");
  return s;
}

Bytes encode(const ResponseMsg& m) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(m.request));
  w.u8(static_cast<std::uint8_t>(m.result));
  w.str(m.detail.substr(0, 255));
  w.raw(m.body);
  return w.take();
}

ResponseMsg decode_response(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  ResponseMsg m;
  const auto req = r.u8("response.request");
  if (!is_request(req)) throw ProtocolError("response.request: not a request type " + std::to_string(req));
  m.request = static_cast<MsgType>(req);
  const auto res = r.u8("response.result");
  if (res > 5) throw ProtocolError("response.result: unknown value " + std::to_string(res));
  m.result = static_cast<Result>(res);
  m.detail = r.str("response.detail");
  m.body.assign(b.end() - static_cast<std::ptrdiff_t>(r.remaining()), b.end());
  return m;
}

Bytes encode(const HelloMsg& h) {
  ByteWriter w;
  w.u8(h.protocol_version);
  w.str(h.console_name);
  return w.take();
}

HelloMsg decode_hello(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  HelloMsg h;
  h.protocol_version = r.u8("hello.protocol_version");
  h.console_name = r.str("hello.console_name");
  r.finish("hello");
  return h;
}

Bytes encode_hash(const Hash& h) { return Bytes(h.begin(), h.end()); }

Hash decode_hash(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  Hash h{};
  r.raw(h, "program_hash");
  r.finish("program_hash");
  return h;
}

}  // namespace hdr::fw
