// DVH and metric arithmetic against analytic cases.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "planner/optimize/dvh.hpp"
#include "planner/optimize/metric_name.hpp"

using namespace hdr::optimize;

namespace {
// A sphere of radius R sampled on a fine grid (voxels of side h, centres off the origin)
// around a point source with dose k / r^2: the ball receiving >= D has radius sqrt(k / D).
Dvh point_source_in_sphere(double R, double h, double k) {
  std::vector<DoseSample> s;
  const int n = static_cast<int>(std::ceil(R / h)) + 1;
  for (int i = -n; i < n; ++i)
    for (int j = -n; j < n; ++j)
      for (int l = -n; l < n; ++l) {
        const double x = (i + 0.5) * h, y = (j + 0.5) * h, z = (l + 0.5) * h;
        const double r2 = x * x + y * y + z * z;
        if (r2 > R * R) continue;
        s.push_back({static_cast<float>(k / r2), static_cast<float>(h * h * h)});
      }
  return Dvh(std::move(s));
}
}  // namespace

TEST_CASE("point source in a sphere: Vx, Dx%, Dxcc and volume match the analytic DVH") {
  const double R = 15.0, k = 1000.0, h = 0.25;  // dose 4.44 Gy at the surface
  const Dvh dvh = point_source_in_sphere(R, h, k);
  const double V_cc = 4.0 / 3.0 * std::numbers::pi * R * R * R / 1000.0;
  CHECK(dvh.total_volume_cc() == doctest::Approx(V_cc).epsilon(0.005));
  for (double D : {5.0, 10.0, 20.0, 40.0}) {
    const double rD = std::sqrt(k / D);
    INFO("D = " << D);
    CHECK(dvh.v_pct(D) == doctest::Approx(100.0 * std::pow(rD / R, 3)).epsilon(0.01));
  }
  for (double x : {10.0, 50.0, 90.0}) {
    const double r = R * std::cbrt(x / 100.0);
    INFO("x = " << x);
    CHECK(dvh.d_pct(x) == doctest::Approx(k / (r * r)).epsilon(0.01));
  }
  for (double cc : {0.1, 1.0, 2.0}) {
    const double r = std::cbrt(3.0 * cc * 1000.0 / (4.0 * std::numbers::pi));
    INFO("cc = " << cc);
    CHECK(dvh.d_cc(cc) == doctest::Approx(k / (r * r)).epsilon(0.01));
  }
  CHECK(dvh.d_pct(100.0) == doctest::Approx(k / (R * R)).epsilon(0.01));
  CHECK(dvh.v_pct(0.0) == doctest::Approx(100.0));
}

TEST_CASE("Dx is the minimum dose of the hottest x: exact on a hand-made DVH") {
  // 4 samples of 250 mm^3 (1 cc total) at 1, 2, 3, 4 Gy.
  const Dvh d({{2, 250}, {4, 250}, {1, 250}, {3, 250}});
  CHECK(d.total_volume_cc() == doctest::Approx(1.0));
  CHECK(d.d_max_Gy() == 4.0);
  CHECK(d.d_min_Gy() == 1.0);
  CHECK(d.d_pct(25) == 4.0);   // hottest 25 %: the 4 Gy sample
  CHECK(d.d_pct(26) == 3.0);   // needs part of the 3 Gy sample
  CHECK(d.d_pct(50) == 3.0);
  CHECK(d.d_pct(100) == 1.0);
  CHECK(d.d_cc(0.5) == 3.0);
  CHECK(d.d_cc(0.1) == 4.0);
  CHECK(d.d_cc(2.0) == 1.0);   // larger than the structure: its minimum
  CHECK_FALSE(d.covers(2.0));
  CHECK(d.v_pct(3.0) == doctest::Approx(50.0));  // >= counts
  CHECK(d.v_pct(3.0001) == doctest::Approx(25.0));
  CHECK(d.v_pct(5.0) == 0.0);
}

TEST_CASE("metric names parse as hdr-plan/1 defines them") {
  CHECK(parse_metric_name("V100_pct")->kind == MetricKind::v_pct);
  CHECK(parse_metric_name("V150_pct")->x == 150);
  CHECK(parse_metric_name("D90_Gy")->kind == MetricKind::d_pct);
  CHECK(parse_metric_name("D0.1cc_Gy")->kind == MetricKind::d_cc);
  CHECK(parse_metric_name("D0.1cc_Gy")->x == doctest::Approx(0.1));
  CHECK(parse_metric_name("D2cc_Gy")->x == 2);
  CHECK(parse_metric_name("Dmax_Gy")->kind == MetricKind::d_max);
  CHECK(parse_metric_name("volume_cc")->kind == MetricKind::volume_cc);
  CHECK_FALSE(parse_metric_name("D_Gy"));
  CHECK_FALSE(parse_metric_name("D150_Gy"));  // > 100 %
  CHECK_FALSE(parse_metric_name("Vx_pct"));
  CHECK_FALSE(parse_metric_name("V-5_pct"));
}
