// Regression tests for failures found on fresh simulated sweeps (seeds the segmenter and the
// needle finder were not developed on), one sweep each, a few seconds in all. Figures measured
// before and after each fix are in the comments; the floors sit between them.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "planner/common/error.hpp"
#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/simulator.hpp"
#include "tests/imaging/eval_cases.hpp"

using namespace hdr::imaging;

namespace {
// The needle count test_segment_eval.cpp gives a seed.
SimulationOptions test_options(int seed) {
  SimulationOptions o;
  o.needle_count = hdr::test::test_needle_count(seed);
  return o;
}

// `o` for a seed with its drawn image quality pushed: the PSF widened by `psf_factor`, the
// gain changed by `gain_dB`.
SimulationOptions pushed(SimulationOptions o, int seed, double psf_factor, double gain_dB) {
  auto q = random_anatomy(static_cast<std::uint64_t>(seed), o).quality;
  q.psf_scale *= psf_factor;
  q.gain_dB += gain_dB;
  o.quality = q;
  return o;
}

// eval_imaging's sweep of a seed with its image quality pushed.
SimulationOptions eval_options_pushed(int seed, double psf_factor, double gain_dB) {
  SimulationOptions o;
  o.needle_count = hdr::test::eval_needle_count(seed);
  return pushed(o, seed, psf_factor, gain_dB);
}

// Paints an anechoic disc (display floor, no speckle) of `radius_mm` into every frame where
// the gland is, centred where `centre_at(z)` says.
template <class Centre>
void paint_anechoic_disc(SimulatedSweep& s, double radius_mm, Centre centre_at) {
  for (Frame& f : s.sweep.frames) {
    if (!s.anatomy.prostate_scale(f.z_mm)) continue;
    const std::array<double, 2> c = centre_at(f.z_mm);
    for (int j = 0; j < f.image.height; ++j)
      for (int i = 0; i < f.image.width; ++i)
        if (std::hypot(f.image.x_mm(i) - c[0], f.image.y_mm(j) - c[1]) < radius_mm)
          f.image.pixels[static_cast<size_t>(j) * static_cast<size_t>(f.image.width) + static_cast<size_t>(i)] = 1;
  }
}

}  // namespace

TEST_CASE("a Foley catheter's near wall 3 mm behind a needle is neither a needle nor a needle echo (seed 2014)") {
  // The needle's reverberation tail fills the catheter's lumen, so the wall passed the lumen test:
  // before, one false needle along the Foley and the urethra vetoed off its centre (6.1 mm mean
  // error); after, no false needle, urethra 1.8 mm mean (3.0 mm with the urethra-prior start
  // shape: the Foley's centre lies 6 mm behind the needle, at the edge of the beam-line veto,
  // and the search now starts elsewhere).
  const auto sim = simulate_sweep(2014, test_options(2014));
  REQUIRE(sim.anatomy.foley);
  const auto needles = detect_needles(sim.sweep);
  const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
  const auto n = compare_needles(needles, sim.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
  CHECK(n.false_needles == 0);
  CHECK(n.found == n.truth_count);
  const auto seg = segment_sweep(sim.sweep);
  const auto* u_test = hdr::formats::find_structure(seg.structures, "urethra");
  const auto* u_truth = hdr::formats::find_structure(sim.truth_structures, "urethra");
  REQUIRE(u_test != nullptr);
  double sum = 0;
  int count = 0;
  for (const auto& st : u_test->slices)
    for (const auto& sr : u_truth->slices)
      if (std::abs(st.z_mm - sr.z_mm) < 1e-6) {
        sum += hdr::test::centre_distance_mm(st, sr);
        ++count;
      }
  REQUIRE(count > 0);
  std::printf("seed 2014: needles %d/%d, false %d, urethra centre error %.2f mm\n", n.found, n.truth_count, n.false_needles, sum / count);
  CHECK(sum / count <= 3.5);
}

namespace {
struct Outcome {
  ContourAgreement a;
  size_t slices = 0, truth_slices = 0;
  double dv_pct = 0;
};
Outcome segment_and_compare(const SimulatedSweep& sim) {
  const auto seg = segment_sweep(sim.sweep);
  const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
  const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
  REQUIRE(test != nullptr);
  Outcome o;
  o.a = compare_structures(*test, *truth);
  o.slices = test->slices.size();
  o.truth_slices = truth->slices.size();
  o.dv_pct = 100.0 * (o.a.volume_test_cc - o.a.volume_truth_cc) / o.a.volume_truth_cc;
  std::printf("dice %.3f mad %.2f hd95 %.2f volume %+.1f %% slices %zu/%zu\n", o.a.dice, o.a.mean_boundary_mm, o.a.hd95_mm, o.dv_pct, o.slices, o.truth_slices);
  return o;
}
}  // namespace

TEST_CASE("a dark band of fat above a low-contrast gland is not taken in: the urethra places the start shape (seed 2017)") {
  // Before: the start ellipse 5 mm anterior of the gland took in the band, Dice 0.815, volume
  // +34 %, HD95 8.7 mm. After (the start shape whose centre lies at or behind the urethra):
  // Dice 0.915, volume +5 %, HD95 3.0 mm. (Since every pass keeps tracked needles inside the
  // contour: Dice 0.901, HD95 4.24 mm; the band taken in gave 8.7.)
  const auto o = segment_and_compare(simulate_sweep(2017, test_options(2017)));
  CHECK(o.a.dice >= 0.88);
  CHECK(std::abs(o.dv_pct) <= 10.0);
  CHECK(o.a.hd95_mm <= 5.0);
}

TEST_CASE("15 needles shadowing the anterior gland: the urethra places the start shape (seed 5003)") {
  // The needles' shadows darken the tissue in front of a dark gland. Before: Dice 0.828, volume
  // +37 %, HD95 9.8 mm; after: Dice 0.950, volume +5 %.
  SimulationOptions opt;
  opt.needle_count = hdr::test::eval_needle_count(5003);
  const auto o = segment_and_compare(simulate_sweep(5003, opt));
  CHECK(o.a.dice >= 0.9);
  CHECK(std::abs(o.dv_pct) <= 10.0);
}

TEST_CASE("no prostate on the frames beyond the base where tissue lies under the bladder (seed 4017)") {
  // A bright gland: beyond the base, a contour about the tissue under the bladder had a strong
  // edge where the bladder is and passed the presence test (8 slices for 6, volume +16.5 %,
  // Dice 0.855). Presence now also asks for the gland's contrast against tissue alone.
  const auto o = segment_and_compare(simulate_sweep(4017, test_options(4017)));
  CHECK(o.slices == o.truth_slices);
  CHECK(o.a.dice >= 0.92);
  CHECK(std::abs(o.dv_pct) <= 10.0);
}

TEST_CASE("a sweep running on three frames into the bladder: the middle of the sweep is the gland's (seed 3002)") {
  // The sweep's middle by index then held bladder frames: the start shape was a dark region
  // above a bright gland (Dice 0.34). Middle frames are now those without a large anechoic
  // region: Dice 0.927.
  SimulationOptions opt;
  opt.needle_count = hdr::test::eval_needle_count(3002);
  opt.frame_count = static_cast<int>(simulate_sweep(3002, opt).sweep.frames.size()) + 3;
  const auto o = segment_and_compare(simulate_sweep(3002, opt));
  CHECK(o.a.dice >= 0.9);
  CHECK(std::abs(o.dv_pct) <= 10.0);
}

TEST_CASE("a dark gland at 8 dB less gain is not taken for the bladder (seed 3003)") {
  // Frames are judged free of the bladder by their anechoic area (grey under a quarter of the
  // frame's median). Under a third, this gland's interior counted as fluid on every frame, the
  // sweep's middle fell on the apex and one slice was contoured (Dice 0); now Dice 0.966.
  const auto o = segment_and_compare(simulate_sweep(3003, eval_options_pushed(3003, 1.0, -8.0)));
  CHECK(o.slices == o.truth_slices);
  CHECK(o.a.dice >= 0.92);
}

TEST_CASE("bright patches of the rectal wall at a template hole are no needle: its echoes do not line up (seed 5025)") {
  // Three frames showed a wall echo within 2.5 mm of hole (0, 15 mm), 1.2-2.6 mm apart from frame
  // to frame; no two of them lay within 1 mm of one line, yet the loose first fit was kept: one
  // false needle in a sweep without needles. Now the track holds only echoes that line up.
  SimulationOptions opt;
  opt.needle_count = hdr::test::eval_needle_count(5025);
  const auto sim = simulate_sweep(5025, opt);
  const auto needles = detect_needles(sim.sweep);
  const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
  const auto n = compare_needles(needles, sim.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
  std::printf("seed 5025: needles %d/%d, false %d\n", n.found, n.truth_count, n.false_needles);
  CHECK(n.false_needles == 0);
  CHECK(n.found == n.truth_count);
}

TEST_CASE("a blurrier scanner (PSF 1.6 times the drawn one): blurred needle echoes are left out of the gland (seed 3007)") {
  // The region left out around each needle echo was its bright core plus 0.8 mm: a wider PSF
  // spread the echoes into bright blobs beyond it, the dark gland looked bright between them and
  // the start shape was a dark ring about the urethra (Dice 0.311, volume -75 %). The region now
  // reaches sqrt(2) times the echoes' measured half-width: Dice 0.873.
  const auto o = segment_and_compare(simulate_sweep(3007, eval_options_pushed(3007, 1.6, 0.0)));
  CHECK(o.a.dice >= 0.85);
  CHECK(o.a.mean_boundary_mm <= 2.0);
}

TEST_CASE("a low-contrast gland at PSF 1.3 times the drawn one is not contoured along the ring inside its needles (seed 4003)") {
  // The blanked and filled needle echoes left a brighter band along the needle ring, and with
  // little gland contrast every pass after the start shape contoured the ring's inside: Dice
  // 0.490, volume -66 %. Every pass now keeps the tracked needles its prior holds inside the
  // contour: Dice 0.874, volume +3 %.
  const auto o = segment_and_compare(simulate_sweep(4003, eval_options_pushed(4003, 1.3, 0.0)));
  CHECK(o.a.dice >= 0.85);
  CHECK(std::abs(o.dv_pct) <= 10.0);
}

TEST_CASE("a dark gland at 6 dB less gain is tissue, not fluid: its speckle tells (seed 2016)") {
  // By grey level alone the whole gland (a few grey levels above the display's floor) was
  // anechoic fluid: the sweep's middle was taken before the apex and the gland was found on 2
  // of 12 slices, Dice 0. Fluid is now dark and speckle-free: Dice 0.966 on all 12 slices.
  const auto o = segment_and_compare(simulate_sweep(2016, eval_options_pushed(2016, 1.0, -6.0)));
  CHECK(o.a.dice >= 0.9);
  CHECK(o.slices == o.truth_slices);
  CHECK(std::abs(o.dv_pct) <= 10.0);
}

TEST_CASE("a sweep with no outline anywhere (uniform grey) is refused, not contoured") {
  // Presence is judged against the reference frame's contrast: with none at all, every frame
  // had passed and a contour was reported on each.
  Sweep sweep;
  for (int k = 0; k < 8; ++k) {
    Frame f;
    f.image.width = 300;
    f.image.height = 200;
    f.image.spacing_mm = {0.25, 0.25};
    f.image.origin_mm = {-37.5, -10.0};
    f.image.pixels.assign(300 * 200, 128);
    f.z_mm = -14.0 + 4.0 * k;
    sweep.frames.push_back(f);
  }
  CHECK_THROWS_WITH_AS(segment_sweep(sweep), doctest::Contains("no gland outline"), hdr::Error);
}

TEST_CASE("a start outline smaller than any gland does not take the place of the gland (seed 7023, PSF 1.3 times)") {
  // Two outlines of 8 mm mean radius about a dark spot beside a bright gland carried the urethra
  // vote to that spot, and the gland's own outline (its lumen spot not lumen-like under the
  // blur) lost to a 9.5 mm one: Dice 0.616, volume -51 %. Outlines under 8 mm are now left out
  // of the choice while larger ones exist: Dice 0.890, volume +9.9 % (one end slice more).
  const auto o = segment_and_compare(simulate_sweep(7023, eval_options_pushed(7023, 1.3, 0.0)));
  CHECK(o.a.dice >= 0.85);
  CHECK(std::abs(o.dv_pct) <= 12.0);
}

TEST_CASE("an anechoic cyst inside the gland is passed over, not taken for the bladder (seed 101)") {
  // A 7 mm cyst 6 mm beside the gland's centre: rays crossing it met 5 mm of fluid inside the
  // smallest radius their prior allows, were left no admissible radius, and every frame
  // collapsed: the sweep was refused ("no gland outline"). A fluid run that closes within 10 mm
  // is now a pocket the contour passes over: Dice 0.947, all but the one slice the clean sweep
  // also misses. Since end frames must show 55 % of the reference contrast (end_presence_ratio),
  // one more end slice is left out: Dice 0.939, 16 of 18 slices, volume -5.3 %.
  SimulatedSweep s = simulate_sweep(101, test_options(101));
  paint_anechoic_disc(s, 3.5, [&](double z) { return std::array<double, 2>{s.anatomy.cx_mm + 6.0, s.anatomy.prostate_centre_y(z)}; });
  const auto o = segment_and_compare(s);
  CHECK(o.a.dice >= 0.92);
  CHECK(o.slices + 2 >= o.truth_slices);
  CHECK(std::abs(o.dv_pct) <= 7.0);
}

TEST_CASE("a blurred edge's flat contrast does not shrink the gland frame after frame (seed 3026, PSF 1.6 times)") {
  // Outward frames take their neighbour's shape scaled to the taper whose contour shows the most
  // contrast. Under heavy blur that contrast hardly changes with the scale, and without a cost
  // for shrinking, noise chose the smallest scale (0.7) on each of five frames: Dice 0.588,
  // volume -58 %. With the cost: Dice 0.877, volume -15.5 % (before the taper search: 0.870, -3.3 %).
  const auto o = segment_and_compare(simulate_sweep(3026, eval_options_pushed(3026, 1.6, 0.0)));
  CHECK(o.a.dice >= 0.85);
  CHECK(o.dv_pct >= -20.0);
}

TEST_CASE("an anechoic urethral lumen does not cut the gland in half (seed 114)") {
  // A 7 mm lumen at the urethra, dark and speckle-free: its edge, the strongest dark-inside edge
  // in the frame, drew the contour of the dark gland onto it, leaving out the gland behind it:
  // Dice 0.763, volume -30 %. Every pass now keeps the start's lumen with a 4.5 mm wall inside
  // the contour: Dice 0.868, volume -19 % (the lumen's sides still draw the contour in).
  SimulatedSweep s = simulate_sweep(114, test_options(114));
  paint_anechoic_disc(s, 3.5, [&](double z) { return s.anatomy.urethra_centre(z); });
  const auto o = segment_and_compare(s);
  CHECK(o.a.dice >= 0.83);
  CHECK(o.slices == o.truth_slices);
  CHECK(std::abs(o.dv_pct) <= 22.0);
}

TEST_CASE("needles on a display near saturation (10 dB more gain) are found (seed 109)") {
  // Tissue speckle filled the frame's top 1 % up to white, and the 14 needle echoes, clipped at
  // white and blurred, fell below it: none was found. Candidates now need be no brighter than
  // 60 % of the way from the median grey to white: 14 of 14.
  const auto sim = simulate_sweep(109, pushed(test_options(109), 109, 1.0, 10.0));
  const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
  const auto n = compare_needles(detect_needles(sim.sweep), sim.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
  CHECK(n.truth_count == 14);
  CHECK(n.found == n.truth_count);
  CHECK(n.false_needles <= 1);
}
