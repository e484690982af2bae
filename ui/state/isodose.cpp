#include "ui/state/isodose.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

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

namespace {
using Point = std::array<double, 2>;

// Shared crossings are computed in two cells with different rounding: keys snap to 1e-5 mm.
std::pair<long long, long long> key_of(const Point& p) {
  return {std::llround(p[0] * 1e5), std::llround(p[1] * 1e5)};
}

double distance_to_segment(const Point& p, const Point& a, const Point& b) {
  const double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
  const double t = len2 > 0.0 ? std::clamp(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2, 0.0, 1.0) : 0.0;
  return std::hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

// Douglas-Peucker on points[first..last]: marks the points kept.
void simplify(const std::vector<Point>& points, size_t first, size_t last, double tolerance, std::vector<char>& keep) {
  if (last <= first + 1) return;
  double worst = -1.0;
  size_t at = first;
  for (size_t k = first + 1; k < last; ++k) {
    const double d = distance_to_segment(points[k], points[first], points[last]);
    if (d > worst) {
      worst = d;
      at = k;
    }
  }
  if (worst <= tolerance) return;
  keep[at] = 1;
  simplify(points, first, at, tolerance, keep);
  simplify(points, at, last, tolerance, keep);
}
}  // namespace

std::vector<std::array<double, 2>> simplify_polyline(const std::vector<std::array<double, 2>>& points, double tolerance) {
  if (points.size() <= 2) return points;
  std::vector<char> keep(points.size(), 0);
  keep.front() = keep.back() = 1;
  simplify(points, 0, points.size() - 1, tolerance, keep);
  std::vector<std::array<double, 2>> out;
  for (size_t k = 0; k < points.size(); ++k)
    if (keep[k]) out.push_back(points[k]);
  return out;
}

std::vector<Polyline2> join_segments(const std::vector<Segment2>& segments, double tolerance_mm) {
  // Each crossing is shared by at most two cells, so every point has at most two segments.
  std::map<std::pair<long long, long long>, std::vector<size_t>> at_point;
  auto ends = [&](size_t i) {
    const auto& s = segments[i];
    return std::array<Point, 2>{Point{s.x0_mm, s.y0_mm}, Point{s.x1_mm, s.y1_mm}};
  };
  for (size_t i = 0; i < segments.size(); ++i)
    for (const Point& p : ends(i)) at_point[key_of(p)].push_back(i);
  // A level met exactly at a grid node gives the cells beside it zero-length segments there.
  std::vector<char> used(segments.size(), 0);
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto e = ends(i);
    used[i] = key_of(e[0]) == key_of(e[1]);
  }
  // From the chain's last point, follows unused segments while one continues there.
  auto extend = [&](std::vector<Point>& chain) {
    for (;;) {
      const auto& candidates = at_point[key_of(chain.back())];
      size_t next = segments.size();
      for (size_t c : candidates)
        if (!used[c]) next = c;
      if (next == segments.size()) return;
      used[next] = 1;
      const auto e = ends(next);
      chain.push_back(key_of(e[0]) == key_of(chain.back()) ? e[1] : e[0]);
    }
  };
  std::vector<Polyline2> out;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (used[i]) continue;
    used[i] = 1;
    const auto e = ends(i);
    std::vector<Point> forward{e[0], e[1]};
    extend(forward);
    std::vector<Point> backward{e[0]};
    extend(backward);  // the other way from the first segment's start (open lines)
    std::vector<Point> chain(backward.rbegin(), backward.rend() - 1);
    chain.insert(chain.end(), forward.begin(), forward.end());
    Polyline2 line;
    line.closed = chain.size() > 3 && key_of(chain.front()) == key_of(chain.back());
    if (line.closed) chain.pop_back();
    // A closed line keeps its first point and the point farthest from it, then simplifies the
    // two halves; an open one keeps both ends.
    std::vector<char> keep(chain.size(), 0);
    keep.front() = 1;
    if (line.closed) {
      size_t far = 0;
      for (size_t k = 1; k < chain.size(); ++k)
        if (std::hypot(chain[k][0] - chain[0][0], chain[k][1] - chain[0][1]) >
            std::hypot(chain[far][0] - chain[0][0], chain[far][1] - chain[0][1]))
          far = k;
      keep[far] = 1;
      simplify(chain, 0, far, tolerance_mm, keep);
      chain.push_back(chain.front());  // the closing stretch, simplified like the others
      keep.push_back(0);
      simplify(chain, far, chain.size() - 1, tolerance_mm, keep);
      chain.pop_back();
      keep.pop_back();
    } else {
      keep.back() = 1;
      simplify(chain, 0, chain.size() - 1, tolerance_mm, keep);
    }
    for (size_t k = 0; k < chain.size(); ++k)
      if (keep[k]) line.points_mm.push_back(chain[k]);
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace hdr::ui
