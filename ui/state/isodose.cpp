#include "ui/state/isodose.hpp"

#include <cmath>
#include <functional>

namespace hdr::ui {

namespace {
// Marching squares over an nu x nv field f(u, v) with node coordinates u0 + iu*du, v0 + iv*dv.
std::vector<Segment2> march(int nu, int nv, double u0, double du, double v0, double dv,
                            const std::function<double(int, int)>& f, double level) {
  std::vector<Segment2> out;
  auto cross = [&](double a, double b) { return (level - a) / (b - a); };
  for (int j = 0; j + 1 < nv; ++j) {
    for (int i = 0; i + 1 < nu; ++i) {
      const double c[4] = {f(i, j), f(i + 1, j), f(i + 1, j + 1), f(i, j + 1)};
      int mask = 0;
      for (int k = 0; k < 4; ++k)
        if (c[k] >= level) mask |= 1 << k;
      if (mask == 0 || mask == 15) continue;
      // Edge crossing points: e0 bottom (c0-c1), e1 right (c1-c2), e2 top (c3-c2), e3 left (c0-c3).
      const double x = u0 + i * du, y = v0 + j * dv;
      double px[4], py[4];
      bool has[4] = {false, false, false, false};
      if ((c[0] >= level) != (c[1] >= level)) { px[0] = x + cross(c[0], c[1]) * du; py[0] = y; has[0] = true; }
      if ((c[1] >= level) != (c[2] >= level)) { px[1] = x + du; py[1] = y + cross(c[1], c[2]) * dv; has[1] = true; }
      if ((c[3] >= level) != (c[2] >= level)) { px[2] = x + cross(c[3], c[2]) * du; py[2] = y + dv; has[2] = true; }
      if ((c[0] >= level) != (c[3] >= level)) { px[3] = x; py[3] = y + cross(c[0], c[3]) * dv; has[3] = true; }
      int idx[4], n = 0;
      for (int k = 0; k < 4; ++k)
        if (has[k]) idx[n++] = k;
      if (n == 2) {
        out.push_back({px[idx[0]], py[idx[0]], px[idx[1]], py[idx[1]]});
      } else if (n == 4) {
        // Saddle: decide by the centre value which corners connect.
        const double centre = 0.25 * (c[0] + c[1] + c[2] + c[3]);
        const bool centre_in = centre >= level;
        if ((mask == 5) == centre_in) {
          out.push_back({px[0], py[0], px[1], py[1]});
          out.push_back({px[2], py[2], px[3], py[3]});
        } else {
          out.push_back({px[0], py[0], px[3], py[3]});
          out.push_back({px[1], py[1], px[2], py[2]});
        }
      }
    }
  }
  return out;
}
}  // namespace

std::vector<Segment2> isodose_segments(const DoseVolume& d, double z_mm, double level_Gy) {
  if (d.dims[0] < 2 || d.dims[1] < 2 || d.dims[2] < 1) return {};
  const double kz = (z_mm - d.origin_mm[2]) / d.spacing_mm[2];
  if (kz < 0.0 || kz > d.dims[2] - 1) return {};
  const int k0 = std::min(static_cast<int>(std::floor(kz)), d.dims[2] - 1);
  const int k1 = std::min(k0 + 1, d.dims[2] - 1);
  const double w = kz - k0;
  auto f = [&](int i, int j) {
    return (1.0 - w) * static_cast<double>(d.at(i, j, k0)) + w * static_cast<double>(d.at(i, j, k1));
  };
  return march(d.dims[0], d.dims[1], d.origin_mm[0], d.spacing_mm[0], d.origin_mm[1], d.spacing_mm[1], f, level_Gy);
}

std::vector<Segment2> isodose_segments_sagittal(const DoseVolume& d, double x_mm, double level_Gy) {
  if (d.dims[0] < 1 || d.dims[1] < 2 || d.dims[2] < 2) return {};
  const double ix = (x_mm - d.origin_mm[0]) / d.spacing_mm[0];
  if (ix < 0.0 || ix > d.dims[0] - 1) return {};
  const int i0 = std::min(static_cast<int>(std::floor(ix)), d.dims[0] - 1);
  const int i1 = std::min(i0 + 1, d.dims[0] - 1);
  const double w = ix - i0;
  // u = z (index k), v = y (index j).
  auto f = [&](int k, int j) {
    return (1.0 - w) * static_cast<double>(d.at(i0, j, k)) + w * static_cast<double>(d.at(i1, j, k));
  };
  return march(d.dims[2], d.dims[1], d.origin_mm[2], d.spacing_mm[2], d.origin_mm[1], d.spacing_mm[1], f, level_Gy);
}

}  // namespace hdr::ui
