#include "calib/sweet_spot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "planner/common/error.hpp"

namespace hdr::calib {
namespace {

std::string mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f mm", v);
  return buf;
}

// Solves the 3×3 system A·p = r by Gaussian elimination with partial pivoting; false when
// singular (positions too close to define a parabola).
bool solve3(std::array<std::array<double, 3>, 3> A, std::array<double, 3> r, std::array<double, 3>& p) {
  for (int col = 0; col < 3; ++col) {
    int piv = col;
    for (int row = col + 1; row < 3; ++row)
      if (std::fabs(A[row][col]) > std::fabs(A[piv][col])) piv = row;
    if (!(std::fabs(A[piv][col]) > 1e-300)) return false;
    std::swap(A[col], A[piv]);
    std::swap(r[col], r[piv]);
    for (int row = col + 1; row < 3; ++row) {
      const double f = A[row][col] / A[col][col];
      for (int k = col; k < 3; ++k) A[row][k] -= f * A[col][k];
      r[row] -= f * r[col];
    }
  }
  for (int row = 2; row >= 0; --row) {
    double acc = r[row];
    for (int k = row + 1; k < 3; ++k) acc -= A[row][k] * p[k];
    p[row] = acc / A[row][row];
  }
  return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]);
}

std::optional<double> interpolate(const std::vector<SweetSpotPoint>& pts, double x) {
  if (x < pts.front().position_mm || x > pts.back().position_mm) return std::nullopt;
  for (size_t i = 1; i < pts.size(); ++i) {
    if (x <= pts[i].position_mm) {
      const double t = (x - pts[i - 1].position_mm) / (pts[i].position_mm - pts[i - 1].position_mm);
      return pts[i - 1].current_A + t * (pts[i].current_A - pts[i - 1].current_A);
    }
  }
  return pts.back().current_A;
}

}  // namespace

SweetSpotResult analyse_sweet_spot(const SweetSpotScan& scan, const SweetSpotOptions& options) {
  require(std::isfinite(options.max_offset_mm) && options.max_offset_mm > 0,
          "SweetSpotOptions::max_offset_mm = " + std::to_string(options.max_offset_mm) + " must be > 0");
  require(options.half_window_points >= 1,
          "SweetSpotOptions::half_window_points = " + std::to_string(options.half_window_points) + " must be >= 1");
  require(scan.points.size() >= 3, "sweet_spot_scan.points: at least 3 points are needed to locate a maximum, found " +
                                       std::to_string(scan.points.size()));
  require(std::isfinite(scan.measurement_position_mm), "sweet_spot_scan.measurement_position_mm: not a finite number");
  for (size_t i = 0; i < scan.points.size(); ++i) {
    const auto& p = scan.points[i];
    require(std::isfinite(p.position_mm), "sweet_spot_scan.points[" + std::to_string(i) + "].position_mm: not finite");
    require(std::isfinite(p.current_A) && p.current_A > 0,
            "sweet_spot_scan.points[" + std::to_string(i) + "].current_A: must be a finite current > 0 A");
  }
  std::vector<SweetSpotPoint> pts = scan.points;
  std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.position_mm < b.position_mm; });
  for (size_t i = 1; i < pts.size(); ++i)
    require(pts[i].position_mm > pts[i - 1].position_mm,
            "sweet_spot_scan.points: position " + mm(pts[i].position_mm) + " appears twice");

  SweetSpotResult out;
  const size_t n = pts.size();
  const size_t k = static_cast<size_t>(
      std::max_element(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.current_A < b.current_A; }) -
      pts.begin());
  out.peak_position_mm = pts[k].position_mm;
  out.peak_current_A = pts[k].current_A;

  const size_t h = static_cast<size_t>(options.half_window_points);
  const size_t lo = k >= h ? k - h : 0;
  const size_t hi = std::min(n - 1, k + h);
  std::array<double, 3> coef{};  // I(u) = c0 + c1·u + c2·u², u = x − x_k (centred for conditioning)
  if (k == 0 || k == n - 1) {
    out.warnings.push_back("sweet_spot_scan: the maximum current is at the scan edge (" + mm(pts[k].position_mm) +
                           "); the sweet spot is not bracketed, extend the scan");
  } else {
    std::array<std::array<double, 3>, 3> A{};
    std::array<double, 3> r{};
    for (size_t i = lo; i <= hi; ++i) {
      const double u = pts[i].position_mm - pts[k].position_mm;
      const std::array<double, 3> phi{1.0, u, u * u};
      for (int a = 0; a < 3; ++a) {
        r[a] += phi[a] * pts[i].current_A;
        for (int b = 0; b < 3; ++b) A[a][b] += phi[a] * phi[b];
      }
    }
    if (!solve3(A, r, coef) || !(coef[2] < 0)) {
      out.warnings.push_back("sweet_spot_scan: no maximum in the fitted parabola around " + mm(pts[k].position_mm) +
                             "; the sampled maximum is reported");
    } else {
      const double u_star = -coef[1] / (2.0 * coef[2]);
      const double u_lo = pts[lo].position_mm - pts[k].position_mm, u_hi = pts[hi].position_mm - pts[k].position_mm;
      if (u_star < u_lo || u_star > u_hi) {
        out.warnings.push_back("sweet_spot_scan: the fitted maximum falls outside the fitted points; the sampled "
                               "maximum is reported");
      } else {
        out.fitted = true;
        out.peak_position_mm = pts[k].position_mm + u_star;
        out.peak_current_A = coef[0] + coef[1] * u_star + coef[2] * u_star * u_star;
      }
    }
  }

  out.measurement_offset_mm = scan.measurement_position_mm - out.peak_position_mm;
  const double um = scan.measurement_position_mm - pts[k].position_mm;
  if (out.fitted && scan.measurement_position_mm >= pts[lo].position_mm &&
      scan.measurement_position_mm <= pts[hi].position_mm) {
    out.relative_response_at_measurement = (coef[0] + coef[1] * um + coef[2] * um * um) / out.peak_current_A;
  } else if (auto v = interpolate(pts, scan.measurement_position_mm)) {
    out.relative_response_at_measurement = *v / out.peak_current_A;
  } else {
    out.warnings.push_back("sweet_spot_scan: measurement_position_mm " + mm(scan.measurement_position_mm) +
                           " lies outside the scanned range");
  }
  if (std::fabs(out.measurement_offset_mm) > options.max_offset_mm)
    out.warnings.push_back("sweet_spot_scan: the measurement position is " + mm(out.measurement_offset_mm) +
                           " from the maximum at " + mm(out.peak_position_mm) + " (tolerance " +
                           mm(options.max_offset_mm) + ")");
  return out;
}

}  // namespace hdr::calib
