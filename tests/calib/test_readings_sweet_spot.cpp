// Reading statistics against hand-computed values, and the sweet-spot fit against curves
// whose maximum is known analytically.
#include <doctest/doctest.h>

#include <cmath>

#include "calib/readings.hpp"
#include "calib/sweet_spot.hpp"
#include "planner/common/error.hpp"

using namespace hdr::calib;

namespace {
bool any_contains(const std::vector<std::string>& ws, const std::string& needle) {
  for (const auto& w : ws)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("reading statistics: mean, sample SD, range, slope") {
  // 1, 2, 3 nA: mean 2, sample SD 1 (50 %), slope 1 nA per reading (50 %), drift 100 %.
  const ReadingStats s = compute_reading_stats({1e-9, 2e-9, 3e-9});
  CHECK(s.count == 3);
  CHECK(s.mean_A == doctest::Approx(2e-9));
  REQUIRE(s.sd_A);
  CHECK(*s.sd_A == doctest::Approx(1e-9));
  CHECK(*s.relative_sd_pct == doctest::Approx(50.0));
  CHECK(s.range_pct == doctest::Approx(100.0));
  CHECK(*s.trend_pct_per_reading == doctest::Approx(50.0));
  CHECK(*s.drift_pct == doctest::Approx(100.0));
  // Reversing the order flips the trend's sign but not the scatter.
  const ReadingStats r = compute_reading_stats({3e-9, 2e-9, 1e-9});
  CHECK(*r.trend_pct_per_reading == doctest::Approx(-50.0));
  CHECK(*r.relative_sd_pct == doctest::Approx(50.0));
}

TEST_CASE("stable readings raise no warning; scatter or trend beyond 0.5 % does") {
  CHECK(compute_reading_stats({9.001e-8, 9.000e-8, 8.999e-8, 9.000e-8}).warnings.empty());
  // Alternating ±0.8 %, symmetric about the middle reading: scatter, zero slope.
  const ReadingStats scatter =
      compute_reading_stats({9.072e-8, 8.928e-8, 9.072e-8, 8.928e-8, 9.072e-8, 8.928e-8, 9.072e-8});
  CHECK(*scatter.trend_pct_per_reading == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(any_contains(scatter.warnings, "scatter"));
  CHECK_FALSE(any_contains(scatter.warnings, "trend"));
  // Steady climb of 0.018 nA (0.2 % of the mean) per reading: scatter 0.31 % is fine, but
  // 0.018·4/9.036 = 0.797 % over the series is a trend.
  const ReadingStats climb = compute_reading_stats({9.000e-8, 9.018e-8, 9.036e-8, 9.054e-8, 9.072e-8});
  CHECK(*climb.relative_sd_pct < 0.5);
  CHECK(*climb.drift_pct == doctest::Approx(100.0 * 0.018 * 4 / 9.036).epsilon(1e-9));
  CHECK(any_contains(climb.warnings, "trend"));
  CHECK_FALSE(any_contains(climb.warnings, "scatter"));
  // One reading: no spread to report, and the physicist is told so.
  const ReadingStats one = compute_reading_stats({9e-8});
  CHECK_FALSE(one.sd_A.has_value());
  CHECK_FALSE(one.trend_pct_per_reading.has_value());
  CHECK(any_contains(one.warnings, "single reading"));
}

TEST_CASE("reading statistics refuse empty, zero, negative and NaN readings") {
  CHECK_THROWS_WITH_AS(compute_reading_stats({}), doctest::Contains("readings_A"), hdr::Error);
  CHECK_THROWS_WITH_AS(compute_reading_stats({9e-8, 0.0}), doctest::Contains("readings_A[1]"), hdr::Error);
  CHECK_THROWS_AS(compute_reading_stats({-9e-8}), hdr::Error);
  CHECK_THROWS_AS(compute_reading_stats({NAN}), hdr::Error);
}

namespace {
// Samples I(x) at x0 + k·step for k = 0..n-1.
SweetSpotScan sample(double (*f)(double), double x0, double step, int n, double measured_at_mm) {
  SweetSpotScan s;
  for (int k = 0; k < n; ++k) {
    const double x = x0 + k * step;
    s.points.push_back({x, f(x)});
  }
  s.measurement_position_mm = measured_at_mm;
  return s;
}
double parabola(double x) { return 1e-8 * (1.0 - 1e-3 * (x - 1231.3) * (x - 1231.3)); }
// A realistic, non-polynomial response: a broad Gaussian plateau centred at 1228.6 mm.
double gaussian(double x) { return 9e-8 * std::exp(-(x - 1228.6) * (x - 1228.6) / (2.0 * 30.0 * 30.0)); }
}  // namespace

TEST_CASE("sweet spot: a sampled parabola's vertex is found exactly") {
  const SweetSpotResult r = analyse_sweet_spot(sample(parabola, 1200.0, 5.0, 13, 1231.0));
  CHECK(r.fitted);
  CHECK(r.peak_position_mm == doctest::Approx(1231.3).epsilon(1e-9));
  CHECK(r.peak_current_A == doctest::Approx(1e-8).epsilon(1e-9));
  CHECK(r.measurement_offset_mm == doctest::Approx(-0.3).epsilon(1e-6));
  REQUIRE(r.relative_response_at_measurement);
  CHECK(*r.relative_response_at_measurement == doctest::Approx(1.0 - 1e-3 * 0.09).epsilon(1e-9));
  CHECK(r.warnings.empty());
  // Point order in the file does not matter.
  SweetSpotScan shuffled = sample(parabola, 1200.0, 5.0, 13, 1231.0);
  std::swap(shuffled.points[0], shuffled.points[7]);
  std::swap(shuffled.points[3], shuffled.points[12]);
  CHECK(analyse_sweet_spot(shuffled).peak_position_mm == doctest::Approx(1231.3).epsilon(1e-9));
}

TEST_CASE("sweet spot: a Gaussian plateau's maximum within 0.1 mm; offsets beyond 1 mm warn") {
  const SweetSpotResult on = analyse_sweet_spot(sample(gaussian, 1190.0, 2.0, 31, 1229.0));
  CHECK(on.fitted);
  CHECK(std::fabs(on.peak_position_mm - 1228.6) < 0.1);
  CHECK(on.warnings.empty());
  const SweetSpotResult off = analyse_sweet_spot(sample(gaussian, 1190.0, 2.0, 31, 1232.0));
  CHECK(std::fabs(off.measurement_offset_mm - 3.4) < 0.1);
  CHECK(any_contains(off.warnings, "from the maximum"));
}

TEST_CASE("sweet spot: a peak at the scan edge or a measurement outside the scan warns") {
  // The scan stops before the maximum at 1228.6 mm: current rises to the last point.
  const SweetSpotResult edge = analyse_sweet_spot(sample(gaussian, 1190.0, 2.0, 10, 1208.0));
  CHECK_FALSE(edge.fitted);
  CHECK(edge.peak_position_mm == doctest::Approx(1208.0));
  CHECK(any_contains(edge.warnings, "scan edge"));
  const SweetSpotResult outside = analyse_sweet_spot(sample(gaussian, 1190.0, 2.0, 31, 1300.0));
  CHECK_FALSE(outside.relative_response_at_measurement.has_value());
  CHECK(any_contains(outside.warnings, "outside the scanned range"));
}

TEST_CASE("sweet spot refuses too few points, repeated positions and bad currents") {
  SweetSpotScan s = sample(parabola, 1220.0, 5.0, 2, 1225.0);
  CHECK_THROWS_WITH_AS(analyse_sweet_spot(s), doctest::Contains("at least 3"), hdr::Error);
  s = sample(parabola, 1220.0, 5.0, 4, 1225.0);
  s.points[2].position_mm = s.points[1].position_mm;
  CHECK_THROWS_WITH_AS(analyse_sweet_spot(s), doctest::Contains("appears twice"), hdr::Error);
  s = sample(parabola, 1220.0, 5.0, 4, 1225.0);
  s.points[1].current_A = -1e-9;
  CHECK_THROWS_WITH_AS(analyse_sweet_spot(s), doctest::Contains("points[1].current_A"), hdr::Error);
  s = sample(parabola, 1220.0, 5.0, 4, NAN);
  CHECK_THROWS_AS(analyse_sweet_spot(s), hdr::Error);
}
