#include "planner/optimize/constrained_refinement.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "planner/common/error.hpp"
#include "planner/optimize/objective.hpp"

namespace hdr::optimize {

namespace {

// φ: a linear hinge with a quadratic zone of width δ (C¹, so L-BFGS sees a smooth function).
struct SmoothHinge {
  double delta;
  double value(double x) const { return x <= 0 ? 0.0 : (x < delta ? x * x / (2 * delta) : x - 0.5 * delta); }
  double slope(double x) const { return x <= 0 ? 0.0 : (x < delta ? x / delta : 1.0); }
};

// A limit with its multipliers and which of its points are constrained (not exempt).
struct Limit {
  PointLimit p;
  std::vector<double> lambda;  // one per point of the block
  std::vector<char> active;
  // g_k: how far point k (of the block) lies past the level, in units of Rx (> 0: violated).
  double violation(size_t k, const Eigen::VectorXf& d, double rx_Gy) const {
    const double di = static_cast<double>(d[static_cast<Eigen::Index>(p.begin + k)]);
    return (p.is_min ? p.level_Gy - di : di - p.level_Gy) / rx_Gy;
  }
};

// Exempt the rule's fraction of points furthest past the level (as DvRule does in the
// penalty objective), from the dose of the current iterate.
void choose_exempt(Limit& l, const Eigen::VectorXf& d, std::vector<float>& scratch) {
  const size_t m = l.p.end - l.p.begin;
  const size_t k = static_cast<size_t>(l.p.exempt_fraction * static_cast<double>(m));
  std::fill(l.active.begin(), l.active.end(), 1);
  if (k == 0) return;
  scratch.assign(d.data() + l.p.begin, d.data() + l.p.end);
  const auto kth = scratch.begin() + static_cast<std::ptrdiff_t>(k - 1);
  if (l.p.is_min) std::nth_element(scratch.begin(), kth, scratch.end());
  else std::nth_element(scratch.begin(), kth, scratch.end(), std::greater<float>());
  const float threshold = *kth;
  size_t exempted = 0;
  for (size_t i = 0; i < m && exempted < k; ++i) {
    const float di = d[static_cast<Eigen::Index>(l.p.begin + i)];
    if (l.p.is_min ? di <= threshold : di >= threshold) {
      l.active[i] = 0;
      ++exempted;
    }
  }
}

}  // namespace

void RefinementOptions::validate() const {
  require(outer_iterations >= 1, "RefinementOptions::outer_iterations = " + std::to_string(outer_iterations) + ": must be >= 1");
  require(inner_iterations >= 1, "RefinementOptions::inner_iterations = " + std::to_string(inner_iterations) + ": must be >= 1");
  require(initial_penalty > 0, "RefinementOptions::initial_penalty = " + std::to_string(initial_penalty) + ": must be > 0");
  require(penalty_growth >= 1, "RefinementOptions::penalty_growth = " + std::to_string(penalty_growth) + ": must be >= 1");
  require(hot150_weight >= 0 && hot200_weight >= 0 && normal_tissue_weight >= 0,
          "RefinementOptions: the hot-spot and normal-tissue weights must be >= 0");
  require(modulation_weight >= 0, "RefinementOptions::modulation_weight = " + std::to_string(modulation_weight) + ": must be >= 0");
  require(smoothing_fraction > 0 && smoothing_fraction < 0.2,
          "RefinementOptions::smoothing_fraction = " + std::to_string(smoothing_fraction) + ": must be in (0, 0.2)");
}

RefinementReport refine_with_constraints(const dose::DoseRateMatrix& A, const DosePoints& points, double rx_Gy,
                                         const std::vector<PointLimit>& point_limits,
                                         const std::vector<std::pair<int, int>>& neighbours, double time_scale_s,
                                         Eigen::VectorXd& t_s, const RefinementOptions& o) {
  o.validate();
  require(std::isfinite(rx_Gy) && rx_Gy > 0, "refine_with_constraints: prescription " + std::to_string(rx_Gy) + " Gy: must be > 0");
  require(std::isfinite(time_scale_s) && time_scale_s > 0,
          "refine_with_constraints: time scale " + std::to_string(time_scale_s) + " s: must be > 0");
  const auto Av = A.view();
  const size_t n = points.size();
  HDR_ASSERT(static_cast<size_t>(Av.rows()) == n, "dose-rate matrix rows != dose points");
  HDR_ASSERT(Av.cols() == t_s.size(), "dose-rate matrix columns != dwell times");

  std::vector<size_t> target_volume, normal_tissue, boost;
  for (size_t i = 0; i < n; ++i) {
    if (points.group[i] == PointGroup::target_volume) target_volume.push_back(i);
    if (points.group[i] == PointGroup::normal_tissue && points.w_max[i] > 0) normal_tissue.push_back(i);
    if (points.group[i] == PointGroup::boost && points.w_min[i] > 0) boost.push_back(i);
  }
  HDR_ASSERT(!target_volume.empty(), "no target volume points");
  std::vector<Limit> limits;
  for (const PointLimit& p : point_limits) {
    require(p.begin < p.end && p.end <= n, "refine_with_constraints: a limit's points [" + std::to_string(p.begin) + ", " +
                                              std::to_string(p.end) + ") lie outside the " + std::to_string(n) + " dose points");
    require(p.exempt_fraction >= 0 && p.exempt_fraction < 1, "refine_with_constraints: exempt fraction " +
                                                               std::to_string(p.exempt_fraction) + ": must be in [0, 1)");
    limits.push_back({p, std::vector<double>(p.end - p.begin, 0.0), std::vector<char>(p.end - p.begin, 1)});
  }

  const SmoothHinge phi{o.smoothing_fraction};
  const double w150 = o.hot150_weight / static_cast<double>(target_volume.size());
  const double w200 = o.hot200_weight / static_cast<double>(target_volume.size());
  const double wN = normal_tissue.empty() ? 0.0 : o.normal_tissue_weight / static_cast<double>(normal_tissue.size());
  const double wB = boost.empty() ? 0.0 : o.hot150_weight / static_cast<double>(boost.size());
  double rho = o.initial_penalty;
  Eigen::VectorXf tf(t_s.size()), d(static_cast<Eigen::Index>(n)), r(static_cast<Eigen::Index>(n));
  Eigen::VectorXf gf(t_s.size());

  auto dose_of = [&](const Eigen::VectorXd& x) {
    tf = x.cast<float>();
    d.noalias() = Av * tf;
  };
  // L_ρ(t, λ) and its gradient, with the exempt sets held fixed.
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    dose_of(x);
    r.setZero();
    double f = 0;
    auto hinge = [&](size_t i, double w, double excess_Gy, float sign) {
      const double xr = excess_Gy / rx_Gy;
      if (xr <= 0) return;
      f += w * phi.value(xr);
      r[static_cast<Eigen::Index>(i)] += sign * static_cast<float>(w * phi.slope(xr) / rx_Gy);
    };
    for (size_t i : target_volume) {
      const double di = static_cast<double>(d[static_cast<Eigen::Index>(i)]);
      hinge(i, w150, di - 1.5 * rx_Gy, 1.0F);
      hinge(i, w200, di - 2.0 * rx_Gy, 1.0F);
    }
    for (size_t i : normal_tissue)
      hinge(i, wN, static_cast<double>(d[static_cast<Eigen::Index>(i)] - points.max_Gy[i]), 1.0F);
    for (size_t i : boost) hinge(i, wB, static_cast<double>(points.min_Gy[i] - d[static_cast<Eigen::Index>(i)]), -1.0F);
    for (const Limit& l : limits)
      for (size_t k = 0; k < l.lambda.size(); ++k) {
        if (!l.active[k]) continue;
        const double s = l.lambda[k] + rho * l.violation(k, d, rx_Gy);
        if (s <= 0) continue;
        f += s * s / (2 * rho);
        r[static_cast<Eigen::Index>(l.p.begin + k)] += static_cast<float>((l.p.is_min ? -s : s) / rx_Gy);
      }
    gf.noalias() = Av.transpose() * r;
    grad = gf.cast<double>();
    return f + modulation_penalty(neighbours, o.modulation_weight, time_scale_s, x, &grad);
  };

  RefinementReport rep;
  LbfgsOptions inner;
  inner.max_iterations = o.inner_iterations;
  std::vector<float> scratch;
  double previous_violation = 1e300;
  for (int outer = 0; outer < o.outer_iterations; ++outer) {
    dose_of(t_s);
    for (Limit& l : limits) choose_exempt(l, d, scratch);
    const LbfgsReport lr = minimize_nonnegative(objective, t_s, inner);
    rep.inner_iterations += lr.iterations;
    rep.outer_iterations = outer + 1;
    // Multiplier update and the largest remaining violation.
    dose_of(t_s);
    double violation = 0;
    for (Limit& l : limits)
      for (size_t k = 0; k < l.lambda.size(); ++k) {
        if (!l.active[k]) continue;
        const double g = l.violation(k, d, rx_Gy);
        l.lambda[k] = std::max(0.0, l.lambda[k] + rho * g);
        violation = std::max(violation, g);
      }
    rep.max_violation_pct = 100.0 * violation;
    if (violation > 0.5 * previous_violation) rho *= o.penalty_growth;
    previous_violation = violation;
  }
  return rep;
}

}  // namespace hdr::optimize
