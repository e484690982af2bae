#pragma once
// The afterloader's own logic, written from firmware_if/PROTOCOL.md (not from the console's
// code): program store, source transport, check cable, dwell timing, interlocks, faults.
// Time is the machine clock in seconds, advanced by the server (scaled wall time); every
// transition is exact, whatever the tick, so a dwell never receives more than planned.
//
// Source path model: the channel tip lies `tip_from_safe_mm` from the safe along the
// transfer tube; a dwell `distance` from the tip is at tip_from_safe_mm - distance. The
// source runs out to the tip-most dwell first and steps back towards the safe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firmware_if/messages.hpp"
#include "planner/common/iso_time.hpp"
#include "tools/afterloader_sim/event_log.hpp"

namespace hdr::sim {

struct MachineOptions {
  fw::MachineProfile profile;          // channels, limits, source model and serial
  double strength_U = 40700.0;         // at strength_reference
  UtcTime strength_reference;          // default: when the simulator starts
  double half_life_days = 73.827;      // Ir-192
  double tip_from_safe_mm = 1500.0;    // safe -> channel tip (the longest channel)
  double source_speed_mm_s = 500.0;    // stepping/travel speed
  double retract_speed_mm_s = 1000.0;  // interrupt / emergency retraction
  double check_cable_speed_mm_s = 1000.0;
  std::optional<int> refuse_channel;    // fault injection: DOWNLOAD naming it is rejected
  std::optional<int> obstruct_channel;  // fault injection: its check-cable run faults
  // Empty when valid, else "MachineOptions::<field> = <value>: <rule>".
  std::string validate() const;
};

class Machine {
 public:
  Machine(MachineOptions options, EventLog& log);

  // Runs the machine clock forward by dt_s machine seconds (>= 0).
  void advance(double dt_s);
  // Machine seconds until the next transition (travel end, dwell end), if one is pending:
  // lets the server wake exactly when the source becomes safe.
  std::optional<double> time_to_next_transition_s() const;
  double now_s() const { return now_s_; }

  // Protocol requests (already de-duplicated by the server).
  fw::ResponseMsg handle(fw::MsgType type, std::span<const std::uint8_t> payload);
  fw::StatusReport status(bool with_table) const;
  fw::MachineProfile profile() const;

  // Local events: interlocks, watchdog, fault injection.
  void set_door_open(bool open);
  void emergency_stop(const std::string& origin);
  void watchdog_expired();
  void set_obstructed_channel(std::optional<int> channel) { options_.obstruct_channel = channel; }
  void set_refused_channel(std::optional<int> channel) { options_.refuse_channel = channel; }
  void log_event(nlohmann::json event) { log_.write(std::move(event), now_s_); }

  // True once per change of state/source/interlocks: the server sends a NOTIFY.
  bool take_changed();
  bool source_out() const { return source_ != fw::SourceState::safe; }
  fw::MachineState state() const { return state_; }

 private:
  enum class Phase { none, check_out, check_back, travel, dwell, retract };
  struct Dwell {
    fw::ProgramDwell d;
    double delivered_s = 0.0;
    double remaining_s() const;
  };

  fw::ResponseMsg answer(fw::MsgType req, fw::Result r, std::string detail = {}) const;
  fw::ResponseMsg download(std::span<const std::uint8_t> payload);
  fw::ResponseMsg start_or_resume(fw::MsgType type, std::span<const std::uint8_t> payload);
  void interrupt(fw::StopReason reason, double speed_mm_s);
  void begin_next_channel_or_complete();
  void begin_phase_after(Phase finished);
  void end_dwell_segment();
  void set_source(fw::SourceState s);
  std::optional<std::size_t> next_dwell_in_channel(std::size_t from) const;
  double position_of(const Dwell& d) const { return options_.tip_from_safe_mm - d.d.distance_decimm / 10.0; }
  std::uint64_t strength_mU_now() const;

  MachineOptions options_;
  EventLog& log_;
  double now_s_ = 0.0;
  fw::MachineState state_ = fw::MachineState::idle;
  fw::SourceState source_ = fw::SourceState::safe;
  fw::StopReason stop_reason_ = fw::StopReason::none;
  fw::FaultCode fault_ = fw::FaultCode::none;
  std::uint16_t fault_channel_ = 0;
  bool door_open_ = false;
  bool emergency_ = false;  // set while an emergency stop retraction is in progress

  std::optional<fw::Program> program_;
  fw::Hash program_hash_{};
  std::vector<Dwell> dwells_;

  Phase phase_ = Phase::none;
  double phase_left_s_ = 0.0;
  std::size_t cursor_ = 0;         // current dwell (index into dwells_)
  double position_mm_ = 0.0;       // source position from the safe
  double travel_target_mm_ = 0.0;
  double segment_start_s_ = 0.0;   // delivered_s of the current dwell when its segment began
  bool changed_ = false;
};

}  // namespace hdr::sim
