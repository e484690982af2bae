#include "planner/imaging/segment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/imaging/cv_convert.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/working_grid.hpp"

namespace hdr::imaging {
namespace {

constexpr double kPi = std::numbers::pi;

struct Prepared {
  std::vector<double> z;
  std::vector<WorkingGrid> grids;  // smoothed
  cv::Mat imaged;                  // CV_8U: pixels some frame images (before erosion)
  cv::Mat mask;                    // CV_8U: imaged region, eroded (edges near its rim ignored)
  double scale = 1.0;              // robust intensity spread, normalises edge strengths
  std::vector<cv::Mat> light;      // CV_32F per position: working grid lightly smoothed, echoes kept (urethra)
  std::vector<std::vector<std::array<double, 2>>> needle_echoes;  // per position: needle-like echoes (not catheter walls)
  // Per position: needle echoes seen at the same place on three consecutive positions (a needle
  // runs along the sweep; speckle peaks and a calcification's one or two frames do not).
  std::vector<std::vector<std::array<double, 2>>> needles;
};

bool in_mask(const WorkingGrid& g, const cv::Mat& mask, double x, double y) {
  const int c = static_cast<int>(std::lround(g.col(x))), r = static_cast<int>(std::lround(g.row(y)));
  return c >= 0 && r >= 0 && c < mask.cols && r < mask.rows && mask.at<std::uint8_t>(r, c) != 0;
}

Prepared prepare(const Sweep& sweep, const SegmentationOptions& o) {
  Prepared p;
  std::vector<size_t> order(sweep.frames.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sweep.frames[a].z_mm < sweep.frames[b].z_mm; });
  std::vector<int> counts;
  for (size_t idx : order) {
    const Frame& f = sweep.frames[idx];
    WorkingGrid g = make_working_grid(f.image, o.working_mm);
    cv::Mat nz = g.img > 0.5f;
    cv::Mat light;
    cv::GaussianBlur(g.img, light, cv::Size(0, 0), 0.75 / o.working_mm);
    std::vector<std::array<double, 2>> frame_needles;
    // Specular reflectors (needles and their reverberation tails, calcifications) found as
    // compact echoes far above their local surroundings — not simply the brightest pixels, which
    // in a hyperechoic gland are the gland itself — are left out of the working grid's averages
    // (normalised convolution) so that they cannot pose as tissue contrast.
    {
      const cv::Mat full = view_of(f.image);
      cv::Mat spec = cv::Mat::zeros(full.size(), CV_8U);
      // Needle-like echoes and their reverberation tails, behind them along the beam. A tail's
      // length is measured: it runs on while the beam behind the echo stays brighter than the
      // tissue beside it at the same depth.
      auto at = [&](double x, double y, float* v) {  // 3x3 mean of the frame about (x, y)
        const int c = static_cast<int>(std::lround(f.image.col_of_x(x))), r = static_cast<int>(std::lround(f.image.row_of_y(y)));
        if (c < 1 || r < 1 || c > full.cols - 2 || r > full.rows - 2) return false;
        int sum = 0;
        for (int dr = -1; dr <= 1; ++dr) {
          const std::uint8_t* row = full.ptr<std::uint8_t>(r + dr);
          sum += row[c - 1] + row[c] + row[c + 1];
        }
        *v = static_cast<float>(sum) / 9.0f;
        return true;
      };
      const std::vector<Echo> echoes = find_echoes(f.image);
      const NeedleOptions needle_defaults;
      for (const Echo& e : echoes)
        if (e.width_mm <= needle_defaults.max_width_mm && e.behind_ratio >= needle_defaults.lumen_ratio) frame_needles.push_back({e.x_mm, e.y_mm});
      for (const Echo& e : echoes) {
        if (e.width_mm > 8.0) continue;
        const double rr = std::hypot(e.x_mm, e.y_mm);
        const double ux = e.x_mm / rr, uy = e.y_mm / rr;
        const double half_w = 0.5 * e.width_mm + 0.8;
        double len = std::max(e.length_mm, 2.0);
        {
          int below = 0;
          double last_above = len;
          for (double d = 0.5; d <= 15.0; d += 0.25) {
            float v = 0;
            double on_sum = 0, side_sum = 0;
            int n_on = 0, n_side = 0;
            for (double w : {-0.4, 0.0, 0.4})
              if (at(e.x_mm + d * ux - w * uy, e.y_mm + d * uy + w * ux, &v)) {
                on_sum += static_cast<double>(v);
                ++n_on;
              }
            for (double w : {-(half_w + 1.5), -(half_w + 2.5), half_w + 1.5, half_w + 2.5})
              if (at(e.x_mm + d * ux - w * uy, e.y_mm + d * uy + w * ux, &v)) {
                side_sum += static_cast<double>(v);
                ++n_side;
              }
            if (n_on == 0 || n_side == 0) break;
            if (on_sum / n_on > side_sum / n_side) {
              below = 0;
              last_above = std::max(last_above, d);
            } else if (++below >= 4) {
              break;  // 1 mm no brighter than beside it: the tail has ended
            }
          }
          len = last_above;
        }
        len += 1.0;
        std::vector<cv::Point> quad;
        for (const auto& [a, w] : std::initializer_list<std::pair<double, double>>{{-1.5, -half_w}, {-1.5, half_w}, {len, half_w}, {len, -half_w}}) {
          const double x = e.x_mm + a * ux - w * uy, y = e.y_mm + a * uy + w * ux;
          quad.emplace_back(static_cast<int>(std::lround(f.image.col_of_x(x))), static_cast<int>(std::lround(f.image.row_of_y(y))));
        }
        cv::fillConvexPoly(spec, quad, cv::Scalar(255));
      }
      cv::Mat num_w, den_w;
      if (echoes.empty()) {
        num_w = g.img.clone();
        den_w = cv::Mat::ones(g.img.size(), CV_32F);
      } else {
        cv::Mat valid, num;
        cv::bitwise_not(spec, valid);
        valid.convertTo(valid, CV_32F, 1.0 / 255.0);
        full.convertTo(num, CV_32F);
        num = num.mul(valid);
        cv::resize(num, num_w, g.img.size(), 0, 0, cv::INTER_AREA);
        cv::resize(valid, den_w, g.img.size(), 0, 0, cv::INTER_AREA);
      }
      const double sg = 1.0 / o.working_mm;
      cv::GaussianBlur(num_w, num_w, cv::Size(0, 0), sg);
      cv::GaussianBlur(den_w, den_w, cv::Size(0, 0), sg);
      // Where the left-out region is wider than the kernel, fill from a wider neighbourhood.
      cv::Mat num_l, den_l, fine, wide;
      cv::GaussianBlur(num_w, num_l, cv::Size(0, 0), 3.0 * sg);
      cv::GaussianBlur(den_w, den_l, cv::Size(0, 0), 3.0 * sg);
      cv::max(den_l, 1e-3, den_l);
      cv::divide(num_l, den_l, wide);
      cv::Mat wgt;
      cv::min(den_w * 2.0, 1.0, wgt);
      cv::max(den_w, 1e-3, den_w);
      cv::divide(num_w, den_w, fine);
      g.img = fine.mul(wgt) + wide.mul(1.0 - wgt);
    }
    if (p.imaged.empty()) p.imaged = nz;
    else cv::bitwise_or(p.imaged, nz, p.imaged);
    if (!p.z.empty() && std::abs(f.z_mm - p.z.back()) < 1e-6) {  // repeated position: average
      p.grids.back().img += g.img;
      p.light.back() += light;
      p.needle_echoes.back().insert(p.needle_echoes.back().end(), frame_needles.begin(), frame_needles.end());
      counts.back() += 1;
    } else {
      p.z.push_back(f.z_mm);
      p.grids.push_back(std::move(g));
      p.light.push_back(light);
      p.needle_echoes.push_back(std::move(frame_needles));
      counts.push_back(1);
    }
  }
  for (size_t k = 0; k < p.grids.size(); ++k) {
    if (counts[k] > 1) {
      p.grids[k].img /= counts[k];
      p.light[k] /= counts[k];
    }
    // A ~4.5 mm median: rank statistics ignore what is left of needle tails and smooth speckle.
    cv::Mat m8;
    p.grids[k].img.convertTo(m8, CV_8U);
    cv::medianBlur(m8, m8, 2 * static_cast<int>(std::round(2.25 / o.working_mm)) + 1);
    m8.convertTo(p.grids[k].img, CV_32F);
    const double s = o.smooth_sigma_mm / p.grids[k].step_mm;
    cv::GaussianBlur(p.grids[k].img, p.grids[k].img, cv::Size(0, 0), s, o.smooth_sigma_mm / p.grids[k].step_y_mm);
  }
  p.needles.resize(p.z.size());
  auto seen = [&](size_t k, const std::array<double, 2>& e) {
    return std::any_of(p.needle_echoes[k].begin(), p.needle_echoes[k].end(), [&](const auto& q) { return std::hypot(q[0] - e[0], q[1] - e[1]) < 1.5; });
  };
  for (size_t k = 0; k < p.z.size(); ++k)
    for (const auto& e : p.needle_echoes[k]) {
      const bool lo1 = k >= 1 && seen(k - 1, e), lo2 = k >= 2 && lo1 && seen(k - 2, e);
      const bool hi1 = k + 1 < p.z.size() && seen(k + 1, e), hi2 = k + 2 < p.z.size() && hi1 && seen(k + 2, e);
      if ((lo1 && hi1) || lo2 || hi2) p.needles[k].push_back(e);
    }
  // Imaged region: convex hull of every pixel any frame shows, eroded so that the sector's rim
  // (imaged vs. not imaged) never counts as an organ boundary.
  std::vector<cv::Point> pts;
  cv::findNonZero(p.imaged, pts);
  require(pts.size() > 100, "segment: the frames are (nearly) blank");
  std::vector<cv::Point> hull;
  cv::convexHull(pts, hull);
  p.mask = cv::Mat::zeros(p.imaged.size(), CV_8U);
  cv::fillConvexPoly(p.mask, hull, cv::Scalar(255));
  const int e = std::max(1, static_cast<int>(std::round(2.0 / o.working_mm)));
  cv::erode(p.mask, p.mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * e + 1, 2 * e + 1)));
  // Robust spread of intensities inside the mask on the middle frame.
  const cv::Mat& mid = p.grids[p.grids.size() / 2].img;
  std::vector<float> v;
  for (int r = 0; r < mid.rows; r += 2)
    for (int c = 0; c < mid.cols; c += 2)
      if (p.mask.at<std::uint8_t>(r, c)) v.push_back(mid.at<float>(r, c));
  require(v.size() > 20, "segment: the imaged region is too small");
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  const float med = v[v.size() / 2];
  for (auto& x : v) x = std::abs(x - med);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  p.scale = std::max(1.0, 1.4826 * static_cast<double>(v[v.size() / 2]));
  return p;
}

// Probe radius and rectal-wall outer radius from the mean image along upward rays.
double rectum_radius(const Prepared& p) {
  WorkingGrid g = p.grids[p.grids.size() / 2];
  std::vector<double> outer;
  for (int a = -60; a <= 60; a += 10) {
    const double th = a * kPi / 180.0, ux = std::sin(th), uy = std::cos(th);
    double r0 = -1;
    for (double r = 3.0; r < 25.0; r += 0.25) {
      const int c = static_cast<int>(std::lround(g.col(r * ux))), row = static_cast<int>(std::lround(g.row(r * uy)));
      if (c < 0 || row < 0 || c >= p.imaged.cols || row >= p.imaged.rows) continue;
      if (p.imaged.at<std::uint8_t>(row, c)) {
        r0 = r;
        break;
      }
    }
    if (r0 < 0) continue;
    double peak = 0, peak_r = r0;
    for (double r = r0; r < r0 + 5.0; r += 0.25) {
      if (!g.inside(r * ux, r * uy)) break;
      const double v = static_cast<double>(g.sample(r * ux, r * uy));
      if (v > peak) {
        peak = v;
        peak_r = r;
      }
    }
    double tissue = 0;
    int n = 0;
    for (double r = r0 + 8.0; r < r0 + 12.0; r += 0.5)
      if (g.inside(r * ux, r * uy)) {
        tissue += static_cast<double>(g.sample(r * ux, r * uy));
        ++n;
      }
    if (n == 0) continue;
    tissue /= n;
    double edge = r0 + 3.5;
    for (double r = peak_r; r < r0 + 8.0; r += 0.25)
      if (g.inside(r * ux, r * uy) && static_cast<double>(g.sample(r * ux, r * uy)) < 0.5 * (peak + tissue)) {
        edge = r;
        break;
      }
    outer.push_back(std::clamp(edge, r0 + 1.5, r0 + 8.0));
  }
  if (outer.empty()) return 13.5;
  std::nth_element(outer.begin(), outer.begin() + static_cast<std::ptrdiff_t>(outer.size() / 2), outer.end());
  return outer[outer.size() / 2];
}


struct Circle {  // an axis-aligned ellipse in fact: the start shape
  double cx = 0, cy = 0, a = 0, b = 0;
  int sign = 1;
  double score = 0;
  double r = 0;  // mean radius
  double radius(double th) const { return a * b / std::sqrt(b * b * std::cos(th) * std::cos(th) + a * a * std::sin(th) * std::sin(th)); }
};

// The gland's placement prior: the operator centres the probe (and the template) under the
// gland, so a lateral offset of more than a few mm is unlikely (`lateral_sd_mm`) while depth
// varies more; the probe presses the rectal wall against the gland, so its posterior edge lies
// close above the rectum (a dark bladder above the gland must not pull the start shape up).
double placement_prior(double cx, double cy, double B, double rectum_r, double lateral_sd_mm) {
  const double dist2 = cx * cx * (30.0 * 30.0) / (lateral_sd_mm * lateral_sd_mm) + (cy - 25.0) * (cy - 25.0);
  const double gap = std::max(0.0, cy - B - rectum_r - 5.0);
  return std::exp(-dist2 / (2.0 * 30.0 * 30.0) - gap * gap / (2.0 * 5.0 * 5.0));
}

// Sweep-level start shapes: ellipses with a strong sign-consistent radial contrast on the mean
// of the middle frames. Each ray's contribution is clipped so that no single bright or dark
// object dominates. Several distinct ones are returned — the best under the usual placement
// prior and the best under a wide one (a gland off to the side, as in a phantom recorded
// obliquely) — for the caller to choose among by what refining them finds.
std::vector<Circle> initial_candidates(const Prepared& p, double rectum_r) {
  const size_t n = p.grids.size();
  const size_t a0 = n / 4, b0 = std::max(a0 + 1, n - n / 4);
  cv::Mat mean = cv::Mat::zeros(p.grids[0].img.size(), CV_32F);
  for (size_t k = a0; k < b0; ++k) mean += p.grids[k].img;
  mean /= static_cast<double>(b0 - a0);
  WorkingGrid g = p.grids[0];
  g.img = mean;
  constexpr int K = 20;
  double cs[K], sn[K];
  for (int k = 0; k < K; ++k) {
    cs[k] = std::cos(2 * kPi * k / K);
    sn[k] = std::sin(2 * kPi * k / K);
  }
  auto score_of = [&](double cx, double cy, double A, double B, int* sign_out) {
    double sum = 0;
    double d[K];
    int bad = 0;
    for (int k = 0; k < K; ++k) {
      const double fr[4] = {0.7, 0.85, 1.15, 1.3};
      double v[4];
      bool ok = true;
      for (int t = 0; t < 4; ++t) {
        const double x = cx + fr[t] * A * cs[k], y = cy + fr[t] * B * sn[k];
        if (!in_mask(g, p.mask, x, y) || x * x + y * y < rectum_r * rectum_r) {  // the gland is outside the rectum
          ok = false;
          break;
        }
        v[t] = static_cast<double>(g.sample(x, y));
      }
      if (!ok) {
        d[k] = 0;
        ++bad;
        continue;
      }
      d[k] = std::clamp(0.5 * (v[2] + v[3] - v[0] - v[1]), -2.0 * p.scale, 2.0 * p.scale);
      sum += d[k];
    }
    if (bad > K / 6) return 0.0;
    const int sgn = sum >= 0 ? 1 : -1;
    int consistent = 0;
    for (int k = 0; k < K; ++k) consistent += (d[k] * sgn > 0) ? 1 : 0;
    *sign_out = sgn;
    return std::abs(sum) / K * consistent * consistent / (K * K);
  };
  // Coarse grid: sizes from a small gland to a large phantom; the centre step grows with the size.
  struct Scored {
    Circle c;
    double evidence;
  };
  std::vector<Scored> coarse;
  for (double A = 9.0; A <= 48.0; A += std::max(3.0, 0.15 * A))
    for (double B = 7.0; B <= std::min(48.0, 1.4 * A); B += std::max(3.0, 0.15 * B)) {
      const double step = std::max(3.0, 0.2 * std::min(A, B));
      for (double cy = 8.0; cy <= 95.0; cy += step)
        for (double cx = -45.0; cx <= 45.0; cx += step) {
          int sgn = 1;
          const double ev = score_of(cx, cy, A, B, &sgn);
          if (ev > 0) coarse.push_back({{cx, cy, A, B, sgn, 0, 0.5 * (A + B)}, ev});
        }
    }
  require(!coarse.empty(), "segment: no gland-like boundary found in the middle of the sweep");
  // A fine search about a coarse shape, under the same prior.
  auto fine = [&](const Circle& c0, double lateral_sd_mm) {
    Circle best = c0;
    best.score = -1;
    for (double A = c0.a - 2.0; A <= c0.a + 2.0; A += 1.0)
      for (double B = c0.b - 2.0; B <= c0.b + 2.0; B += 1.0)
        for (double cy = c0.cy - 2.0; cy <= c0.cy + 2.0; cy += 1.0)
          for (double cx = c0.cx - 2.0; cx <= c0.cx + 2.0; cx += 1.0) {
            if (A < 6.0 || B < 5.0) continue;
            int sgn = 1;
            const double sc = score_of(cx, cy, A, B, &sgn) * (lateral_sd_mm > 0 ? placement_prior(cx, cy, B, rectum_r, lateral_sd_mm) : 1.0);
            if (sc > best.score) best = {cx, cy, A, B, sgn, sc, 0.5 * (A + B)};
          }
    return best;
  };
  // Two shapes are the same hypothesis when their centres and sizes are close.
  auto same = [](const Circle& x, const Circle& y) {
    return std::hypot(x.cx - y.cx, x.cy - y.cy) < 0.35 * std::min(x.r, y.r) && std::max(x.r, y.r) < 1.3 * std::min(x.r, y.r) && x.sign == y.sign;
  };
  std::vector<Circle> out;
  // (lateral_sd_mm 0: no placement prior at all — the strongest outline wherever it is.)
  for (const auto& [lateral_sd_mm, count] : std::initializer_list<std::pair<double, int>>{{8.0, 4}, {25.0, 3}, {0.0, 2}}) {
    std::vector<std::pair<double, size_t>> order;
    for (size_t i = 0; i < coarse.size(); ++i)
      order.push_back({-coarse[i].evidence * (lateral_sd_mm > 0 ? placement_prior(coarse[i].c.cx, coarse[i].c.cy, coarse[i].c.b, rectum_r, lateral_sd_mm) : 1.0), i});
    std::sort(order.begin(), order.end());
    int taken = 0;
    for (const auto& [neg, i] : order) {
      if (taken == count || neg >= 0) break;
      const Circle& c = coarse[i].c;
      if (std::any_of(out.begin(), out.end(), [&](const Circle& q) { return same(q, c); })) continue;
      out.push_back(fine(c, lateral_sd_mm));
      ++taken;
    }
  }
  // From the gland's echo texture rather than its outline: the largest region of either class
  // of the mean image (split at Otsu's threshold, thin links opened, gaps of a few mm closed —
  // a dark channel through a bright phantom gland), as the ellipse of its second moments.
  {
    cv::Mat m8;
    double lo = 0, hi = 0;
    cv::minMaxLoc(mean, &lo, &hi, nullptr, nullptr, p.mask);
    mean.convertTo(m8, CV_8U, hi > lo ? 255.0 / (hi - lo) : 1.0, hi > lo ? -lo * 255.0 / (hi - lo) : 0.0);
    std::vector<std::uint8_t> inside;
    for (int r = 0; r < m8.rows; ++r)
      for (int c = 0; c < m8.cols; ++c)
        if (p.mask.at<std::uint8_t>(r, c)) inside.push_back(m8.at<std::uint8_t>(r, c));
    // Otsu's split of the imaged region, and the split of its gland-polarity side's opposite
    // once more (a phantom shows three levels: black background, grey and bright tissue).
    auto otsu = [](std::vector<std::uint8_t> v) {
      cv::Mat ignored;
      return v.empty() ? 128.0 : cv::threshold(cv::Mat(v).reshape(1, 1), ignored, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    };
    const double t = otsu(inside);
    std::vector<std::uint8_t> below, above;
    for (std::uint8_t v : inside) (v <= t ? below : above).push_back(v);
    const double t_below = otsu(below), t_above = otsu(above);
    const int open_px = std::max(1, static_cast<int>(std::lround(1.0 / g.step_mm))), close_px = std::max(1, static_cast<int>(std::lround(5.0 / g.step_mm)));
    for (const auto& [sgn, level] : std::initializer_list<std::pair<int, double>>{{-1, t}, {-1, t_below}, {1, t}, {1, t_above}}) {
      cv::Mat cls = sgn < 0 ? (m8 > level) : (m8 <= level);
      cls &= p.mask;
      cv::morphologyEx(cls, cls, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * open_px + 1, 2 * open_px + 1)));
      cv::morphologyEx(cls, cls, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * close_px + 1, 2 * close_px + 1)));
      cv::Mat labels, stats, centroids;
      const int nl = cv::connectedComponentsWithStats(cls, labels, stats, centroids, 8, CV_32S);
      int best_l = 0;
      for (int l = 1; l < nl; ++l)
        if (best_l == 0 || stats.at<int>(l, cv::CC_STAT_AREA) > stats.at<int>(best_l, cv::CC_STAT_AREA)) best_l = l;
      if (best_l == 0 || stats.at<int>(best_l, cv::CC_STAT_AREA) * g.step_mm * g.step_y_mm < 150.0) continue;
      const cv::Moments mo = cv::moments(labels == best_l, true);
      const double cx = g.x(mo.m10 / mo.m00), cy = g.y(mo.m01 / mo.m00);
      const double A = 2.0 * std::sqrt(mo.mu20 / mo.m00) * g.step_mm, B = 2.0 * std::sqrt(mo.mu02 / mo.m00) * g.step_y_mm;
      if (A < 6.0 || B < 5.0 || cy < rectum_r) continue;
      int s_out = sgn;
      const double ev = score_of(cx, cy, A, B, &s_out);
      const Circle c{cx, cy, A, B, sgn, ev, 0.5 * (A + B)};
      if (ev > 0 && s_out == sgn && std::none_of(out.begin(), out.end(), [&](const Circle& q) { return same(q, c); })) out.push_back(c);
    }
  }
  return out;
}

// Catheters are implanted in the gland: a contour passing inside a needle echo pays this much
// per ray (about a strong edge's worth, so that a needle row cannot pose as the boundary).
constexpr double kNeedleInsideCost = 2.0;

// Per ray about (cx, cy): the radius a contour must exceed to hold the frame's tracked needles
// (needle centre + 1.5 mm), 0 where no needle lies.
std::vector<double> needle_floor(const Prepared& p, size_t k, double cx, double cy, int N) {
  std::vector<double> f(static_cast<size_t>(N), 0.0);
  for (const auto& e : p.needles[k]) {
    const double dx = e[0] - cx, dy = e[1] - cy, rho = std::hypot(dx, dy);
    if (rho < 1.0) continue;
    const double phi = std::atan2(dy, dx), half = std::atan2(1.0, rho);
    for (int t = 0; t < N; ++t) {
      const double th = 2 * kPi * t / N;
      if (std::abs(std::remainder(th - phi, 2 * kPi)) <= half + kPi / N) f[static_cast<size_t>(t)] = std::max(f[static_cast<size_t>(t)], rho + 1.5);
    }
  }
  return f;
}

// Closed contour by dynamic programming over polar rays about (cx, cy). Returns radii.
std::vector<double> polar_dp(const Prepared& p, size_t fi, double cx, double cy, const std::vector<double>& prior,
                             double prior_weight, double r_lo, double r_hi, int sign, double rectum_r,
                             double fluid_below = -std::numeric_limits<double>::infinity(), const std::vector<double>* cap = nullptr,
                             const std::vector<double>* floor = nullptr) {
  const WorkingGrid& g = p.grids[fi];
  const int N = static_cast<int>(prior.size());
  const double dr = 0.5, delta = 1.5;
  const int M = std::max(2, static_cast<int>((r_hi - r_lo) / dr) + 1);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> cost(static_cast<size_t>(N) * static_cast<size_t>(M));
  for (int k = 0; k < N; ++k) {
    const double th = 2 * kPi * k / N, ux = std::cos(th), uy = std::sin(th);
    // Anechoic fluid (the bladder at the base, a cyst) is never inside the gland: along the ray,
    // the contour stops where the first 5 mm run of fluid begins.
    double fluid_cap = std::numeric_limits<double>::infinity();
    if (std::isfinite(fluid_below)) {
      int run = 0;
      for (int j = 0; j < M; ++j) {
        const double r = r_lo + j * dr;
        if (!g.inside(cx + r * ux, cy + r * uy)) break;
        run = static_cast<double>(g.sample(cx + r * ux, cy + r * uy)) < fluid_below ? run + 1 : 0;
        if (run * dr >= 5.0) {
          fluid_cap = std::max(r_lo + dr, r - (run - 1) * dr);
          break;
        }
      }
    }
    for (int j = 0; j < M; ++j) {
      const double r = r_lo + j * dr;
      double c;
      const double rp0 = prior[static_cast<size_t>(k)];
      // The gland lies outside the rectal wall (and inside the image).
      if (!g.inside(cx + r * ux, cy + r * uy) || r < 0.35 * rp0 || r > 1.8 * rp0 + 2.0 || (cap && r > (*cap)[static_cast<size_t>(k)]) || r > fluid_cap || std::hypot(cx + r * ux, cy + r * uy) < rectum_r) c = inf;
      else if (!in_mask(g, p.mask, cx + (r + delta) * ux, cy + (r + delta) * uy) || !in_mask(g, p.mask, cx + (r - delta) * ux, cy + (r - delta) * uy))
        c = 0.3;  // no evidence outside the imaged region
      else {
        const double gout = static_cast<double>(g.sample(cx + (r + delta) * ux, cy + (r + delta) * uy));
        const double gin = static_cast<double>(g.sample(cx + (r - delta) * ux, cy + (r - delta) * uy));
        c = std::clamp(-sign * (gout - gin) / p.scale, -3.0, 3.0);
        // Anechoic fluid (bladder, cysts) far darker than the gland's interior is never gland:
        // a boundary just outside gland-like tissue is an edge whatever the polarity, and a
        // contour whose inside band is fluid is wrong.
        if (gin < fluid_below) c += 6.0;
        else if (gout < fluid_below) c = -std::min(std::abs(gout - gin) / p.scale, 3.0);
      }
      if (floor && r < (*floor)[static_cast<size_t>(k)]) c += kNeedleInsideCost;
      const double rp = prior[static_cast<size_t>(k)];
      const double dev = (r - rp) / (0.3 * rp);
      c += prior_weight * std::min(dev * dev, 6.0);
      cost[static_cast<size_t>(k) * static_cast<size_t>(M) + static_cast<size_t>(j)] = c;
    }
  }
  // Unroll three turns; keep the middle one (closure without fixing a start radius). From ray to
  // ray the radius may change by up to 1 mm more than the prior's own change (a wide, flat gland's
  // lateral ends turn faster than 1 mm per ray), each 0.5 mm of departure from it costing 0.15.
  const int T = 3 * N, J = 2;
  std::vector<double> acc(static_cast<size_t>(M)), nacc(static_cast<size_t>(M));
  std::vector<int> back(static_cast<size_t>(T) * static_cast<size_t>(M));
  for (int j = 0; j < M; ++j) acc[static_cast<size_t>(j)] = cost[static_cast<size_t>(j)];
  for (int t = 1; t < T; ++t) {
    const int k = t % N;
    const int turn = static_cast<int>(std::lround((prior[static_cast<size_t>(k)] - prior[static_cast<size_t>((k + N - 1) % N)]) / dr));
    for (int j = 0; j < M; ++j) {
      double bestv = inf;
      int bj = j;
      for (int d = -J; d <= J; ++d) {
        const int jj = j - turn + d;
        if (jj < 0 || jj >= M) continue;
        const double v = acc[static_cast<size_t>(jj)] + 0.15 * std::abs(d);
        if (v < bestv) {
          bestv = v;
          bj = jj;
        }
      }
      nacc[static_cast<size_t>(j)] = bestv + cost[static_cast<size_t>(k) * static_cast<size_t>(M) + static_cast<size_t>(j)];
      back[static_cast<size_t>(t) * static_cast<size_t>(M) + static_cast<size_t>(j)] = bj;
    }
    std::swap(acc, nacc);
  }
  int j = static_cast<int>(std::min_element(acc.begin(), acc.end()) - acc.begin());
  std::vector<double> radii(static_cast<size_t>(N));
  for (int t = T - 1; t >= 0; --t) {
    if (t >= N && t < 2 * N) radii[static_cast<size_t>(t - N)] = r_lo + j * dr;
    if (t > 0) j = back[static_cast<size_t>(t) * static_cast<size_t>(M) + static_cast<size_t>(j)];
  }
  return radii;
}

// Shape prior: spike removal (circular median of 5) then a low-pass keeping 6 harmonics.
std::vector<double> smooth_shape(const std::vector<double>& r) {
  const int N = static_cast<int>(r.size());
  std::vector<double> m(r.size());
  for (int k = 0; k < N; ++k) {
    double w[5];
    for (int d = -2; d <= 2; ++d) w[d + 2] = r[static_cast<size_t>((k + d + N) % N)];
    std::sort(w, w + 5);
    m[static_cast<size_t>(k)] = w[2];
  }
  std::vector<double> out(r.size(), 0.0);
  for (int h = 0; h <= 6; ++h) {
    double a = 0, b = 0;
    for (int k = 0; k < N; ++k) {
      const double th = 2 * kPi * h * k / N;
      a += m[static_cast<size_t>(k)] * std::cos(th);
      b += m[static_cast<size_t>(k)] * std::sin(th);
    }
    const double f = (h == 0 ? 1.0 : 2.0) / N;
    for (int k = 0; k < N; ++k) {
      const double th = 2 * kPi * h * k / N;
      out[static_cast<size_t>(k)] += f * (a * std::cos(th) + b * std::sin(th));
    }
  }
  return out;
}

// Boundary contrast in noise units (sign-corrected): outside band minus inside band.
double boundary_contrast(const Prepared& p, const WorkingGrid& g, double cx, double cy, const std::vector<double>& r, int sign,
                         double fluid_below = -std::numeric_limits<double>::infinity()) {
  const int N = static_cast<int>(r.size());
  double sum = 0;
  int n = 0;
  for (int k = 0; k < N; ++k) {
    const double th = 2 * kPi * k / N, ux = std::cos(th), uy = std::sin(th);
    const double R = r[static_cast<size_t>(k)];
    double in = 0, out = 0;
    bool ok = true;
    for (double d : {1.0, 2.0, 3.0}) {
      const double xi = cx + (R - d) * ux, yi = cy + (R - d) * uy, xo = cx + (R + d) * ux, yo = cy + (R + d) * uy;
      if (!in_mask(g, p.mask, xi, yi) || !in_mask(g, p.mask, xo, yo)) {
        ok = false;
        break;
      }
      in += static_cast<double>(g.sample(xi, yi));
      out += static_cast<double>(g.sample(xo, yo));
    }
    if (!ok) continue;
    sum += out / 3.0 < fluid_below ? std::abs(out - in) / 3.0 : sign * (out - in) / 3.0;  // fluid outside: an edge either way
    ++n;
  }
  return n > N / 3 ? sum / n / p.scale : 0.0;
}

// Mean intensity well inside the contour (40..80 % of each ray's radius).
double interior_mean(const Prepared& p, const WorkingGrid& g, double cx, double cy, const std::vector<double>& r) {
  const int N = static_cast<int>(r.size());
  double sum = 0;
  int n = 0;
  for (int k = 0; k < N; k += 2) {
    const double th = 2 * kPi * k / N, ux = std::cos(th), uy = std::sin(th);
    for (double f : {0.4, 0.6, 0.8}) {
      const double x = cx + f * r[static_cast<size_t>(k)] * ux, y = cy + f * r[static_cast<size_t>(k)] * uy;
      if (!in_mask(g, p.mask, x, y)) continue;
      sum += static_cast<double>(g.sample(x, y));
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

formats::ContourSlice polygon(double z, double cx, double cy, const std::vector<double>& r) {
  formats::ContourSlice s{z, {}};
  const int N = static_cast<int>(r.size());
  for (int k = 0; k < N; ++k) {
    const double th = 2 * kPi * k / N;
    s.points_mm.push_back({cx + r[static_cast<size_t>(k)] * std::cos(th), cy + r[static_cast<size_t>(k)] * std::sin(th)});
  }
  return s;
}

formats::ContourSlice circle(double z, double cx, double cy, double radius, int n) {
  return polygon(z, cx, cy, std::vector<double>(static_cast<size_t>(n), radius));
}

// The largest contiguous run of `flag` containing `ref` (or nothing if ref is not flagged).
std::vector<bool> run_containing(const std::vector<bool>& flag, size_t ref) {
  std::vector<bool> out(flag.size(), false);
  if (!flag[ref]) return out;
  size_t a = ref, b = ref;
  while (a > 0 && flag[a - 1]) --a;
  while (b + 1 < flag.size() && flag[b + 1]) ++b;
  for (size_t k = a; k <= b; ++k) out[k] = true;
  return out;
}

// Urethra response at (x, y) on the lightly smoothed frame: a lumen (hypoechoic urethra, or the
// anechoic lumen of a Foley catheter) darker than the ring 3-4.5 mm around it (gland, or the
// catheter's bright wall), in grey levels; -inf where it cannot be (outside the frame, on or in
// the beam shadow behind a needle echo).
// A urethra's centre lies no nearer than kNeedleVeto_mm to a needle echo or to the beam line up
// to kNeedleTail_mm behind it, where its reverberation tail dims into a lumen-like gap (a needle
// is 1.3 mm across and its tail about as wide; a 3 mm veto also shut out a Foley's centre, 3 mm
// from the echoes of its own wall, and a 10 mm one a Foley lying 8 mm behind a needle).
constexpr double kNeedleVeto_mm = 2.0;
constexpr double kNeedleTail_mm = 6.0;

double urethra_response(const WorkingGrid& g, const cv::Mat& light, const std::vector<std::array<double, 2>>& needles, double x, double y) {
  constexpr double ninf = -std::numeric_limits<double>::infinity();
  for (const auto& e : needles) {
    // on the needle, or behind it along the beam (its shadow and tail)
    const double rr = std::max(1e-6, std::hypot(e[0], e[1]));
    const double ux = e[0] / rr, uy = e[1] / rr;
    const double dx = x - e[0], dy = y - e[1];
    const double along = std::clamp(dx * ux + dy * uy, 0.0, kNeedleTail_mm);
    if (std::hypot(dx - along * ux, dy - along * uy) < kNeedleVeto_mm) return ninf;
  }
  auto at = [&](double px, double py, double* v) {
    const double c = g.col(px), r = g.row(py);
    if (c < 0 || r < 0 || c > light.cols - 1 || r > light.rows - 1) return false;
    *v = static_cast<double>(WorkingGrid::sample_mat(light, c, r));
    return true;
  };
  double v = 0, in = 0, ring = 0;
  int ni = 0, nr = 0;
  if (at(x, y, &v)) {
    in += v;
    ++ni;
  }
  // The ring per direction: the brighter of 3.25 and 4.25 mm out (a Foley's wall, or gland).
  // A lumen is darker than its surroundings all round: the ring's lower quartile over the
  // directions counts, not its mean (a dark gap between needle echoes has bright surroundings
  // only where the needles are).
  constexpr int K = 12;
  double ring_dir[K];
  for (int k = 0; k < K; ++k) {
    const double th = 2 * kPi * k / K, cs = std::cos(th), sn = std::sin(th);
    if (at(x + 1.25 * cs, y + 1.25 * sn, &v)) {
      in += v;
      ++ni;
    }
    double brighter = ninf;
    for (double rad : {3.25, 4.25})
      if (at(x + rad * cs, y + rad * sn, &v)) brighter = std::max(brighter, v);
    if (brighter > ninf) ring_dir[nr++] = brighter;
  }
  if (ni < K / 2 || nr < K) return ninf;
  std::nth_element(ring_dir, ring_dir + K / 4 - 1, ring_dir + K);
  ring = ring_dir[K / 4 - 1];
  return ring - in / ni;
}

// How far from the gland's centre the urethra is looked for, as a share of the gland's mean
// radius: it runs near the centre, often anterior of it (0.6 found more false lumens than
// it gained true ones).
constexpr double kUrethraReach = 0.45;

// The urethra's centre on one frame: the best lumen response within `reach` of (cx, cy), with a
// mild pull towards (cx, cy) (the urethra runs near the gland's centre).
std::array<double, 2> find_urethra(const WorkingGrid& g, const cv::Mat& light, const std::vector<std::array<double, 2>>& needles, double cx,
                                   double cy, double reach, double scale) {
  double best = -std::numeric_limits<double>::infinity();
  std::array<double, 2> at{cx, cy};
  for (double dy = -reach; dy <= reach; dy += 0.5)
    for (double dx = -reach; dx <= reach; dx += 0.5) {
      if (dx * dx + dy * dy > reach * reach) continue;
      const double resp = urethra_response(g, light, needles, cx + dx, cy + dy) - 0.5 * scale * (dx * dx + dy * dy) / (reach * reach);
      if (resp > best) {
        best = resp;
        at = {cx + dx, cy + dy};
      }
    }
  return at;
}

// Least-squares line (x, y) = a + b·z through points[k] at z[k] for the given frames (the
// gland's centre line, the urethra's course); slopes 0 with fewer than 3 frames or one z.
struct LineInZ {
  double ax = 0, bx = 0, ay = 0, by = 0;
  std::array<double, 2> at(double z) const { return {ax + bx * z, ay + by * z}; }
};
LineInZ fit_line_in_z(const std::vector<double>& z, const std::vector<std::array<double, 2>>& points,
                      const std::vector<size_t>& frames) {
  double w = 0, sz = 0, szz = 0, sx = 0, sy = 0, szx = 0, szy = 0;
  for (size_t k : frames) {
    w += 1;
    sz += z[k];
    szz += z[k] * z[k];
    sx += points[k][0];
    sy += points[k][1];
    szx += z[k] * points[k][0];
    szy += z[k] * points[k][1];
  }
  LineInZ l;
  const double den = w * szz - sz * sz;
  if (den > 1e-9 && w >= 3) {
    l.bx = (w * szx - sz * sx) / den;
    l.by = (w * szy - sz * sy) / den;
  }
  l.ax = (sx - l.bx * sz) / w;
  l.ay = (sy - l.by * sz) / w;
  return l;
}

}  // namespace

bool SegmentationOptions::validate(std::string* error) const {
  std::ostringstream m;
  if (!(working_mm >= 0.2 && working_mm <= 1.0)) m << "SegmentationOptions::working_mm = " << working_mm << ": must be in 0.2..1 mm";
  else if (!(smooth_sigma_mm >= 0.0 && smooth_sigma_mm <= 5.0)) m << "SegmentationOptions::smooth_sigma_mm = " << smooth_sigma_mm << ": must be in 0..5 mm";
  else if (angles < 16 || angles > 720) m << "SegmentationOptions::angles = " << angles << ": must be in 16..720";
  else if (!(presence_ratio > 0.0 && presence_ratio < 1.0)) m << "SegmentationOptions::presence_ratio = " << presence_ratio << ": must be in (0, 1)";
  else if (!(prior_weight >= 0.0 && prior_weight <= 10.0)) m << "SegmentationOptions::prior_weight = " << prior_weight << ": must be in 0..10";
  else if (!(consistency_weight >= 0.0 && consistency_weight <= 10.0))
    m << "SegmentationOptions::consistency_weight = " << consistency_weight << ": must be in 0..10";
  else if (!(boundary_offset_mm >= -2.0 && boundary_offset_mm <= 2.0))
    m << "SegmentationOptions::boundary_offset_mm = " << boundary_offset_mm << ": must be in -2..2 mm";
  else if (!(boundary_offset_bright_mm >= -2.0 && boundary_offset_bright_mm <= 2.0))
    m << "SegmentationOptions::boundary_offset_bright_mm = " << boundary_offset_bright_mm << ": must be in -2..2 mm";
  const std::string s = m.str();
  if (error) *error = s;
  return s.empty();
}

// A start hypothesis refined on a few middle frames: each frame contoured about the shape's
// centre with the shape as prior, the per-angle median of those contours becoming the next
// prior (twice). Its score is the boundary contrast the refined contours find (noise units):
// a start inside the gland (between rows of needles, say) or around part of it finds a weaker
// boundary than one near the gland's own outline.
struct StartShape {
  Circle c;
  std::vector<double> radii;  // per angle, about (c.cx, c.cy)
  double contrast = 0;
  double score = 0;
};

StartShape refine_start(const Prepared& p, const Circle& c, const std::vector<size_t>& frames, int N, double rectum_r,
                        const SegmentationOptions& o) {
  StartShape h{c, std::vector<double>(static_cast<size_t>(N)), 0, 0};
  for (int t = 0; t < N; ++t) h.radii[static_cast<size_t>(t)] = c.radius(2 * kPi * t / N);
  std::vector<std::vector<double>> per_frame(frames.size());
  std::vector<double> w;
  for (int it = 0; it < 2; ++it) {
    const double r_hi = 1.8 * *std::max_element(h.radii.begin(), h.radii.end()) + 2.0;
    h.contrast = 0;
    for (size_t q = 0; q < frames.size(); ++q) {
      const std::vector<double> floor = needle_floor(p, frames[q], c.cx, c.cy, N);
      per_frame[q] = smooth_shape(polar_dp(p, frames[q], c.cx, c.cy, h.radii, o.prior_weight, 3.0, r_hi, c.sign, rectum_r,
                                           -std::numeric_limits<double>::infinity(), nullptr, &floor));
      h.contrast += boundary_contrast(p, p.grids[frames[q]], c.cx, c.cy, per_frame[q], c.sign) / static_cast<double>(frames.size());
    }
    for (int t = 0; t < N; ++t) {
      w.clear();
      for (const auto& r : per_frame) w.push_back(r[static_cast<size_t>(t)]);
      std::sort(w.begin(), w.end());
      h.radii[static_cast<size_t>(t)] = w[w.size() / 2];
    }
  }
  double mean_r = 0;
  for (double v : h.radii) mean_r += v / N;
  h.c.r = mean_r;
  // Needles left outside the refined contours count against the hypothesis (they are implanted
  // in the gland).
  int needles = 0, outside = 0;
  for (size_t q = 0; q < frames.size(); ++q)
    for (const auto& e : p.needles[frames[q]]) {
      const double dx = e[0] - c.cx, dy = e[1] - c.cy;
      const int t = static_cast<int>(std::lround(std::atan2(dy, dx) / (2 * kPi) * N + N)) % N;
      ++needles;
      if (std::hypot(dx, dy) > per_frame[q][static_cast<size_t>(t)]) ++outside;
    }
  // (Softly: a phantom's or a scanner's stray reflectors may repeat from frame to frame too.)
  const double inside = needles ? 1.0 - static_cast<double>(outside) / needles : 1.0;
  h.score = h.contrast * (0.25 + 0.75 * inside * inside) * std::sqrt(placement_prior(c.cx, c.cy, h.radii[static_cast<size_t>(3 * N / 4)], rectum_r, 25.0));
  return h;
}

// The start shape: every candidate refined, the best score kept (ties to the earlier, more
// probable placement).
StartShape choose_start(const Prepared& p, double rectum_r, int N, const SegmentationOptions& o) {
  const std::vector<Circle> candidates = initial_candidates(p, rectum_r);
  const size_t n = p.grids.size();
  const size_t a = n / 4, b = std::max(a + 1, n - n / 4);
  std::vector<size_t> frames;
  const size_t want = std::min<size_t>(5, b - a);
  for (size_t q = 0; q < want; ++q) frames.push_back(a + (2 * q + 1) * (b - a) / (2 * want));
  StartShape best;
  best.score = -std::numeric_limits<double>::infinity();
  double top_evidence = 0;
  for (const Circle& c : candidates) top_evidence = std::max(top_evidence, c.score);
  for (const Circle& c : candidates) {
    StartShape h = refine_start(p, c, frames, N, rectum_r, o);
    // The mean-image evidence that proposed the shape counts too (the refined contrast alone is
    // noisy when the gland's contrast is weak).
    h.score *= std::sqrt(std::sqrt(c.score / top_evidence));
    if (h.score > best.score * 1.02) best = std::move(h);
  }
  return best;
}

SegmentationResult segment_sweep(const Sweep& sweep, const SegmentationOptions& o) {
  std::string why;
  require(o.validate(&why), why);
  validate_sweep(sweep, "segment");
  const Prepared p = prepare(sweep, o);
  const size_t n = p.z.size();
  const int N = o.angles;
  const double rectum_r = rectum_radius(p);
  const StartShape start = choose_start(p, rectum_r, N, o);
  const Circle& c0 = start.c;
  SegmentationResult result;
  SegmentationReport& rep = result.report;
  rep.z_mm = p.z;
  rep.edge_sign = c0.sign;
  rep.initial_centre_mm[0] = c0.cx;
  rep.initial_centre_mm[1] = c0.cy;
  rep.initial_radius_mm = c0.r;

  const double r_lo = 3.0, r_hi = 1.8 * *std::max_element(start.radii.begin(), start.radii.end()) + 2.0;
  const std::vector<double>& start_shape = start.radii;
  // Pass 1: every position about the initial centre.
  std::vector<std::vector<double>> r1(n);
  std::vector<double> contrast(n);
  std::vector<std::array<double, 2>> centroid(n);
  for (size_t k = 0; k < n; ++k) {
    r1[k] = smooth_shape(polar_dp(p, k, c0.cx, c0.cy, start_shape, o.prior_weight, r_lo, r_hi, c0.sign, rectum_r));
    contrast[k] = boundary_contrast(p, p.grids[k], c0.cx, c0.cy, r1[k], c0.sign);
    double sx = 0, sy = 0;
    for (int t = 0; t < N; ++t) {
      const double th = 2 * kPi * t / N;
      sx += c0.cx + r1[k][static_cast<size_t>(t)] * std::cos(th);
      sy += c0.cy + r1[k][static_cast<size_t>(t)] * std::sin(th);
    }
    centroid[k] = {sx / N, sy / N};
  }
  // Reference frame: a typical one of the sweep's middle half (a sweep starts and ends near
  // the gland's ends, so its middle shows the gland; the base's bladder must not be the
  // reference even though its boundary is often the strongest).
  const size_t mid_a = n / 4, mid_b = std::max(mid_a + 1, n - n / 4);
  auto typical_frame = [&](const std::vector<double>& c) {
    std::vector<std::pair<double, size_t>> v;
    for (size_t k = mid_a; k < mid_b; ++k) v.push_back({c[k], k});
    std::sort(v.begin(), v.end());
    return v[v.size() / 2].second;
  };
  size_t ref = typical_frame(contrast);
  // Intensity below which a region is fluid, not gland: well under the reference frame's interior.
  // (In a high-contrast sweep the spread is large and the first bound negative: anechoic fluid
  // is also anything under a third of the gland's grey level, near the display's floor.)
  const double interior_ref = interior_mean(p, p.grids[ref], c0.cx, c0.cy, r1[ref]);
  const double fluid_below = std::max(interior_ref - 3.0 * p.scale, 0.35 * interior_ref);
  std::vector<bool> flag(n);
  for (size_t k = 0; k < n; ++k) flag[k] = contrast[k] >= o.presence_ratio * contrast[ref];
  std::vector<bool> present = run_containing(flag, ref);
  // Centre line: least-squares line through the present frames' centroids.
  std::vector<size_t> present_frames;
  for (size_t k = 0; k < n; ++k)
    if (present[k]) present_frames.push_back(k);
  const LineInZ centre_line = fit_line_in_z(p.z, centroid, present_frames);
  auto centre_at = [&](size_t k) { return centre_line.at(p.z[k]); };

  // Pass 2: from the reference frame outwards, each frame's prior is its neighbour's shape.
  std::vector<std::vector<double>> r2(n);
  std::vector<double> contrast2(n, 0.0);
  double mean_ref = 0;
  for (double v : r1[ref]) mean_ref += v;
  mean_ref /= N;
  // The gland tapers from mid-gland towards apex and base: going outwards from the reference
  // frame, a cross-section may grow only a little beyond its inner neighbour's (the bladder
  // and the seminal vesicles beyond the base must not be swallowed).
  auto growth_cap = [&](const std::vector<double>& inner_r, double dz) {
    std::vector<double> cap(inner_r.size());
    for (size_t t = 0; t < cap.size(); ++t) cap[t] = 1.08 * inner_r[t] + 1.0 + 0.3 * std::abs(dz);
    return cap;
  };
  auto run_frame = [&](size_t k, const std::vector<double>& prior, const std::vector<double>* cap) {
    const auto c = centre_at(k);
    r2[k] = smooth_shape(polar_dp(p, k, c[0], c[1], prior, o.prior_weight, r_lo, r_hi, c0.sign, rectum_r, fluid_below, cap));
    contrast2[k] = boundary_contrast(p, p.grids[k], c[0], c[1], r2[k], c0.sign, fluid_below);
  };
  {
    // The reference frame's prior: the start ellipse, scaled to its pass-1 size.
    std::vector<double> pr = start_shape;
    for (auto& v : pr) v *= mean_ref / c0.r;
    run_frame(ref, pr, nullptr);
  }
  for (size_t k = ref + 1; k < n; ++k) {
    const auto cap = growth_cap(r2[k - 1], p.z[k] - p.z[k - 1]);
    run_frame(k, r2[k - 1], &cap);
  }
  for (size_t k = ref; k-- > 0;) {
    const auto cap = growth_cap(r2[k + 1], p.z[k + 1] - p.z[k]);
    run_frame(k, r2[k + 1], &cap);
  }
  // Presence on the final contours: contrast against the best frame, contiguous, and not a
  // collapse to the smallest radius allowed.
  ref = typical_frame(contrast2);
  const double ref_contrast = contrast2[ref];
  std::vector<double> inner(n);
  for (size_t k = 0; k < n; ++k) {
    const auto c = centre_at(k);
    inner[k] = interior_mean(p, p.grids[k], c[0], c[1], r2[k]);
  }
  // The gland's interior looks alike from frame to frame; the bladder's (anechoic) does not.
  const double step = std::max(1e-6, ref_contrast * p.scale);
  for (size_t k = 0; k < n; ++k) {
    double mr = 0;
    for (double v : r2[k]) mr += v;
    mr /= N;
    flag[k] = contrast2[k] >= o.presence_ratio * ref_contrast && mr > r_lo + 1.0 && std::abs(inner[k] - inner[ref]) < std::max(0.8 * step, 2.5 * p.scale);
  }
  // A single doubtful frame between two present ones is present (the gland is continuous).
  for (size_t k = 1; k + 1 < n; ++k)
    if (!flag[k] && flag[k - 1] && flag[k + 1] && contrast2[k] > 0.0) flag[k] = true;
  present = run_containing(flag, ref);
  rep.contrast = contrast2;
  rep.prostate_present = present;
  // Pass 3 (3D shape prior): every present frame again, its prior the per-angle median of the
  // present frames within two positions, so that a frame whose contour cut through the gland
  // (along a row of needle echoes, say) is pulled back to its neighbours' shape.
  {
    std::vector<std::vector<double>> r2b = r2;
    std::vector<double> w;
    for (size_t k = 0; k < n; ++k) {
      if (!present[k]) continue;
      std::vector<double> prior(static_cast<size_t>(N));
      for (int t = 0; t < N; ++t) {
        w.clear();
        for (size_t q = (k >= 2 ? k - 2 : 0); q <= std::min(n - 1, k + 2); ++q)
          if (present[q]) w.push_back(r2[q][static_cast<size_t>(t)]);
        std::sort(w.begin(), w.end());
        const size_t m = w.size();
        prior[static_cast<size_t>(t)] = m % 2 ? w[m / 2] : 0.5 * (w[m / 2 - 1] + w[m / 2]);
      }
      // The gland is close to left-right symmetric: the prior is the median shape averaged with
      // its mirror image about the vertical axis through the centre.
      std::vector<double> mirrored(prior.size());
      for (int t = 0; t < N; ++t) mirrored[static_cast<size_t>(t)] = 0.5 * (prior[static_cast<size_t>(t)] + prior[static_cast<size_t>(((N / 2 - t) % N + N) % N)]);
      prior = std::move(mirrored);
      const auto c = centre_at(k);
      r2b[k] = smooth_shape(polar_dp(p, k, c[0], c[1], prior, o.consistency_weight, r_lo, r_hi, c0.sign, rectum_r, fluid_below));
    }
    r2 = std::move(r2b);
  }
  // 3D consistency: blend each present frame's radii with its present neighbours'.
  std::vector<std::vector<double>> r3 = r2;
  for (size_t k = 0; k < n; ++k) {
    if (!present[k]) continue;
    const bool lo = k > 0 && present[k - 1], hi = k + 1 < n && present[k + 1];
    if (!lo || !hi) continue;
    for (int t = 0; t < N; ++t) {
      const size_t u = static_cast<size_t>(t);
      r3[k][u] = 0.2 * r2[k - 1][u] + 0.6 * r2[k][u] + 0.2 * r2[k + 1][u];
    }
  }
  formats::Structure prostate{"prostate", formats::StructureKind::target, {}};
  formats::Structure urethra{"urethra", formats::StructureKind::organ_at_risk, {}};
  formats::Structure rectum{"rectum", formats::StructureKind::organ_at_risk, {}};
  std::vector<std::array<double, 2>> uc(n);
  std::vector<size_t> present_idx;
  std::vector<double> mean_r;
  for (size_t k = 0; k < n; ++k) {
    if (!present[k]) continue;
    const auto c = centre_at(k);
    for (auto& v : r3[k]) v += c0.sign > 0 ? o.boundary_offset_mm : o.boundary_offset_bright_mm;
    prostate.slices.push_back(polygon(p.z[k], c[0], c[1], r3[k]));
    double mr = 0;
    for (double v : r3[k]) mr += v;
    mean_r.push_back(mr / N);
    present_idx.push_back(k);
  }
  // Each present frame's best lumen near the gland's centre; then, as the urethra is continuous
  // through the gland, a robust straight line through those centres (least squares, the
  // farthest quarter dropped, refitted) and each frame searched again within 2.5 mm of it.
  for (size_t q = 0; q < present_idx.size(); ++q) {
    const size_t k = present_idx[q];
    const auto c = centre_at(k);
    uc[k] = find_urethra(p.grids[k], p.light[k], p.needle_echoes[k], c[0], c[1], kUrethraReach * mean_r[q], p.scale);
  }
  if (present_idx.size() >= 3) {
    std::vector<size_t> use = present_idx;
    LineInZ line;
    for (int it = 0; it < 2; ++it) {
      line = fit_line_in_z(p.z, uc, use);
      std::vector<std::pair<double, size_t>> res;
      for (size_t k : present_idx) {
        const auto on_line = line.at(p.z[k]);
        res.push_back({std::hypot(uc[k][0] - on_line[0], uc[k][1] - on_line[1]), k});
      }
      std::sort(res.begin(), res.end());
      use.clear();
      for (size_t q = 0; q < std::max<size_t>(3, res.size() - res.size() / 4); ++q) use.push_back(res[q].second);
    }
    for (size_t k : present_idx) {
      const auto on_line = line.at(p.z[k]);
      uc[k] = find_urethra(p.grids[k], p.light[k], p.needle_echoes[k], on_line[0], on_line[1], 2.5, p.scale);
    }
  }
  // Urethra centres: median over three neighbouring frames (the urethra runs smoothly).
  for (size_t q = 0; q < present_idx.size(); ++q) {
    std::vector<double> xs, ys;
    for (size_t d = (q > 0 ? q - 1 : 0); d <= std::min(present_idx.size() - 1, q + 1); ++d) {
      xs.push_back(uc[present_idx[d]][0]);
      ys.push_back(uc[present_idx[d]][1]);
    }
    std::sort(xs.begin(), xs.end());
    std::sort(ys.begin(), ys.end());
    urethra.slices.push_back(circle(p.z[present_idx[q]], xs[xs.size() / 2], ys[ys.size() / 2], 3.0, 24));
  }
  for (size_t k = 0; k < n; ++k) rectum.slices.push_back(circle(p.z[k], 0.0, 0.0, rectum_r, 36));
  if (!prostate.slices.empty()) result.structures.push_back(std::move(prostate));
  if (!urethra.slices.empty()) result.structures.push_back(std::move(urethra));
  result.structures.push_back(std::move(rectum));
  return result;
}

// ---- editing ----

namespace {
std::array<double, 2> centroid_of(const formats::ContourSlice& s) {
  // Area centroid of the polygon (falls back to the vertex mean for degenerate polygons).
  double a = 0, cx = 0, cy = 0;
  const size_t n = s.points_mm.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& p = s.points_mm[i];
    const auto& q = s.points_mm[(i + 1) % n];
    const double cr = p[0] * q[1] - q[0] * p[1];
    a += cr;
    cx += (p[0] + q[0]) * cr;
    cy += (p[1] + q[1]) * cr;
  }
  if (std::abs(a) < 1e-9) {
    double mx = 0, my = 0;
    for (const auto& p : s.points_mm) {
      mx += p[0];
      my += p[1];
    }
    return {mx / static_cast<double>(n), my / static_cast<double>(n)};
  }
  return {cx / (3 * a), cy / (3 * a)};
}

// Farthest intersection of the ray from c at angle th with the polygon (radius).
double ray_radius(const formats::ContourSlice& s, std::array<double, 2> c, double th) {
  const double ux = std::cos(th), uy = std::sin(th);
  double best = 0;
  const size_t n = s.points_mm.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& p = s.points_mm[i];
    const auto& q = s.points_mm[(i + 1) % n];
    const double ex = q[0] - p[0], ey = q[1] - p[1];
    const double den = ux * ey - uy * ex;
    if (std::abs(den) < 1e-12) continue;
    const double wx = p[0] - c[0], wy = p[1] - c[1];
    const double t = (wx * ey - wy * ex) / den;
    const double u = (wx * uy - wy * ux) / den;
    if (t >= 0 && u >= 0 && u <= 1) best = std::max(best, t);
  }
  return best;
}
}  // namespace

formats::ContourSlice interpolate_slices(const formats::ContourSlice& a, const formats::ContourSlice& b, double z_mm) {
  require(a.points_mm.size() >= 3 && b.points_mm.size() >= 3, "interpolate_slices: a contour needs at least 3 points");
  const double t = b.z_mm == a.z_mm ? 0.0 : std::clamp((z_mm - a.z_mm) / (b.z_mm - a.z_mm), 0.0, 1.0);
  const auto ca = centroid_of(a), cb = centroid_of(b);
  const std::array<double, 2> c{ca[0] + t * (cb[0] - ca[0]), ca[1] + t * (cb[1] - ca[1])};
  constexpr int N = 72;
  std::vector<double> r(N);
  for (int k = 0; k < N; ++k) {
    const double th = 2 * kPi * k / N;
    r[static_cast<size_t>(k)] = (1 - t) * ray_radius(a, ca, th) + t * ray_radius(b, cb, th);
  }
  return polygon(z_mm, c[0], c[1], r);
}

formats::Structure apply_slice_edits(const formats::Structure& automatic, const std::vector<formats::ContourSlice>& edited) {
  for (const auto& e : edited) {
    require(e.points_mm.size() >= 3, "contour edit at z = " + std::to_string(e.z_mm) + " mm: a contour needs at least 3 points");
    require(std::isfinite(e.z_mm), "contour edit: z_mm is not finite");
  }
  std::vector<formats::ContourSlice> ed = edited;
  std::sort(ed.begin(), ed.end(), [](const auto& x, const auto& y) { return x.z_mm < y.z_mm; });
  for (size_t k = 1; k < ed.size(); ++k)
    require(ed[k].z_mm != ed[k - 1].z_mm, "contour edits: two edits at z = " + std::to_string(ed[k].z_mm) + " mm");
  formats::Structure out = automatic;
  out.slices.clear();
  for (const auto& s : automatic.slices) {
    const bool edited_here = std::any_of(ed.begin(), ed.end(), [&](const auto& e) { return std::abs(e.z_mm - s.z_mm) < 1e-6; });
    if (edited_here) continue;
    // Between two edited slices: interpolate them; otherwise keep the automatic contour.
    const formats::ContourSlice* lo = nullptr;
    const formats::ContourSlice* hi = nullptr;
    for (const auto& e : ed) {
      if (e.z_mm < s.z_mm) lo = &e;
      if (e.z_mm > s.z_mm && !hi) hi = &e;
    }
    out.slices.push_back(lo && hi ? interpolate_slices(*lo, *hi, s.z_mm) : s);
  }
  for (const auto& e : ed) out.slices.push_back(e);
  std::sort(out.slices.begin(), out.slices.end(), [](const auto& x, const auto& y) { return x.z_mm < y.z_mm; });
  return out;
}

}  // namespace hdr::imaging
