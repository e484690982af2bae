#pragma once
// Projected limited-memory BFGS for   minimise f(x)  subject to  x ≥ 0   (dwell times).
// Each iteration: the projected gradient decides the free set (x_j > 0 or ∂f/∂x_j < 0);
// the L-BFGS two-loop recursion (Nocedal & Wright, Numerical Optimization, alg. 7.4) gives a
// direction on the free set; a backtracking Armijo search along the projected path
// P(x + α d) = max(0, x + α d) accepts a step; curvature pairs with sᵀy ≤ 0 are skipped.
// Stops when the projected gradient's ∞-norm ≤ gradient_tolerance · max(1, |∇f(x0)|∞) (a KKT
// point: ∂f/∂x_j ≈ 0 where x_j > 0 and ≥ 0 where x_j = 0), when f stops decreasing by a
// relative function_tolerance over 3 iterations, or at max_iterations. Deterministic.
#include <Eigen/Core>
#include <functional>
#include <string>

namespace hdr::optimize {

struct LbfgsOptions {
  int max_iterations = 150;
  int memory = 8;
  double gradient_tolerance = 1e-5;
  double function_tolerance = 1e-4;
  int max_line_search_steps = 30;
  // Throws hdr::Error naming the field, value and rule.
  void validate() const;
};

struct LbfgsReport {
  bool solver_called = false;
  int iterations = 0;
  int evaluations = 0;
  double initial_objective = 0;
  double final_objective = 0;
  double projected_gradient_norm = 0;  // ∞-norm at the returned point
  std::string termination = "minimize_nonnegative was not called.";
  bool converged = false;  // stopped on a tolerance (not the iteration limit)
};

// f(x, grad) returns f and writes ∇f. x is the start (projected onto x ≥ 0 first) and receives
// the solution; it is always a feasible point with f no larger than at the start.
using ObjectiveFn = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& grad)>;
LbfgsReport minimize_nonnegative(const ObjectiveFn& f, Eigen::VectorXd& x, const LbfgsOptions& options = {});

// ∞-norm of the projected gradient (the KKT residual for x ≥ 0).
double projected_gradient_norm(const Eigen::VectorXd& x, const Eigen::VectorXd& grad);

}  // namespace hdr::optimize
