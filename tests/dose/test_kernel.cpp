// The planner's fast path against the direct formalism (stated accuracy: < 0.1 % for
// 0.25 <= r <= 15 cm; eval() is the run table where it serves a pair and the closed form
// elsewhere, as the builders), rotation invariance, and the builders (matrix, column update,
// grid). The run path itself: test_run_table.cpp.
#include <doctest/doctest.h>

#include <Eigen/Geometry>
#include <cmath>
#include <numbers>
#include <random>

#include "planner/common/error.hpp"
#include "planner/dose/dose_matrix.hpp"
#include "planner/dose/tg43.hpp"

using namespace hdr::dose;

TEST_CASE("fast kernel within 0.1 % of the direct formalism for r >= 0.25 cm, every source") {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const auto& s : SourceLibrary::builtin().models()) {
    CAPTURE(s.id);
    const Tg43Kernel k(s);
    double worst = 0, worst_closed = 0;
    for (int n = 0; n < 200000; ++n) {
      // log-uniform in r so that the near field gets as many samples as the far field
      const double r = 0.25 * std::exp(unit(rng) * std::log(15.0 / 0.25));
      const double th = unit(rng) * std::numbers::pi;
      const double z = r * std::cos(th), y = r * std::sin(th);
      const double direct = dose_rate_per_U(s, z, y);
      const double fast = k.eval(static_cast<float>(z), static_cast<float>(y));
      worst = std::max(worst, std::fabs(fast / direct - 1));
      const double closed = k.eval_closed_form(static_cast<float>(z), static_cast<float>(y));
      worst_closed = std::max(worst_closed, std::fabs(closed / direct - 1));
    }
    CHECK(worst < 1e-3);
    CHECK(worst_closed < 1e-3);  // the closed form alone (single dwells, near pairs) meets it too
    MESSAGE(s.id << ": worst kernel/direct deviation " << worst * 100 << " % (closed form alone "
                 << worst_closed * 100 << " %)");
  }
}

TEST_CASE("a dwell along any direction gives the same dose at the same (r, theta)") {
  const auto& s = SourceLibrary::builtin().get("VS2000");
  const Tg43Kernel k(s);
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0, 1);
  for (int trial = 0; trial < 50; ++trial) {
    Eigen::Vector3d u(g(rng), g(rng), g(rng));
    u.normalize();
    // Any vector perpendicular to u.
    Eigen::Vector3d v = u.unitOrthogonal();
    const Eigen::Vector3d pos(g(rng) * 10, g(rng) * 10, g(rng) * 10);
    const double r_cm = 0.3 + 4.0 * std::fabs(g(rng));
    const double th = std::fmod(std::fabs(g(rng)), std::numbers::pi);
    // θ is measured from the tip, which points along -u.
    const Eigen::Vector3d p = pos + 10.0 * r_cm * (-std::cos(th) * u + std::sin(th) * v);
    PointSet pts;
    pts.push_back(p.x(), p.y(), p.z());
    const DwellGeometry d{pos, u};
    const auto a = build_dose_rate_matrix(k, pts, std::span(&d, 1), 36000.0, 1);
    const double expected_Gy_s = 36000.0 * dose_rate_per_U(s, r_cm * std::cos(th), r_cm * std::sin(th)) / 360000.0;
    CHECK(static_cast<double>(a(0, 0)) == doctest::Approx(expected_Gy_s).epsilon(2e-3));
  }
}

TEST_CASE("fast atan2 used for theta is accurate to 1.1e-5 rad") {
  // Probe through eval: on the perpendicular bisector vs on the axis the table index differs by
  // 180 half-degrees; the dose ratio check above covers the whole range. Here the raw bound:
  // points at known theta give doses equal to the direct path at that theta within 0.1 %.
  const auto& s = SourceLibrary::builtin().get("mHDR-v2");
  const Tg43Kernel k(s);
  for (double th_deg = 0.0; th_deg <= 180.0; th_deg += 0.37) {
    const double th = th_deg * std::numbers::pi / 180;
    const double z = 2.0 * std::cos(th), y = 2.0 * std::sin(th);
    CHECK(k.eval(static_cast<float>(z), static_cast<float>(std::fabs(y))) ==
          doctest::Approx(dose_rate_per_U(s, z, std::fabs(y))).epsilon(1e-3));
  }
}

namespace {
std::vector<DwellGeometry> needle_dwells() {
  std::vector<DwellGeometry> d;
  for (int n = 0; n < 4; ++n)
    for (int k = 0; k < 8; ++k) {
      Eigen::Vector3d dir(0.05 * n, -0.03, 1.0);
      d.push_back({Eigen::Vector3d(-7.5 + 5 * n, 2.5 * (n % 2), -15.0 + 5.0 * k), dir.normalized()});
    }
  return d;
}
PointSet cloud(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-25, 25);
  PointSet p;
  for (int i = 0; i < n; ++i) p.push_back(u(rng), u(rng), u(rng));
  return p;
}
}  // namespace

TEST_CASE("matrix columns, column update, point doses and dose grid agree with each other and the direct path") {
  const auto& s = SourceLibrary::builtin().get("GammaMedPlus-HDR");
  const Tg43Kernel k(s);
  auto dwells = needle_dwells();
  const PointSet pts = cloud(3000, 3);
  const double sk = 40000;
  auto a = build_dose_rate_matrix(k, pts, dwells, sk, 2);
  CHECK(a.rows() == 3000);
  CHECK(a.cols() == 32);
  // Single-threaded gives identical numbers (deterministic).
  CHECK((a.view() - build_dose_rate_matrix(k, pts, dwells, sk, 1).view()).cwiseAbs().maxCoeff() == 0.0f);

  // Move needle 2 (columns 16..23) and update only its columns.
  for (int j = 16; j < 24; ++j) dwells[static_cast<size_t>(j)].position_mm += Eigen::Vector3d(1.0, -0.5, 0.0);
  std::vector<int> cols;
  for (int j = 16; j < 24; ++j) cols.push_back(j);
  update_dose_rate_columns(k, pts, dwells, cols, sk, a);
  CHECK((a.view() - build_dose_rate_matrix(k, pts, dwells, sk, 1).view()).cwiseAbs().maxCoeff() == 0.0f);

  std::vector<double> t(dwells.size());
  for (size_t j = 0; j < t.size(); ++j) t[j] = 0.1 * static_cast<double>(j % 7);
  Eigen::VectorXf tf(static_cast<Eigen::Index>(t.size()));
  for (size_t j = 0; j < t.size(); ++j) tf[static_cast<Eigen::Index>(j)] = static_cast<float>(t[j]);
  const Eigen::VectorXf d_matrix = a.view() * tf;
  const auto d_points = compute_point_doses(k, pts, dwells, t, sk, 2);
  for (int i = 0; i < 3000; i += 37) {
    CHECK(d_points[static_cast<size_t>(i)] == doctest::Approx(d_matrix[i]).epsilon(1e-5));
    const Eigen::Vector3d p(pts.x_mm[static_cast<size_t>(i)], pts.y_mm[static_cast<size_t>(i)], pts.z_mm[static_cast<size_t>(i)]);
    // Direct path (double, no table): within 0.1 % wherever every dwell is >= 2.5 mm away.
    bool far = true;
    for (const auto& d : dwells) far = far && (p - d.position_mm).norm() >= 2.5;
    if (far) CHECK(direct_point_dose_Gy(s, p, dwells, t, sk) == doctest::Approx(d_points[static_cast<size_t>(i)]).epsilon(1e-3));
  }

  GridSpec g;
  g.origin_mm = Eigen::Vector3d(-10, -8, -12);
  g.spacing_mm = Eigen::Vector3d(2, 2.5, 3);
  g.dims = Eigen::Vector3i(7, 5, 4);
  const auto grid = compute_dose_grid(k, g, dwells, t, sk, 2);
  REQUIRE(grid.dose_Gy.size() == 140);
  const Eigen::Vector3d c = g.centre_mm(3, 2, 1);
  PointSet one;
  one.push_back(c.x(), c.y(), c.z());
  CHECK(grid.dose_Gy[g.index(3, 2, 1)] == doctest::Approx(compute_point_doses(k, one, dwells, t, sk, 1)[0]).epsilon(1e-6));
}

TEST_CASE("dose scales linearly with strength and time; zero times give zero dose") {
  const Tg43Kernel k(SourceLibrary::builtin().get("Flexisource"));
  const auto dwells = needle_dwells();
  const PointSet pts = cloud(100, 9);
  std::vector<double> t(dwells.size(), 2.0), t0(dwells.size(), 0.0);
  const auto d1 = compute_point_doses(k, pts, dwells, t, 30000, 1);
  const auto d2 = compute_point_doses(k, pts, dwells, t, 45000, 1);
  const auto dz = compute_point_doses(k, pts, dwells, t0, 45000, 1);
  for (size_t i = 0; i < pts.size(); ++i) {
    CHECK(d2[i] == doctest::Approx(1.5 * static_cast<double>(d1[i])).epsilon(1e-6));
    CHECK(dz[i] == 0.0f);
  }
  std::vector<double> bad(dwells.size(), -1.0);
  CHECK_THROWS_AS(compute_point_doses(k, pts, dwells, bad, 30000, 1), hdr::Error);
  CHECK_THROWS_AS(build_dose_rate_matrix(k, pts, dwells, 0.0, 1), hdr::Error);
}

TEST_CASE("dose-rate matrix storage: 64-byte aligned columns, zero-filled, deep copies") {
  for (const Eigen::Index rows : {Eigen::Index{1}, Eigen::Index{15}, Eigen::Index{16}, Eigen::Index{2885}}) {
    DoseRateMatrix m(rows, 5);
    CHECK(m.leading_dimension() % 16 == 0);
    CHECK(m.leading_dimension() >= rows);
    CHECK(m.leading_dimension() < rows + 16);
    for (Eigen::Index j = 0; j < m.cols(); ++j) CHECK(reinterpret_cast<uintptr_t>(m.col_data(j)) % 64 == 0);
    CHECK(m.view().rows() == rows);
    CHECK(m.view().cols() == 5);
    CHECK(m.view().cwiseAbs().maxCoeff() == 0.0f);
    m(rows - 1, 4) = 2.5f;
    const DoseRateMatrix copy = m;
    m(rows - 1, 4) = 1.0f;
    CHECK(copy(rows - 1, 4) == 2.5f);
    CHECK(copy.view().sum() == 2.5f);
    DoseRateMatrix moved = std::move(m);
    CHECK(moved.rows() == rows);
    CHECK(moved(rows - 1, 4) == 1.0f);
    CHECK(m.rows() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(m.cols() == 0);
  }
}
