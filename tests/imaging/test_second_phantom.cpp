// The second, independent phantom (second_phantom.hpp): its own invariants, then segmentation
// and needle detection on sweeps built unlike our simulator's, against measured floors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/segment.hpp"
#include "tests/imaging/second_phantom.hpp"

using hdr::test::SecondPhantom;
using hdr::test::SecondPhantomOptions;
using hdr::test::simulate_second_phantom;

namespace {

const hdr::formats::ContourSlice* slice_at(const hdr::formats::Structure& s, double z_mm) {
  for (const auto& sl : s.slices)
    if (std::abs(sl.z_mm - z_mm) < 1e-6) return &sl;
  return nullptr;
}

std::vector<cv::Point2f> to_cv(const hdr::formats::ContourSlice& s) {
  std::vector<cv::Point2f> p;
  for (const auto& q : s.points_mm) p.emplace_back(static_cast<float>(q[0]), static_cast<float>(q[1]));
  return p;
}

double polygon_area_mm2(const hdr::formats::ContourSlice& s) { return cv::contourArea(to_cv(s)); }

// The model's gland cross-section area at z, integrated on a 0.05 mm grid independently of the
// phantom's pixel mask (gland_section and gland_mask restated from the header's description).
double model_area_mm2(const hdr::test::SecondPhantomParameters& p, bool taper, double z_mm) {
  const double t = z_mm / (p.length_mm / 2.0);
  if (std::abs(t) >= 1.0) return 0.0;
  const double profile = taper ? std::pow(1.0 - t * t, 0.4) : 0.55 + 0.45 * std::sqrt(1.0 - t * t * t * t);
  const double a = p.half_width_mm * profile, b = p.half_height_mm * profile, cy = p.centre_y_mm + 2.0 * t;
  constexpr double h = 0.05;
  double area = 0;
  for (double x = -1.4 * a; x <= 1.4 * a; x += h)
    for (double y = std::max(13.0, cy - 1.4 * b); y <= cy + 1.4 * b; y += h) {
      const double u = x / a, v = (y - cy) / b, theta = std::atan2(v, u);
      double boundary = 1.0;
      for (size_t i = 0; i < 4; ++i) boundary += p.harmonic_amp[i] * std::cos(static_cast<double>(i + 2) * theta + p.harmonic_phase[i]);
      if (std::hypot(u, v) < boundary && y > 13.0) area += h * h;
    }
  return area;
}

// Mean grey level of the frame's sector pixels whose signed distance to the polygon (mm,
// positive inside) lies in [lo, hi], further than 14 mm from the probe axis (beyond the
// rectal wall) and not within `exclude` (the urethra, with 1 mm to spare).
double mean_grey_between(const hdr::imaging::GrayImage& im, const hdr::formats::ContourSlice& gland, const hdr::formats::ContourSlice* exclude,
                         double lo_mm, double hi_mm, double depth_mm) {
  const auto poly = to_cv(gland);
  const auto excl = exclude ? to_cv(*exclude) : std::vector<cv::Point2f>{};
  // Pixels further out than -lo_mm from the polygon's bounding box cannot count: skipped unmeasured.
  const double margin = std::max(0.0, -lo_mm) + 1.0;
  double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
  for (const auto& q : gland.points_mm) {
    x0 = std::min(x0, q[0] - margin), x1 = std::max(x1, q[0] + margin);
    y0 = std::min(y0, q[1] - margin), y1 = std::max(y1, q[1] + margin);
  }
  double sum = 0;
  int n = 0;
  for (int j = 0; j < im.height; ++j)
    for (int i = 0; i < im.width; ++i) {
      const double x = im.x_mm(i), y = im.y_mm(j);
      if (x < x0 || x > x1 || y < y0 || y > y1) continue;
      if (!hdr::test::second_phantom_in_sector(x, y, depth_mm) || std::hypot(x, y) < 14.0) continue;
      const cv::Point2f pt(static_cast<float>(x), static_cast<float>(y));
      const double d = cv::pointPolygonTest(poly, pt, true);
      if (d < lo_mm || d > hi_mm) continue;
      if (!excl.empty() && cv::pointPolygonTest(excl, pt, true) > -1.0) continue;
      sum += im.at(i, j);
      ++n;
    }
  return n ? sum / n : 0.0;
}

}  // namespace

TEST_CASE("second phantom: a seed gives the same sweep and truth every time; options change only what they name") {
  const auto a = simulate_second_phantom(17);
  const auto b = simulate_second_phantom(17);
  REQUIRE(a.sweep.frames.size() == b.sweep.frames.size());
  for (size_t k = 0; k < a.sweep.frames.size(); ++k) {
    CAPTURE(k);
    CHECK(a.sweep.frames[k].z_mm == b.sweep.frames[k].z_mm);
    CHECK(a.sweep.frames[k].image.pixels == b.sweep.frames[k].image.pixels);
  }
  REQUIRE(a.truth_structures.size() == 2);
  for (size_t s = 0; s < 2; ++s) {
    REQUIRE(a.truth_structures[s].slices.size() == b.truth_structures[s].slices.size());
    for (size_t k = 0; k < a.truth_structures[s].slices.size(); ++k)
      CHECK(a.truth_structures[s].slices[k].points_mm == b.truth_structures[s].slices[k].points_mm);
  }
  REQUIRE(a.truth_catheters.size() == b.truth_catheters.size());
  for (size_t k = 0; k < a.truth_catheters.size(); ++k) CHECK(a.truth_catheters[k].path_mm == b.truth_catheters[k].path_mm);
  // Another seed, another sweep.
  const auto c = simulate_second_phantom(18);
  CHECK((c.sweep.frames.size() != a.sweep.frames.size() || c.sweep.frames[0].image.pixels != a.sweep.frames[0].image.pixels));
  // Tapering the gland changes its shape only: same draws (sizes, needles, image statistics).
  SecondPhantomOptions taper;
  taper.taper = true;
  const auto t = simulate_second_phantom(17, taper);
  CHECK(t.drawn.length_mm == a.drawn.length_mm);
  CHECK(t.drawn.contrast == a.drawn.contrast);
  CHECK(t.drawn.dynamic_range_dB == a.drawn.dynamic_range_dB);
  REQUIRE(t.truth_catheters.size() == a.truth_catheters.size());
  for (size_t k = 0; k < a.truth_catheters.size(); ++k) CHECK(t.truth_catheters[k].path_mm == a.truth_catheters[k].path_mm);
  // Bad options are refused, naming the field.
  SecondPhantomOptions bad;
  bad.background_modulation = 1.5;
  CHECK_THROWS_WITH(simulate_second_phantom(1, bad), doctest::Contains("background_modulation"));
}

TEST_CASE("second phantom: truth within the gland's length and on its boundary, needles on the template, image 0 outside the sector") {
  for (const bool taper : {false, true})
    for (std::uint64_t seed = 31; seed < 34; ++seed) {
      SecondPhantomOptions o;
      o.taper = taper;
      const auto ph = simulate_second_phantom(seed, o);
      CAPTURE(seed);
      CAPTURE(taper);
      const auto* prostate = hdr::formats::find_structure(ph.truth_structures, "prostate");
      const auto* urethra = hdr::formats::find_structure(ph.truth_structures, "urethra");
      REQUIRE(prostate != nullptr);
      REQUIRE(urethra != nullptr);
      const double half_length = ph.drawn.length_mm / 2.0;
      for (const auto& f : ph.sweep.frames) {
        const bool present = slice_at(*prostate, f.z_mm) != nullptr;
        if (std::abs(f.z_mm) >= half_length) CHECK_FALSE(present);        // never beyond apex or base
        if (std::abs(f.z_mm) < 0.8 * half_length) CHECK(present);         // always in the gland's middle 80 %
        if (slice_at(*urethra, f.z_mm)) CHECK(present);                   // the urethra only inside the gland
        // The image is 0 outside the sector; inside it, short of the bladder (anechoic: 0 is right
        // there), rarely (the window clips only speckle's deepest nulls).
        int outside_lit = 0, inside = 0, inside_black = 0;
        for (int j = 0; j < f.image.height; ++j)
          for (int i = 0; i < f.image.width; ++i) {
            const bool in = hdr::test::second_phantom_in_sector(f.image.x_mm(i), f.image.y_mm(j), o.depth_mm);
            if (!in && f.image.at(i, j) != 0) ++outside_lit;
            if (in) {
              ++inside;
              inside_black += f.image.at(i, j) == 0;
            }
          }
        CHECK(outside_lit == 0);
        if (f.z_mm <= half_length - 8.0) CHECK(inside_black < inside / 50);
        CHECK(inside_black < inside / 4);
      }
      // The truth polygon traces the gland: its area is the model's within 0.5 % at mid-gland
      // (measured: +0.04..+0.12 % on these seeds; through the boundary pixels' centres, without the
      // half-pixel outward shift, -1.0..-1.4 %).
      const auto& mid = ph.sweep.frames[ph.sweep.frames.size() / 2];
      const auto* mid_slice = slice_at(*prostate, mid.z_mm);
      REQUIRE(mid_slice != nullptr);
      const double model = model_area_mm2(ph.drawn, taper, mid.z_mm), traced = polygon_area_mm2(*mid_slice);
      CAPTURE(model);
      CAPTURE(traced);
      std::printf("second phantom seed %llu taper %d: mid-gland truth area %.1f mm2, model %.1f mm2 (%+.2f %%)\n", static_cast<unsigned long long>(seed),
                  taper ? 1 : 0, traced, model, 100.0 * (traced - model) / model);
      CHECK(std::abs(traced - model) < 0.005 * model);
      // Needles: one catheter per drawn needle, from its tip (inside the gland's length) out past the apex.
      REQUIRE(ph.truth_catheters.size() == ph.drawn.needles.size());
      for (const auto& c : ph.truth_catheters) {
        REQUIRE(c.path_mm.size() == 2);
        CHECK(c.path_mm[0][2] < half_length);
        CHECK(c.path_mm[0][2] > half_length - 12.0 - 1e-9);
        CHECK(c.path_mm[1][2] == doctest::Approx(-ph.drawn.length_mm));
        CHECK(std::abs(c.path_mm[0][0] - 5.0 * std::round(c.path_mm[0][0] / 5.0)) < 2.5);  // near a template hole
      }
    }
}

TEST_CASE("second phantom: the gland is darker or brighter than the tissue around it, as its contrast says") {
  // Needles off (their dots and shadows would bias the means); a frame without a calcification.
  std::uint64_t seed = 41;
  for (const double contrast : {0.55, 0.7, 1.45, 1.8})
    for (const bool taper : {false, true}) {
      SecondPhantomOptions o;
      o.contrast = contrast;
      o.taper = taper;
      o.needles = 0;
      const auto ph = simulate_second_phantom(++seed, o);
      size_t k = ph.sweep.frames.size() / 2;
      if (k % 4 == 1) ++k;
      const auto& f = ph.sweep.frames[k];
      const auto* gland = slice_at(*hdr::formats::find_structure(ph.truth_structures, "prostate"), f.z_mm);
      const auto* urethra = slice_at(*hdr::formats::find_structure(ph.truth_structures, "urethra"), f.z_mm);
      REQUIRE(gland != nullptr);
      const double in = mean_grey_between(f.image, *gland, urethra, 1.5, 1e9, o.depth_mm);
      const double out = mean_grey_between(f.image, *gland, nullptr, -6.0, -2.0, o.depth_mm);
      // Expected difference: 20 log10(contrast) dB of the drawn dynamic range (x 255 / dr grey levels).
      const double expected = 20.0 * std::log10(contrast) * 255.0 / ph.drawn.dynamic_range_dB;
      std::printf("second phantom seed %llu contrast %.2f taper %d: gland %.1f, around %.1f (model %+.1f)\n", static_cast<unsigned long long>(seed),
                  contrast, taper ? 1 : 0, in, out, expected);
      CAPTURE(seed);
      CAPTURE(in);
      CAPTURE(out);
      // Measured gland - around (grey levels) against the model: 0.55: -25.7, -22.6 (model -26.0,
      // -22.7); 0.7: -10.5, -12.5 (-13.5, -14.9); 1.45: +16.8, +15.1 (+14.4, +17.2); 1.8: +29.3,
      // +33.3 (+25.1, +28.4). The background pattern and the capsule blur it; 40 % of it must show.
      if (contrast < 1) CHECK(in < out - 0.4 * std::abs(expected));
      else CHECK(in > out + 0.4 * std::abs(expected));
    }
}

// Floors for the eight sweeps below (the first four of `eval_second_phantom 100 20` and of
// `eval_second_phantom 200 20 taper=1`: five darker glands, three brighter), set a little
// beyond the figures measured with the segmenter as it is:
//   seed  contrast taper  Dice   MAD   HD95   dV %   extra missed  needles false
//    100    0.70     0    0.851  1.73  4.89  -10.1     1     0      6/6     0
//    101    0.55     0    0.936  1.05  2.84   -8.9     0     0     14/14    0
//    102    1.45     0    0.853  2.72  7.51  +28.5     0     0      0/6     0
//    103    0.55     0    0.960  0.70  1.59   +0.1     0     0     11/11    0
//    200    0.70     1    0.891  1.18  3.24   +5.6     1     1      9/9     0
//    201    1.80     1    0.945  0.82  2.09   -1.2     0     0     13/13    0
//    202    1.80     1    0.952  0.84  2.67   -2.5     0     0      8/9     0
//    203    0.70     1    0.845  1.58  4.52   +6.1     1     0     12/12    1
//   all: mean Dice 0.904, min 0.845, mean MAD 1.33 mm, max HD95 7.51 mm, max |dV| 28.5 %,
//        3 frames contoured beyond the gland, 1 missed, needles 73/80 (91 %), at most 1 false.
//   (When this test was written, before outward frames searched their taper and end frames
//   needed 55 % of the reference contrast: mean Dice 0.895, min 0.840, MAD 1.42 mm, HD95 7.80 mm,
//   |dV| 30.1 %, 4 frames beyond, none missed.)
// These fall short of the targets (Dice 0.85 each / 0.90 mean, HD95 4 mm, volume 10 %,
// needles 95 %) on the brighter glands (102: the contour follows a bright lobe of the
// background pattern; their needles, only ~12 dB above the gland, are often missed) and the
// faint 0.7 ones (100, 203: under-segmented mid-gland, a contour kept before a tapering apex).
// The floors record today's behaviour so that a regression shows; they are not the targets.
// A floor that fails after a change to planner/imaging is a regression on images we did not
// tune on; a clear improvement should tighten the floors (with the new figures here).
namespace {
constexpr double kSecondMinDice = 0.82, kSecondMeanDice = 0.89;
constexpr double kSecondMeanMad_mm = 1.45, kSecondMaxHd95_mm = 8.0;
constexpr double kSecondMaxVolumeError_pct = 31.0;
constexpr int kSecondMaxExtraFrames = 4, kSecondMaxMissedFrames = 2;  // over the 8 sweeps
constexpr double kSecondMinNeedlesFound = 0.88;                         // share of the true needles
constexpr int kSecondMaxFalseNeedles = 1;                               // per sweep
}  // namespace

TEST_CASE("second phantom: a tapering gland's end frames are not contoured at their neighbours' size (seed 200)") {
  // A faint (-3 dB) gland tapering to a point: the contour kept its inner neighbour's size on
  // the end frames (378 mm2 on the base's last frame, where the gland has 72 mm2) and on two
  // frames beyond the apex: Dice 0.856, volume +16.5 %. Outward frames now take the taper with the
  // strongest boundary and the run's end frames must show 55 % of the reference contrast:
  // Dice 0.891, volume +5.6 %, one frame beyond the apex, the base's 72 mm2 slice left out.
  SecondPhantomOptions o;
  o.taper = true;
  const auto ph = simulate_second_phantom(200, o);
  const auto seg = hdr::imaging::segment_sweep(ph.sweep);
  const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
  const auto* truth = hdr::formats::find_structure(ph.truth_structures, "prostate");
  REQUIRE(test != nullptr);
  const auto a = hdr::imaging::compare_structures(*test, *truth);
  const int extra = hdr::imaging::compare_frame_presence(*test, *truth, ph.sweep).beyond;
  CHECK(a.dice >= 0.87);
  CHECK(std::abs(a.volume_test_cc - a.volume_truth_cc) <= 0.08 * a.volume_truth_cc);
  CHECK(extra <= 1);
}

TEST_CASE("second phantom: segmentation and needle detection on sweeps unlike our simulator's, against measured floors") {
  struct Case {
    std::uint64_t seed;
    bool taper;
  };
  const Case cases[] = {{100, false}, {101, false}, {102, false}, {103, false}, {200, true}, {201, true}, {202, true}, {203, true}};
  double sum_dice = 0, sum_mad = 0, min_dice = 1, max_hd95 = 0, max_abs_dv = 0;
  int extra = 0, missed = 0, truth_needles = 0, found = 0, max_false = 0;
  for (const auto& c : cases) {
    SecondPhantomOptions o;
    o.taper = c.taper;
    const auto ph = simulate_second_phantom(c.seed, o);
    const auto seg = hdr::imaging::segment_sweep(ph.sweep);
    const auto needles = hdr::imaging::detect_needles(ph.sweep);
    const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
    const auto* truth = hdr::formats::find_structure(ph.truth_structures, "prostate");
    CAPTURE(c.seed);
    REQUIRE(test != nullptr);
    REQUIRE(!test->slices.empty());
    const auto a = hdr::imaging::compare_structures(*test, *truth);
    const double dv = 100.0 * (a.volume_test_cc - a.volume_truth_cc) / a.volume_truth_cc;
    const auto presence = hdr::imaging::compare_frame_presence(*test, *truth, ph.sweep);
    const int sweep_extra = presence.beyond, sweep_missed = presence.missed;
    const auto n = hdr::imaging::compare_needles(needles, ph.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
    std::printf("second phantom seed %llu contrast %.2f taper %d: dice %.3f mad %.2f hd95 %.2f dV %+.1f%% extra %d missed %d needles %d/%d false %d\n",
                static_cast<unsigned long long>(c.seed), ph.drawn.contrast, c.taper ? 1 : 0, a.dice, a.mean_boundary_mm, a.hd95_mm, dv,
                sweep_extra, sweep_missed, n.found, n.truth_count, n.false_needles);
    sum_dice += a.dice;
    sum_mad += a.mean_boundary_mm;
    min_dice = std::min(min_dice, a.dice);
    max_hd95 = std::max(max_hd95, a.hd95_mm);
    max_abs_dv = std::max(max_abs_dv, std::abs(dv));
    extra += sweep_extra;
    missed += sweep_missed;
    truth_needles += n.truth_count;
    found += n.found;
    max_false = std::max(max_false, n.false_needles);
  }
  const double count = static_cast<double>(std::size(cases));
  std::printf("second phantom, 8 sweeps: mean dice %.3f (min %.3f) mean mad %.2f max hd95 %.2f max |dV| %.1f%% extra %d missed %d needles %d/%d max false %d\n",
              sum_dice / count, min_dice, sum_mad / count, max_hd95, max_abs_dv, extra, missed, found, truth_needles, max_false);
  CHECK(min_dice >= kSecondMinDice);
  CHECK(sum_dice / count >= kSecondMeanDice);
  CHECK(sum_mad / count <= kSecondMeanMad_mm);
  CHECK(max_hd95 <= kSecondMaxHd95_mm);
  CHECK(max_abs_dv <= kSecondMaxVolumeError_pct);
  CHECK(extra <= kSecondMaxExtraFrames);
  CHECK(missed <= kSecondMaxMissedFrames);
  CHECK(found >= kSecondMinNeedlesFound * truth_needles);
  CHECK(max_false <= kSecondMaxFalseNeedles);
}
