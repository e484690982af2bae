// Analytic limits of the formalism, independent of any table.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "planner/dose/tg43.hpp"

using namespace hdr::dose;
constexpr double pi = std::numbers::pi;

TEST_CASE("geometry function: normalisation, symmetry about 90 degrees, axis formula, far field") {
  const double L = 0.35;
  // G_L(1 cm, 90°) = β/(L·r) with β = 2·atan(L/2 / 1).
  CHECK(geometry_function_line(L, 1.0, pi / 2) == doctest::Approx(2 * std::atan(L / 2) / L).epsilon(1e-14));
  for (double r : {0.25, 0.5, 1.0, 3.0})
    for (double th_deg : {0.5, 10.0, 45.0, 80.0}) {
      const double a = geometry_function_line(L, r, th_deg * pi / 180);
      const double b = geometry_function_line(L, r, (180 - th_deg) * pi / 180);
      CHECK(a == doctest::Approx(b).epsilon(1e-12));
    }
  // On the axis: 1/(r² − L²/4); continuous with the off-axis formula as θ -> 0.
  CHECK(geometry_function_line(L, 0.5, 0.0) == doctest::Approx(1 / (0.25 - L * L / 4)).epsilon(1e-14));
  CHECK(geometry_function_line(L, 0.5, 1e-7) == doctest::Approx(1 / (0.25 - L * L / 4)).epsilon(1e-9));
  CHECK(std::isnan(geometry_function_line(L, 0.1, 0.0)));
  // Far away the line looks like a point: G_L·r² -> 1 (error O(L²/r²)).
  for (double th : {0.0, 0.3, pi / 2, 2.5})
    CHECK(geometry_function_line(L, 20.0, th) * 400.0 == doctest::Approx(1.0).epsilon(1e-4));
}

TEST_CASE("inverse-square behaviour far from the source once g_L and F are divided out") {
  const auto& s = SourceLibrary::builtin().get("Flexisource");
  const double G0 = geometry_function_line(s.active_length_cm, 1.0, pi / 2);
  for (double r : {5.0, 8.0, 10.0}) {
    const double d = dose_rate_per_U(s, 0.0, r);
    const double inverse_square = s.lambda_cGy_h_U / G0 / (r * r);
    CHECK(d / (radial_dose_function(s, r) * anisotropy_function(s, r, 90)) ==
          doctest::Approx(inverse_square).epsilon(2e-4));
  }
}

TEST_CASE("orientation: theta = 0 is the tip (+z), where the published F is lower than on the cable side") {
  const auto& s = SourceLibrary::builtin().get("mHDR-v2");
  // F(2 cm, 0°) = 0.62537 (tip) and F(2 cm, 180°) = 0.55858 (cable) in the consensus data.
  CHECK(anisotropy_function(s, 2.0, 0.0) == doctest::Approx(0.62537).epsilon(1e-9));
  CHECK(anisotropy_function(s, 2.0, 180.0) == doctest::Approx(0.55858).epsilon(1e-9));
  const double tip = dose_rate_per_U(s, 2.0, 0.0);
  const double cable = dose_rate_per_U(s, -2.0, 0.0);
  CHECK(tip / cable == doctest::Approx(0.62537 / 0.55858).epsilon(1e-9));
}

TEST_CASE("interpolation rules: g_L nearest below, log-linear above; F clamped beyond the last radius") {
  const auto& s = SourceLibrary::builtin().get("M-19");
  CHECK(radial_dose_function(s, 0.01) == doctest::Approx(radial_dose_function(s, s.gL_r_cm.front())));
  const size_t n = s.gL.size();
  const double r1 = s.gL_r_cm[n - 2], r2 = s.gL_r_cm[n - 1];
  const double g1 = s.gL[n - 2], g2 = s.gL[n - 1];
  CHECK(radial_dose_function(s, 12.0) == doctest::Approx(g2 * std::pow(g2 / g1, (12.0 - r2) / (r2 - r1))));
  CHECK(anisotropy_function(s, 14.0, 30.0) == doctest::Approx(anisotropy_function(s, s.F_r_cm.back(), 30.0)));
  // Linear in r between nodes (not log r): midpoint is the mean.
  const double mid = anisotropy_function(s, 1.5, 45.0);
  CHECK(mid == doctest::Approx(0.5 * (anisotropy_function(s, 1.0, 45.0) + anisotropy_function(s, 2.0, 45.0))));
}

TEST_CASE("1D point-source option: phi_an agrees with the CLRP published 1D anisotropy factor") {
  // The CLRP BEBIG GI192M11 data publish phi_an(r) (their F table's last row); ours is
  // integrated from the 2D F and G_L. r=1: 0.968, r=2: 0.962, r=5: 0.967, r=10: 0.972.
  const auto& s = SourceLibrary::builtin().get("BEBIG-GI192M11");
  const double published[][2] = {{1.0, 0.968}, {2.0, 0.962}, {5.0, 0.967}, {10.0, 0.972}};
  for (const auto& p : published) {
    CAPTURE(p[0]);
    CHECK(anisotropy_factor(s, p[0]) == doctest::Approx(p[1]).epsilon(0.01));
  }
  // At the reference distance the 1D dose is Λ·φ_an(1 cm)·g_P(1) with g_P(1) = 1.
  CHECK(dose_rate_per_U(s, 0.0, 1.0, Formalism::point_1d) ==
        doctest::Approx(s.lambda_cGy_h_U * anisotropy_factor(s, 1.0)).epsilon(1e-9));
  // 1D is isotropic: same dose at the same r in any direction.
  CHECK(dose_rate_per_U(s, 3.0, 0.0, Formalism::point_1d) ==
        doctest::Approx(dose_rate_per_U(s, 0.0, 3.0, Formalism::point_1d)).epsilon(1e-12));
}

TEST_CASE("anisotropy_row equals anisotropy_function value for value, every source") {
  for (const auto& id : {"mHDR-v2", "Flexisource", "VS2000", "M-19", "GammaMedPlus-HDR", "BEBIG-GI192M11"}) {
    const auto& s = hdr::dose::SourceLibrary::builtin().get(id);
    for (const double r : {0.0, 0.1, 0.25, 0.5, 0.73, 1.0, 2.5, 7.0, 12.0, 30.0}) {
      std::vector<double> row(361);
      hdr::dose::anisotropy_row(s, r, 0.5, row);
      int differing = 0;
      for (size_t k = 0; k < row.size(); ++k)
        differing += row[k] != hdr::dose::anisotropy_function(s, r, 0.5 * static_cast<double>(k));
      INFO(id << " r = " << r);
      CHECK(differing == 0);
    }
  }
}
