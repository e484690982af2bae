#include "planner/imaging/segment_start.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <opencv2/imgproc.hpp>

#include "planner/common/error.hpp"
#include "planner/imaging/segment_contour.hpp"
#include "planner/imaging/segment_urethra.hpp"

namespace hdr::imaging::seg {
namespace {

constexpr double kPi = std::numbers::pi;
// A dark spot with two or more tracked needle echoes this near its centre is a gap between
// needles (ringed by bright, it can look more lumen-like than the urethra), not the urethra:
// needles are kept well clear of the urethra (its radius is about 3 mm).
constexpr double kGapNeedle_mm = 4.5;
// A start hypothesis's contours must pass this far outside each tracked needle echo's centre
// (or pay as for a strong edge): the start shape is the gland's outer outline, needles inside.
constexpr double kStartNeedleFloor_mm = 1.5;
// The smallest mean radius of a refined start outline taken for the gland at mid-gland: a
// 10 cm3 gland's middle section has a mean radius of about 12 mm; refined outlines of the
// smallest simulated glands (13-15 cm3) read 9-11 mm.
constexpr double kMinStartRadius_mm = 8.0;

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
  const size_t a0 = p.mid_a, b0 = p.mid_b;
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

// The urethra's lumen inside a refined start shape (median over its frames, each searched about
// the shape's centroid) and the mean lumen response there (grey levels below its ring).
void find_lumen(const Prepared& p, StartShape& h, const std::vector<size_t>& frames) {
  const int N = static_cast<int>(h.radii.size());
  double gx = 0, gy = 0, mean_r = 0;
  for (int t = 0; t < N; ++t) {
    const double th = 2 * kPi * t / N, r = h.radii[static_cast<size_t>(t)];
    gx += (h.c.cx + r * std::cos(th)) / N;
    gy += (h.c.cy + r * std::sin(th)) / N;
    mean_r += r / N;
  }
  h.centroid = {gx, gy};
  std::vector<double> xs, ys;
  for (size_t k : frames) {
    const auto u = find_urethra(p.grids[k], p.light[k], p.needle_echoes[k], gx, gy, kUrethraReach * mean_r, p.scale);
    xs.push_back(u[0]);
    ys.push_back(u[1]);
  }
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  h.lumen = {xs[xs.size() / 2], ys[ys.size() / 2]};
  h.lumen_response = 0;
  size_t gaps = 0;
  for (size_t k : frames) {
    const double r = urethra_response(p.grids[k], p.light[k], p.needle_echoes[k], h.lumen[0], h.lumen[1]);
    h.lumen_response += std::isfinite(r) ? r / static_cast<double>(frames.size()) : 0.0;
    const auto near = std::count_if(p.needles[k].begin(), p.needles[k].end(),
                                    [&](const auto& e) { return std::hypot(e[0] - h.lumen[0], e[1] - h.lumen[1]) < kGapNeedle_mm; });
    if (near >= 2) ++gaps;
  }
  h.lumen_between_needles = 2 * gaps >= frames.size();
}

// The urethra as an anatomical prior: it runs through the gland near its left-right middle and
// at or anterior of its centre (the peripheral zone lies behind it). A start shape whose centre
// lies well to one side of the urethra, or well anterior of it — a contour that took in a dark
// band above or beside the gland (the fat's texture, the needles' shadows) — is less likely:
// 1 within max(2 mm, a tenth of the half-axis) (anterior of the urethra: up to half the
// half-height), falling off as a Gaussian of max(2 mm, 0.15 half-axis) beyond.
double urethra_prior(const StartShape& h, const std::array<double, 2>& urethra) {
  const int N = static_cast<int>(h.radii.size());
  const double half_w = 0.5 * (h.radii[0] + h.radii[static_cast<size_t>(N / 2)]);
  const double half_h = 0.5 * (h.radii[static_cast<size_t>(N / 4)] + h.radii[static_cast<size_t>(3 * N / 4)]);
  const double dx = h.centroid[0] - urethra[0], dy = h.centroid[1] - urethra[1];  // dy > 0: centre anterior of the urethra
  const double tw = std::max(2.0, 0.1 * half_w), th = std::max(2.0, 0.1 * half_h);
  const double ex = std::max(0.0, std::abs(dx) - tw) / std::max(2.0, 0.15 * half_w);
  const double ey = std::max({0.0, dy - th, -dy - 0.5 * half_h}) / std::max(2.0, 0.15 * half_h);
  return std::exp(-0.5 * (ex * ex + ey * ey));
}

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
      const std::vector<double> floor = needle_floor(p, frames[q], c.cx, c.cy, N, kStartNeedleFloor_mm);
      per_frame[q] = smooth_shape(polar_dp(p, frames[q], c.cx, c.cy, h.radii, o.prior_weight, 3.0, r_hi, c.sign, rectum_r,
                                           -std::numeric_limits<double>::infinity(), nullptr, &floor));
      h.contrast += boundary_contrast(p, frames[q], c.cx, c.cy, per_frame[q], c.sign) / static_cast<double>(frames.size());
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
  find_lumen(p, h, frames);
  return h;
}

}  // namespace

// The start shape: every candidate refined, the best score kept (ties to the earlier, more
// probable placement).
StartShape choose_start(const Prepared& p, double rectum_r, int N, const SegmentationOptions& o) {
  const std::vector<Circle> candidates = initial_candidates(p, rectum_r);
  const size_t a = p.mid_a, b = p.mid_b;
  std::vector<size_t> frames;
  const size_t want = std::min<size_t>(5, b - a);
  for (size_t q = 0; q < want; ++q) frames.push_back(a + (2 * q + 1) * (b - a) / (2 * want));
  StartShape best;
  best.score = -std::numeric_limits<double>::infinity();
  double top_evidence = 0;
  for (const Circle& c : candidates) top_evidence = std::max(top_evidence, c.score);
  std::vector<StartShape> refined;
  for (const Circle& c : candidates) {
    refined.push_back(refine_start(p, c, frames, N, rectum_r, o));
    // The mean-image evidence that proposed the shape counts too (the refined contrast alone is
    // noisy when the gland's contrast is weak).
    refined.back().score *= std::sqrt(std::sqrt(c.score / top_evidence));
  }
  // A refined outline smaller than any gland planned for HDR is something inside or beside it
  // (a Foley catheter's bright wall, a dark spot between needles): it neither votes for the
  // urethra nor competes, unless nothing larger was found.
  if (std::any_of(refined.begin(), refined.end(), [](const StartShape& h) { return h.c.r >= kMinStartRadius_mm; }))
    std::erase_if(refined, [](const StartShape& h) { return h.c.r < kMinStartRadius_mm; });
  // The urethra: the lumen most hypotheses agree on, each weighted by its score and by how
  // lumen-like the spot it holds is (a shape placed beside the gland holds some darker spot of
  // its own, less lumen-like than the urethra); gaps between needles do not vote.
  std::array<double, 2> urethra{0, 0};
  double most = 0;
  for (const StartShape& h : refined) {
    double support = 0;
    for (const StartShape& q : refined)
      if (std::hypot(q.lumen[0] - h.lumen[0], q.lumen[1] - h.lumen[1]) < 1.5) support += q.lumen_between_needles ? 0.0 : q.score * std::max(0.0, q.lumen_response);
    if (support > most) {
      most = support;
      urethra = h.lumen;
    }
  }
  for (StartShape& h : refined) {
    if (most > 0) h.score *= urethra_prior(h, urethra);
    if (h.score > best.score * 1.02) best = std::move(h);
  }
  return best;
}

}  // namespace hdr::imaging::seg
