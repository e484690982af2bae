// Segmentation and needle detection on 20 simulated sweeps spanning gland size and shape,
// contrast polarity, image quality and needle count, against the simulator's truth (the
// issue's acceptance measures), plus the real gel phantom (bright gland on dark background)
// and contour editing.
//
// The targets are Dice >= 0.90 mean / 0.85 each, MAD <= 1.5 mm, HD95 <= 4 mm, volume
// within 10 %, needles >= 95 % with <= 1 false per sweep. Measured on these seeds: mean Dice
// 0.953, min 0.904 (seed 117: its two apex frames show under 55 % of the reference contrast and
// are left out, see SegmentationOptions::end_presence_ratio), MAD 0.61 mm, HD95 at most 2.71 mm,
// volume within 7.8 %, needles 137/138 with no false one; urethra centre 0.39 mm off on average
// over the slices (the issue sets no target). The thresholds in tests/imaging/CMakeLists.txt sit just below those
// figures (or at the target where the figure is close to it), so that a regression
// fails; every figure is printed for the record. Fresh seeds and robustness runs beyond the
// drawn image statistics: eval_imaging (tests/imaging/eval_main.cpp) and test_robustness.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/simulator.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tests/imaging/eval_cases.hpp"

using namespace hdr::imaging;

TEST_CASE("20 simulated sweeps: prostate agreement and needles found") {
  double sum_dice = 0, sum_mad = 0, sum_urethra = 0;
  int truth_needles = 0, found = 0, urethra_slices = 0;
  for (int seed = 101; seed < 121; ++seed) {
    SimulationOptions o;
    o.needle_count = hdr::test::test_needle_count(seed);
    const auto sim = simulate_sweep(static_cast<std::uint64_t>(seed), o);
    const auto seg = segment_sweep(sim.sweep);
    const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
    const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
    REQUIRE(test != nullptr);
    const auto a = compare_structures(*test, *truth);
    const auto needles = detect_needles(sim.sweep);
    const auto n = compare_needles(needles, sim.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
    std::printf("seed %d: dice %.3f mad %.2f hd95 %.2f vol %.1f/%.1f cc needles %d/%d false %d\n", seed, a.dice, a.mean_boundary_mm, a.hd95_mm,
                a.volume_test_cc, a.volume_truth_cc, n.found, n.truth_count, n.false_needles);
    CAPTURE(seed);
    // Urethra: centre error per slice where both have one (the truth's is the modelled course).
    const auto* u_test = hdr::formats::find_structure(seg.structures, "urethra");
    const auto* u_truth = hdr::formats::find_structure(sim.truth_structures, "urethra");
    REQUIRE(u_test != nullptr);
    for (const auto& st : u_test->slices)
      for (const auto& sr : u_truth->slices)
        if (std::abs(st.z_mm - sr.z_mm) < 1e-6) {
          const double err = hdr::test::centre_distance_mm(st, sr);
          CHECK(err <= kMaxUrethraError_mm);
          sum_urethra += err;
          ++urethra_slices;
        }
    CHECK(a.dice >= kMinDice);
    CHECK(a.hd95_mm <= kMaxHd95);
    CHECK(std::abs(a.volume_test_cc - a.volume_truth_cc) <= kMaxVolumeErrorPct / 100.0 * a.volume_truth_cc);
    CHECK(n.false_needles <= kMaxFalseNeedles);
    sum_dice += a.dice;
    sum_mad += a.mean_boundary_mm;
    truth_needles += n.truth_count;
    found += n.found;
  }
  std::printf("mean dice %.3f, mean boundary distance %.2f mm, needles %d/%d\n", sum_dice / 20, sum_mad / 20, found, truth_needles);
  std::printf("urethra centre error %.2f mm on average over %d slices\n", sum_urethra / urethra_slices, urethra_slices);
  CHECK(sum_urethra / urethra_slices <= kMeanUrethraError_mm);
  CHECK(sum_dice / 20 >= kMeanDice);
  CHECK(sum_mad / 20 <= kMeanMad);
  CHECK(found >= 0.95 * truth_needles);
}

TEST_CASE("real gel phantom (bright gland on dark): one closed prostate contour per frame, inside the image") {
  const auto sweep = load_trus_folder(std::string(HDR_SOURCE_DIR) + "/tests/imaging/data/prostate10_trus");
  const auto seg = segment_sweep(sweep);
  const auto* p = hdr::formats::find_structure(seg.structures, "prostate");
  REQUIRE(p != nullptr);
  CHECK(p->slices.size() == sweep.frames.size());
  const auto& im = sweep.frames[0].image;
  for (const auto& s : p->slices) {
    CHECK(s.points_mm.size() >= 16);
    // Not a blob inside the gland: by eye the phantom's gland spans ~80 mm across (its bright
    // part alone ~45 x 75 mm). Measured: 8.8-15 cm^2 per frame, the bright part only (see the
    // issue); an earlier version returned 2.5-4 cm^2 blobs in the grey part, which this fails.
    double twice_area_mm2 = 0;
    for (size_t i = 0; i < s.points_mm.size(); ++i) {
      const auto& a = s.points_mm[i];
      const auto& b = s.points_mm[(i + 1) % s.points_mm.size()];
      twice_area_mm2 += a[0] * b[1] - b[0] * a[1];
    }
    CHECK(std::abs(twice_area_mm2) / 2.0 >= 800.0);
    for (const auto& q : s.points_mm) {
      CHECK(im.col_of_x(q[0]) >= 0);
      CHECK(im.col_of_x(q[0]) <= im.width - 1);
      CHECK(im.row_of_y(q[1]) >= 0);
      CHECK(im.row_of_y(q[1]) <= im.height - 1);
    }
  }
  CHECK(seg.report.edge_sign == -1);  // found as brighter than its surroundings
}

TEST_CASE("editing: slices between two edited slices are interpolated, others kept") {
  hdr::formats::Structure automatic{"prostate", hdr::formats::StructureKind::target, {}};
  auto circle = [](double z, double cx, double r) {
    hdr::formats::ContourSlice s{z, {}};
    for (int k = 0; k < 64; ++k) s.points_mm.push_back({cx + r * std::cos(2 * M_PI * k / 64), 20 + r * std::sin(2 * M_PI * k / 64)});
    return s;
  };
  for (int k = 0; k < 5; ++k) automatic.slices.push_back(circle(5.0 * k, 0.0, 15.0));
  const auto edited = apply_slice_edits(automatic, {circle(0.0, 0.0, 10.0), circle(15.0, 6.0, 16.0)});
  REQUIRE(edited.slices.size() == 5);
  // z = 5 and 10 lie between the edits: radius and centre blend linearly (1/3, 2/3)
  const auto a5 = compare_structures({"a", hdr::formats::StructureKind::other, {edited.slices[1], edited.slices[1]}},
                                     {"b", hdr::formats::StructureKind::other, {circle(5.0, 2.0, 12.0), circle(5.0, 2.0, 12.0)}});
  CHECK(a5.mean_boundary_mm < 0.1);
  double mx = 0;
  for (const auto& q : edited.slices[2].points_mm) mx += q[0];
  CHECK(mx / static_cast<double>(edited.slices[2].points_mm.size()) == doctest::Approx(4.0).epsilon(0.02));
  CHECK(edited.slices[4].points_mm == automatic.slices[4].points_mm);  // beyond the edits: kept
  CHECK(edited.slices[0].points_mm == circle(0.0, 0.0, 10.0).points_mm);
}
