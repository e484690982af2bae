// Needles in a bright gland on a bright display (needles.hpp, the saturated route). The second,
// independent phantom's bright glands (x1.8 / x1.45 over tissue on a display at 72 % grey) clip
// their own speckle at white, so that a needle (~12 dB above the gland) is no brighter than its
// surroundings by grey level and the regular test (local mean + k sd) cannot pass; the route
// finds a white core as thick as a needle with a shadow behind it along the beam. Such a needle
// shows on about half its frames; tracking then accepts it by its share of sightings on a
// straight line (NeedleOptions::min_sighting_share, max_sparse_rms_mm) where it has no unbroken
// run.
//
// Measured on the second phantom (needles found / true, false needles): regular route only ->
// with the saturated route -> with sparse tracks (sightings share and straightness) as well:
//   seed 108 (truncated ends):  0/11 false 0 -> 5/11 false 1 -> 9/11 false 1
//   seed 118 (truncated ends):  3/11 false 0 -> 11/11 false 0 -> same
//   seed 207 (tapering ends):   1/7  false 0 -> 7/7  false 0 -> same
//   seed 218 (tapering ends):   4/14 false 0 -> 12/14 false 0 -> 13/14 false 0
//   total                       8/43         -> 35/43        -> 40/43
// Whole evaluation sets (eval_second_phantom), before the route -> with it -> with sparse tracks:
// 100 30: 246 -> 272 -> 280 of 290 (false 3, 4, 4); 200 30 taper=1: 212 -> 267 -> 273 of 293
// (false 3, 2, 2); 300 30 mid=0.6: 302 -> 302 -> 308 of 316 (false 0). Our own simulator's sets
// (eval_imaging 2000/3000/4000 30 nominal, PSF_SCALE=1.6, GAIN_DB=-6, TEST_NEEDLES=1) print the
// same needle figures, but for one needle more found with sparse tracks in each of PSF_SCALE=1.6
// 3000 and GAIN_DB=-6 2000 (no false needle more).
// shadow_sd 2 -> 1.2 with the template's reach and the sector-edge test (all five sets, 150
// sweeps): 1429 -> 1448 of 1496 found, false 9 -> 11, no sweep with more than one (seed 126 had
// two); our simulator's sets (nominal, GAIN_DB=+6/+12, PSF_SCALE=1.6, TEST_NEEDLES=1) unchanged.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/needles.hpp"
#include "tests/imaging/second_phantom.hpp"

namespace {

struct BrightCase {
  std::uint64_t seed;
  bool taper;
  int min_found;  // the count measured, less one
};

struct Tally {
  int found = 0, truth = 0;
};

// Detects the needles of each case's sweep: at least min_found of them found and at most one
// false needle per sweep (the bound); the totals for the caller's overall floor.
Tally detect_in_bright_glands(const std::vector<BrightCase>& cases) {
  Tally t;
  for (const auto& c : cases) {
    hdr::test::SecondPhantomOptions o;
    o.taper = c.taper;
    const auto ph = hdr::test::simulate_second_phantom(c.seed, o);
    REQUIRE(ph.drawn.contrast > 1.0);  // the case is a bright gland (the seed's draw, fixed by the phantom's determinism)
    const auto* gland = hdr::formats::find_structure(ph.truth_structures, "prostate");
    REQUIRE(gland != nullptr);
    const auto n = hdr::imaging::compare_needles(hdr::imaging::detect_needles(ph.sweep), ph.truth_catheters, gland->slices.front().z_mm,
                                                 gland->slices.back().z_mm);
    std::printf("bright gland: second phantom seed %llu taper %d contrast %.2f: needles %d/%d false %d\n", static_cast<unsigned long long>(c.seed),
                c.taper ? 1 : 0, ph.drawn.contrast, n.found, n.truth_count, n.false_needles);
    CAPTURE(c.seed);
    CHECK(n.found >= c.min_found);
    CHECK(n.false_needles <= 1);
    t.found += n.found;
    t.truth += n.truth_count;
  }
  return t;
}

}  // namespace

TEST_CASE("needles in a bright, saturated gland are found by their white core and shadow") {
  const Tally t = detect_in_bright_glands({{108, false, 8}, {118, false, 10}, {207, true, 6}, {218, true, 12}});
  CHECK(t.truth == 43);
  CHECK(t.found >= 38);  // 41 measured (40 at shadow_sd 2); 8 before the route, 35 before sparse tracks
}

TEST_CASE("a needle seen on about half its frames is tracked by its share of sightings on a straight line") {
  // Seeds 429 and 515 are from sets not used to choose min_sighting_share and max_sparse_rms_mm.
  // Each needle shows on roughly every other frame, in gaps of up to five frames, which the
  // consecutive-run rule (gaps of up to three) cannot bridge.
  // Measured, run rule only -> with sparse tracks: 108 5/11 -> 9/11 (false 1 both), 111 9/11 ->
  // 11/11, 429 9/12 -> 12/12, 515 (tapering ends) 8/11 -> 11/11; total 31 -> 43 of 45.
  const Tally t = detect_in_bright_glands({{108, false, 8}, {111, false, 10}, {429, false, 11}, {515, true, 10}});
  CHECK(t.truth == 45);
  CHECK(t.found >= 41);  // 44 measured (43 at shadow_sd 2); 31 with the run rule alone
  // The rule is an option like the others: validated by name.
  hdr::imaging::NeedleOptions o;
  std::string error;
  o.min_sighting_share = 0.0;
  CHECK_FALSE(o.validate(&error));
  CHECK(error.find("NeedleOptions::min_sighting_share") != std::string::npos);
  o.min_sighting_share = 1.5;
  CHECK_FALSE(o.validate(&error));
  o = {};
  o.max_sparse_rms_mm = 3.0;  // wider than the grid tolerance: any echo near a hole would pass
  CHECK_FALSE(o.validate(&error));
  CHECK(error.find("NeedleOptions::max_sparse_rms_mm") != std::string::npos);
}

TEST_CASE("saturated echoes carry the shadow that admitted them, and find_echoes (the segmenter's) has none") {
  const hdr::imaging::NeedleOptions options;
  const auto ph = hdr::test::simulate_second_phantom(118);
  int saturated = 0;
  for (const auto& f : ph.sweep.frames) {
    for (const auto& e : hdr::imaging::find_echoes(f.image, options)) CHECK_FALSE(e.saturated);
    for (const auto& e : hdr::imaging::find_needle_echoes(f.image, options)) {
      if (!e.saturated) {
        CHECK(e.shadow_sd == 0.0);
        continue;
      }
      ++saturated;
      CHECK(e.shadow_sd <= -options.shadow_sd);
      CHECK(e.width_mm <= options.max_width_mm);
    }
  }
  CHECK(saturated > 0);
}

TEST_CASE("a needle whose shadow inside a mildly bright gland is faint is found at shadow_sd 1.2") {
  // Tapering glands x1.45 over tissue: the needle's half-transmission shadow stays near white
  // inside the gland and measured -1.3..-1.7 sd. Measured at shadow_sd 2 -> 1.2: 215 7/14 ->
  // 10/14, 220 9/13 -> 12/13, both false 0; the whole tapering set 273 -> 279 of 293.
  const Tally t = detect_in_bright_glands({{215, true, 9}, {220, true, 11}});
  CHECK(t.truth == 27);
  CHECK(t.found >= 21);  // 22 measured; 16 at shadow_sd 2
}

TEST_CASE("no needle is reported beyond the template's columns, nor from a white run the sector's edge cuts") {
  // Seed 126 (a gland x1.8 on a saturated display): a speckle track at x = 40 mm (regular
  // route) and, seed 227, the rectal wall's white band cut narrow by the sector's edge at
  // (-9, 6) mm (saturated route) were false needles; 2 and 1 false before, at most 1 now.
  const Tally t = detect_in_bright_glands({{126, false, 2}, {227, true, 4}});
  CHECK(t.truth == 14);
  // The template's reach is an option: a narrower template leaves out the needles beyond it.
  const auto ph = hdr::test::simulate_second_phantom(118);
  hdr::imaging::NeedleOptions narrow;
  narrow.template_half_width_mm = 5.0;
  const auto all = hdr::imaging::detect_needles(ph.sweep);
  const auto inner = hdr::imaging::detect_needles(ph.sweep, narrow);
  int all_inner = 0;
  for (const auto& c : all) all_inner += std::abs(c.path_mm.back()[0]) <= 5.0 + narrow.grid_tolerance_mm ? 1 : 0;
  CHECK(all.size() > inner.size());
  CHECK(!inner.empty());
  CHECK(static_cast<int>(inner.size()) == all_inner);
  for (const auto& c : inner) CHECK(std::abs(c.path_mm.back()[0]) <= 5.0 + narrow.grid_tolerance_mm);
  std::string error;
  narrow.template_half_width_mm = 2.0;  // narrower than one hole pitch
  CHECK_FALSE(narrow.validate(&error));
  CHECK(error.find("NeedleOptions::template_half_width_mm") != std::string::npos);
}

TEST_CASE("NeedleOptions::shadow_sd is validated by name") {
  hdr::imaging::NeedleOptions o;
  std::string error;
  CHECK(o.validate(&error));
  o.shadow_sd = 0.0;
  CHECK_FALSE(o.validate(&error));
  CHECK(error.find("NeedleOptions::shadow_sd") != std::string::npos);
}
