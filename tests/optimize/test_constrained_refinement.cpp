// Constrained refinement (augmented Lagrangian): the limits it is given hold at its result on
// a small line source problem whose starting plan breaks them, exemptions free exactly their
// fraction of points, and bad options or limits are refused by name.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "planner/common/error.hpp"
#include "planner/optimize/constrained_refinement.hpp"

using namespace hdr;
using namespace hdr::optimize;

namespace {

constexpr double kRx_Gy = 10.0;

// Five dwells on the x axis (0, 5, ..., 20 mm); target volume points 5 mm off the axis every
// millimetre from x = 0 to 20, "urethra" points 3.5 mm off the axis over the middle dwell
// (and, with `hot_outlier`, one more 1 mm from the middle dwell: covering the target with it
// under 1.25 Rx takes loading the end dwells, which an exempt outlier is not worth).
// Dose rate 1 / (r² + 0.25 cm²) Gy/s: a point source, finite at r = 0.
struct LineProblem {
  DosePoints points;
  dose::DoseRateMatrix A;
  size_t urethra_begin = 0;
};

LineProblem line_problem(bool hot_outlier = false) {
  LineProblem p;
  auto add = [&](double x, double y, PointGroup g) {
    p.points.points.push_back(x, y, 0.0);
    p.points.group.push_back(g);
    p.points.min_Gy.push_back(0);
    p.points.max_Gy.push_back(0);
    p.points.w_min.push_back(0);
    p.points.w_max.push_back(0);
  };
  for (int x = 0; x <= 20; ++x) add(x, 5.0, PointGroup::target_volume);
  p.urethra_begin = p.points.size();
  for (int x = 8; x <= 12; ++x) add(x, 3.5, PointGroup::urethra);
  if (hot_outlier) add(10.0, 1.0, PointGroup::urethra);
  p.A = dose::DoseRateMatrix(static_cast<Eigen::Index>(p.points.size()), 5);
  for (size_t i = 0; i < p.points.size(); ++i)
    for (int j = 0; j < 5; ++j) {
      const double dx_cm = (static_cast<double>(p.points.points.x_mm[i]) - 5.0 * j) / 10.0;
      const double dy_cm = static_cast<double>(p.points.points.y_mm[i]) / 10.0;
      p.A(static_cast<Eigen::Index>(i), j) = static_cast<float>(1.0 / (dx_cm * dx_cm + dy_cm * dy_cm + 0.25));
    }
  return p;
}

Eigen::VectorXd dose_of(const LineProblem& p, const Eigen::VectorXd& t) {
  return (p.A.view().cast<double>() * t).eval();
}

}  // namespace

TEST_CASE("the refinement brings a plan that breaks an organ limit within it, keeping coverage") {
  LineProblem p = line_problem();
  const size_t n_target = p.urethra_begin, n = p.points.size();
  const double urethra_level_Gy = 1.25 * kRx_Gy;
  const std::vector<PointLimit> limits = {{0, n_target, kRx_Gy, true, 0.0}, {p.urethra_begin, n, urethra_level_Gy, false, 0.2}};
  // Start: equal times with every target point at the prescription or above: the middle of the
  // urethra is then over its level.
  Eigen::VectorXd t = Eigen::VectorXd::Ones(5);
  t *= kRx_Gy / dose_of(p, t).head(static_cast<Eigen::Index>(n_target)).minCoeff();
  REQUIRE(dose_of(p, t).tail(static_cast<Eigen::Index>(n - n_target)).maxCoeff() > 1.05 * urethra_level_Gy);

  const RefinementReport r = refine_with_constraints(p.A, p.points, kRx_Gy, limits, {}, 1.0, t);
  const Eigen::VectorXd d = dose_of(p, t);
  CHECK(t.minCoeff() >= 0.0);
  CHECK(d.head(static_cast<Eigen::Index>(n_target)).minCoeff() >= 0.99 * kRx_Gy);
  CHECK(d.tail(static_cast<Eigen::Index>(n - n_target)).maxCoeff() <= urethra_level_Gy + 0.01 * kRx_Gy);
  CHECK(r.max_violation_pct < 1.0);
  CHECK(r.outer_iterations == RefinementOptions{}.outer_iterations);
  // The middle dwell, which the urethra lies over, gave up time to its neighbours.
  CHECK(t[2] < t[1]);
  CHECK(t[2] < t[3]);
}

TEST_CASE("an exempt fraction frees that many of the points furthest past the level, no more") {
  LineProblem p = line_problem(/*hot_outlier=*/true);
  const size_t n_target = p.urethra_begin, n = p.points.size();
  const double urethra_level_Gy = 1.25 * kRx_Gy;
  // 1 of the 6 urethra points exempt: the outlier is left over the level (with none exempt it
  // is held under it too), the other five meet it.
  const std::vector<PointLimit> limits = {{0, n_target, kRx_Gy, true, 0.0}, {p.urethra_begin, n, urethra_level_Gy, false, 0.2}};
  Eigen::VectorXd t = Eigen::VectorXd::Ones(5);
  t *= kRx_Gy / dose_of(p, t).head(static_cast<Eigen::Index>(n_target)).minCoeff();
  const RefinementReport r = refine_with_constraints(p.A, p.points, kRx_Gy, limits, {}, 1.0, t);
  const Eigen::VectorXd d = dose_of(p, t);
  int over = 0;
  for (size_t i = p.urethra_begin; i < n; ++i) over += d[static_cast<Eigen::Index>(i)] > urethra_level_Gy + 0.01 * kRx_Gy;
  CHECK(over == 1);
  CHECK(d[static_cast<Eigen::Index>(n - 1)] > urethra_level_Gy);  // the one over is the outlier
  CHECK(d.head(static_cast<Eigen::Index>(n_target)).minCoeff() >= 0.99 * kRx_Gy);
  CHECK(r.max_violation_pct < 1.0);
}

TEST_CASE("refinement options and limits are validated by name") {
  LineProblem p = line_problem();
  Eigen::VectorXd t = Eigen::VectorXd::Ones(5);
  RefinementOptions o;
  o.outer_iterations = 0;
  CHECK_THROWS_WITH_AS(refine_with_constraints(p.A, p.points, kRx_Gy, {}, {}, 1.0, t, o), doctest::Contains("outer_iterations = 0"), Error);
  o = RefinementOptions{};
  o.smoothing_fraction = 0.5;
  CHECK_THROWS_WITH_AS(refine_with_constraints(p.A, p.points, kRx_Gy, {}, {}, 1.0, t, o), doctest::Contains("smoothing_fraction"), Error);
  CHECK_THROWS_WITH_AS(refine_with_constraints(p.A, p.points, kRx_Gy, {{0, p.points.size() + 1, kRx_Gy, true, 0.0}}, {}, 1.0, t),
                       doctest::Contains("outside the"), Error);
  CHECK_THROWS_WITH_AS(refine_with_constraints(p.A, p.points, kRx_Gy, {{0, 3, kRx_Gy, true, 1.0}}, {}, 1.0, t),
                       doctest::Contains("exempt fraction"), Error);
  CHECK_THROWS_WITH_AS(refine_with_constraints(p.A, p.points, 0.0, {}, {}, 1.0, t), doctest::Contains("prescription"), Error);
}
