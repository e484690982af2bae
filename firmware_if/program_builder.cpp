#include "firmware_if/program_builder.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "planner/common/error.hpp"

namespace hdr::fw {

std::vector<DwellPlace> dwell_places(const formats::Plan& plan) {
  std::vector<DwellPlace> places(plan.dwells.size());
  std::map<int, std::vector<int>> by_catheter;
  for (std::size_t i = 0; i < plan.dwells.size(); ++i) by_catheter[plan.dwells[i].catheter].push_back(static_cast<int>(i));
  for (auto& [catheter, idx] : by_catheter) {
    // Catheter axis: mean of the dwells' directions (tip -> entry). A dwell's projection on it
    // orders the dwells from the tip outwards.
    formats::Vec3 axis{0, 0, 0};
    for (int i : idx)
      for (int k = 0; k < 3; ++k) axis[static_cast<std::size_t>(k)] += plan.dwells[static_cast<std::size_t>(i)].direction[static_cast<std::size_t>(k)];
    const double norm = std::sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
    require(norm > 1e-9, "plan catheter " + std::to_string(catheter) + ": dwell directions cancel out, no tip side");
    auto proj = [&](int i) {
      const auto& p = plan.dwells[static_cast<std::size_t>(i)].position_mm;
      return (p[0] * axis[0] + p[1] * axis[1] + p[2] * axis[2]) / norm;
    };
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return proj(a) < proj(b); });
    double distance = 0.0;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      if (k > 0) {
        const auto& a = plan.dwells[static_cast<std::size_t>(idx[k - 1])].position_mm;
        const auto& b = plan.dwells[static_cast<std::size_t>(idx[k])].position_mm;
        distance += std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      }
      places[static_cast<std::size_t>(idx[k])] = DwellPlace{idx[k], catheter, static_cast<int>(k), distance};
    }
  }
  return places;
}

std::uint32_t round_to_decisecond_ms(double time_s, int plan_dwell_index) {
  require(std::isfinite(time_s) && time_s >= 0 && time_s < 2.0e6,
          "dwells[" + std::to_string(plan_dwell_index) + "].time_s: " + std::to_string(time_s) +
              " is not a deliverable time (finite, >= 0, < 2e6 s)");
  return static_cast<std::uint32_t>(std::llround(time_s * 10.0)) * 100u;
}

std::uint32_t floor_to_decisecond_ms(double time_s) {
  if (!(time_s > 0)) return 0;
  return static_cast<std::uint32_t>(std::floor(time_s * 10.0 + 1e-6)) * 100u;
}

BuiltProgram build_program(const formats::Plan& plan, const std::vector<std::uint32_t>& time_ms,
                           const std::string& program_id) {
  HDR_ASSERT(time_ms.size() == plan.dwells.size(),
             "time_ms has " + std::to_string(time_ms.size()) + " entries for " + std::to_string(plan.dwells.size()) + " dwells");
  const auto places = dwell_places(plan);
  std::vector<ProgramEntry> entries;
  for (const auto& pl : places) {
    const std::uint32_t t = time_ms[static_cast<std::size_t>(pl.plan_dwell_index)];
    if (t == 0) continue;
    require(pl.channel > 0 && pl.channel <= 0xFFFF, "plan catheter id " + std::to_string(pl.channel) + " cannot be a channel number");
    require(pl.distance_mm <= 400000.0, "plan catheter " + std::to_string(pl.channel) + ": dwell " +
                                            std::to_string(pl.distance_mm) + " mm from its tip is not a catheter");
    ProgramDwell d;
    d.channel = static_cast<std::uint16_t>(pl.channel);
    d.index = static_cast<std::uint16_t>(std::min(pl.index, 0xFFFF));
    d.distance_decimm = static_cast<std::uint32_t>(std::llround(pl.distance_mm * 10.0));
    d.planned_ms = t;
    entries.push_back({pl.plan_dwell_index, d});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const ProgramEntry& a, const ProgramEntry& b) {
    return a.dwell.channel != b.dwell.channel ? a.dwell.channel < b.dwell.channel : a.dwell.index < b.dwell.index;
  });
  BuiltProgram out;
  out.program.program_id = program_id;
  for (const auto& e : entries) out.program.dwells.push_back(e.dwell);
  out.entries = std::move(entries);
  return out;
}

std::vector<std::string> check_against_profile(const Program& program, const MachineProfile& profile) {
  std::vector<std::string> problems;
  std::map<int, int> per_channel;
  const ProgramDwell* prev = nullptr;
  for (const auto& d : program.dwells) {
    std::ostringstream where;
    where << "channel " << d.channel << " dwell " << d.index;
    if (d.channel < 1 || d.channel > profile.channels)
      problems.push_back(where.str() + ": channel " + std::to_string(d.channel) + " outside the machine's 1.." +
                         std::to_string(profile.channels));
    if (++per_channel[d.channel] == profile.max_dwells_per_channel + 1)
      problems.push_back("channel " + std::to_string(d.channel) + ": more than the machine's " +
                         std::to_string(profile.max_dwells_per_channel) + " dwell positions");
    if (d.planned_ms > profile.max_dwell_ms)
      problems.push_back(where.str() + ": time " + std::to_string(d.planned_ms / 1000.0) + " s exceeds the machine's maximum " +
                         std::to_string(profile.max_dwell_ms / 1000.0) + " s");
    if (profile.time_resolution_ms == 0 || d.planned_ms % profile.time_resolution_ms != 0)
      problems.push_back(where.str() + ": time " + std::to_string(d.planned_ms) + " ms is not a multiple of the machine's " +
                         std::to_string(profile.time_resolution_ms) + " ms resolution");
    if (d.distance_decimm > profile.max_channel_length_decimm)
      problems.push_back(where.str() + ": " + std::to_string(d.distance_decimm / 10.0) + " mm from the tip exceeds the machine's " +
                         std::to_string(profile.max_channel_length_decimm / 10.0) + " mm channel length");
    if (prev && prev->channel == d.channel && d.distance_decimm < prev->distance_decimm + profile.step_size_decimm)
      problems.push_back(where.str() + ": " + std::to_string((d.distance_decimm - std::min(d.distance_decimm, prev->distance_decimm)) / 10.0) +
                         " mm after the previous dwell, below the machine's step of " +
                         std::to_string(profile.step_size_decimm / 10.0) + " mm");
    prev = &d;
  }
  return problems;
}

}  // namespace hdr::fw
