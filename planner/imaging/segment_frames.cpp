#include "planner/imaging/segment_frames.hpp"

#include <algorithm>
#include <numbers>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "planner/common/error.hpp"
#include "planner/imaging/cv_convert.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/robust_stats.hpp"

namespace hdr::imaging::seg {

// A frame holding this much anechoic fluid (mm^2) shows the bladder: not the middle of the gland.
constexpr double kFluidArea_mm2 = 150.0;
// Specular echoes' skirts (the region left out around each): this many times the frame's median
// half-width at half height of its echoes above the tissue. On a
// log-compressed display a Gaussian beam profile falls off as a parabola in grey level and meets
// the tissue's level at sqrt(2) times that half-width. (Per echo rather than the frame's median,
// 1.3 x + 0.3 mm took out more tissue than needed around the needles of a bright gland's base:
// seeds 111 and 119 over 10 % in volume.)
constexpr double kSkirtPerHalfWidth = std::numbers::sqrt2;

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
    cv::Mat texture;
    {
      const int box = std::max(3, static_cast<int>(std::lround(kTextureWindow_mm / o.working_mm)));
      cv::Mat m1, m2;
      cv::blur(g.img, m1, cv::Size(box, box));
      cv::blur(g.img.mul(g.img), m2, cv::Size(box, box));
      cv::Mat var = m2 - m1.mul(m1);
      cv::max(var, 0.0, var);
      cv::sqrt(var, texture);
    }
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
        if (e.width_mm <= needle_defaults.max_width_mm && e.behind_ratio >= needle_defaults.lumen_ratio && !e.behind_stronger) frame_needles.push_back({e.x_mm, e.y_mm});
      // The echoes' skirts: a blurrier scanner (a wider PSF) spreads a specular echo over more of
      // the tissue around it (at 1.6 times the nominal PSF, blurred needles were left in a dark
      // gland as bright blobs and a dark ring about the urethra was contoured), so how far they
      // reach is measured, not assumed. Each echo's half-width at half height above the tissue
      // (the median of a ring 4-7 mm to either side; bright, so little disturbed by speckle) is
      // measured from its head sideways and towards the probe; the frame's median of those (one
      // beam, one blur) times kSkirtPerHalfWidth is how far every echo's
      // left-out region reaches — at least what a sharp echo needs, 0.8 mm beside its measured
      // width and 1.5 mm before its centre.
      std::vector<double> side_hw, front_hw;
      for (const Echo& e : echoes) {
        if (e.width_mm > 8.0) continue;
        const double rr = std::hypot(e.x_mm, e.y_mm);
        const double ux = e.x_mm / rr, uy = e.y_mm / rr;
        const double head_x = e.x_mm - 0.5 * ux, head_y = e.y_mm - 0.5 * uy;
        std::vector<float> ring;
        float v = 0;
        for (double a : {-1.0, 0.0, 1.0, 2.0})
          for (double w : {4.0, 5.0, 6.0, 7.0})
            for (double side : {-1.0, 1.0}) {
              const double ww = side * (0.5 * e.width_mm + w);
              if (at(head_x + a * ux - ww * uy, head_y + a * uy + ww * ux, &v)) ring.push_back(v);
            }
        if (ring.size() < 8) continue;
        const double tissue = static_cast<double>(upper_median_in_place(ring));
        // Mean of the frame over `offsets` along (ox, oy) at distance d from the head along (dx, dy).
        auto profile = [&](double d, double dx, double dy, double ox, double oy, std::initializer_list<double> offsets) {
          double sum = 0;
          int n = 0;
          for (double o2 : offsets)
            if (at(head_x + d * dx + o2 * ox, head_y + d * dy + o2 * oy, &v)) {
              sum += static_cast<double>(v);
              ++n;
            }
          return n ? sum / n : -1.0;
        };
        auto half_width = [&](double dx, double dy, double ox, double oy, std::initializer_list<double> offsets) {
          const double peak = profile(0.0, dx, dy, ox, oy, offsets);
          if (peak <= tissue) return 0.0;
          const double half = tissue + 0.5 * (peak - tissue);
          for (double d = 0.2; d <= 4.0; d += 0.2)
            if (profile(d, dx, dy, ox, oy, offsets) < half) return d;
          return 4.0;
        };
        side_hw.push_back(std::max(half_width(uy, -ux, ux, uy, {-0.25, 0.0, 0.25, 0.5}), half_width(-uy, ux, ux, uy, {-0.25, 0.0, 0.25, 0.5})));
        front_hw.push_back(half_width(-ux, -uy, -uy, ux, {-0.3, 0.0, 0.3}));
      }
      const double skirt_side = side_hw.empty() ? 0.0 : kSkirtPerHalfWidth * upper_median_in_place(side_hw);
      const double skirt_front = front_hw.empty() ? 0.0 : kSkirtPerHalfWidth * upper_median_in_place(front_hw);
      for (const Echo& e : echoes) {
        if (e.width_mm > 8.0) continue;
        const double rr = std::hypot(e.x_mm, e.y_mm);
        const double ux = e.x_mm / rr, uy = e.y_mm / rr;
        const double half_w = std::max(0.5 * e.width_mm + 0.8, skirt_side);
        const double front = std::max(1.5, skirt_front);
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
        for (const auto& [a, w] : std::initializer_list<std::pair<double, double>>{{-front, -half_w}, {-front, half_w}, {len, half_w}, {len, -half_w}}) {
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
      p.texture.back() += texture;
      p.needle_echoes.back().insert(p.needle_echoes.back().end(), frame_needles.begin(), frame_needles.end());
      counts.back() += 1;
    } else {
      p.z.push_back(f.z_mm);
      p.grids.push_back(std::move(g));
      p.light.push_back(light);
      p.texture.push_back(texture);
      p.needle_echoes.push_back(std::move(frame_needles));
      counts.push_back(1);
    }
  }
  for (size_t k = 0; k < p.grids.size(); ++k) {
    if (counts[k] > 1) {
      p.grids[k].img /= counts[k];
      p.light[k] /= counts[k];
      p.texture[k] /= counts[k];
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
  // Anechoic fluid per position: the bladder beyond the base (a sweep may run on well into it).
  // Pixels under a quarter of the frame's median grey inside the imaged region (near the
  // display floor: a dark gland at 8 dB less gain stays above it, not under a third) and, as
  // far as the texture tells them apart, without speckle (kFluidTextureShare).
  const double px_mm2 = p.grids[0].step_mm * p.grids[0].step_y_mm;
  std::vector<bool> gland_like(p.z.size());
  p.speckle_sd.assign(p.z.size(), 0.0);
  const int rim_px = std::max(1, static_cast<int>(std::lround(kTextureWindow_mm / 2 / o.working_mm)));
  const cv::Mat rim_kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * rim_px + 1, 2 * rim_px + 1));
  for (size_t k = 0; k < p.z.size(); ++k) {
    const cv::Mat& m = p.grids[k].img;
    std::vector<float> w, t;
    for (int r = 0; r < m.rows; r += 2)
      for (int c = 0; c < m.cols; c += 2)
        if (p.mask.at<std::uint8_t>(r, c)) {
          w.push_back(m.at<float>(r, c));
          t.push_back(p.texture[k].at<float>(r, c));
        }
    if (w.empty()) continue;
    const float frame_median = upper_median_in_place(w);
    p.speckle_sd[k] = static_cast<double>(upper_median_in_place(t));
    // Dark and speckle-free, then grown back over the rim the texture window blurs (a pixel
    // within half the window of the fluid's edge sees the tissue beyond it), dark pixels only.
    // When that is most of the dark region, the dark region is fluid with its rim; otherwise
    // the dark region is mostly textured (a dark gland at low gain) and only that part is fluid.
    const cv::Mat dark = (m < 0.25 * static_cast<double>(frame_median)) & p.mask;
    cv::Mat fluid = dark & (p.texture[k] < kFluidTextureShare * p.speckle_sd[k]);
    cv::dilate(fluid, fluid, rim_kernel);
    fluid &= dark;
    const int n_dark = cv::countNonZero(dark), n_fluid = cv::countNonZero(fluid);
    gland_like[k] = static_cast<double>(2 * n_fluid >= n_dark ? n_dark : n_fluid) * px_mm2 < kFluidArea_mm2;
  }
  // The middle of the sweep: the middle half of the longest run of positions without a large
  // fluid region (of all positions when that run is short).
  {
    size_t best_a = 0, best_len = 0;
    for (size_t a = 0; a < p.z.size();) {
      if (!gland_like[a]) {
        ++a;
        continue;
      }
      size_t b = a;
      while (b + 1 < p.z.size() && gland_like[b + 1]) ++b;
      if (b - a + 1 > best_len) {
        best_len = b - a + 1;
        best_a = a;
      }
      a = b + 1;
    }
    if (best_len < 3) {
      best_a = 0;
      best_len = p.z.size();
    }
    p.mid_a = best_a + best_len / 4;
    p.mid_b = std::max(p.mid_a + 1, best_a + best_len - best_len / 4);
  }
  // Robust spread of intensities inside the mask on the middle frame.
  const cv::Mat& mid = p.grids[(p.mid_a + p.mid_b) / 2].img;
  std::vector<float> v;
  for (int r = 0; r < mid.rows; r += 2)
    for (int c = 0; c < mid.cols; c += 2)
      if (p.mask.at<std::uint8_t>(r, c)) v.push_back(mid.at<float>(r, c));
  require(v.size() > 20, "segment: the imaged region is too small");
  const float med = upper_median_in_place(v);
  p.scale = std::max(1.0, robust_sd_in_place(v, med));
  return p;
}

}  // namespace hdr::imaging::seg
