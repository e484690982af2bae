#include "tools/afterloader_sim/machine.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

namespace hdr::sim {

namespace {
constexpr double kEps_s = 1e-9;
// A dwell with less than this left is finished: the machine times in 0.1 s steps and the
// console plans on that grid, so 0.5 ms is far below anything deliverable.
constexpr double kDoneBelow_s = 0.0005;
}  // namespace

std::string MachineOptions::validate() const {
  auto bad = [](const char* field, double v, const char* rule) {
    return std::string("MachineOptions::") + field + " = " + std::to_string(v) + ": " + rule;
  };
  if (profile.channels < 1) return bad("profile.channels", profile.channels, "must be >= 1");
  if (profile.max_dwells_per_channel < 1) return bad("profile.max_dwells_per_channel", profile.max_dwells_per_channel, "must be >= 1");
  if (!(std::isfinite(strength_U) && strength_U > 0)) return bad("strength_U", strength_U, "must be finite and > 0");
  if (!(std::isfinite(half_life_days) && half_life_days > 0)) return bad("half_life_days", half_life_days, "must be > 0");
  if (!(tip_from_safe_mm >= profile.max_channel_length_decimm / 10.0))
    return bad("tip_from_safe_mm", tip_from_safe_mm, "must be at least the maximum channel length");
  for (double v : {source_speed_mm_s, retract_speed_mm_s, check_cable_speed_mm_s})
    if (!(std::isfinite(v) && v > 0)) return bad("speed_mm_s", v, "speeds must be finite and > 0");
  return {};
}

double Machine::Dwell::remaining_s() const { return std::max(0.0, d.planned_ms / 1000.0 - delivered_s); }

Machine::Machine(MachineOptions options, EventLog& log) : options_(std::move(options)), log_(log) {
  const std::string problem = options_.validate();
  require(problem.empty(), problem);
}

std::uint64_t Machine::strength_mU_now() const {
  const double days = days_between(options_.strength_reference, utc_now());
  const double s = options_.strength_U * std::exp(-std::numbers::ln2 * days / options_.half_life_days);
  return static_cast<std::uint64_t>(std::llround(s * 1000.0));
}

fw::MachineProfile Machine::profile() const {
  fw::MachineProfile p = options_.profile;
  p.strength_mU = strength_mU_now();
  p.machine_clock_unix_ms = static_cast<std::uint64_t>(std::llround(utc_now().unix_s * 1000.0));
  return p;
}

bool Machine::take_changed() {
  const bool c = changed_;
  changed_ = false;
  return c;
}

void Machine::set_source(fw::SourceState s) {
  if (s == source_) return;
  source_ = s;
  changed_ = true;
  if (s == fw::SourceState::safe) log_event({{"event", "source_safe"}});
}

fw::StatusReport Machine::status(bool with_table) const {
  fw::StatusReport s;
  s.state = state_;
  s.source = source_;
  s.stop_reason = stop_reason_;
  s.interlocks = static_cast<std::uint8_t>((door_open_ ? fw::kInterlockDoorOpen : 0) |
                                           (emergency_ ? fw::kInterlockEmergency : 0) |
                                           (fault_ == fw::FaultCode::check_cable_obstructed ? fw::kInterlockCheckCable : 0));
  s.fault = fault_;
  s.fault_channel = fault_channel_;
  if (program_) {
    s.program_id = program_->program_id;
    s.program_hash = program_hash_;
  }
  if (source_ != fw::SourceState::safe && cursor_ < dwells_.size()) {
    s.current_channel = dwells_[cursor_].d.channel;
    s.current_index = dwells_[cursor_].d.index;
  }
  s.machine_clock_unix_ms = static_cast<std::uint64_t>(std::llround(utc_now().unix_s * 1000.0));
  s.strength_mU = strength_mU_now();
  if (with_table)
    for (const auto& d : dwells_)
      s.dwells.push_back({d.d, static_cast<std::uint32_t>(std::llround(d.delivered_s * 1000.0))});
  return s;
}

fw::ResponseMsg Machine::answer(fw::MsgType req, fw::Result r, std::string detail) const {
  fw::ResponseMsg m;
  m.request = req;
  m.result = r;
  m.detail = std::move(detail);
  m.body = fw::encode(status(false));
  return m;
}

fw::ResponseMsg Machine::handle(fw::MsgType type, std::span<const std::uint8_t> payload) {
  using fw::MsgType;
  using fw::Result;
  try {
    switch (type) {
      case MsgType::hello: {
        const auto hello = fw::decode_hello(payload);
        if (hello.protocol_version != fw::kProtocolVersion)
          return answer(type, Result::rejected, "protocol version " + std::to_string(hello.protocol_version) + " not supported");
        fw::ResponseMsg m = answer(type, Result::ok);
        m.body = fw::encode(profile());
        log_event({{"event", "hello"}, {"console", hello.console_name}});
        return m;
      }
      case MsgType::status: {
        fw::ResponseMsg m = answer(type, Result::ok);
        m.body = fw::encode(status(true));
        return m;
      }
      case MsgType::download: return download(payload);
      case MsgType::start:
      case MsgType::resume: return start_or_resume(type, payload);
      case MsgType::interrupt:
        if (state_ == fw::MachineState::running) {
          interrupt(fw::StopReason::console, options_.retract_speed_mm_s);
          return answer(type, Result::ok);
        }
        return answer(type, Result::ok, std::string("not running (") + to_string(state_) + ")");
      case MsgType::emergency_stop:
        emergency_stop("console");
        return answer(type, Result::ok);
      default: return answer(MsgType::status, Result::invalid, "unknown request type");
    }
  } catch (const fw::ProtocolError& e) {
    return answer(type, Result::format_error, e.what());
  }
}

fw::ResponseMsg Machine::download(std::span<const std::uint8_t> payload) {
  using fw::Result;
  const auto type = fw::MsgType::download;
  if (state_ == fw::MachineState::running || source_ != fw::SourceState::safe)
    return answer(type, Result::busy, "a program is running or the source is not safe");
  fw::Program p = fw::decode_program(payload);  // checks the integrity hash
  const fw::Hash h = fw::program_hash(p);
  // Independent check of the program against this machine's limits (the console checks too).
  const auto& prof = options_.profile;
  std::map<int, int> per_channel;
  const fw::ProgramDwell* prev = nullptr;
  if (p.dwells.empty()) return answer(type, Result::rejected, "empty program");
  for (const auto& d : p.dwells) {
    const std::string where = "channel " + std::to_string(d.channel) + " index " + std::to_string(d.index);
    if (d.channel < 1 || d.channel > prof.channels) return answer(type, Result::rejected, where + ": no such channel");
    if (options_.refuse_channel && *options_.refuse_channel == d.channel)
      return answer(type, Result::rejected, where + ": channel refused by the machine");
    if (++per_channel[d.channel] > prof.max_dwells_per_channel) return answer(type, Result::rejected, where + ": too many dwells");
    if (d.planned_ms == 0 || d.planned_ms > prof.max_dwell_ms || d.planned_ms % prof.time_resolution_ms != 0)
      return answer(type, Result::rejected, where + ": dwell time " + std::to_string(d.planned_ms) + " ms not allowed");
    if (d.distance_decimm > prof.max_channel_length_decimm) return answer(type, Result::rejected, where + ": beyond the channel length");
    if (prev && (d.channel < prev->channel ||
                 (d.channel == prev->channel && (d.index <= prev->index || d.distance_decimm < prev->distance_decimm + prof.step_size_decimm))))
      return answer(type, Result::rejected, where + ": dwells out of order or closer than the step size");
    prev = &d;
  }
  if (program_ && h == program_hash_ &&
      (state_ == fw::MachineState::programmed || state_ == fw::MachineState::interrupted)) {
    // The same program again (a console that lost its answer): keep what was delivered.
    return answer(type, Result::ok, "program already loaded; progress kept");
  }
  program_ = std::move(p);
  program_hash_ = h;
  dwells_.clear();
  for (const auto& d : program_->dwells) dwells_.push_back({d, 0.0});
  state_ = fw::MachineState::programmed;
  stop_reason_ = fw::StopReason::none;
  fault_ = fw::FaultCode::none;
  fault_channel_ = 0;
  cursor_ = 0;
  changed_ = true;
  log_event({{"event", "program_loaded"}, {"program_id", program_->program_id}, {"dwells", dwells_.size()}, {"hash", fw::to_hex(h)}});
  return answer(type, Result::ok);
}

fw::ResponseMsg Machine::start_or_resume(fw::MsgType type, std::span<const std::uint8_t> payload) {
  using fw::Result;
  const fw::Hash h = fw::decode_hash(payload);
  const bool is_start = type == fw::MsgType::start;
  const auto needed = is_start ? fw::MachineState::programmed : fw::MachineState::interrupted;
  if (!program_) return answer(type, Result::rejected, "no program loaded");
  if (h != program_hash_) return answer(type, Result::rejected, "program hash does not match the loaded program");
  if (state_ != needed)
    return answer(type, Result::rejected, std::string("machine is ") + to_string(state_) + ", not " + to_string(needed));
  if (source_ != fw::SourceState::safe) return answer(type, Result::busy, "source not yet safe");
  if (door_open_) return answer(type, Result::rejected, "interlock: treatment room door open");
  state_ = fw::MachineState::running;
  stop_reason_ = fw::StopReason::none;
  fault_ = fw::FaultCode::none;
  fault_channel_ = 0;
  emergency_ = false;
  changed_ = true;
  log_event({{"event", is_start ? "started" : "resumed"}, {"program_id", program_->program_id}});
  begin_next_channel_or_complete();
  return answer(type, Result::ok);
}

std::optional<std::size_t> Machine::next_dwell_in_channel(std::size_t from) const {
  for (std::size_t i = from; i < dwells_.size(); ++i) {
    if (dwells_[i].d.channel != dwells_[cursor_].d.channel) return std::nullopt;
    if (dwells_[i].remaining_s() > kDoneBelow_s) return i;
  }
  return std::nullopt;
}

void Machine::begin_next_channel_or_complete() {
  std::size_t i = 0;
  while (i < dwells_.size() && dwells_[i].remaining_s() <= kDoneBelow_s) ++i;
  if (i == dwells_.size()) {
    state_ = fw::MachineState::completed;
    phase_ = Phase::none;
    changed_ = true;
    log_event({{"event", "completed"}, {"program_id", program_ ? program_->program_id : ""}});
    return;
  }
  cursor_ = i;
  const int channel = dwells_[i].d.channel;
  if (options_.obstruct_channel && *options_.obstruct_channel == channel) {
    state_ = fw::MachineState::interrupted;
    stop_reason_ = fw::StopReason::fault;
    fault_ = fw::FaultCode::check_cable_obstructed;
    fault_channel_ = static_cast<std::uint16_t>(channel);
    phase_ = Phase::none;
    changed_ = true;
    log_event({{"event", "fault"}, {"fault", "check_cable_obstructed"}, {"fault_channel", channel}});
    return;
  }
  log_event({{"event", "check_cable"}, {"channel", channel}});
  set_source(fw::SourceState::check_cable);
  phase_ = Phase::check_out;
  phase_left_s_ = options_.tip_from_safe_mm / options_.check_cable_speed_mm_s;
}

void Machine::end_dwell_segment() {
  Dwell& d = dwells_[cursor_];
  const double part = d.delivered_s - segment_start_s_;
  if (part > 0)
    log_event({{"event", "dwell"},
               {"channel", d.d.channel},
               {"index", d.d.index},
               {"distance_mm", d.d.distance_decimm / 10.0},
               {"planned_s", d.d.planned_ms / 1000.0},
               {"delivered_s", std::round(part * 1e6) / 1e6}});
  segment_start_s_ = d.delivered_s;
}

void Machine::begin_phase_after(Phase finished) {
  switch (finished) {
    case Phase::check_out:
      phase_ = Phase::check_back;
      phase_left_s_ = options_.tip_from_safe_mm / options_.check_cable_speed_mm_s;
      return;
    case Phase::check_back: {
      travel_target_mm_ = position_of(dwells_[cursor_]);
      log_event({{"event", "source_out"}, {"channel", dwells_[cursor_].d.channel}});
      set_source(fw::SourceState::travelling);
      phase_ = Phase::travel;
      phase_left_s_ = std::abs(travel_target_mm_ - position_mm_) / options_.source_speed_mm_s;
      return;
    }
    case Phase::travel:
      position_mm_ = travel_target_mm_;
      set_source(fw::SourceState::dwelling);
      phase_ = Phase::dwell;
      segment_start_s_ = dwells_[cursor_].delivered_s;
      phase_left_s_ = dwells_[cursor_].remaining_s();
      return;
    case Phase::dwell: {
      dwells_[cursor_].delivered_s = dwells_[cursor_].d.planned_ms / 1000.0;  // exact end, no float drift
      end_dwell_segment();
      changed_ = true;
      if (const auto next = next_dwell_in_channel(cursor_ + 1)) {
        cursor_ = *next;
        travel_target_mm_ = position_of(dwells_[cursor_]);
        set_source(fw::SourceState::travelling);
        phase_ = Phase::travel;
        phase_left_s_ = std::abs(travel_target_mm_ - position_mm_) / options_.source_speed_mm_s;
      } else {
        travel_target_mm_ = 0.0;
        set_source(fw::SourceState::retracting);
        phase_ = Phase::retract;
        phase_left_s_ = position_mm_ / options_.source_speed_mm_s;
      }
      return;
    }
    case Phase::retract:
      position_mm_ = 0.0;
      phase_ = Phase::none;
      set_source(fw::SourceState::safe);
      emergency_ = false;
      if (state_ == fw::MachineState::running) begin_next_channel_or_complete();
      return;
    case Phase::none: return;
  }
}

void Machine::advance(double dt_s) {
  while (dt_s > 0 && phase_ != Phase::none) {
    const double step = std::min(dt_s, phase_left_s_);
    if (phase_ == Phase::travel || phase_ == Phase::retract) {
      const double speed = std::abs(travel_target_mm_ - position_mm_) / std::max(phase_left_s_, kEps_s);
      const double dir = travel_target_mm_ >= position_mm_ ? 1.0 : -1.0;
      position_mm_ += dir * std::min(speed * step, std::abs(travel_target_mm_ - position_mm_));
    } else if (phase_ == Phase::dwell) {
      Dwell& d = dwells_[cursor_];
      d.delivered_s = std::min(d.delivered_s + step, d.d.planned_ms / 1000.0);
    }
    phase_left_s_ -= step;
    dt_s -= step;
    now_s_ += step;
    if (phase_left_s_ <= kEps_s) {
      phase_left_s_ = 0.0;
      begin_phase_after(phase_);
    }
  }
  now_s_ += std::max(0.0, dt_s);
}

std::optional<double> Machine::time_to_next_transition_s() const {
  if (phase_ == Phase::none) return std::nullopt;
  return phase_left_s_;
}

void Machine::interrupt(fw::StopReason reason, double speed_mm_s) {
  if (state_ == fw::MachineState::running) {
    state_ = fw::MachineState::interrupted;
    stop_reason_ = reason;
    changed_ = true;
    log_event({{"event", "interrupted"}, {"reason", to_string(reason)}});
  }
  switch (phase_) {
    case Phase::dwell: end_dwell_segment(); [[fallthrough]];
    case Phase::travel:
    case Phase::retract:
      travel_target_mm_ = 0.0;
      set_source(fw::SourceState::retracting);
      phase_ = Phase::retract;
      phase_left_s_ = position_mm_ / speed_mm_s;
      if (phase_left_s_ <= kEps_s) begin_phase_after(Phase::retract);
      return;
    case Phase::check_out:
    case Phase::check_back:
      // Only the dummy check cable is out; it is withdrawn with the active source never having left.
      phase_ = Phase::none;
      set_source(fw::SourceState::safe);
      return;
    case Phase::none: return;
  }
}

void Machine::set_door_open(bool open) {
  if (open == door_open_) return;
  door_open_ = open;
  changed_ = true;
  log_event({{"event", open ? "door_open" : "door_closed"}});
  if (open) interrupt(fw::StopReason::door, options_.retract_speed_mm_s);
}

void Machine::emergency_stop(const std::string& origin) {
  log_event({{"event", "emergency_stop"}, {"origin", origin}});
  if (source_ != fw::SourceState::safe) emergency_ = true;
  changed_ = true;
  interrupt(fw::StopReason::emergency_stop, options_.retract_speed_mm_s);
}

void Machine::watchdog_expired() {
  if (state_ != fw::MachineState::running) return;
  log_event({{"event", "watchdog"}});
  interrupt(fw::StopReason::watchdog, options_.retract_speed_mm_s);
}

}  // namespace hdr::sim
