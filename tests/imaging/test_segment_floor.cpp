// The urethra's floor for the contour DP (planner/imaging/segment_contour.hpp): where each ray
// from the contour's centre leaves the disc about the lumen, against plane geometry.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "planner/imaging/segment_contour.hpp"

using hdr::imaging::seg::raise_floor_to_disc;

TEST_CASE("a ray through the disc is floored where it leaves it; a ray missing it keeps its floor") {
  const int N = 72;  // 5 degrees per ray; ray t points at angle 2 pi t / N
  const std::vector<double> f = raise_floor_to_disc(std::vector<double>(N, 1.0), 0.0, 0.0, {5.0, 0.0}, 2.0);
  CHECK(f[0] == doctest::Approx(7.0));                   // straight through: 5 + 2
  const double th = 2 * std::numbers::pi * 3 / N;                    // 15 degrees: chord of the disc
  CHECK(f[3] == doctest::Approx(5.0 * std::cos(th) + std::sqrt(4.0 - 25.0 * std::sin(th) * std::sin(th))));
  CHECK(f[18] == 1.0);                                   // 90 degrees misses the disc
  CHECK(f[36] == 1.0);                                   // pointing away: the disc is behind the centre
}

TEST_CASE("a centre inside the disc floors every ray; a higher floor is kept") {
  std::vector<double> floor(8, 0.0);
  floor[2] = 9.0;  // a needle further out on the ray at 90 degrees
  const std::vector<double> f = raise_floor_to_disc(floor, 1.0, 1.0, {1.0, 2.0}, 3.0);  // centre 1 mm below the disc's
  CHECK(f[2] == 9.0);
  CHECK(f[6] == doctest::Approx(2.0));  // straight down: 3 - 1
  CHECK(f[0] == doctest::Approx(std::sqrt(8.0)));  // sideways: sqrt(3^2 - 1^2)
  for (double v : f) CHECK(v > 0.0);
}
