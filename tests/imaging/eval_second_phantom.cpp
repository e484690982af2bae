// Evaluation program (not a test): segmentation and needle detection on sweeps of the second,
// independent phantom (tests/imaging/second_phantom.hpp), printing per sweep the contour
// agreement (evaluation.hpp's measures), the frames contoured beyond the gland (extra) or
// left without a contour inside it (missed), and the needles found.
// Usage: eval_second_phantom [first_seed=1] [count=20] [key=value]...
//   keys (the Python phantom's names): taper=0|1 mid contrast step needles psf_l psf_a dr gain
//   bgmod atten depth sx. A key left out is drawn from the seed (or its default).
// With FRAMES=1 in the environment, prints per frame the truth's and the automatic contour's area;
// with NEEDLES=1, the true needles missed and the false ones (at mid-gland, and their tips);
// with ECHO_AT=x,y, every echo find_needle_echoes reports within 2 mm of (x, y), per frame;
// with DUMP=1, writes /tmp/alt_s<seed>_f<k>.png with the truth (white) and the automatic (black)
// prostate contours drawn in.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tests/imaging/second_phantom.hpp"

namespace {

using hdr::formats::Structure;

// Applies one key=value argument; false when the key is unknown.
bool apply_option(hdr::test::SecondPhantomOptions& o, const std::string& key, double v) {
  if (key == "taper") o.taper = v != 0.0;
  else if (key == "mid") o.mid = v;
  else if (key == "contrast") o.contrast = v;
  else if (key == "step") o.step_mm = v;
  else if (key == "needles") o.needles = static_cast<int>(v);
  else if (key == "psf_l") o.psf_lateral_mm = v;
  else if (key == "psf_a") o.psf_axial_mm = v;
  else if (key == "dr") o.dynamic_range_dB = v;
  else if (key == "gain") o.gain_dB = v;
  else if (key == "bgmod") o.background_modulation = v;
  else if (key == "atten") o.attenuation_per_mm = v;
  else if (key == "depth") o.depth_mm = v;
  else if (key == "sx") o.pixel_mm = v;
  else return false;
  return true;
}

// Area (mm^2) of the structure's polygon at z, 0 when it has none there (shoelace formula).
double area_at_mm2(const Structure* s, double z_mm) {
  if (!s) return 0.0;
  for (const auto& sl : s->slices) {
    if (std::abs(sl.z_mm - z_mm) > 1e-6) continue;
    double twice = 0;
    for (size_t i = 0; i < sl.points_mm.size(); ++i) {
      const auto& p = sl.points_mm[i];
      const auto& q = sl.points_mm[(i + 1) % sl.points_mm.size()];
      twice += p[0] * q[1] - q[0] * p[1];
    }
    return 0.5 * std::abs(twice);
  }
  return 0.0;
}

void draw_contours(hdr::imaging::GrayImage& im, const Structure* s, double z_mm, std::uint8_t value) {
  if (!s) return;
  for (const auto& sl : s->slices) {
    if (std::abs(sl.z_mm - z_mm) > 1e-6) continue;
    for (size_t i = 0; i < sl.points_mm.size(); ++i) {
      const auto& p = sl.points_mm[i];
      const auto& q = sl.points_mm[(i + 1) % sl.points_mm.size()];
      for (int t = 0; t <= 20; ++t) {
        const int c = static_cast<int>(im.col_of_x(p[0] + (q[0] - p[0]) * t / 20)), r = static_cast<int>(im.row_of_y(p[1] + (q[1] - p[1]) * t / 20));
        if (c >= 0 && r >= 0 && c < im.width && r < im.height) im.pixels[static_cast<size_t>(r) * static_cast<size_t>(im.width) + static_cast<size_t>(c)] = value;
      }
    }
  }
}

// Per frame (in z order) what find_needle_echoes saw within 1.5 mm of the needle's line: '-' the
// needle is not in the frame, '.' no echo, 'o' an echo detect_needles keeps, 'w' one too wide,
// 'b' one with a lumen or a stronger echo behind it, 'g' one off the template grid, 't' one
// beyond the template's columns (hdr::imaging::EchoRefusal, in that order).
std::string sightings(const hdr::imaging::Sweep& sweep, const hdr::formats::Catheter& c) {
  const hdr::imaging::NeedleOptions o;
  std::vector<size_t> order(sweep.frames.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sweep.frames[a].z_mm < sweep.frames[b].z_mm; });
  const auto& tip = c.path_mm.front();
  const auto& end = c.path_mm.back();
  std::string out;
  for (size_t k : order) {
    const double z = sweep.frames[k].z_mm;
    if (z > tip[2] + 1e-6) {
      out += '-';
      continue;
    }
    const double t = (z - tip[2]) / (end[2] - tip[2]), x = tip[0] + t * (end[0] - tip[0]), y = tip[1] + t * (end[1] - tip[1]);
    char mark = '.';
    for (const auto& e : hdr::imaging::find_needle_echoes(sweep.frames[k].image, o)) {
      if (std::hypot(e.x_mm - x, e.y_mm - y) > 1.5) continue;
      static_assert(static_cast<int>(hdr::imaging::EchoRefusal::outside_template) == 4, "one mark per refusal, in order");
      const char m = "owbgt"[static_cast<int>(hdr::imaging::tracking_refusal(e, o))];
      if (mark == '.' || m == 'o') mark = m;
    }
    out += mark;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int first = argc > 1 ? std::atoi(argv[1]) : 1;
  const int count = argc > 2 ? std::atoi(argv[2]) : 20;
  hdr::test::SecondPhantomOptions options;
  for (int a = 3; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto eq = arg.find('=');
    if (eq == std::string::npos || !apply_option(options, arg.substr(0, eq), std::atof(arg.c_str() + eq + 1))) {
      std::fprintf(stderr, "eval_second_phantom: unknown argument '%s' (key=value with key among taper mid contrast step needles psf_l psf_a dr gain bgmod atten depth sx)\n", argv[a]);
      return 2;
    }
  }
  double sum_dice = 0, min_dice = 1, sum_mad = 0, sum_hd = 0, max_hd = 0, sum_abs_dv = 0;
  int sum_extra = 0, sum_missed = 0, sum_found = 0, sum_truth = 0, sum_false = 0;
  for (int s = first; s < first + count; ++s) {
    const auto ph = hdr::test::simulate_second_phantom(static_cast<std::uint64_t>(s), options);
    const auto t0 = std::chrono::steady_clock::now();
    const auto seg = hdr::imaging::segment_sweep(ph.sweep);
    const auto t1 = std::chrono::steady_clock::now();
    const auto needles = hdr::imaging::detect_needles(ph.sweep);
    const double segment_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double needles_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
    const auto* truth = hdr::formats::find_structure(ph.truth_structures, "prostate");
    hdr::imaging::ContourAgreement a;
    if (test && !test->slices.empty()) a = hdr::imaging::compare_structures(*test, *truth);
    const double dv = a.volume_truth_cc > 0 ? 100.0 * (a.volume_test_cc - a.volume_truth_cc) / a.volume_truth_cc : -100.0;
    const auto presence = hdr::imaging::compare_frame_presence(test ? *test : Structure{}, *truth, ph.sweep);
    const int extra = presence.beyond, missed = presence.missed;
    const auto na = hdr::imaging::compare_needles(needles, ph.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
    std::printf("seed %4d frames %2zu contrast %.2f step %.1f | dice %.3f mad %.2f hd95 %5.2f dV %+6.1f%% | extra %d missed %d | needles %2d/%2d false %d | sign %+d | segment %.0f ms needles %.0f ms\n",
                s, ph.sweep.frames.size(), ph.drawn.contrast, ph.drawn.step_mm, a.dice, a.mean_boundary_mm, a.hd95_mm, dv, extra, missed, na.found,
                na.truth_count, na.false_needles, seg.report.edge_sign, segment_ms, needles_ms);
    if (std::getenv("FRAMES"))
      for (size_t k = 0; k < ph.sweep.frames.size(); ++k) {
        const double z = ph.sweep.frames[k].z_mm;
        std::printf("   f%02zu z %6.1f truth %6.1f auto %6.1f mm2\n", k, z, area_at_mm2(truth, z), area_at_mm2(test, z));
      }
    if (std::getenv("NEEDLES")) {
      const double z_mid = 0.5 * (truth->slices.front().z_mm + truth->slices.back().z_mm);
      auto describe = [&](const char* what, const hdr::formats::Catheter& c) {
        const auto& tip = c.path_mm.front();
        const auto& end = c.path_mm.back();
        const double t = (z_mid - tip[2]) / (end[2] - tip[2]);
        std::printf("   %s at (%5.1f, %5.1f) tip z %6.1f\n", what, tip[0] + t * (end[0] - tip[0]), tip[1] + t * (end[1] - tip[1]), tip[2]);
      };
      std::vector<char> matched(needles.size(), 0);
      for (size_t j = 0; j < ph.truth_catheters.size(); ++j)
        if (na.truth_match[j] < 0) {
          describe("missed", ph.truth_catheters[j]);
          std::printf("     frames: %s\n", sightings(ph.sweep, ph.truth_catheters[j]).c_str());
        } else matched[static_cast<size_t>(na.truth_match[j])] = 1;
      for (size_t i = 0; i < needles.size(); ++i)
        if (!matched[i]) describe("false ", needles[i]);
    }
    if (const char* at = std::getenv("ECHO_AT")) {
      double x0 = 0, y0 = 0;
      std::sscanf(at, "%lf,%lf", &x0, &y0);
      for (size_t k = 0; k < ph.sweep.frames.size(); ++k)
        for (const auto& e : hdr::imaging::find_needle_echoes(ph.sweep.frames[k].image))
          if (std::hypot(e.x_mm - x0, e.y_mm - y0) < 2.0)
            std::printf("  f%zu echo (%.1f,%.1f) sat %d str %.1f width %.2f len %.2f behind %.2f bs %d shadow %.2f\n", k, e.x_mm, e.y_mm, e.saturated, e.strength, e.width_mm, e.length_mm, e.behind_ratio, e.behind_stronger, e.shadow_sd);
    }
    if (std::getenv("DUMP"))
      for (size_t k = 0; k < ph.sweep.frames.size(); ++k) {
        auto im = ph.sweep.frames[k].image;
        draw_contours(im, truth, ph.sweep.frames[k].z_mm, 255);
        draw_contours(im, test, ph.sweep.frames[k].z_mm, 0);
        std::ofstream("/tmp/alt_s" + std::to_string(s) + "_f" + std::to_string(k) + ".png", std::ios::binary) << hdr::imaging::encode_png(im);
      }
    sum_dice += a.dice;
    min_dice = std::min(min_dice, a.dice);
    sum_mad += a.mean_boundary_mm;
    sum_hd += a.hd95_mm;
    max_hd = std::max(max_hd, a.hd95_mm);
    sum_abs_dv += std::abs(dv);
    sum_extra += extra;
    sum_missed += missed;
    sum_found += na.found;
    sum_truth += na.truth_count;
    sum_false += na.false_needles;
  }
  const double n = std::max(1, count);
  std::printf("MEAN dice %.3f (min %.3f) mad %.2f hd95 %.2f (max %.2f) |dV| %.1f%% | extra %d missed %d frames | needles %d/%d (%.1f%%) false %d\n",
              sum_dice / n, min_dice, sum_mad / n, sum_hd / n, max_hd, sum_abs_dv / n, sum_extra, sum_missed, sum_found, sum_truth,
              sum_truth ? 100.0 * sum_found / sum_truth : 100.0, sum_false);
  return 0;
}
