#include "planner/optimize/objective.hpp"

#include <algorithm>
#include <functional>

#include "planner/common/error.hpp"

namespace hdr::optimize {

DwellObjective::DwellObjective(const dose::DoseRateMatrix& A, const DosePoints& points,
                               std::vector<std::pair<int, int>> neighbours, double modulation_weight, double time_scale_s)
    : A_(&A), p_(&points), pairs_(std::move(neighbours)), lambda_(modulation_weight), tau_(time_scale_s) {
  HDR_ASSERT(static_cast<size_t>(A.rows()) == points.size(), "dose-rate matrix rows != dose points");
  HDR_ASSERT(time_scale_s > 0, "time scale must be > 0");
  A_rows_ = A.view();
  tf_.resize(A.cols());
  d_.resize(A.rows());
  r_.resize(A.rows());
  g_.resize(A.cols());
}

const Eigen::VectorXf& DwellObjective::dose(const Eigen::VectorXd& t) const {
  tf_ = t.cast<float>();
  d_.noalias() = A_->view() * tf_;
  return d_;
}

double DwellObjective::penalty(Eigen::VectorXf* residual) const {
  double f = 0;
  const size_t n = p_->size();
  for (size_t i = 0; i < n; ++i) {
    const float d = d_[static_cast<Eigen::Index>(i)];
    const float lo = p_->min_Gy[i] - d, hi = d - p_->max_Gy[i];
    float r = 0;
    if (lo > 0) {
      f += static_cast<double>(p_->w_min[i] * lo * lo);
      r -= 2 * p_->w_min[i] * lo;
    }
    if (hi > 0) {
      f += static_cast<double>(p_->w_max[i] * hi * hi);
      r += 2 * p_->w_max[i] * hi;
    }
    if (residual) (*residual)[static_cast<Eigen::Index>(i)] = r;
  }
  for (const DvRule& rule : p_->dv_rules) {
    HDR_ASSERT(rule.begin <= rule.end && rule.end <= n, "dose-volume rule outside the dose points");
    const size_t m = rule.end - rule.begin;
    const size_t k = static_cast<size_t>(rule.exempt_fraction * static_cast<double>(m));
    // Exempt: the k points furthest past the level (dose <= the k-th coldest for a minimum,
    // >= the k-th hottest for a maximum). Ties at the threshold are exempt too.
    bool exempting = k > 0;
    float threshold = 0;
    if (exempting) {
      scratch_.assign(d_.data() + rule.begin, d_.data() + rule.end);
      if (rule.is_min) std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch_.end());
      else
        std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch_.end(),
                         std::greater<float>());
      threshold = scratch_[k - 1];
    }
    for (size_t i = rule.begin; i < rule.end; ++i) {
      const float d = d_[static_cast<Eigen::Index>(i)];
      const float past = rule.is_min ? rule.level_Gy - d : d - rule.level_Gy;
      if (!(past > 0)) continue;
      if (exempting && (rule.is_min ? d <= threshold : d >= threshold)) continue;
      f += static_cast<double>(rule.weight * past * past);
      if (residual) (*residual)[static_cast<Eigen::Index>(i)] += rule.is_min ? -2 * rule.weight * past : 2 * rule.weight * past;
    }
  }
  return f;
}

double DwellObjective::evaluate(const Eigen::VectorXd& t, Eigen::VectorXd& grad) const {
  dose(t);
  double f = penalty(&r_);
  g_.setZero();
  for (Eigen::Index i = 0; i < r_.size(); ++i)
    if (r_[i] != 0) g_.noalias() += r_[i] * A_rows_.row(i).transpose();
  grad = g_.cast<double>();
  return f + modulation_penalty(pairs_, lambda_, tau_, t, &grad);
}

double DwellObjective::value(const Eigen::VectorXd& t) const {
  dose(t);
  return penalty(nullptr) + modulation_penalty(pairs_, lambda_, tau_, t, nullptr);
}

double modulation_penalty(const std::vector<std::pair<int, int>>& pairs, double lambda, double time_scale_s,
                          const Eigen::VectorXd& t_s, Eigen::VectorXd* grad) {
  if (pairs.empty() || !(lambda > 0)) return 0.0;
  const double c = lambda / static_cast<double>(pairs.size()) / (time_scale_s * time_scale_s);
  double f = 0;
  for (const auto& [j, k] : pairs) {
    const double diff = t_s[j] - t_s[k];
    f += c * diff * diff;
    if (grad) {
      (*grad)[j] += 2 * c * diff;
      (*grad)[k] -= 2 * c * diff;
    }
  }
  return f;
}

}  // namespace hdr::optimize
