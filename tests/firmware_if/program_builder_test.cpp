// From plan to program: tip-first order and distances along straight and oblique catheters,
// decay rounding, and the machine's limits checked at and past each edge.
#include <doctest/doctest.h>

#include <cmath>

#include "firmware_if/program_builder.hpp"

using namespace hdr::fw;
using hdr::formats::Plan;
using hdr::formats::PlanDwell;

namespace {
// Catheter `id` along direction d (tip -> entry) from tip point t, dwells every `step` mm,
// listed in scrambled order.
void add_catheter(Plan& p, int id, hdr::formats::Vec3 t, hdr::formats::Vec3 d, double step, std::vector<double> times) {
  const std::vector<std::size_t> order = {2, 0, 3, 1};
  for (std::size_t k : order) {
    if (k >= times.size()) continue;
    const double s = step * static_cast<double>(k);
    p.dwells.push_back(PlanDwell{id, {t[0] + s * d[0], t[1] + s * d[1], t[2] + s * d[2]}, d, times[k]});
  }
}
}  // namespace

TEST_CASE("dwells are ordered from the tip and their distances measured from the tip-most dwell") {
  Plan p;
  const double c = 1.0 / std::sqrt(2.0);
  add_catheter(p, 3, {0, 0, 10}, {0, 0, -1}, 5.0, {1, 2, 3, 4});   // tip at z = 10, entry towards -z
  add_catheter(p, 1, {5, 5, 0}, {c, 0, c}, 3.0, {1, 0, 2, 0});    // oblique
  const auto places = dwell_places(p);
  REQUIRE(places.size() == 8);
  for (const auto& pl : places) {
    const auto& d = p.dwells[static_cast<std::size_t>(pl.plan_dwell_index)];
    if (d.catheter == 3) {
      CHECK(pl.distance_mm == doctest::Approx(10.0 - d.position_mm[2]));
      CHECK(pl.index == static_cast<int>(std::lround((10.0 - d.position_mm[2]) / 5.0)));
    } else {
      CHECK(pl.distance_mm == doctest::Approx((d.position_mm[0] - 5.0) / c));
    }
  }
  std::vector<std::uint32_t> t(p.dwells.size());
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = round_to_decisecond_ms(p.dwells[i].time_s, static_cast<int>(i));
  const BuiltProgram b = build_program(p, t, "x/s1");
  // Zero-time dwells are not sent; channel ascending, tip first.
  REQUIRE(b.program.dwells.size() == 6);
  CHECK(b.program.dwells[0].channel == 1);
  CHECK(b.program.dwells[0].index == 0);
  CHECK(b.program.dwells[1].index == 2);
  CHECK(b.program.dwells[1].distance_decimm == 60);
  CHECK(b.program.dwells[2].channel == 3);
  CHECK(b.program.dwells[5].distance_decimm == 150);
  CHECK(b.program.dwells[5].planned_ms == 4000);
}

TEST_CASE("times go to the 0.1 s grid: nearest for plans, down for remainders") {
  CHECK(round_to_decisecond_ms(3.249, 0) == 3200);
  CHECK(round_to_decisecond_ms(3.25001, 0) == 3300);
  CHECK(floor_to_decisecond_ms(3.2999) == 3200);
  CHECK(floor_to_decisecond_ms(0.3) == 300);  // 0.3 s is not rounded down by float noise
  CHECK(floor_to_decisecond_ms(-1.0) == 0);
  CHECK_THROWS_AS(round_to_decisecond_ms(std::nan(""), 4), hdr::Error);
  CHECK_THROWS_AS(round_to_decisecond_ms(-0.1, 4), hdr::Error);
}

TEST_CASE("machine limits: at the edge accepted, past it refused") {
  MachineProfile prof;  // 30 channels, 48 dwells, 999.9 s, 1500 mm, 1 mm step
  Program ok;
  ok.dwells = {{30, 0, 0, 999900}, {30, 1, 10, 100}, {30, 2, 15000, 100}};
  CHECK(check_against_profile(ok, prof).empty());
  Program bad = ok;
  bad.dwells[0].channel = 31;
  CHECK(check_against_profile(bad, prof).size() >= 1);
  bad = ok;
  bad.dwells[0].planned_ms = 1000000;
  CHECK(check_against_profile(bad, prof).size() == 1);
  bad = ok;
  bad.dwells[1].distance_decimm = 9;  // 0.9 mm after the previous: below the 1 mm step
  CHECK(check_against_profile(bad, prof).size() == 1);
  bad = ok;
  bad.dwells[2].distance_decimm = 15001;
  CHECK(check_against_profile(bad, prof).size() == 1);
  Program many;
  for (std::uint16_t i = 0; i < 48; ++i) many.dwells.push_back({1, i, static_cast<std::uint32_t>(i * 50), 100});
  CHECK(check_against_profile(many, prof).empty());
  many.dwells.push_back({1, 48, 48 * 50, 100});
  CHECK(check_against_profile(many, prof).size() == 1);
}
