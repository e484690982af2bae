// The TRUS simulator: reproducible, truth consistent with its anatomy, physically sensible
// image statistics, and a live probe that streams without blocking.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "planner/formats/structures_io.hpp"
#include "planner/imaging/evaluation.hpp"
#include "planner/imaging/simulator.hpp"

using namespace hdr::imaging;

namespace {
double mean_in_disc(const GrayImage& im, double x, double y, double r) {
  double s = 0;
  int n = 0;
  for (int j = 0; j < im.height; ++j)
    for (int i = 0; i < im.width; ++i)
      if (std::hypot(im.x_mm(i) - x, im.y_mm(j) - y) < r) {
        s += im.at(i, j);
        ++n;
      }
  return n ? s / n : 0.0;
}
}  // namespace

TEST_CASE("same seed, same sweep; another seed, another sweep") {
  SimulationOptions o;
  o.frame_count = 3;
  const auto a = simulate_sweep(7, o), b = simulate_sweep(7, o), c = simulate_sweep(8, o);
  REQUIRE(a.sweep.frames.size() == 3);
  CHECK(a.sweep.frames[1].image.pixels == b.sweep.frames[1].image.pixels);
  CHECK(a.sweep.frames[1].image.pixels != c.sweep.frames[1].image.pixels);
}

TEST_CASE("a given image quality replaces the drawn one and leaves the anatomy as the seed draws it") {
  SimulationOptions o;
  o.frame_count = 1;
  const auto drawn = simulate_sweep(11, o);
  ImageQuality q = drawn.anatomy.quality;
  q.gain_dB += 10.0;  // 10 dB more display gain: 255 * 10 / dynamic range grey levels brighter
  o.quality = q;
  const auto brighter = simulate_sweep(11, o);
  CHECK(brighter.anatomy.quality.gain_dB == doctest::Approx(drawn.anatomy.quality.gain_dB + 10.0));
  CHECK(brighter.anatomy.cx_mm == drawn.anatomy.cx_mm);
  CHECK(brighter.anatomy.half_width_mm == drawn.anatomy.half_width_mm);
  CHECK(brighter.sweep.frames[0].z_mm == drawn.sweep.frames[0].z_mm);
  const double shift = 255.0 * 10.0 / q.dynamic_range_dB;
  const double before = mean_in_disc(drawn.sweep.frames[0].image, 0.0, 45.0, 5.0);
  const double after = mean_in_disc(brighter.sweep.frames[0].image, 0.0, 45.0, 5.0);
  CHECK(after - before == doctest::Approx(shift).epsilon(0.25));  // clipping at 0/255 takes a little
}

TEST_CASE("truth: prostate only on frames between apex and base, volume of the modelled gland") {
  SimulationOptions o;
  o.needle_count = 6;
  const auto s = simulate_sweep(3, o);
  const auto* p = hdr::formats::find_structure(s.truth_structures, "prostate");
  REQUIRE(p != nullptr);
  for (const auto& sl : p->slices) CHECK(s.anatomy.prostate_scale(sl.z_mm).has_value());
  size_t present = 0;
  for (const auto& f : s.sweep.frames) present += s.anatomy.prostate_scale(f.z_mm).has_value() ? 1 : 0;
  CHECK(p->slices.size() == present);
  CHECK(present < s.sweep.frames.size());  // the sweep starts/ends beyond the gland
  // Stack volume against the continuous model integrated finely (independent of frame spacing)
  double v = 0;
  for (double z = s.anatomy.z_apex_mm; z < s.anatomy.z_base_mm; z += 0.1) {
    const auto sc = s.anatomy.prostate_scale(z);
    if (!sc) continue;
    double area = 0;
    for (int k = 0; k < 360; ++k) {
      const double r = s.anatomy.prostate_radius(2 * M_PI * k / 360.0, *sc);
      area += 0.5 * r * r * 2 * M_PI / 360.0;
    }
    v += area * 0.1;
  }
  CHECK(stack_volume_cc(*p) == doctest::Approx(v / 1000.0).epsilon(0.15));
  CHECK(s.truth_catheters.size() == 6);
  for (const auto& c : s.truth_catheters) {
    CHECK(c.path_mm[0][2] > c.path_mm[1][2]);  // tip towards the base
    CHECK(std::abs(std::remainder(c.path_mm[1][0], 5.0)) < 1e-9);  // through a template hole
  }
}

TEST_CASE("image physics: bladder anechoic, probe region empty, gland contrast as modelled") {
  SimulationOptions o;
  o.frame_count = 1;
  auto a = random_anatomy(11, o);
  a.echo_prostate = 0.3;  // hypoechoic gland: -5.2 dB
  const ScanGeometry g;
  const double zmid = 0.5 * (a.z_apex_mm + a.z_base_mm);
  const Frame f = render_frame(a, g, zmid, 1);
  CHECK(mean_in_disc(f.image, 0.0, 0.0, 8.0) == doctest::Approx(0.0));  // inside the probe
  const double gland = mean_in_disc(f.image, a.cx_mm + 0.6 * a.half_width_mm, a.prostate_centre_y(zmid), 3.0);
  const double outside = mean_in_disc(f.image, a.cx_mm + a.half_width_mm + 8.0, a.prostate_centre_y(zmid), 3.0);
  CHECK(outside - gland > 10.0);  // -5 dB over a 45..62 dB display range: 20..30 grey levels
  const Frame b = render_frame(a, g, a.bladder_c[2], 2);
  const double bladder = mean_in_disc(b.image, a.bladder_c[0], a.bladder_c[1] + 0.3 * a.bladder_r[1], 4.0);
  CHECK(bladder < 0.5 * outside);
}

TEST_CASE("the live probe streams frames without blocking the caller") {
  SimulationOptions o;
  LiveProbe probe(5, o, 10.0);
  int got = 0;
  double z_min = 1e9, z_max = -1e9;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3) && got < 5) {
    const auto c0 = std::chrono::steady_clock::now();
    auto f = probe.next_frame();
    CHECK(std::chrono::steady_clock::now() - c0 < std::chrono::milliseconds(50));  // a poll never waits for rendering
    if (f) {
      ++got;
      z_min = std::min(z_min, f->z_mm);
      z_max = std::max(z_max, f->z_mm);
      CHECK(f->image.width > 100);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  CHECK(got >= 2);
  CHECK(z_min >= probe.anatomy().z_apex_mm - 5.0 - 1e-9);
  CHECK(z_max <= probe.anatomy().z_base_mm + 5.0 + 1e-9);
}
