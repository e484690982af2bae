#pragma once
// The dwell-time objective: dose-volume penalties on the dose points plus the dwell-time
// modulation restriction (DTMR, Baltas et al., Med Phys 36 (2009) 1897) along each catheter:
//   f(t) = Σ_i w_min_i · max(0, L_i − d_i)² + w_max_i · max(0, d_i − U_i)²
//        + Σ_rules Σ_{i in rule, not exempt} w · max(0, ±(level − d_i))²   (DvRule)
//        + λ / P · Σ_{(j,k) neighbours} ((t_j − t_k) / τ)²,        d = A t   (A: Gy per s)
//   ∇f   = Aᵀ r + modulation gradient,  r_i = 2 (w_max_i max(0, d_i − U_i) − w_min_i max(0, L_i − d_i))
// r is sparse (near an optimum ~15 % of the points have an active penalty): Aᵀ r sums the
// rows of A with r_i ≠ 0, kept as a row-major copy (contiguous rows).
// τ is a time scale (s) that makes λ independent of the source strength; P the number of pairs.
// Matrix-vector products only; buffers are allocated once (evaluation allocates nothing).
#include <Eigen/Core>
#include <utility>
#include <vector>

#include "planner/dose/dose_matrix.hpp"
#include "planner/optimize/dose_points.hpp"

namespace hdr::optimize {

class DwellObjective {
 public:
  DwellObjective(const dose::DoseRateMatrix& A, const DosePoints& points, std::vector<std::pair<int, int>> neighbours,
                 double modulation_weight, double time_scale_s);

  // f(t) and ∇f(t).
  double evaluate(const Eigen::VectorXd& t_s, Eigen::VectorXd& grad) const;
  double value(const Eigen::VectorXd& t_s) const;
  // Dose (Gy) at the dose points for times t.
  const Eigen::VectorXf& dose(const Eigen::VectorXd& t_s) const;

  int dwell_count() const { return static_cast<int>(A_->cols()); }

 private:
  double penalty(Eigen::VectorXf* residual) const;  // from d_
  const dose::DoseRateMatrix* A_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> A_rows_;  // = A, row-major
  const DosePoints* p_;
  std::vector<std::pair<int, int>> pairs_;
  double lambda_, tau_;
  mutable Eigen::VectorXf tf_, d_, r_, g_;
  mutable std::vector<float> scratch_;  // dose-volume rule thresholds (nth_element)
};

// The modulation term λ / P Σ ((t_j − t_k) / τ)² over `pairs` (P of them), added to
// `grad` when given. 0 when there are no pairs or λ = 0.
double modulation_penalty(const std::vector<std::pair<int, int>>& pairs, double lambda, double time_scale_s,
                          const Eigen::VectorXd& t_s, Eigen::VectorXd* grad);

// Neighbouring active dwells on the same catheter (consecutive candidate indices).
template <class Dwells>
std::vector<std::pair<int, int>> catheter_neighbours(const Dwells& dwells) {
  std::vector<std::pair<int, int>> pairs;
  for (size_t j = 1; j < dwells.size(); ++j)
    if (dwells[j].catheter_id == dwells[j - 1].catheter_id &&
        dwells[j].index_on_catheter == dwells[j - 1].index_on_catheter + 1)
      pairs.emplace_back(static_cast<int>(j - 1), static_cast<int>(j));
  return pairs;
}

}  // namespace hdr::optimize
