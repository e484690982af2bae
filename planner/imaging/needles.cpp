#include "planner/imaging/needles.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/imaging/cv_convert.hpp"

namespace hdr::imaging {

bool NeedleOptions::validate(std::string* error) const {
  std::ostringstream m;
  if (!(grid_mm >= 1.0 && grid_mm <= 20.0)) m << "NeedleOptions::grid_mm = " << grid_mm << ": must be in 1..20 mm";
  else if (!(grid_tolerance_mm > 0.0 && grid_tolerance_mm <= 0.5 * grid_mm)) m << "NeedleOptions::grid_tolerance_mm = " << grid_tolerance_mm << ": must be in (0, grid_mm/2]";
  else if (!(max_width_mm > 0.5 && max_width_mm <= 10.0)) m << "NeedleOptions::max_width_mm = " << max_width_mm << ": must be in (0.5, 10] mm";
  else if (min_frames < 1 || min_frames > 50) m << "NeedleOptions::min_frames = " << min_frames << ": must be in 1..50";
  else if (!(threshold_sd > 0.0 && threshold_sd < 20.0)) m << "NeedleOptions::threshold_sd = " << threshold_sd << ": must be in (0, 20)";
  else if (!(lumen_ratio >= 0.0 && lumen_ratio < 1.0)) m << "NeedleOptions::lumen_ratio = " << lumen_ratio << ": must be in [0, 1)";
  const std::string s = m.str();
  if (error) *error = s;
  return s.empty();
}

namespace {

// find_echoes: candidates need not be brighter than this share of the way from the frame's
// median grey to white (see there).
constexpr double kCutShareAboveMedian = 0.6;
// find_echoes: an echo this far behind a stronger one on its beam, weaker than this share of it,
// is seen through the stronger one's tail (Echo::behind_stronger).
constexpr double kThroughTail_mm = 4.0;
constexpr double kBehindStrength = 0.8;

// Local mean and standard deviation of the frame over a (2*hx+1) x (2*hy+1) box, read from
// integral images of the frame padded as cv::boxFilter pads (reflect-101). Evaluated only at the
// few candidate pixels: full-frame box filters were most of the live view's per-frame cost.
class LocalStats {
 public:
  LocalStats(const cv::Mat& frame8, int hx, int hy) : hx_(hx), hy_(hy) {
    cv::Mat padded;
    cv::copyMakeBorder(frame8, padded, hy, hy, hx, hx, cv::BORDER_REFLECT_101);
    cv::integral(padded, sum_, sqsum_, CV_32S, CV_64F);
  }
  // Box mean and standard deviation (variance floored at 1 grey level^2) about (row, col).
  void at(int row, int col, double* mean, double* sd) const {
    const int r0 = row, r1 = row + 2 * hy_ + 1, c0 = col, c1 = col + 2 * hx_ + 1;
    const double n = static_cast<double>((2 * hx_ + 1) * (2 * hy_ + 1));
    const double s = static_cast<double>(sum_.at<int>(r1, c1) - sum_.at<int>(r0, c1) - sum_.at<int>(r1, c0) + sum_.at<int>(r0, c0));
    const double q = sqsum_.at<double>(r1, c1) - sqsum_.at<double>(r0, c1) - sqsum_.at<double>(r1, c0) + sqsum_.at<double>(r0, c0);
    *mean = s / n;
    *sd = std::sqrt(std::max(q / n - *mean * *mean, 1.0));
  }

 private:
  int hx_, hy_;
  cv::Mat sum_, sqsum_;
};

}  // namespace

std::vector<Echo> find_echoes(const GrayImage& image, const NeedleOptions& o) {
  const double sx = image.spacing_mm[0], sy = image.spacing_mm[1];
  const cv::Mat frame8 = view_of(image);
  cv::Mat f;
  frame8.convertTo(f, CV_32F);
  cv::Mat sm;
  cv::GaussianBlur(f, sm, cv::Size(0, 0), 0.3 / sx, 0.3 / sy);
  const LocalStats local(frame8, static_cast<int>(3.5 / sx), static_cast<int>(3.5 / sy));
  // Among the frame's brightest pixels, and well above the local tissue.
  int hist[256] = {0};
  long total = 0;
  for (int r = 0; r < image.height; r += 2)
    for (int c = 0; c < image.width; c += 2) {
      const std::uint8_t v = image.at(c, r);
      if (v > 0) {
        ++hist[v];
        ++total;
      }
    }
  // The candidates' floor: the frame's top 1 %, but no higher than 60 % of the way from the
  // median to white. On a bright display (a high gain, a bright gland) tissue speckle fills the
  // top 1 % up to saturation and the needles, clipped at white and blurred, fell below it: an
  // independent phantom's needles were found at 40 %.
  int p99 = -1, median = 0;
  long acc = 0;
  for (int v = 255; v > 0; --v) {
    acc += hist[v];
    if (p99 < 0 && static_cast<double>(acc) > 0.01 * static_cast<double>(total)) p99 = v;
    if (static_cast<double>(acc) > 0.5 * static_cast<double>(total)) {
      median = v;
      break;
    }
  }
  if (p99 < 0) p99 = 255;  // a blank frame
  const int cut = std::min(p99, median + static_cast<int>(std::lround(kCutShareAboveMedian * (255 - median))));
  cv::Mat cand = cv::Mat::zeros(sm.size(), CV_8U);
  for (int r = 0; r < sm.rows; ++r) {
    const float* sr = sm.ptr<float>(r);
    std::uint8_t* cr = cand.ptr<std::uint8_t>(r);
    for (int c = 0; c < sm.cols; ++c) {
      if (sr[c] < static_cast<float>(cut)) continue;
      double mean = 0, sd = 0;
      local.at(r, c, &mean, &sd);
      if (static_cast<double>(sr[c]) > mean + o.threshold_sd * 0.5 * sd) cr[c] = 255;
    }
  }
  cv::Mat labels;
  const int n = cv::connectedComponents(cand, labels, 8, CV_32S);
  struct Acc {
    double rmin = 1e9;
    int hc = 0, hr = 0;
    std::vector<cv::Point> px;
  };
  std::vector<Acc> comps(static_cast<size_t>(n));
  for (int r = 0; r < labels.rows; ++r) {
    const int* lr = labels.ptr<int>(r);
    for (int c = 0; c < labels.cols; ++c) {
      const int l = lr[c];
      if (l == 0) continue;
      Acc& a = comps[static_cast<size_t>(l)];
      a.px.emplace_back(c, r);
      const double rr = std::hypot(image.x_mm(c), image.y_mm(r));
      if (rr < a.rmin) a.rmin = rr;
    }
  }
  std::vector<Echo> out;
  const double min_area_mm2 = 0.25;
  for (int l = 1; l < n; ++l) {
    Acc& a = comps[static_cast<size_t>(l)];
    if (static_cast<double>(a.px.size()) * sx * sy < min_area_mm2) continue;
    // Head: brightest pixel within 1.2 mm of the component's end nearest the probe.
    double best = -1, hx = 0, hy = 0;
    for (const auto& p : a.px) {
      const double x = image.x_mm(p.x), y = image.y_mm(p.y);
      if (std::hypot(x, y) > a.rmin + 1.2) continue;
      const double v = static_cast<double>(sm.at<float>(p.y, p.x));
      if (v > best) {
        best = v;
        hx = x;
        hy = y;
      }
    }
    const double hr = std::hypot(hx, hy);
    if (hr < 1.0) continue;  // at the probe itself: no beam direction, not a needle
    const double ux = hx / hr, uy = hy / hr;  // beam direction at the head
    double lat_lo = 1e9, lat_hi = -1e9, rad_hi = 0;
    for (const auto& p : a.px) {
      const double x = image.x_mm(p.x) - hx, y = image.y_mm(p.y) - hy;
      const double along = x * ux + y * uy, across = -x * uy + y * ux;
      rad_hi = std::max(rad_hi, along);
      if (along < 2.0) {
        lat_lo = std::min(lat_lo, across);
        lat_hi = std::max(lat_hi, across);
      }
    }
    const int hc = static_cast<int>(std::lround(image.col_of_x(hx))), hrw = static_cast<int>(std::lround(image.row_of_y(hy)));
    double local_mean = 0, local_sd = 1;
    local.at(hrw, hc, &local_mean, &local_sd);
    const double strength = (best - local_mean) / local_sd;
    // Mean grey level 2..3.5 mm beyond a head at (ax, ay) along the beam over that 4 mm to
    // either side (Echo::behind_ratio).
    auto behind_ratio = [&](double ax, double ay) {
      auto sample = [&](double x, double y, double* v) {
        const int c = static_cast<int>(std::lround(image.col_of_x(x))), r = static_cast<int>(std::lround(image.row_of_y(y)));
        if (c < 0 || r < 0 || c >= image.width || r >= image.height) return false;
        *v = static_cast<double>(sm.at<float>(r, c));
        return true;
      };
      double behind = 0, beside = 0, v = 0;
      int nb = 0, ns = 0;
      for (double d = 2.0; d <= 3.5; d += 0.25) {
        if (sample(ax + d * ux, ay + d * uy, &v)) {
          behind += v;
          ++nb;
        }
        for (double w : {-4.0, 4.0})
          if (sample(ax + d * ux - w * uy, ay + d * uy + w * ux, &v)) {
            beside += v;
            ++ns;
          }
      }
      return nb > 0 && ns > 0 && beside > 0 ? (behind / nb) / (beside / ns) : 1.0;
    };
    Echo e;
    e.behind_ratio = behind_ratio(hx, hy);
    e.x_mm = hx + 0.5 * ux;  // near wall -> centre of a ~1.3 mm needle
    e.y_mm = hy + 0.5 * uy;
    e.strength = strength;
    e.width_mm = lat_hi - lat_lo + std::max(sx, sy);
    e.length_mm = rad_hi;
    out.push_back(e);
    // A second strong peak further along the beam within the same region: another needle
    // behind the first (reverberations decay; a new echo rises again).
    double prev = best;
    bool falling = false;
    for (double d = 0.25; d <= rad_hi; d += 0.25) {
      const double x = hx + d * ux, y = hy + d * uy;
      const int c = static_cast<int>(std::lround(image.col_of_x(x))), r = static_cast<int>(std::lround(image.row_of_y(y)));
      if (c < 0 || r < 0 || c >= image.width || r >= image.height) break;
      const double v = static_cast<double>(sm.at<float>(r, c));
      if (v < prev - 0.1 * best) falling = true;
      if (falling && d >= 3.5 && v >= 0.92 * best) {
        // local maximum along the beam
        double peak = v, pd = d;
        for (double d2 = d; d2 <= std::min(rad_hi, d + 1.5); d2 += 0.25) {
          const int c2 = static_cast<int>(std::lround(image.col_of_x(hx + d2 * ux))), r2 = static_cast<int>(std::lround(image.row_of_y(hy + d2 * uy)));
          if (c2 < 0 || r2 < 0 || c2 >= image.width || r2 >= image.height) break;
          const double v2 = static_cast<double>(sm.at<float>(r2, c2));
          if (v2 > peak) {
            peak = v2;
            pd = d2;
          }
        }
        Echo e2 = e;
        e2.x_mm = hx + (pd + 0.5) * ux;
        e2.y_mm = hy + (pd + 0.5) * uy;
        e2.length_mm = rad_hi - pd;
        // Its own: a catheter's near wall behind a needle is followed by the catheter's lumen.
        e2.behind_ratio = behind_ratio(hx + pd * ux, hy + pd * uy);
        out.push_back(e2);
        break;
      }
      prev = std::min(prev, v);
    }
  }
  // An echo lying on the beam just behind a stronger one — within a needle's reverberation
  // tail, nearer than the template's next row — is seen through that needle's tail: unless it
  // is nearly as strong, it is the tail's own ringing or a structure behind it (a Foley
  // catheter's near wall, whose lumen the tail fills so that it passes the lumen test). A needle
  // behind a needle on the same beam is one template row (5 mm) or more further out.
  for (Echo& e : out) {
    const double re = std::hypot(e.x_mm, e.y_mm);
    for (const Echo& front : out) {
      if (&front == &e || front.strength <= e.strength) continue;
      const double rf = std::hypot(front.x_mm, front.y_mm);
      const double along = (e.x_mm * front.x_mm + e.y_mm * front.y_mm) / rf - rf;
      const double across = std::abs(-e.x_mm * front.y_mm + e.y_mm * front.x_mm) / rf;
      if (along > 0.5 && along < kThroughTail_mm && across < 0.5 * front.width_mm + 0.5 && e.strength < kBehindStrength * front.strength && re > rf)
        e.behind_stronger = true;
    }
  }
  return out;
}

std::vector<formats::Catheter> detect_needles(const Sweep& sweep, const NeedleOptions& o, NeedleReport* report) {
  std::string why;
  require(o.validate(&why), why);
  validate_sweep(sweep, "needles");
  // Frames in increasing z (entry side first); repeated positions are kept as separate looks.
  std::vector<size_t> order(sweep.frames.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sweep.frames[a].z_mm < sweep.frames[b].z_mm; });
  std::vector<double> zs;
  for (size_t k : order)
    if (zs.empty() || sweep.frames[k].z_mm - zs.back() > 1e-6) zs.push_back(sweep.frames[k].z_mm);
  struct Obs {
    double x, y, z;
    size_t zi;
  };
  std::map<std::pair<int, int>, std::vector<Obs>> by_hole;
  if (report) report->echoes_per_frame.clear();
  for (size_t k : order) {
    const auto echoes = find_echoes(sweep.frames[k].image, o);
    if (report) report->echoes_per_frame.push_back(static_cast<int>(echoes.size()));
    const size_t zi = static_cast<size_t>(std::lower_bound(zs.begin(), zs.end(), sweep.frames[k].z_mm - 1e-6) - zs.begin());
    for (const auto& e : echoes) {
      if (e.width_mm > o.max_width_mm || e.behind_ratio < o.lumen_ratio || e.behind_stronger) continue;
      const int i = static_cast<int>(std::lround(e.x_mm / o.grid_mm)), j = static_cast<int>(std::lround(e.y_mm / o.grid_mm));
      if (std::hypot(e.x_mm - i * o.grid_mm, e.y_mm - j * o.grid_mm) > o.grid_tolerance_mm) continue;
      by_hole[{i, j}].push_back({e.x_mm, e.y_mm, sweep.frames[k].z_mm, zi});
    }
  }
  std::vector<formats::Catheter> out;
  int tracks = 0;
  for (auto& [hole, obs] : by_hole) {
    // Robust straight-line fit x(z), y(z): start at the hole, drop points > 1 mm off, refit.
    double ax = hole.first * o.grid_mm, bx = 0, ay = hole.second * o.grid_mm, by = 0;
    std::vector<Obs> in = obs;
    for (int it = 0; it < 3; ++it) {
      std::vector<Obs> keep;
      for (const auto& p : obs)
        if (std::hypot(p.x - (ax + bx * p.z), p.y - (ay + by * p.z)) <= (it == 0 ? o.grid_tolerance_mm : 1.0)) keep.push_back(p);
      if (keep.size() < 2) {
        // A needle is straight: echoes that do not line up within 1 mm (bright patches of the
        // rectal wall at a hole's position, 1-2.6 mm apart from frame to frame) are no needle.
        in = std::move(keep);
        break;
      }
      in = keep;
      double n = 0, sz = 0, szz = 0, sxv = 0, syv = 0, szx = 0, szy = 0;
      for (const auto& p : in) {
        n += 1;
        sz += p.z;
        szz += p.z * p.z;
        sxv += p.x;
        syv += p.y;
        szx += p.z * p.x;
        szy += p.z * p.y;
      }
      const double den = n * szz - sz * sz;
      if (den > 1e-9 && n >= 4) {
        bx = std::clamp((n * szx - sz * sxv) / den, -0.1, 0.1);
        by = std::clamp((n * szy - sz * syv) / den, -0.1, 0.1);
      } else {
        bx = by = 0;
      }
      ax = (sxv - bx * sz) / n;
      ay = (syv - by * sz) / n;
    }
    // Frames (by z index) where the needle is seen; the run from the entry side.
    std::vector<char> seen(zs.size(), 0);
    for (const auto& p : in) seen[p.zi] = 1;
    // Longest run allowing gaps of up to two frames (an echo can drop out: a speckled needle
    // echo on a bright display fell under the candidates' floor on one frame in three or four).
    size_t best_a = 0, best_b = 0, best_len = 0;
    for (size_t a = 0; a < zs.size(); ++a) {
      if (!seen[a]) continue;
      size_t b = a, len = 1;
      while (true) {
        if (b + 1 < zs.size() && seen[b + 1]) {
          ++b;
          ++len;
        } else if (b + 2 < zs.size() && seen[b + 2]) {
          b += 2;
          ++len;
        } else if (b + 3 < zs.size() && seen[b + 3]) {
          b += 3;
          ++len;
        } else {
          break;
        }
      }
      if (len > best_len) {
        best_len = len;
        best_a = a;
        best_b = b;
      }
      a = b;
    }
    // A needle comes in through the template from the apex side: its run starts in the first
    // third of the sweep and spans a good part of it; a calcification or a stray bright
    // reflector is seen on a few frames only, anywhere.
    if (static_cast<int>(best_len) < std::max(o.min_frames, static_cast<int>(zs.size() / 4)) || best_a > zs.size() / 3) continue;
    ++tracks;
    const double z_tip = zs[best_b], z_entry = zs[best_a];
    const double z_out = std::min(z_entry, zs.front());
    out.push_back({0, {{ax + bx * z_tip, ay + by * z_tip, z_tip}, {ax + bx * z_out, ay + by * z_out, z_out}}});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.path_mm[0][1] != b.path_mm[0][1] ? a.path_mm[0][1] > b.path_mm[0][1] : a.path_mm[0][0] < b.path_mm[0][0];
  });
  for (size_t k = 0; k < out.size(); ++k) out[k].id = static_cast<int>(k + 1);
  if (report) report->candidate_tracks = tracks;
  return out;
}

}  // namespace hdr::imaging
