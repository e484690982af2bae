// The projected L-BFGS solver: KKT conditions at the solution of a small non-negative least
// squares problem, checked against an exact active-set enumeration; the objective's gradient
// against finite differences.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>

#include "planner/anatomy/random.hpp"
#include "planner/common/error.hpp"
#include "planner/optimize/lbfgs.hpp"
#include "planner/optimize/objective.hpp"

using namespace hdr::optimize;

namespace {
// Exact NNLS by enumerating every free set: the feasible stationary point with the lowest f.
Eigen::VectorXd nnls_exact(const Eigen::MatrixXd& M, const Eigen::VectorXd& b) {
  const int n = static_cast<int>(M.cols());
  double best = 1e300;
  Eigen::VectorXd best_x = Eigen::VectorXd::Zero(n);
  for (int mask = 0; mask < (1 << n); ++mask) {
    std::vector<int> idx;
    for (int j = 0; j < n; ++j)
      if (mask & (1 << j)) idx.push_back(j);
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    if (!idx.empty()) {
      Eigen::MatrixXd Ms(M.rows(), static_cast<Eigen::Index>(idx.size()));
      for (size_t k = 0; k < idx.size(); ++k) Ms.col(static_cast<Eigen::Index>(k)) = M.col(idx[k]);
      const Eigen::VectorXd xs = Ms.colPivHouseholderQr().solve(b);
      if ((xs.array() < 0).any()) continue;
      for (size_t k = 0; k < idx.size(); ++k) x[idx[k]] = xs[static_cast<Eigen::Index>(k)];
    }
    const double f = (M * x - b).squaredNorm();
    if (f < best) best = f, best_x = x;
  }
  return best_x;
}
}  // namespace

TEST_CASE("KKT conditions hold at the solution of a small non-negative least-squares problem") {
  hdr::anatomy::SplitMix64 rng(42);
  for (int trial = 0; trial < 5; ++trial) {
    const int m = 12, n = 6;
    Eigen::MatrixXd M(m, n);
    Eigen::VectorXd b(m);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) M(i, j) = rng.uniform(-1, 1);
      b[i] = rng.uniform(-1, 2);
    }
    auto f = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
      const Eigen::VectorXd r = M * x - b;
      g = 2 * M.transpose() * r;
      return r.squaredNorm();
    };
    Eigen::VectorXd x = Eigen::VectorXd::Constant(n, 1.0);
    LbfgsOptions o;
    o.gradient_tolerance = 1e-10;
    o.function_tolerance = 0;
    o.max_iterations = 2000;
    const auto rep = minimize_nonnegative(f, x, o);
    CHECK(rep.converged);
    CHECK((x.array() >= 0).all());
    Eigen::VectorXd g;
    f(x, g);
    int at_bound = 0;
    for (int j = 0; j < n; ++j) {
      if (x[j] > 1e-9) CHECK(std::fabs(g[j]) < 1e-6);  // stationary in the free variables
      else {
        CHECK(g[j] > -1e-6);  // no descent into the feasible region
        ++at_bound;
      }
    }
    const Eigen::VectorXd exact = nnls_exact(M, b);
    CHECK((x - exact).cwiseAbs().maxCoeff() < 1e-5);
    CHECK(rep.final_objective <= rep.initial_objective);
    INFO("trial " << trial << ": " << at_bound << " variables at the bound");
  }
}

TEST_CASE("the solver refuses bad options by name") {
  LbfgsOptions o;
  o.memory = 0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("LbfgsOptions::memory = 0"), hdr::Error);
  LbfgsReport never;
  CHECK_FALSE(never.solver_called);
}

TEST_CASE("the dwell objective's gradient matches finite differences") {
  hdr::anatomy::SplitMix64 rng(5);
  const int np = 40, nd = 7;
  hdr::dose::DoseRateMatrix A(np, nd);
  for (int i = 0; i < np; ++i)
    for (int j = 0; j < nd; ++j) A(i, j) = static_cast<float>(rng.uniform(0.01, 1.0));
  DosePoints p;
  for (int i = 0; i < np; ++i) {
    p.points.push_back(i, 0, 0);
    p.min_Gy.push_back(i % 3 == 0 ? 3.0f : 0.0f);
    p.max_Gy.push_back(i % 2 == 0 ? 3.5f : 100.0f);
    p.w_min.push_back(i % 3 == 0 ? 0.7f : 0.0f);
    p.w_max.push_back(0.3f);
    p.group.push_back(PointGroup::target_volume);
  }
  struct D {
    int catheter_id, index_on_catheter;
  };
  std::vector<D> dw;
  for (int j = 0; j < nd; ++j) dw.push_back({j < 4 ? 1 : 2, j < 4 ? j : j - 4});
  const auto pairs = catheter_neighbours(dw);
  CHECK(pairs.size() == 5);
  const DwellObjective obj(A, p, pairs, 0.5, 2.0);
  Eigen::VectorXd t(nd);
  for (int j = 0; j < nd; ++j) t[j] = rng.uniform(0.5, 2.0);
  Eigen::VectorXd g;
  const double f = obj.evaluate(t, g);
  CHECK(f == doctest::Approx(obj.value(t)));
  for (int j = 0; j < nd; ++j) {
    const double h = 1e-3;
    Eigen::VectorXd tp = t, tm = t;
    tp[j] += h;
    tm[j] -= h;
    const double fd = (obj.value(tp) - obj.value(tm)) / (2 * h);
    CHECK(g[j] == doctest::Approx(fd).epsilon(2e-3).scale(1.0));
  }
}
