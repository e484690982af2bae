#include "planner/dose/tg43.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "planner/common/error.hpp"

namespace hdr::dose {
namespace {

constexpr double kDeg = 180.0 / std::numbers::pi;
constexpr double kReference_r_cm = 1.0;

// Index i with v[i] <= x < v[i+1], clamped to [0, n-2].
size_t bracket(const std::vector<double>& v, double x) {
  const auto it = std::upper_bound(v.begin(), v.end(), x);
  const size_t i = it == v.begin() ? 0 : static_cast<size_t>(it - v.begin()) - 1;
  return std::min(i, v.size() - 2);
}

}  // namespace

double geometry_function_line(double L_cm, double r_cm, double theta_rad) {
  const double z = r_cm * std::cos(theta_rad);
  const double y = r_cm * std::sin(theta_rad);
  const double half = 0.5 * L_cm;
  if (std::fabs(y) < 1e-12 * std::max(1.0, r_cm)) {
    // On the axis (eq. 4, θ = 0 or π): defined only beyond the active source.
    if (r_cm <= half) return std::numeric_limits<double>::quiet_NaN();
    return 1.0 / (r_cm * r_cm - half * half);
  }
  // β as a difference of atan2 angles (subtle point 1): exact at small y, no arccos.
  const double beta = std::atan2(z + half, y) - std::atan2(z - half, y);
  return beta / (L_cm * y);
}

double radial_dose_function(const SourceModel& s, double r_cm) {
  const auto& r = s.gL_r_cm;
  const auto& g = s.gL;
  const size_t n = r.size();
  if (r_cm <= r.front()) return g.front();  // nearest value below the first radius
  if (r_cm >= r.back()) {
    // Log-linear extrapolation from the last two nodes.
    const double slope = std::log(g[n - 1] / g[n - 2]) / (r[n - 1] - r[n - 2]);
    return g[n - 1] * std::exp(slope * (r_cm - r[n - 1]));
  }
  const size_t i = bracket(r, r_cm);
  const double t = (r_cm - r[i]) / (r[i + 1] - r[i]);
  return g[i] + t * (g[i + 1] - g[i]);
}

namespace {

// F's r bracket (clamped beyond the table, point 3) and the bilinear formula (point 4), shared
// by the point and the row forms so that both give the same value bit for bit.
struct RBracket {
  size_t ir;
  double fr;
};

RBracket r_bracket(const SourceModel& s, double r_cm) {
  const auto& rr = s.F_r_cm;
  const double rc = std::clamp(r_cm, rr.front(), rr.back());
  const size_t ir = bracket(rr, rc);
  return {ir, (rc - rr[ir]) / (rr[ir + 1] - rr[ir])};
}

double bilinear_F(const SourceModel& s, RBracket b, size_t it, double tc) {
  const auto& th = s.F_theta_deg;
  const double ft = (tc - th[it]) / (th[it + 1] - th[it]);
  const double fr = b.fr;
  const double f00 = s.F_at_node(it, b.ir), f01 = s.F_at_node(it, b.ir + 1);
  const double f10 = s.F_at_node(it + 1, b.ir), f11 = s.F_at_node(it + 1, b.ir + 1);
  return (1 - ft) * ((1 - fr) * f00 + fr * f01) + ft * ((1 - fr) * f10 + fr * f11);
}

}  // namespace

double anisotropy_function(const SourceModel& s, double r_cm, double theta_deg) {
  const double tc = std::clamp(theta_deg, 0.0, 180.0);
  return bilinear_F(s, r_bracket(s, r_cm), bracket(s.F_theta_deg, tc), tc);
}

void anisotropy_row(const SourceModel& s, double r_cm, double theta_step_deg, std::span<double> out) {
  HDR_ASSERT(theta_step_deg > 0, "θ step must be > 0");
  const auto& th = s.F_theta_deg;
  const RBracket b = r_bracket(s, r_cm);
  size_t it = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    const double tc = std::clamp(static_cast<double>(k) * theta_step_deg, 0.0, 180.0);
    // The same bracket as bracket(th, tc), walked forward since θ only grows.
    while (it + 2 < th.size() && th[it + 1] <= tc) ++it;
    out[k] = bilinear_F(s, b, it, tc);
  }
}

double anisotropy_factor(const SourceModel& s, double r_cm) {
  // φ_an(r) = ½ ∫₀^π [G_L(r,θ) F(r,θ) / G_L(r,π/2)] sinθ dθ  (eq. 9, g_L cancels).
  // Composite Simpson on 0.1° steps; the axis end points have sinθ = 0.
  const int n = 1800;
  const double h = std::numbers::pi / n;
  const double g90 = geometry_function_line(s.active_length_cm, r_cm, std::numbers::pi / 2);
  double sum = 0;
  for (int k = 1; k < n; ++k) {
    const double th = k * h;
    const double f = geometry_function_line(s.active_length_cm, r_cm, th) * anisotropy_function(s, r_cm, th * kDeg) *
                     std::sin(th) / g90;
    sum += (k % 2 ? 4.0 : 2.0) * f;
  }
  return 0.5 * sum * h / 3.0;
}

double dose_rate_per_U(const SourceModel& s, double z_cm, double y_cm, Formalism f) {
  HDR_ASSERT(y_cm >= 0, "away distance y must be >= 0");
  const double L = s.active_length_cm;
  const double r = std::hypot(z_cm, y_cm);
  // Inside the active source the formalism has no value (subtle point 2).
  if (y_cm == 0.0 && std::fabs(z_cm) <= 0.5 * L) return std::numeric_limits<double>::quiet_NaN();
  const double theta = std::atan2(y_cm, z_cm);  // 0 on the tip side (+z)
  const double G0 = geometry_function_line(L, kReference_r_cm, std::numbers::pi / 2);
  if (f == Formalism::line_2d) {
    const double G = geometry_function_line(L, r, theta);
    return s.lambda_cGy_h_U * (G / G0) * radial_dose_function(s, r) * anisotropy_function(s, r, theta * kDeg);
  }
  // 1D point source (eq. 11) with g_P converted from g_L.
  const double G90 = geometry_function_line(L, r, std::numbers::pi / 2);
  const double gP = radial_dose_function(s, r) * (G90 * r * r) / (G0 * kReference_r_cm * kReference_r_cm);
  return s.lambda_cGy_h_U * (kReference_r_cm * kReference_r_cm) / (r * r) * gP * anisotropy_factor(s, r);
}

}  // namespace hdr::dose
