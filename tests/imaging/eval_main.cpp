// Evaluation program: segmentation and needle detection on N simulated sweeps, printing the
// issue's figures per sweep and overall. Usage: eval_imaging [first_seed] [count]
// With DUMP=1 in the environment, writes /tmp/dbg_s<seed>_f<k>.png with the truth (white) and
// the automatic (black) prostate and urethra contours drawn in.
#include <algorithm>
#include <array>
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
#include "planner/imaging/simulator.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tests/imaging/eval_cases.hpp"

namespace {
void dump(const hdr::imaging::Frame& f, const hdr::formats::Structure* a, const hdr::formats::Structure* b, const std::string& path,
          const hdr::formats::Structure* ua = nullptr, const hdr::formats::Structure* ub = nullptr) {
  auto im = f.image;
  auto draw = [&](const hdr::formats::Structure* s, std::uint8_t v) {
    if (!s) return;
    for (const auto& sl : s->slices) {
      if (std::abs(sl.z_mm - f.z_mm) > 1e-6) continue;
      const size_t n = sl.points_mm.size();
      for (size_t i = 0; i < n; ++i) {
        const auto& p = sl.points_mm[i];
        const auto& q = sl.points_mm[(i + 1) % n];
        for (int t = 0; t <= 20; ++t) {
          const double x = p[0] + (q[0] - p[0]) * t / 20, y = p[1] + (q[1] - p[1]) * t / 20;
          const int c = static_cast<int>(im.col_of_x(x)), r = static_cast<int>(im.row_of_y(y));
          if (c >= 0 && r >= 0 && c < im.width && r < im.height) im.pixels[static_cast<size_t>(r * im.width + c)] = v;
        }
      }
    }
  };
  draw(a, 255);
  draw(b, 0);
  draw(ua, 255);
  draw(ub, 0);
  std::ofstream o(path, std::ios::binary);
  o << hdr::imaging::encode_png(im);
}
// RESAMPLE_X / RESAMPLE_Y / CROP_MM of the environment applied to one frame (see main).
hdr::imaging::GrayImage transform_image(const hdr::imaging::GrayImage& in) {
  const double sx = std::getenv("RESAMPLE_X") ? std::atof(std::getenv("RESAMPLE_X")) : in.spacing_mm[0];
  const double sy = std::getenv("RESAMPLE_Y") ? std::atof(std::getenv("RESAMPLE_Y")) : in.spacing_mm[1];
  double x_lo = in.x_mm(0), x_hi = in.x_mm(in.width - 1);
  if (const char* v = std::getenv("CROP_MM")) {
    x_lo = std::max(x_lo, -std::atof(v));
    x_hi = std::min(x_hi, std::atof(v));
  }
  const double y_lo = in.y_mm(in.height - 1), y_hi = in.y_mm(0);
  hdr::imaging::GrayImage out;
  out.width = static_cast<int>(std::floor((x_hi - x_lo) / sx)) + 1;
  out.height = static_cast<int>(std::floor((y_hi - y_lo) / sy)) + 1;
  out.spacing_mm = {sx, sy};
  out.origin_mm = {x_lo, y_lo};
  out.pixels.assign(static_cast<size_t>(out.width) * static_cast<size_t>(out.height), 0);
  for (int j = 0; j < out.height; ++j)
    for (int i = 0; i < out.width; ++i) {
      const double c = in.col_of_x(out.x_mm(i)), r = in.row_of_y(out.y_mm(j));
      const int c0 = std::clamp(static_cast<int>(std::floor(c)), 0, in.width - 2), r0 = std::clamp(static_cast<int>(std::floor(r)), 0, in.height - 2);
      const double fc = std::clamp(c - c0, 0.0, 1.0), fr = std::clamp(r - r0, 0.0, 1.0);
      const double v = (in.at(c0, r0) * (1 - fc) + in.at(c0 + 1, r0) * fc) * (1 - fr) + (in.at(c0, r0 + 1) * (1 - fc) + in.at(c0 + 1, r0 + 1) * fc) * fr;
      out.pixels[static_cast<size_t>(j) * static_cast<size_t>(out.width) + static_cast<size_t>(i)] = static_cast<std::uint8_t>(std::lround(v));
    }
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "folder") {  // eval_imaging folder DIR: segment a recorded sweep, dump overlays
    const auto t0 = std::chrono::steady_clock::now();
    const auto sweep = hdr::imaging::load_trus_folder(argv[2]);
    const auto seg = hdr::imaging::segment_sweep(sweep);
    const auto needles = hdr::imaging::detect_needles(sweep);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
    std::printf("%zu frames, prostate on %zu, sign %d, init (%.1f, %.1f) R %.1f, %zu needles, %.0f ms\n", sweep.frames.size(),
                test ? test->slices.size() : 0, seg.report.edge_sign, seg.report.initial_centre_mm[0], seg.report.initial_centre_mm[1],
                seg.report.initial_radius_mm, needles.size(), ms);
    for (size_t k = 0; k < sweep.frames.size(); ++k) dump(sweep.frames[k], nullptr, test, "/tmp/dbg_folder_f" + std::to_string(k) + ".png");
    return 0;
  }
  const int first = argc > 1 ? std::atoi(argv[1]) : 1;
  const int count = argc > 2 ? std::atoi(argv[2]) : 20;
  int n_truth = 0, n_found = 0, max_false = 0;
  double sum_dice = 0, min_dice = 1, sum_mad = 0, max_hd = 0, max_dv = 0, u_sum = 0, u_worst = 0;
  int u_on_needle = 0;
  for (int s = first; s < first + count; ++s) {
    hdr::imaging::SimulationOptions o;
    o.needle_count = std::getenv("TEST_NEEDLES") ? hdr::test::test_needle_count(s) : hdr::test::eval_needle_count(s);
    // Image quality pushed beyond the simulator's drawn range (robustness runs): GAIN_DB and
    // NOISE_DB are added to the drawn values, PSF_SCALE multiplies, SHADOW replaces the transmission.
    if (std::getenv("GAIN_DB") || std::getenv("NOISE_DB") || std::getenv("PSF_SCALE") || std::getenv("SHADOW")) {
      auto q = hdr::imaging::random_anatomy(static_cast<std::uint64_t>(s), o).quality;
      if (const char* v = std::getenv("GAIN_DB")) q.gain_dB += std::atof(v);
      if (const char* v = std::getenv("NOISE_DB")) q.noise_dB += std::atof(v);
      if (const char* v = std::getenv("PSF_SCALE")) q.psf_scale *= std::atof(v);
      if (const char* v = std::getenv("SHADOW")) q.shadow_transmission = std::atof(v);
      o.quality = q;
    }
    // Acquisition beyond the drawn range (robustness runs): FRAME_MM frame spacing, PIXEL_MM pixel
    // size at rendering, EXTRA_FRAMES more frames beyond the base; then RESAMPLE_X / RESAMPLE_Y
    // (new pixel size in mm, bilinear) and CROP_MM (keep x within +-CROP_MM of the probe axis).
    if (const char* v = std::getenv("FRAME_MM")) o.frame_spacing_mm = std::atof(v);
    if (const char* v = std::getenv("PIXEL_MM")) o.pixel_spacing_mm = std::atof(v);
    if (const char* v = std::getenv("EXTRA_FRAMES"))
      o.frame_count = static_cast<int>(hdr::imaging::simulate_sweep(static_cast<std::uint64_t>(s), o).sweep.frames.size()) + std::atoi(v);
    auto sim = hdr::imaging::simulate_sweep(static_cast<std::uint64_t>(s), o);
    if (std::getenv("RESAMPLE_X") || std::getenv("RESAMPLE_Y") || std::getenv("CROP_MM"))
      for (auto& f : sim.sweep.frames) f.image = transform_image(f.image);
    const auto t0 = std::chrono::steady_clock::now();
    const auto seg = hdr::imaging::segment_sweep(sim.sweep);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto* test = hdr::formats::find_structure(seg.structures, "prostate");
    const auto* truth = hdr::formats::find_structure(sim.truth_structures, "prostate");
    hdr::imaging::ContourAgreement a;
    if (test) a = hdr::imaging::compare_structures(*test, *truth);
    const double dv = a.volume_truth_cc > 0 ? 100.0 * (a.volume_test_cc - a.volume_truth_cc) / a.volume_truth_cc : 0;
    std::printf("seed %3d frames %2zu echo %.2f | dice %.3f mad %.2f hd95 %.2f vol %.1f/%.1f (%+.1f%%) slices %zu/%zu sign %d | %.0f ms\n", s,
                sim.sweep.frames.size(), sim.anatomy.echo_prostate, a.dice, a.mean_boundary_mm, a.hd95_mm, a.volume_test_cc,
                a.volume_truth_cc, dv, test ? test->slices.size() : 0, truth->slices.size(), seg.report.edge_sign, ms);
    std::printf("   init (%.1f, %.1f) R %.1f | truth (%.1f, %.1f) %.1fx%.1f\n", seg.report.initial_centre_mm[0], seg.report.initial_centre_mm[1],
                seg.report.initial_radius_mm, sim.anatomy.cx_mm, sim.anatomy.cy_mm, sim.anatomy.half_width_mm, sim.anatomy.half_height_mm);
    if (std::getenv("DUMP"))
      for (size_t k = 0; k < sim.sweep.frames.size(); ++k)
        dump(sim.sweep.frames[k], truth, test, "/tmp/dbg_s" + std::to_string(s) + "_f" + std::to_string(k) + ".png",
             hdr::formats::find_structure(sim.truth_structures, "urethra"), hdr::formats::find_structure(seg.structures, "urethra"));
    {  // urethra: centre error on slices present in both, and slices whose centre lies on a true needle
      const auto* ut = hdr::formats::find_structure(seg.structures, "urethra");
      const auto* ur = hdr::formats::find_structure(sim.truth_structures, "urethra");
      double sum = 0, worst = 0;
      int n = 0, on_needle = 0;
      if (ut && ur)
        for (const auto& a_sl : ut->slices)
          for (const auto& b_sl : ur->slices)
            if (std::abs(a_sl.z_mm - b_sl.z_mm) < 1e-6) {
              const double ca[2] = {hdr::test::contour_mean_mm(a_sl, 0), hdr::test::contour_mean_mm(a_sl, 1)};
              const double d = hdr::test::centre_distance_mm(a_sl, b_sl);
              sum += d;
              worst = std::max(worst, d);
              ++n;
              for (const auto& nd : sim.anatomy.needles)
                if (a_sl.z_mm <= nd.z_tip_mm &&
                    std::hypot(ca[0] - nd.x_mm - nd.slope_x * (a_sl.z_mm - nd.z_entry_mm), ca[1] - nd.y_mm - nd.slope_y * (a_sl.z_mm - nd.z_entry_mm)) < 2.5)
                  ++on_needle;
            }
      std::printf("   urethra: foley %d, centre error mean %.2f max %.2f mm over %d slices, %d on a needle\n", sim.anatomy.foley ? 1 : 0,
                  n ? sum / n : 0.0, worst, n, on_needle);
      u_sum += n ? sum / n : 0.0;
      u_worst = std::max(u_worst, worst);
      u_on_needle += on_needle;
    }
    const auto t1 = std::chrono::steady_clock::now();
    const auto needles = hdr::imaging::detect_needles(sim.sweep);
    const double nms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    const auto na = hdr::imaging::compare_needles(needles, sim.truth_catheters, truth->slices.front().z_mm, truth->slices.back().z_mm);
    std::printf("   needles: truth %d found %d false %d err %.2f mm | %.0f ms\n", na.truth_count, na.found, na.false_needles, na.mean_error_mm, nms);
    if (std::getenv("NEEDLE_DEBUG")) {  // every needle found and true, and the urethra's course
      for (const auto& c : needles)
        std::printf("     found %d: tip (%.1f, %.1f, %.1f) out (%.1f, %.1f, %.1f)\n", c.id, c.path_mm[0][0], c.path_mm[0][1], c.path_mm[0][2],
                    c.path_mm.back()[0], c.path_mm.back()[1], c.path_mm.back()[2]);
      for (const auto& c : sim.truth_catheters)
        std::printf("     truth %d: tip (%.1f, %.1f, %.1f) out (%.1f, %.1f, %.1f)\n", c.id, c.path_mm[0][0], c.path_mm[0][1], c.path_mm[0][2],
                    c.path_mm.back()[0], c.path_mm.back()[1], c.path_mm.back()[2]);
      for (double z : {sim.anatomy.z_apex_mm + 2, 0.5 * (sim.anatomy.z_apex_mm + sim.anatomy.z_base_mm), sim.anatomy.z_base_mm - 2}) {
        const auto u = sim.anatomy.urethra_centre(z);
        std::printf("     urethra at z %.1f: (%.1f, %.1f) r %.1f foley %d; rectal wall %.1f mm\n", z, u[0], u[1], sim.anatomy.urethra_radius_mm, sim.anatomy.foley ? 1 : 0, sim.anatomy.rectal_wall_mm);
      }
    }
    n_truth += na.truth_count;
    n_found += na.found;
    max_false = std::max(max_false, na.false_needles);
    std::printf("   contrast:");
    for (size_t k = 0; k < seg.report.contrast.size(); ++k)
      std::printf(" %.2f%s", seg.report.contrast[k], sim.anatomy.prostate_scale(seg.report.z_mm[k]) ? "*" : "");
    std::printf("\n");
    sum_dice += a.dice;
    min_dice = std::min(min_dice, a.dice);
    sum_mad += a.mean_boundary_mm;
    max_hd = std::max(max_hd, a.hd95_mm);
    max_dv = std::max(max_dv, std::abs(dv));
  }
  std::printf("MEAN dice %.3f  MIN dice %.3f  mean MAD %.2f  max HD95 %.2f  max |dV| %.1f%%\n", sum_dice / count, min_dice,
              sum_mad / count, max_hd, max_dv);
  std::printf("URETHRA centre error mean %.2f mm, worst slice %.2f mm, %d slices on a needle\n", u_sum / count, u_worst, u_on_needle);
  std::printf("NEEDLES found %d/%d (%.1f%%)  max false per sweep %d\n", n_found, n_truth, n_truth ? 100.0 * n_found / n_truth : 100.0, max_false);
}
