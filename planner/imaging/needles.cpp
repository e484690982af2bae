// Specular echoes in one frame (needles.hpp): the regular route and the saturated route. The
// tracking across the sweep is needle_tracking.cpp.
#include "planner/imaging/needles.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <sstream>

#include "planner/imaging/cv_convert.hpp"
#include "planner/imaging/robust_stats.hpp"

namespace hdr::imaging {

bool NeedleOptions::validate(std::string* error) const {
  std::ostringstream m;
  if (!(grid_mm >= 1.0 && grid_mm <= 20.0)) m << "NeedleOptions::grid_mm = " << grid_mm << ": must be in 1..20 mm";
  else if (!(grid_tolerance_mm > 0.0 && grid_tolerance_mm <= 0.5 * grid_mm)) m << "NeedleOptions::grid_tolerance_mm = " << grid_tolerance_mm << ": must be in (0, grid_mm/2]";
  else if (!(max_width_mm > 0.5 && max_width_mm <= 10.0)) m << "NeedleOptions::max_width_mm = " << max_width_mm << ": must be in (0.5, 10] mm";
  else if (!(template_half_width_mm >= grid_mm && template_half_width_mm <= 100.0)) m << "NeedleOptions::template_half_width_mm = " << template_half_width_mm << ": must be in grid_mm..100 mm";
  else if (min_frames < 1 || min_frames > 50) m << "NeedleOptions::min_frames = " << min_frames << ": must be in 1..50";
  else if (!(threshold_sd > 0.0 && threshold_sd < 20.0)) m << "NeedleOptions::threshold_sd = " << threshold_sd << ": must be in (0, 20)";
  else if (!(lumen_ratio >= 0.0 && lumen_ratio < 1.0)) m << "NeedleOptions::lumen_ratio = " << lumen_ratio << ": must be in [0, 1)";
  else if (!(shadow_sd > 0.0 && shadow_sd < 20.0)) m << "NeedleOptions::shadow_sd = " << shadow_sd << ": must be in (0, 20)";
  else if (!(min_sighting_share > 0.0 && min_sighting_share <= 1.0)) m << "NeedleOptions::min_sighting_share = " << min_sighting_share << ": must be in (0, 1]";
  else if (!(max_sparse_rms_mm > 0.0 && max_sparse_rms_mm <= grid_tolerance_mm)) m << "NeedleOptions::max_sparse_rms_mm = " << max_sparse_rms_mm << ": must be in (0, grid_tolerance_mm]";
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

// The saturated route (needles.hpp). Its cores are pixels at least kCutShareAboveMedian of the
// way from the median to the frame's white (the regular route's floor) where the regular test's
// bar (local mean + k sd) lies past kSaturatedBarShare of the way from that floor to white: the
// tissue's own speckle reaches white there. Half way: a bright gland on a display at 72 % grey
// qualifies; with the floor itself, a dark gland's bright rectal wall did too, and its false
// echoes cost one of the second phantom's mid-grey-display sweeps 0.016 Dice.
constexpr double kSaturatedBarShare = 0.5;
// A needle (1.3-1.5 mm across) clipped at white leaves a core at least this thick (radius, the
// distance to its edge); thinner white is a speckle grain (sharp axially: 0.2-0.45 mm sigma).
constexpr double kMinWhiteCoreRadius_mm = 0.35;
// One candidate per core: the thickest point within this distance along rows and columns.
constexpr double kWhiteCoreSpacing_mm = 1.0;
// A needle's core is mostly at white itself (its echo is ~12 dB over a bright gland's), not only
// bright after smoothing: at least kMinWhiteShare of the raw pixels within kWhiteDisc_mm of its
// centre. Speckle's white patches are blotchy: on the second phantom's bright glands this left
// out 7 in 10 of the route's false echoes near template holes for 1 in 20 of its needle sightings.
constexpr double kWhiteDisc_mm = 0.45;
constexpr double kMinWhiteShare = 0.5;
// The shadow is measured from kShadowFrom_mm to kShadowTo_mm beyond the core (past a needle's
// reverberation tail; the second phantom's shadow starts 6 mm behind), on the band within
// kShadowHalfWidth_mm of the beam through the core (a needle's shadow is ~1.5 mm wide), against
// the bands kFlankFrom_mm..kFlankTo_mm to either side at the same depths.
constexpr double kShadowFrom_mm = 5.0, kShadowTo_mm = 15.0;
constexpr double kShadowHalfWidth_mm = 0.5;
constexpr double kFlankFrom_mm = 1.5, kFlankTo_mm = 4.0;
constexpr double kShadowStep_mm = 0.25;  // sampling step, along and across the beam
// Floor of the flanks' robust sd (grey levels): beside flanks all clipped at white (no spread),
// a dip of a grey level or two is no shadow.
constexpr double kMinFlankSd = 2.0;
// A saturated echo this near an echo already found is the same needle.
constexpr double kSameEcho_mm = 1.5;

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

// Grey levels of a frame, from every other pixel of every other row inside the sector (> 0).
struct GreyLevels {
  int median = 0;
  int p99 = 255;   // the top 1 % starts here
  int white = 0;   // the brightest level shown: the display's clipping level when it saturates
};

GreyLevels grey_levels(const GrayImage& image) {
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
  GreyLevels g;
  int p99 = -1;
  long acc = 0;
  for (int v = 255; v > 0; --v) {
    if (g.white == 0 && hist[v] > 0) g.white = v;
    acc += hist[v];
    if (p99 < 0 && static_cast<double>(acc) > 0.01 * static_cast<double>(total)) p99 = v;
    if (static_cast<double>(acc) > 0.5 * static_cast<double>(total)) {
      g.median = v;
      break;
    }
  }
  g.p99 = p99 < 0 ? 255 : p99;  // a blank frame
  return g;
}

// Shadow behind a core at (x, y) along the beam (ux, uy): the mean grey of the band on the beam
// line minus the median of the flank bands, over the flanks' robust sd (1.4826 MAD); negative
// when darker. Empty when too little of it lies in the sector (pixels of value 0 are outside).
std::optional<double> shadow_contrast_sd(const GrayImage& image, double x, double y, double ux, double uy) {
  const int half_steps = static_cast<int>(std::lround(kFlankTo_mm / kShadowStep_mm));
  double centre = 0;
  int n_centre = 0;
  std::vector<double> flanks;
  flanks.reserve(static_cast<size_t>(2 * half_steps + 1));
  for (int iw = -half_steps; iw <= half_steps; ++iw) {
    const double w = iw * kShadowStep_mm, aw = std::abs(w);
    const bool on_line = aw <= kShadowHalfWidth_mm + 1e-9, flank = aw >= kFlankFrom_mm - 1e-9;
    if (!on_line && !flank) continue;
    double sum = 0;
    int n = 0, tried = 0;
    for (double d = kShadowFrom_mm; d <= kShadowTo_mm + 1e-9; d += kShadowStep_mm) {
      ++tried;
      const int c = static_cast<int>(std::lround(image.col_of_x(x + d * ux - w * uy)));
      const int r = static_cast<int>(std::lround(image.row_of_y(y + d * uy + w * ux)));
      if (c < 0 || r < 0 || c >= image.width || r >= image.height) continue;
      const std::uint8_t v = image.at(c, r);
      if (v == 0) continue;
      sum += v;
      ++n;
    }
    if (2 * n < tried) continue;  // a band mostly outside the sector
    if (on_line) {
      centre += sum / n;
      ++n_centre;
    } else {
      flanks.push_back(sum / n);
    }
  }
  if (n_centre == 0 || flanks.size() < 8) return std::nullopt;
  const double level = upper_median_in_place(flanks);
  const double sd = std::max(robust_sd_in_place(flanks, level), kMinFlankSd);
  return (centre / n_centre - level) / sd;
}

// Share of the raw pixels within kWhiteDisc_mm of (row, col) at the frame's white.
double white_share(const GrayImage& image, int row, int col, int white) {
  const double sx = image.spacing_mm[0], sy = image.spacing_mm[1];
  const int hx = static_cast<int>(kWhiteDisc_mm / sx), hy = static_cast<int>(kWhiteDisc_mm / sy);
  int n = 0, at_white = 0;
  for (int dr = -hy; dr <= hy; ++dr)
    for (int dc = -hx; dc <= hx; ++dc) {
      const int r = row + dr, c = col + dc;
      if (r < 0 || c < 0 || r >= image.height || c >= image.width) continue;
      if (dr * dr * sy * sy + dc * dc * sx * sx > kWhiteDisc_mm * kWhiteDisc_mm) continue;
      ++n;
      at_white += image.at(c, r) >= white ? 1 : 0;
    }
  return n ? static_cast<double>(at_white) / n : 0.0;
}

// Length of the run of `mask` (its pixel (0, 0) at the frame's `origin`) through (x, y) along
// (dx, dy), both ways, in mm (10 mm at most).
double run_through_mm(const GrayImage& image, const cv::Mat& mask, cv::Point origin, double x, double y, double dx, double dy) {
  constexpr double kStep_mm = 0.1, kLongest_mm = 10.0;
  auto inside = [&](double t) {
    const int c = static_cast<int>(std::lround(image.col_of_x(x + t * dx))) - origin.x, r = static_cast<int>(std::lround(image.row_of_y(y + t * dy))) - origin.y;
    return c >= 0 && r >= 0 && c < mask.cols && r < mask.rows && mask.at<std::uint8_t>(r, c) != 0;
  };
  double lo = 0, hi = 0;
  while (hi < kLongest_mm && inside(hi + kStep_mm)) hi += kStep_mm;
  while (lo > -kLongest_mm && inside(lo - kStep_mm)) lo -= kStep_mm;
  return hi - lo;
}

// Whether the frame images the points `reach_mm` to either side of (x, y) across the beam
// (ux, uy): a white run cut off by the sector's edge has no measurable width, and the rectal
// wall's band clipped at white looked as narrow as a needle there (second phantom, seed 227).
bool imaged_across(const GrayImage& image, double x, double y, double ux, double uy, double reach_mm) {
  for (double side : {-1.0, 1.0}) {
    const int c = static_cast<int>(std::lround(image.col_of_x(x - side * reach_mm * uy)));
    const int r = static_cast<int>(std::lround(image.row_of_y(y + side * reach_mm * ux)));
    if (c < 0 || r < 0 || c >= image.width || r >= image.height || image.at(c, r) == 0) return false;
  }
  return true;
}

// Centres of the white cores in `white_mask` (pixels, column/row of the mask): the points at
// least kMinWhiteCoreRadius_mm and at most half a needle's width from the mask's edge that are
// the thickest within kWhiteCoreSpacing_mm along rows and columns (a flat top's points merged
// into their centroid). The 5x5 chamfer distance (within 2 % of the exact one) and a square
// window: on a bright 491 x 380 frame this step took 1.3 ms, against 5.6 ms with exact
// distances and a round window over the whole frame.
std::vector<cv::Point2d> white_core_centres(const cv::Mat& white_mask, double pixel_mm, double max_radius_mm) {
  // One pixel of edge around: the bounding box's own border is the mask's edge.
  cv::Mat edged;
  cv::copyMakeBorder(white_mask, edged, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
  cv::Mat distance, widest;
  cv::distanceTransform(edged, distance, cv::DIST_L2, cv::DIST_MASK_5);
  const int k = std::max(1, static_cast<int>(std::lround(kWhiteCoreSpacing_mm / pixel_mm)));
  cv::dilate(distance, widest, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * k + 1, 2 * k + 1)));
  const float min_px = static_cast<float>(kMinWhiteCoreRadius_mm / pixel_mm), max_px = static_cast<float>(max_radius_mm / pixel_mm);
  cv::Mat peaks = cv::Mat::zeros(distance.size(), CV_8U);
  for (int r = 0; r < distance.rows; ++r) {
    const float* d = distance.ptr<float>(r);
    const float* w = widest.ptr<float>(r);
    std::uint8_t* p = peaks.ptr<std::uint8_t>(r);
    for (int c = 0; c < distance.cols; ++c)
      if (d[c] >= min_px && d[c] <= max_px && d[c] >= w[c]) p[c] = 255;
  }
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(peaks, labels, stats, centroids, 8, CV_32S);
  std::vector<cv::Point2d> out;
  for (int l = 1; l < n; ++l) out.emplace_back(centroids.at<double>(l, 0) - 1.0, centroids.at<double>(l, 1) - 1.0);
  return out;
}

// The saturated route (needles.hpp): echoes at the white cores of `white_mask` (whose pixel
// (0, 0) is the frame's `origin`) that have a shadow behind them, appended to `out` unless an
// echo is already there.
void add_saturated_echoes(const GrayImage& image, const cv::Mat& sm, const cv::Mat& white_mask, cv::Point origin, const LocalStats& local,
                          int white, const NeedleOptions& o, std::vector<Echo>& out) {
  const double sx = image.spacing_mm[0], sy = image.spacing_mm[1];
  // Square pixels assumed for the core's thickness (the geometric mean for others).
  const double pixel_mm = std::sqrt(sx * sy);
  for (const cv::Point2d& in_mask : white_core_centres(white_mask, pixel_mm, 0.5 * o.max_width_mm)) {
    const cv::Point2d p(in_mask.x + origin.x, in_mask.y + origin.y);
    const double x = image.x_mm(p.x), y = image.y_mm(p.y), range = std::hypot(x, y);
    if (range < 1.0) continue;  // at the probe itself: no beam direction
    const int col = static_cast<int>(std::lround(p.x)), row = static_cast<int>(std::lround(p.y));
    if (white_share(image, row, col, white) < kMinWhiteShare) continue;
    const double ux = x / range, uy = y / range;
    // No wider across the beam than a needle: not a bright band (the rectal wall).
    const double width = run_through_mm(image, white_mask, origin, x, y, -uy, ux);
    if (width > o.max_width_mm || !imaged_across(image, x, y, ux, uy, o.max_width_mm)) continue;
    const bool known = std::any_of(out.begin(), out.end(), [&](const Echo& e) { return std::hypot(e.x_mm - x, e.y_mm - y) < kSameEcho_mm; });
    if (known) continue;
    const std::optional<double> shadow = shadow_contrast_sd(image, x, y, ux, uy);
    if (!shadow || *shadow > -o.shadow_sd) continue;
    double mean = 0, sd = 1;
    local.at(row, col, &mean, &sd);
    Echo e;
    e.x_mm = x;
    e.y_mm = y;
    e.strength = (static_cast<double>(sm.at<float>(row, col)) - mean) / sd;
    e.width_mm = width;
    e.length_mm = run_through_mm(image, white_mask, origin, x, y, ux, uy);
    e.saturated = true;
    e.shadow_sd = *shadow;
    out.push_back(e);
  }
}

// find_echoes (the regular route), and with `saturated` find_needle_echoes (both routes).
std::vector<Echo> echoes_in(const GrayImage& image, const NeedleOptions& o, bool saturated) {
  const double sx = image.spacing_mm[0], sy = image.spacing_mm[1];
  const cv::Mat frame8 = view_of(image);
  cv::Mat f;
  frame8.convertTo(f, CV_32F);
  cv::Mat sm;
  cv::GaussianBlur(f, sm, cv::Size(0, 0), 0.3 / sx, 0.3 / sy);
  const LocalStats local(frame8, static_cast<int>(3.5 / sx), static_cast<int>(3.5 / sy));
  // Among the frame's brightest pixels, and well above the local tissue.
  const GreyLevels levels = grey_levels(image);
  // The candidates' floor: the frame's top 1 %, but no higher than 60 % of the way from the
  // median to white. On a bright display (a high gain, a bright gland) tissue speckle fills the
  // top 1 % up to saturation and the needles, clipped at white and blurred, fell below it: an
  // independent phantom's needles were found at 40 %.
  const int cut = std::min(levels.p99, levels.median + static_cast<int>(std::lround(kCutShareAboveMedian * (255 - levels.median))));
  // The saturated route's cores (needles.hpp): as bright, where the regular bar is out of reach.
  const double white_floor = levels.median + kCutShareAboveMedian * (levels.white - levels.median);
  const double saturated_bar = white_floor + kSaturatedBarShare * (levels.white - white_floor);
  const double lowest = saturated ? std::min(static_cast<double>(cut), white_floor) : cut;
  cv::Mat cand = cv::Mat::zeros(sm.size(), CV_8U);
  auto is_white = [&](double v, double bar) { return saturated && v >= white_floor && bar >= saturated_bar; };
  int white_c0 = sm.cols, white_c1 = -1, white_r0 = sm.rows, white_r1 = -1;  // the white pixels' bounding box
  for (int r = 0; r < sm.rows; ++r) {
    const float* sr = sm.ptr<float>(r);
    std::uint8_t* cr = cand.ptr<std::uint8_t>(r);
    for (int c = 0; c < sm.cols; ++c) {
      const double v = static_cast<double>(sr[c]);
      if (v < lowest) continue;
      double mean = 0, sd = 0;
      local.at(r, c, &mean, &sd);
      const double bar = mean + o.threshold_sd * 0.5 * sd;
      if (v >= cut && v > bar) cr[c] = 255;
      if (is_white(v, bar)) {
        white_c0 = std::min(white_c0, c);
        white_c1 = std::max(white_c1, c);
        white_r0 = std::min(white_r0, r);
        white_r1 = std::max(white_r1, r);
      }
    }
  }
  // The white mask over their bounding box only, in a second pass: most frames have none or a
  // few, and a frame-sized mask made for them had the allocator hand back and fault in the
  // frame's other buffers again (50 times the page faults; +1.2 ms a frame on our simulator).
  cv::Rect white_box;
  cv::Mat white_mask;
  if (white_c1 >= 0) {
    white_box = cv::Rect(white_c0, white_r0, white_c1 - white_c0 + 1, white_r1 - white_r0 + 1);
    white_mask = cv::Mat::zeros(white_box.size(), CV_8U);
    for (int r = white_r0; r <= white_r1; ++r) {
      const float* sr = sm.ptr<float>(r);
      std::uint8_t* wr = white_mask.ptr<std::uint8_t>(r - white_r0);
      for (int c = white_c0; c <= white_c1; ++c) {
        const double v = static_cast<double>(sr[c]);
        if (v < white_floor) continue;
        double mean = 0, sd = 0;
        local.at(r, c, &mean, &sd);
        if (is_white(v, mean + o.threshold_sd * 0.5 * sd)) wr[c - white_c0] = 255;
      }
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
  if (!white_mask.empty()) add_saturated_echoes(image, sm, white_mask, white_box.tl(), local, levels.white, o, out);
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

}  // namespace

std::vector<Echo> find_echoes(const GrayImage& image, const NeedleOptions& options) { return echoes_in(image, options, false); }

std::vector<Echo> find_needle_echoes(const GrayImage& image, const NeedleOptions& options) { return echoes_in(image, options, true); }

}  // namespace hdr::imaging
