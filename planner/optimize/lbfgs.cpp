#include "planner/optimize/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

#include "planner/common/error.hpp"

namespace hdr::optimize {

void LbfgsOptions::validate() const {
  require(max_iterations >= 0, "LbfgsOptions::max_iterations = " + std::to_string(max_iterations) + ": must be >= 0");
  require(memory >= 1 && memory <= 100, "LbfgsOptions::memory = " + std::to_string(memory) + ": must be in 1..100");
  require(std::isfinite(gradient_tolerance) && gradient_tolerance >= 0,
          "LbfgsOptions::gradient_tolerance = " + std::to_string(gradient_tolerance) + ": must be >= 0");
  require(std::isfinite(function_tolerance) && function_tolerance >= 0,
          "LbfgsOptions::function_tolerance = " + std::to_string(function_tolerance) + ": must be >= 0");
  require(max_line_search_steps >= 1,
          "LbfgsOptions::max_line_search_steps = " + std::to_string(max_line_search_steps) + ": must be >= 1");
}

double projected_gradient_norm(const Eigen::VectorXd& x, const Eigen::VectorXd& g) {
  double m = 0;
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    const double pg = (x[j] <= 0 && g[j] > 0) ? 0.0 : std::fabs(g[j]);
    m = std::max(m, pg);
  }
  return m;
}

LbfgsReport minimize_nonnegative(const ObjectiveFn& fn, Eigen::VectorXd& x, const LbfgsOptions& opt) {
  opt.validate();
  LbfgsReport rep;
  rep.solver_called = true;
  const Eigen::Index n = x.size();
  x = x.cwiseMax(0.0);
  Eigen::VectorXd g(n), g_new(n), x_new(n), d(n), q(n);
  double f = fn(x, g);
  rep.evaluations = 1;
  rep.initial_objective = f;
  HDR_ASSERT(std::isfinite(f), "objective is not finite at the start");
  const double g_scale = std::max(1.0, projected_gradient_norm(x, g));
  std::deque<Eigen::VectorXd> S, Y;
  std::deque<double> rho;
  std::vector<double> alpha_buf(static_cast<size_t>(opt.memory));
  int small_decrease = 0;
  rep.termination = "iteration limit reached";
  for (int it = 0; it < opt.max_iterations; ++it) {
    const double pgn = projected_gradient_norm(x, g);
    if (pgn <= opt.gradient_tolerance * g_scale) {
      rep.termination = "projected gradient below tolerance (KKT point)";
      rep.converged = true;
      break;
    }
    // Free set: variables not held at the bound by a positive gradient.
    auto is_free = [&](Eigen::Index j) { return !(x[j] <= 0 && g[j] > 0); };
    q = g;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!is_free(j)) q[j] = 0;
    const size_t m = S.size();
    for (size_t k = m; k-- > 0;) {
      double a = rho[k] * S[k].dot(q);
      alpha_buf[k] = a;
      q -= a * Y[k];
    }
    if (m > 0) q *= S.back().dot(Y.back()) / Y.back().squaredNorm();
    for (size_t k = 0; k < m; ++k) {
      const double b = rho[k] * Y[k].dot(q);
      q += (alpha_buf[k] - b) * S[k];
    }
    d = -q;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!is_free(j)) d[j] = 0;
    double gd = g.dot(d);
    if (!(gd < 0)) {  // not a descent direction: fall back to the projected steepest descent
      for (Eigen::Index j = 0; j < n; ++j) d[j] = is_free(j) ? -g[j] : 0.0;
      gd = g.dot(d);
      S.clear(), Y.clear(), rho.clear();
    }
    double step = 1.0;
    if (m == 0) step = std::min(1.0, 1.0 / std::max(1e-300, d.cwiseAbs().maxCoeff())) * std::max(1.0, x.cwiseAbs().maxCoeff());
    bool accepted = false;
    double f_new = f;
    for (int ls = 0; ls < opt.max_line_search_steps; ++ls) {
      x_new = (x + step * d).cwiseMax(0.0);
      f_new = fn(x_new, g_new);
      ++rep.evaluations;
      if (std::isfinite(f_new) && f_new <= f + 1e-4 * g.dot(x_new - x)) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      rep.termination = "line search found no decrease (converged to working precision)";
      rep.converged = true;
      break;
    }
    Eigen::VectorXd s = x_new - x, y = g_new - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * std::max(1e-300, y.squaredNorm())) {
      if (static_cast<int>(S.size()) == opt.memory) S.pop_front(), Y.pop_front(), rho.pop_front();
      S.push_back(std::move(s));
      Y.push_back(std::move(y));
      rho.push_back(1.0 / sy);
    }
    const double rel = (f - f_new) / std::max(1e-300, std::fabs(f));
    x.swap(x_new);
    g.swap(g_new);
    f = f_new;
    rep.iterations = it + 1;
    small_decrease = rel < opt.function_tolerance ? small_decrease + 1 : 0;
    if (small_decrease >= 3) {
      rep.termination = "relative decrease of f below tolerance";
      rep.converged = true;
      break;
    }
  }
  rep.final_objective = f;
  rep.projected_gradient_norm = projected_gradient_norm(x, g);
  return rep;
}

}  // namespace hdr::optimize
