#include "planner/imaging/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "planner/common/error.hpp"

namespace hdr::imaging {
namespace {

struct Slab {
  double z0, z1;
  const formats::ContourSlice* slice;
};

std::vector<Slab> slabs(const formats::Structure& s) {
  std::vector<Slab> out;
  const auto& sl = s.slices;
  const size_t n = sl.size();
  for (size_t k = 0; k < n; ++k) {
    double lo, hi;
    if (n == 1) {
      lo = hi = sl[k].z_mm;
    } else {
      const double dn = k + 1 < n ? sl[k + 1].z_mm - sl[k].z_mm : sl[k].z_mm - sl[k - 1].z_mm;
      const double dp = k > 0 ? sl[k].z_mm - sl[k - 1].z_mm : dn;
      lo = sl[k].z_mm - 0.5 * dp;
      hi = sl[k].z_mm + 0.5 * dn;
    }
    out.push_back({lo, hi, &sl[k]});
  }
  return out;
}

const formats::ContourSlice* at_z(const std::vector<Slab>& s, double z) {
  for (const auto& b : s)
    if (z >= b.z0 && z < b.z1) return b.slice;
  return nullptr;
}

double polygon_area(const formats::ContourSlice& s) {
  double a = 0;
  const size_t n = s.points_mm.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& p = s.points_mm[i];
    const auto& q = s.points_mm[(i + 1) % n];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return std::abs(0.5 * a);
}

// Areas of A, B and A∩B by rasterising both on a common 0.2 mm grid.
std::array<double, 3> raster_areas(const formats::ContourSlice* a, const formats::ContourSlice* b) {
  constexpr double px = 0.2;
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const auto* s : {a, b})
    if (s)
      for (const auto& p : s->points_mm) {
        x0 = std::min(x0, p[0]);
        y0 = std::min(y0, p[1]);
        x1 = std::max(x1, p[0]);
        y1 = std::max(y1, p[1]);
      }
  const int w = static_cast<int>((x1 - x0) / px) + 3, h = static_cast<int>((y1 - y0) / px) + 3;
  auto fill = [&](const formats::ContourSlice* s) {
    cv::Mat m = cv::Mat::zeros(h, w, CV_8U);
    if (!s) return m;
    std::vector<cv::Point> pts;
    for (const auto& p : s->points_mm)
      pts.emplace_back(static_cast<int>(std::lround((p[0] - x0) / px * 16.0 + 8.0)), static_cast<int>(std::lround((p[1] - y0) / px * 16.0 + 8.0)));
    std::vector<std::vector<cv::Point>> polys{pts};
    cv::fillPoly(m, polys, cv::Scalar(1), cv::LINE_8, 4);
    return m;
  };
  const cv::Mat ma = fill(a), mb = fill(b);
  const double cell = px * px;
  cv::Mat both;
  cv::bitwise_and(ma, mb, both);
  return {cv::countNonZero(ma) * cell, cv::countNonZero(mb) * cell, cv::countNonZero(both) * cell};
}

double point_to_polygon(const std::array<double, 2>& p, const formats::ContourSlice& s) {
  double best = std::numeric_limits<double>::infinity();
  const size_t n = s.points_mm.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& a = s.points_mm[i];
    const auto& b = s.points_mm[(i + 1) % n];
    const double ex = b[0] - a[0], ey = b[1] - a[1];
    const double l2 = ex * ex + ey * ey;
    double t = l2 > 0 ? ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / l2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    best = std::min(best, std::hypot(a[0] + t * ex - p[0], a[1] + t * ey - p[1]));
  }
  return best;
}

std::vector<std::array<double, 2>> resample(const formats::ContourSlice& s, double step) {
  std::vector<std::array<double, 2>> out;
  const size_t n = s.points_mm.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& a = s.points_mm[i];
    const auto& b = s.points_mm[(i + 1) % n];
    const double len = std::hypot(b[0] - a[0], b[1] - a[1]);
    const int m = std::max(1, static_cast<int>(std::ceil(len / step)));
    for (int k = 0; k < m; ++k) out.push_back({a[0] + (b[0] - a[0]) * k / m, a[1] + (b[1] - a[1]) * k / m});
  }
  return out;
}

}  // namespace

double stack_volume_cc(const formats::Structure& s) {
  double v = 0;
  for (const auto& b : slabs(s)) v += polygon_area(*b.slice) * (b.z1 - b.z0);
  return v / 1000.0;
}

ContourAgreement compare_structures(const formats::Structure& test, const formats::Structure& truth) {
  ContourAgreement r;
  const auto sa = slabs(test), sb = slabs(truth);
  std::vector<double> cuts;
  for (const auto* s : {&sa, &sb})
    for (const auto& b : *s) {
      cuts.push_back(b.z0);
      cuts.push_back(b.z1);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  double va = 0, vb = 0, vab = 0;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double zm = 0.5 * (cuts[k] + cuts[k + 1]), dz = cuts[k + 1] - cuts[k];
    const auto* a = at_z(sa, zm);
    const auto* b = at_z(sb, zm);
    if (!a && !b) continue;
    const auto ar = raster_areas(a, b);
    va += ar[0] * dz;
    vb += ar[1] * dz;
    vab += ar[2] * dz;
  }
  r.dice = va + vb > 0 ? 2 * vab / (va + vb) : 0.0;
  r.volume_test_cc = stack_volume_cc(test);
  r.volume_truth_cc = stack_volume_cc(truth);
  std::vector<double> d;
  for (const auto& s : test.slices)
    for (const auto& t : truth.slices)
      if (std::abs(s.z_mm - t.z_mm) < 1e-6) {
        for (const auto& p : resample(s, 0.5)) d.push_back(point_to_polygon(p, t));
        for (const auto& p : resample(t, 0.5)) d.push_back(point_to_polygon(p, s));
      }
  if (!d.empty()) {
    double sum = 0;
    for (double v : d) sum += v;
    r.mean_boundary_mm = sum / static_cast<double>(d.size());
    std::sort(d.begin(), d.end());
    r.hd95_mm = d[std::min(d.size() - 1, static_cast<size_t>(0.95 * static_cast<double>(d.size())))];
  } else {
    r.mean_boundary_mm = r.hd95_mm = std::numeric_limits<double>::infinity();
  }
  return r;
}

namespace {
std::array<double, 2> xy_at(const formats::Catheter& c, double z) {
  const auto& a = c.path_mm.front();
  const auto& b = c.path_mm.back();
  const double dz = b[2] - a[2];
  const double t = std::abs(dz) > 1e-9 ? (z - a[2]) / dz : 0.0;
  return {a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])};
}
}  // namespace

FramePresenceAgreement compare_frame_presence(const formats::Structure& test, const formats::Structure& truth, const Sweep& sweep) {
  auto has_slice_at = [](const formats::Structure& st, double z_mm) {
    return std::any_of(st.slices.begin(), st.slices.end(), [&](const formats::ContourSlice& sl) { return std::abs(sl.z_mm - z_mm) < 1e-6; });
  };
  FramePresenceAgreement out;
  for (const Frame& f : sweep.frames) {
    const bool t = has_slice_at(test, f.z_mm), r = has_slice_at(truth, f.z_mm);
    out.beyond += t && !r;
    out.missed += r && !t;
  }
  return out;
}

NeedleAgreement compare_needles(const std::vector<formats::Catheter>& test, const std::vector<formats::Catheter>& truth,
                                double z_lo, double z_hi, double tol) {
  NeedleAgreement r;
  r.truth_count = static_cast<int>(truth.size());
  r.truth_match.assign(truth.size(), -1);
  struct Pair {
    double d;
    size_t i, j;
  };
  std::vector<Pair> pairs;
  for (size_t i = 0; i < test.size(); ++i)
    for (size_t j = 0; j < truth.size(); ++j) {
      double s = 0;
      constexpr int M = 20;
      for (int k = 0; k <= M; ++k) {
        const double z = z_lo + (z_hi - z_lo) * k / M;
        const auto p = xy_at(test[i], z), q = xy_at(truth[j], z);
        s += std::hypot(p[0] - q[0], p[1] - q[1]);
      }
      pairs.push_back({s / (M + 1), i, j});
    }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.d < b.d; });
  std::vector<char> ut(test.size(), 0), uu(truth.size(), 0);
  double err = 0;
  for (const auto& p : pairs) {
    if (p.d > tol) break;
    if (ut[p.i] || uu[p.j]) continue;
    ut[p.i] = uu[p.j] = 1;
    r.truth_match[p.j] = static_cast<int>(p.i);
    ++r.found;
    err += p.d;
  }
  r.false_needles = static_cast<int>(test.size()) - r.found;
  r.mean_error_mm = r.found > 0 ? err / r.found : 0.0;
  return r;
}

}  // namespace hdr::imaging
