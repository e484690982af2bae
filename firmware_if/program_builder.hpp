#pragma once
// From an approved plan to the machine's program: channel = the plan's catheter id, dwells
// of a catheter ordered from the tip (the dwell with the smallest projection on the catheter
// direction), distance along the catheter measured from that tip-most dwell (chord lengths
// between consecutive dwells), times decay-corrected and put on the machine's 0.1 s grid.
#include <string>
#include <vector>

#include "firmware_if/messages.hpp"
#include "planner/formats/types.hpp"

namespace hdr::fw {

// Where a plan dwell sits on its channel.
struct DwellPlace {
  int plan_dwell_index = 0;
  int channel = 0;
  int index = 0;            // among the catheter's plan dwells, 0 = nearest the tip
  double distance_mm = 0.0; // from the catheter's tip-most plan dwell
};

// One entry per plan dwell, in plan order.
std::vector<DwellPlace> dwell_places(const formats::Plan& plan);

// A program dwell with the plan dwell it delivers.
struct ProgramEntry {
  int plan_dwell_index = 0;
  ProgramDwell dwell;
};

struct BuiltProgram {
  Program program;
  std::vector<ProgramEntry> entries;  // same order as program.dwells
};

// Dwells with time_ms[i] > 0 only (time_ms per plan dwell, on the 100 ms grid), ordered by
// channel then index. HDR_ASSERTs time_ms has one entry per plan dwell.
BuiltProgram build_program(const formats::Plan& plan, const std::vector<std::uint32_t>& time_ms,
                           const std::string& program_id);

// Dwell time rounded to the nearest 0.1 s, in ms; hdr::Error naming the dwell when the time
// is not finite, negative, or beyond 2^31 ms.
std::uint32_t round_to_decisecond_ms(double time_s, int plan_dwell_index);
// Remainder times are rounded DOWN to 0.1 s so that no dwell can receive more than planned.
std::uint32_t floor_to_decisecond_ms(double time_s);

// Every way the program exceeds the machine's profile (empty = fits): channel numbers,
// dwells per channel, dwell times, distances, spacing.
std::vector<std::string> check_against_profile(const Program& program, const MachineProfile& profile);

}  // namespace hdr::fw
