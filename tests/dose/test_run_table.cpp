// The run table (run_table.hpp) and the run path of the builders: accuracy against the direct
// formalism where the table serves a pair (dense near the 12° axis cones, r = 0.5 cm and the
// table's far edge), the run split (dwell_runs.hpp), and the run path against the closed-form
// path on catheters in any direction, either dwell order and several steps.
#include <doctest/doctest.h>

#include <Eigen/Geometry>
#include <cmath>
#include <numbers>
#include <random>

#include "planner/dose/dose_matrix.hpp"
#include "planner/dose/dwell_runs.hpp"
#include "planner/dose/run_eval.hpp"
#include "planner/dose/run_table.hpp"
#include "planner/dose/tg43.hpp"

using namespace hdr::dose;

namespace {

// (along, away) samples in cm that stress the table: log-uniform r over the table's range,
// a quarter uniform in θ, a quarter within 1° outside either 12° cone edge, a quarter within
// 1 mm outside r = 0.5 cm, the rest near the table's far edges.
std::pair<double, double> stress_point(std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double cone = std::atan(static_cast<double>(run_grid::kAxisConeTan));
  const double deg = std::numbers::pi / 180;
  double r = 0.5 * std::exp(unit(rng) * std::log(14.0 / 0.5));
  double th = unit(rng) * std::numbers::pi;
  switch (rng() % 4) {
    case 0: break;
    case 1: th = (rng() % 2) ? cone + unit(rng) * deg : std::numbers::pi - cone - unit(rng) * deg; break;
    case 2: r = 0.5 + 0.1 * unit(rng); break;
    default: r = 9.0 + 5.0 * unit(rng); break;
  }
  return {r * std::cos(th), r * std::sin(th)};
}

}  // namespace

TEST_CASE("run table within 0.1 % of the direct formalism wherever it serves a pair, every source") {
  std::mt19937 rng(2024);
  for (const auto& s : SourceLibrary::builtin().models()) {
    CAPTURE(s.id);
    const Tg43Kernel k(s);
    const auto table = run_table_for(k, 25);
    double worst = 0;
    int served = 0;
    for (int n = 0; n < 200000; ++n) {
      const auto [z, y] = stress_point(rng);
      const float zf = static_cast<float>(z), yf = static_cast<float>(y);
      if (run_grid::needs_closed_form(zf, yf)) continue;
      ++served;
      const double direct = dose_rate_per_U(s, zf, yf);
      worst = std::max(worst, std::fabs(static_cast<double>(table->dose_rate_per_U(zf, yf)) / direct - 1));
    }
    CHECK(served > 100000);
    CHECK(worst < 1e-3);
    MESSAGE(s.id << ": worst run-table/direct deviation " << worst * 100 << " % over " << served
                 << " points; table " << static_cast<double>(table->bytes()) / 1048576.0 << " MiB built in " << table->build_time_ms()
                 << " ms");
  }
}

TEST_CASE("the table rows and the closed-form rule") {
  using namespace run_grid;
  // away_row is the inverse of away_of_row at every node, and continuous between nodes.
  for (int row = 0; row < kAwayRows; ++row)
    CHECK(away_row(static_cast<float>(away_of_row(row))) == doctest::Approx(row).epsilon(1e-5));
  CHECK(away_row(kAwayMax_cm) <= static_cast<float>(kAwayRows - 2));
  // Below the first row every pair is near the source or inside a cone: never a table lookup.
  for (float along = -12.0f; along <= 12.0f; along += 0.01f) CHECK(needs_closed_form(along, kAwayMin_cm * 0.999f));
  CHECK(needs_closed_form(0.0f, 0.49f));
  CHECK_FALSE(needs_closed_form(0.0f, 0.51f));
  CHECK(needs_closed_form(5.0f, 5.0f * kAxisConeTan * 0.99f));
  CHECK_FALSE(needs_closed_form(5.0f, 5.0f * kAxisConeTan * 1.01f));
  CHECK(needs_closed_form(9.99f, 3.0f));
  CHECK(needs_closed_form(2.0f, 10.5f));
  CHECK(needs_closed_form(std::nanf(""), 1.0f));
}

namespace {
std::vector<DwellGeometry> catheter(const Eigen::Vector3d& tip, const Eigen::Vector3d& dir, double step_mm, int n,
                                    bool reversed) {
  std::vector<DwellGeometry> d;
  for (int k = 0; k < n; ++k) d.push_back({tip + (k * step_mm) * dir, dir});
  if (reversed) std::reverse(d.begin(), d.end());
  return d;
}
}  // namespace

TEST_CASE("dwell runs: straight equal steps form a run in either order; anything else is single") {
  const Eigen::Vector3d dir = Eigen::Vector3d(0.2, -0.1, 1.0).normalized();
  auto d = catheter({1, 2, 3}, dir, 2.5, 11, false);
  auto r = find_dwell_runs(d);
  REQUIRE(r.runs.size() == 1);
  CHECK(r.singles.empty());
  CHECK(r.runs[0].count == 11);
  CHECK(r.runs[0].stride_nodes == 25);
  CHECK(r.runs[0].first_dwell == 0);
  CHECK(r.runs[0].dwell_stride == 1);

  d = catheter({1, 2, 3}, dir, 5.0, 9, true);  // listed entry -> tip
  r = find_dwell_runs(d);
  REQUIRE(r.runs.size() == 1);
  CHECK(r.runs[0].first_dwell == 8);
  CHECK(r.runs[0].dwell_stride == -1);
  CHECK(r.runs[0].stride_nodes == 50);

  // A gap (a dwell left out) ends the run; a step that is no multiple of 0.1 mm makes singles;
  // a bend (another direction) ends the run; positions off the axis are singles.
  auto gap = catheter({0, 0, 0}, dir, 2.5, 10, false);
  gap.erase(gap.begin() + 4);
  r = find_dwell_runs(gap);
  CHECK(r.runs.size() == 2);
  CHECK(find_dwell_runs(catheter({0, 0, 0}, dir, 2.55, 6, false)).runs.size() == 0);
  CHECK(find_dwell_runs(catheter({0, 0, 0}, dir, 2.55, 6, false)).singles.size() == 6);
  auto bent = catheter({0, 0, 0}, dir, 2.5, 6, false);
  for (size_t k = 3; k < bent.size(); ++k) bent[k].direction = Eigen::Vector3d(0, 0, 1);
  r = find_dwell_runs(bent);
  CHECK(r.runs.size() == 1);  // dwells 0..2; 3..5 point along z but step along `dir`: singles
  CHECK(r.singles.size() == 3);
  std::vector<DwellGeometry> sideways;
  for (int k = 0; k < 5; ++k) sideways.push_back({Eigen::Vector3d(2.5 * k, 0, 0), Eigen::Vector3d(0, 0, 1)});
  CHECK(find_dwell_runs(sideways).runs.empty());
}

TEST_CASE("run path of the builders equals the per-pair kernel and stays within 0.1 % of the direct formalism") {
  const auto& s = SourceLibrary::builtin().get("VS2000");  // the longest source: the hardest tips
  const Tg43Kernel k(s);
  std::mt19937 rng(99);
  std::normal_distribution<double> g(0, 1);
  std::vector<DwellGeometry> dwells;
  const double steps[] = {2.5, 5.0, 3.0, 1.0};
  for (int c = 0; c < 8; ++c) {
    const Eigen::Vector3d dir = c < 4 ? Eigen::Vector3d(0, 0, c % 2 ? 1 : -1)
                                      : Eigen::Vector3d(g(rng), g(rng), g(rng)).normalized();
    const Eigen::Vector3d tip(8 * g(rng), 8 * g(rng), 8 * g(rng));
    const int n = 2 + static_cast<int>(rng() % 19);  // 2..20 lanes: partial and several blocks
    for (const auto& d : catheter(tip, dir, steps[c % 4], n, c % 3 == 0)) dwells.push_back(d);
  }
  const auto split = find_dwell_runs(dwells);
  REQUIRE(split.runs.size() == 8);
  // Points: a cloud, plus points on and near the catheter axes and right next to dwells.
  PointSet pts;
  std::uniform_real_distribution<double> u(-35, 35);
  for (int i = 0; i < 3000; ++i) pts.push_back(u(rng), u(rng), u(rng));
  for (size_t j = 0; j < dwells.size(); j += 3) {
    for (double t : {-40.0, -12.0, -4.0, 2.6, 3.0, 7.0, 25.0}) {
      const Eigen::Vector3d p = dwells[j].position_mm + t * dwells[j].direction + 0.3 * dwells[j].direction.unitOrthogonal();
      pts.push_back(p.x(), p.y(), p.z());
    }
  }
  const double sk = 40000;
  const auto a = build_dose_rate_matrix(k, pts, dwells, sk, 2);
  const double to_gy_s = sk / 360000.0;
  double worst_kernel = 0, worst_direct = 0;
  int compared = 0;
  for (size_t j = 0; j < dwells.size(); ++j)
    for (size_t i = 0; i < pts.size(); ++i) {
      const Eigen::Vector3d p(pts.x_mm[i], pts.y_mm[i], pts.z_mm[i]);
      const Eigen::Vector3d d_cm = (p - dwells[j].position_mm) * 0.1;
      const double along = -d_cm.dot(dwells[j].direction);
      const double away = d_cm.cross(dwells[j].direction).norm();
      if (std::hypot(along, away) < 0.25) continue;
      const double m = static_cast<double>(a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) / to_gy_s;
      const double per_pair = static_cast<double>(k.eval(static_cast<float>(along), static_cast<float>(away)));
      worst_kernel = std::max(worst_kernel, std::fabs(m / per_pair - 1));
      worst_direct = std::max(worst_direct, std::fabs(m / dose_rate_per_U(s, along, away) - 1));
      ++compared;
    }
  MESSAGE("run path vs per-pair kernel: worst " << worst_kernel * 100 << " %, vs direct: worst " << worst_direct * 100
                                                << " % over " << compared << " pairs");
  CHECK(worst_kernel < 2e-5);  // float rounding of along/away only
  CHECK(worst_direct < 1e-3);

  // Point doses through the run path agree with the matrix; the closed-form-only fallback (no
  // AVX2) agrees within the contract.
  std::vector<double> t(dwells.size());
  for (size_t j = 0; j < t.size(); ++j) t[j] = 0.5 * static_cast<double>(j % 5);
  const auto doses = compute_point_doses(k, pts, dwells, t, sk, 2);
  force_closed_form_only_for_tests(true);
  const auto fallback = compute_point_doses(k, pts, dwells, t, sk, 1);
  const auto a_fallback = build_dose_rate_matrix(k, pts, dwells, sk, 1);
  force_closed_form_only_for_tests(false);
  Eigen::VectorXf tf(static_cast<Eigen::Index>(t.size()));
  for (size_t j = 0; j < t.size(); ++j) tf[static_cast<Eigen::Index>(j)] = static_cast<float>(t[j]);
  const Eigen::VectorXf d_matrix = a.view() * tf;
  for (size_t i = 0; i < pts.size(); ++i) {
    CHECK(doses[i] == doctest::Approx(d_matrix[static_cast<Eigen::Index>(i)]).epsilon(1e-5));
    CHECK(doses[i] == doctest::Approx(fallback[i]).epsilon(1e-3));
  }
  CHECK(((a.view() - a_fallback.view()).cwiseAbs().array() <= 1e-3f * a_fallback.view().cwiseAbs().array() + 1e-30f).all());
}

TEST_CASE("a column update through a run is bit-identical to a full rebuild") {
  const Tg43Kernel k(SourceLibrary::builtin().get("mHDR-v2"));
  std::vector<DwellGeometry> dwells;
  for (int c = 0; c < 3; ++c)
    for (const auto& d : catheter({-10.0 + 10 * c, 0, -20}, {0, 0, 1}, 2.5, 12, c == 1)) dwells.push_back(d);
  PointSet pts;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-30, 30);
  for (int i = 0; i < 2001; ++i) pts.push_back(u(rng), u(rng), u(rng));
  auto a = build_dose_rate_matrix(k, pts, dwells, 40000, 2);
  CHECK((a.view() - build_dose_rate_matrix(k, pts, dwells, 40000, 1).view()).cwiseAbs().maxCoeff() == 0.0f);
  for (int j = 12; j < 24; ++j) dwells[static_cast<size_t>(j)].position_mm += Eigen::Vector3d(1.5, -0.5, 0.3);
  std::vector<int> cols;
  for (int j = 14; j < 24; j += 2) cols.push_back(j);  // only some columns of the moved needle
  const DoseRateMatrix before = a;
  update_dose_rate_columns(k, pts, dwells, cols, 40000, a);
  const DoseRateMatrix full = build_dose_rate_matrix(k, pts, dwells, 40000, 1);
  for (int j = 0; j < 36; ++j) {
    const bool updated = std::find(cols.begin(), cols.end(), j) != cols.end();
    CHECK((a.view().col(j) - (updated ? full.view().col(j) : before.view().col(j))).cwiseAbs().maxCoeff() == 0.0f);
  }
}
