#include "tests/imaging/second_phantom.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>
#include <random>
#include <sstream>

#include "planner/common/error.hpp"

namespace hdr::test {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kImageWidth_mm = 80.0, kImageHeight_mm = 62.0;  // field of view
constexpr double kOriginY_mm = -8.0;                              // bottom row, below the probe axis
constexpr double kSectorInner_mm = 9.5, kSectorHalfAngle_deg = 65.0;
constexpr double kRectumCut_mm = 13.0;                           // gland only above y = 13 mm (flattened by the rectum)
constexpr double kRectalWallInner_mm = 9.5, kRectalWallOuter_mm = 12.5, kRectalWallEcho = 1.6;
constexpr double kCapsuleFactor = 1.3, kCapsuleWidth_mm = 0.8;
constexpr double kUrethraEcho = 0.35, kUrethraRadius_mm = 3.0;
constexpr double kBladderEcho = 0.05;
constexpr double kCalcificationEcho = 6.0, kCalcificationRadius_mm = 1.0, kCalcificationShadow = 0.25;
constexpr double kNeedleEcho = 7.0, kNeedleRadius_mm = 0.7;
constexpr double kTailPeak = 2.5, kTailDecay_mm = 2.5, kTailStart_mm = 0.8, kTailEnd_mm = 6.0, kTailHalfWidth_mm = 0.6;
constexpr double kNeedleShadow = 0.5, kNeedleShadowHalfWidth_mm = 0.8;
constexpr int kMinTruthPixels = 20;  // smaller masks get no truth contour (as the Python)
constexpr double kFramePeriod_s = 0.5;

// The random stream: mt19937_64 is specified bit for bit by the standard, its distributions
// are not; these draws are, so a seed gives the same phantom everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1), 53 bits
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  int integer(int lo, int hi_exclusive) {  // lo .. hi_exclusive - 1
    const int n = hi_exclusive - lo;
    return lo + std::min(n - 1, static_cast<int>(uniform01() * n));
  }
  // Box-Muller: two independent standard normals (the real and imaginary part of a speckle sample).
  std::array<double, 2> normal_pair() {
    const double u1 = 1.0 - uniform01();  // (0, 1]: log finite
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    return {r * std::cos(2.0 * kPi * u2), r * std::sin(2.0 * kPi * u2)};
  }
  double normal(double mean, double sd) { return mean + sd * normal_pair()[0]; }

 private:
  std::mt19937_64 engine_;
};

// splitmix64: an independent stream per frame, so that the speckle of frame k does not depend
// on what was drawn before it (the needle count, the pixel size of earlier frames).
std::uint64_t frame_seed(std::uint64_t seed, int frame) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(frame + 1) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The output pixel grid (hdr-trus/1: row 0 anterior, y_mm = origin_y + (rows - 1 - j) * sy)
// and what depends only on it.
struct Grid {
  int width = 0, height = 0;
  double pixel_mm = 0.2;
  double origin_x_mm = 0.0;
  std::vector<double> x_mm, y_mm;  // per column, per row
  cv::Mat radius_mm;               // CV_64F, distance from the probe axis
  cv::Mat sector;                  // CV_8U, 1 inside the imaged sector
  cv::Mat attenuation;             // CV_64F, exp(-atten R): no time-gain compensation corrects it
};

Grid make_grid(double pixel_mm, const SecondPhantomOptions& o) {
  Grid g;
  g.pixel_mm = pixel_mm;
  g.width = static_cast<int>(kImageWidth_mm / pixel_mm);
  g.height = static_cast<int>(kImageHeight_mm / pixel_mm);
  g.origin_x_mm = -g.width * pixel_mm / 2.0;
  for (int i = 0; i < g.width; ++i) g.x_mm.push_back(g.origin_x_mm + i * pixel_mm);
  for (int j = 0; j < g.height; ++j) g.y_mm.push_back(kOriginY_mm + (g.height - 1 - j) * pixel_mm);
  g.radius_mm.create(g.height, g.width, CV_64F);
  g.sector.create(g.height, g.width, CV_8U);
  g.attenuation.create(g.height, g.width, CV_64F);
  for (int j = 0; j < g.height; ++j)
    for (int i = 0; i < g.width; ++i) {
      const double r = std::hypot(g.x_mm[i], g.y_mm[j]);
      g.radius_mm.at<double>(j, i) = r;
      g.sector.at<std::uint8_t>(j, i) = second_phantom_in_sector(g.x_mm[i], g.y_mm[j], o.depth_mm) ? 1 : 0;
      g.attenuation.at<double>(j, i) = std::exp(-o.attenuation_per_mm * r);
    }
  return g;
}

// Column / row ranges (clamped) covering x in [x0, x1], y in [y0, y1]: the loops below touch
// only the pixels an object can reach.
cv::Rect pixel_box(const Grid& g, double x0, double x1, double y0, double y1) {
  const int i0 = std::max(0, static_cast<int>(std::floor((x0 - g.origin_x_mm) / g.pixel_mm)));
  const int i1 = std::min(g.width - 1, static_cast<int>(std::ceil((x1 - g.origin_x_mm) / g.pixel_mm)));
  const int j0 = std::max(0, static_cast<int>(std::floor((g.height - 1) - (y1 - kOriginY_mm) / g.pixel_mm)));
  const int j1 = std::min(g.height - 1, static_cast<int>(std::ceil((g.height - 1) - (y0 - kOriginY_mm) / g.pixel_mm)));
  if (i1 < i0 || j1 < j0) return {};
  return {i0, j0, i1 - i0 + 1, j1 - j0 + 1};
}

// The gland's cross-section at z: half-axes and centre, and whether the gland is there.
struct Section {
  double a_mm = 0, b_mm = 0, cy_mm = 0;
  bool present = false;
};

Section gland_section(const SecondPhantomParameters& p, bool taper, double z_mm) {
  const double t = z_mm / (p.length_mm / 2.0);  // -1 apex .. +1 base
  Section s;
  if (taper) {  // shrinks to a point at both ends
    const double profile = std::pow(std::max(0.0, 1.0 - t * t), 0.4);
    s.a_mm = p.half_width_mm * profile;
    s.b_mm = p.half_height_mm * profile;
  } else {  // flat-topped profile down to 55 %, then cut off: the gland ends abruptly
    const double profile = std::abs(t) < 1.0 ? std::sqrt(std::max(0.0, 1.0 - t * t * t * t)) : 0.0;
    s.a_mm = std::abs(t) < 1.0 ? p.half_width_mm * (0.55 + 0.45 * profile) : 0.0;
    s.b_mm = p.half_height_mm * (0.55 + 0.45 * profile);
  }
  s.cy_mm = p.centre_y_mm + 2.0 * t;  // base lies a little more anterior
  s.present = std::abs(t) < 1.0 && s.a_mm > 1.5;
  return s;
}

double max_deformation(const SecondPhantomParameters& p) {
  double d = 1.0;
  for (double amp : p.harmonic_amp) d += amp;
  return d;
}

// Inside the deformed ellipse (radius 1 + sum amp_i cos((i + 2) theta + phase_i) in the
// ellipse's normalised coordinates) and above the rectum. CV_8U 0/1.
cv::Mat gland_mask(const Grid& g, const SecondPhantomParameters& p, const Section& s) {
  cv::Mat mask = cv::Mat::zeros(g.height, g.width, CV_8U);
  if (!s.present) return mask;
  const double reach = max_deformation(p);
  const cv::Rect box = pixel_box(g, -reach * s.a_mm, reach * s.a_mm, std::max(kRectumCut_mm, s.cy_mm - reach * s.b_mm), s.cy_mm + reach * s.b_mm);
  for (int j = box.y; j < box.y + box.height; ++j)
    for (int i = box.x; i < box.x + box.width; ++i) {
      const double u = g.x_mm[i] / s.a_mm, v = (g.y_mm[j] - s.cy_mm) / s.b_mm;
      const double theta = std::atan2(v, u);
      double boundary = 1.0;
      for (size_t h = 0; h < p.harmonic_amp.size(); ++h)
        boundary += p.harmonic_amp[h] * std::cos(static_cast<double>(h + 2) * theta + p.harmonic_phase[h]);
      if (std::hypot(u, v) < boundary && g.y_mm[j] > kRectumCut_mm) mask.at<std::uint8_t>(j, i) = 1;
    }
  return mask;
}

// Urethra: a 3 mm disc swaying laterally with z, a quarter of the half-height anterior of the centre.
cv::Mat urethra_mask(const Grid& g, const cv::Mat& gland, const Section& s, double z_mm) {
  cv::Mat mask = cv::Mat::zeros(g.height, g.width, CV_8U);
  if (!s.present) return mask;
  const double ux = 0.5 * std::sin(z_mm / 9.0), uy = s.cy_mm + 0.25 * s.b_mm;
  const cv::Rect box = pixel_box(g, ux - kUrethraRadius_mm, ux + kUrethraRadius_mm, uy - kUrethraRadius_mm, uy + kUrethraRadius_mm);
  for (int j = box.y; j < box.y + box.height; ++j)
    for (int i = box.x; i < box.x + box.width; ++i)
      if (std::hypot(g.x_mm[i] - ux, g.y_mm[j] - uy) < kUrethraRadius_mm && gland.at<std::uint8_t>(j, i)) mask.at<std::uint8_t>(j, i) = 1;
  return mask;
}

// Heterogeneous background: a smooth pattern that shifts from frame to frame, so that
// "tissue" is no single grey level the gland can be told from by value alone.
cv::Mat background_amplitude(const Grid& g, double modulation, int frame) {
  cv::Mat amp(g.height, g.width, CV_64F);
  std::vector<double> across(static_cast<size_t>(g.width));
  for (int i = 0; i < g.width; ++i) across[static_cast<size_t>(i)] = std::sin(g.x_mm[i] / 7.0 + frame);
  for (int j = 0; j < g.height; ++j) {
    const double down = std::cos(g.y_mm[j] / 9.0);
    for (int i = 0; i < g.width; ++i) amp.at<double>(j, i) = 1.0 + modulation * across[static_cast<size_t>(i)] * down;
  }
  return amp;
}

// Gland at `contrast`, its capsule (the outer ~0.8 mm, 4-connected erosion as scipy's) x1.3.
void paint_gland(cv::Mat& amp, const cv::Mat& gland, double contrast, double pixel_mm) {
  const int iterations = std::max(1, static_cast<int>(kCapsuleWidth_mm / pixel_mm));
  cv::Mat core;
  cv::erode(gland, core, cv::getStructuringElement(cv::MORPH_CROSS, {3, 3}), {-1, -1}, iterations, cv::BORDER_CONSTANT, 0);
  for (int j = 0; j < amp.rows; ++j)
    for (int i = 0; i < amp.cols; ++i)
      if (gland.at<std::uint8_t>(j, i)) amp.at<double>(j, i) = core.at<std::uint8_t>(j, i) ? contrast : contrast * kCapsuleFactor;
}

void paint_mask(cv::Mat& amp, const cv::Mat& mask, double value) { amp.setTo(value, mask); }

void paint_rectal_wall(cv::Mat& amp, const Grid& g) {
  for (int j = 0; j < amp.rows; ++j)
    for (int i = 0; i < amp.cols; ++i) {
      const double r = g.radius_mm.at<double>(j, i);
      if (r > kRectalWallInner_mm && r < kRectalWallOuter_mm) amp.at<double>(j, i) = kRectalWallEcho;
    }
}

// Anechoic bladder, beyond the last 8 mm of the gland, sinking posteriorly towards the base.
void paint_bladder(cv::Mat& amp, const Grid& g, const cv::Mat& gland, const SecondPhantomParameters& p, double z_mm) {
  if (z_mm <= p.length_mm / 2.0 - 8.0) return;
  const double yc = p.centre_y_mm + p.half_height_mm + 6.0 - (z_mm - p.length_mm / 2.0) * 0.8;
  const cv::Rect box = pixel_box(g, -22.0, 22.0, yc - 10.0, yc + 10.0);
  for (int j = box.y; j < box.y + box.height; ++j)
    for (int i = box.x; i < box.x + box.width; ++i)
      if (std::hypot(g.x_mm[i] / 22.0, (g.y_mm[j] - yc) / 10.0) < 1.0 && !gland.at<std::uint8_t>(j, i)) amp.at<double>(j, i) = kBladderEcho;
}

// A calcification near the section's centre and the band of shadow behind it (x following the
// ray through it, x = cx R / |c|; as the Python, the band also darkens the far half of the stone).
void paint_calcification(cv::Mat& amp, const Grid& g, const Section& s, Rng& rng) {
  const double cx = rng.normal(0.0, s.a_mm * 0.3 + 0.1);
  const double cy = s.cy_mm + rng.normal(0.0, s.b_mm * 0.3 + 0.1);
  const double rc = std::hypot(cx, cy);
  for (int j = 0; j < amp.rows; ++j)
    for (int i = 0; i < amp.cols; ++i) {
      const double x = g.x_mm[i], r = g.radius_mm.at<double>(j, i);
      double& a = amp.at<double>(j, i);
      if (std::hypot(x - cx, g.y_mm[j] - cy) < kCalcificationRadius_mm) a = kCalcificationEcho;
      if (std::abs(x - cx * (r / std::max(rc, 1.0))) < 1.0 && r > rc) a *= kCalcificationShadow;
    }
}

// A needle crossing the frame: a dot, its reverberation tail along the beam (away from the
// probe), and a half-transmission shadow beyond the tail.
void paint_needle(cv::Mat& amp, const Grid& g, const SecondPhantomNeedle& n, double z_mm) {
  const double px = n.x_mm + n.slope_x * z_mm, py = n.y_mm + n.slope_y * z_mm;
  const double rn = std::hypot(px, py);
  const double ux = px / rn, uy = py / rn;  // beam direction through the needle
  const double far = 2.0 * (kImageWidth_mm + kImageHeight_mm);
  const double reach = kNeedleShadowHalfWidth_mm + 0.1;
  const cv::Rect box = pixel_box(g, std::min(px, px + far * ux) - reach, std::max(px, px + far * ux) + reach, std::min(py, py + far * uy) - reach,
                                 std::max(py, py + far * uy) + reach);
  for (int j = box.y; j < box.y + box.height; ++j)
    for (int i = box.x; i < box.x + box.width; ++i) {
      const double dx = g.x_mm[i] - px, dy = g.y_mm[j] - py;
      double& a = amp.at<double>(j, i);
      if (std::hypot(dx, dy) < kNeedleRadius_mm) a = kNeedleEcho;
      const double along = dx * ux + dy * uy, across = std::abs(-dx * uy + dy * ux);
      if (along > kTailStart_mm && along < kTailEnd_mm && across < kTailHalfWidth_mm) a = std::max(a, kTailPeak * std::exp(-along / kTailDecay_mm));
      if (along > kTailEnd_mm && across < kNeedleShadowHalfWidth_mm) a *= kNeedleShadow;
    }
}

// Fully developed speckle: a complex Gaussian field on the pixel grid blurred by the
// anisotropic PSF (axial along the rows, lateral along the columns), its modulus. Cartesian on
// purpose: our simulator's speckle lives in the probe's polar grid.
cv::Mat speckle(const Grid& g, const SecondPhantomParameters& p, Rng& rng) {
  cv::Mat re(g.height, g.width, CV_64F), im(g.height, g.width, CV_64F);
  for (int j = 0; j < g.height; ++j)
    for (int i = 0; i < g.width; ++i) {
      const auto n = rng.normal_pair();
      re.at<double>(j, i) = n[0];
      im.at<double>(j, i) = n[1];
    }
  const double sigma_x = p.psf_lateral_mm / g.pixel_mm, sigma_y = p.psf_axial_mm / g.pixel_mm;
  const cv::Size kernel(2 * static_cast<int>(std::ceil(4.0 * sigma_x)) + 1, 2 * static_cast<int>(std::ceil(4.0 * sigma_y)) + 1);  // scipy's truncate = 4
  cv::GaussianBlur(re, re, kernel, sigma_x, sigma_y, cv::BORDER_REFLECT);
  cv::GaussianBlur(im, im, kernel, sigma_x, sigma_y, cv::BORDER_REFLECT);
  cv::Mat envelope;
  cv::magnitude(re, im, envelope);
  return envelope;
}

// Log compression: 0 dB at the sector's median echo, then gain, the dynamic range window
// placed by the display level `mid`; 0 outside the sector.
imaging::GrayImage log_compress(const Grid& g, const cv::Mat& echo, const SecondPhantomParameters& p, double mid) {
  std::vector<double> in_sector;
  in_sector.reserve(static_cast<size_t>(g.width) * static_cast<size_t>(g.height));
  for (int j = 0; j < g.height; ++j)
    for (int i = 0; i < g.width; ++i)
      if (g.sector.at<std::uint8_t>(j, i)) in_sector.push_back(echo.at<double>(j, i));
  const auto middle = in_sector.begin() + static_cast<std::ptrdiff_t>(in_sector.size() / 2);
  std::nth_element(in_sector.begin(), middle, in_sector.end());
  const double median = *middle + 1e-9;
  imaging::GrayImage img;
  img.width = g.width;
  img.height = g.height;
  img.spacing_mm = {g.pixel_mm, g.pixel_mm};
  img.origin_mm = {g.origin_x_mm, kOriginY_mm};
  img.pixels.assign(static_cast<size_t>(g.width) * static_cast<size_t>(g.height), 0);
  for (int j = 0; j < g.height; ++j)
    for (int i = 0; i < g.width; ++i) {
      if (!g.sector.at<std::uint8_t>(j, i)) continue;
      const double dB = 20.0 * std::log10(echo.at<double>(j, i) / median + 1e-6) + p.gain_dB;
      const double grey = std::clamp((dB + p.dynamic_range_dB * mid) / p.dynamic_range_dB * 255.0, 0.0, 255.0);
      img.pixels[static_cast<size_t>(j) * static_cast<size_t>(g.width) + static_cast<size_t>(i)] = static_cast<std::uint8_t>(grey);
    }
  return img;
}

// The mask's outline as a polygon in mm: OpenCV traces the centres of the boundary pixels;
// each vertex is moved half a pixel outwards along the local normal so that the polygon
// follows the pixels' outer edges (the mask's area), then the pixel staircase is smoothed out.
std::optional<formats::ContourSlice> mask_contour(const Grid& g, const cv::Mat& mask, double z_mm) {
  if (cv::countNonZero(mask) < kMinTruthPixels) return std::nullopt;
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  const auto largest = std::max_element(contours.begin(), contours.end(), [](const auto& a, const auto& b) { return cv::contourArea(a) < cv::contourArea(b); });
  if (largest == contours.end() || largest->size() < 3) return std::nullopt;
  std::vector<cv::Point2d> pts;
  for (const auto& q : *largest) pts.emplace_back(g.x_mm[q.x], g.y_mm[q.y]);
  double twice_area = 0;  // > 0: counter-clockwise in (x, y) mm
  for (size_t k = 0; k < pts.size(); ++k) {
    const auto& a = pts[k];
    const auto& b = pts[(k + 1) % pts.size()];
    twice_area += a.x * b.y - b.x * a.y;
  }
  const double outward = twice_area > 0 ? 1.0 : -1.0;
  std::vector<cv::Point2f> moved;
  for (size_t k = 0; k < pts.size(); ++k) {
    const auto& prev = pts[(k + pts.size() - 1) % pts.size()];
    const auto& next = pts[(k + 1) % pts.size()];
    const double tx = next.x - prev.x, ty = next.y - prev.y, len = std::hypot(tx, ty);
    const double shift = len > 0 ? 0.5 * g.pixel_mm / len * outward : 0.0;
    moved.emplace_back(static_cast<float>(pts[k].x + ty * shift), static_cast<float>(pts[k].y - tx * shift));
  }
  std::vector<cv::Point2f> simplified;
  cv::approxPolyDP(moved, simplified, 0.5 * g.pixel_mm, true);
  formats::ContourSlice slice;
  slice.z_mm = z_mm;
  for (const auto& q : simplified) slice.points_mm.push_back({static_cast<double>(q.x), static_cast<double>(q.y)});
  return slice;
}

// The anatomy and image statistics of a seed. The order of the draws is fixed; each value is
// drawn even when an option replaces it.
SecondPhantomParameters draw_parameters(Rng& rng, const SecondPhantomOptions& o) {
  SecondPhantomParameters p;
  p.pixel_mm = o.pixel_mm.value_or(rng.uniform(0.15, 0.25));
  p.length_mm = rng.uniform(30.0, 48.0);
  p.half_width_mm = rng.uniform(16.0, 25.0);
  p.half_height_mm = rng.uniform(12.0, 19.0);
  p.centre_y_mm = kRectumCut_mm + p.half_height_mm + rng.uniform(0.5, 3.0);
  constexpr std::array<double, 4> kContrasts{0.55, 0.7, 1.45, 1.8};
  p.contrast = o.contrast.value_or(kContrasts[static_cast<size_t>(rng.integer(0, 4))]);
  constexpr std::array<double, 3> kSteps_mm{2.5, 3.0, 5.0};
  p.step_mm = o.step_mm.value_or(kSteps_mm[static_cast<size_t>(rng.integer(0, 3))]);
  p.psf_lateral_mm = o.psf_lateral_mm.value_or(rng.uniform(0.35, 0.9));
  p.psf_axial_mm = o.psf_axial_mm.value_or(rng.uniform(0.2, 0.45));
  p.dynamic_range_dB = o.dynamic_range_dB.value_or(rng.uniform(45.0, 60.0));
  p.gain_dB = o.gain_dB.value_or(rng.uniform(-4.0, 4.0));
  for (auto& v : p.harmonic_phase) v = rng.uniform(0.0, 2.0 * kPi);
  for (auto& v : p.harmonic_amp) v = rng.uniform(0.0, 0.08);
  // Needles last: a given count changes no other draw.
  const int count = o.needles.value_or(rng.integer(6, 15));
  std::vector<std::array<double, 2>> holes;  // 5 mm template inside 80 % of the mid-gland ellipse, off the midline
  for (int gx = -25; gx <= 25; gx += 5)
    for (int gy = 10; gy < 60; gy += 5) {
      const double u = gx / (0.8 * p.half_width_mm), v = (gy - p.centre_y_mm) / (0.8 * p.half_height_mm);
      if (u * u + v * v < 1.0 && std::abs(gx) > 3) holes.push_back({static_cast<double>(gx), static_cast<double>(gy)});
    }
  for (size_t k = holes.size(); k > 1; --k) std::swap(holes[k - 1], holes[static_cast<size_t>(rng.integer(0, static_cast<int>(k)))]);  // Fisher-Yates
  for (size_t k = 0; k < holes.size() && static_cast<int>(k) < count; ++k) {
    SecondPhantomNeedle n;
    n.z_tip_mm = rng.uniform(p.length_mm / 2.0 - 12.0, p.length_mm / 2.0 - 2.0);
    n.x_mm = holes[k][0] + rng.normal(0.0, 0.4);
    n.y_mm = holes[k][1] + rng.normal(0.0, 0.4);
    n.slope_x = rng.normal(0.0, 0.01);
    n.slope_y = rng.normal(0.0, 0.01);
    p.needles.push_back(n);
  }
  return p;
}

struct RenderedFrame {
  imaging::Frame frame;
  std::optional<formats::ContourSlice> prostate, urethra;
};

RenderedFrame render_frame(const Grid& g, const SecondPhantomParameters& p, const SecondPhantomOptions& o, int k, double z_mm, Rng& rng) {
  const Section s = gland_section(p, o.taper, z_mm);
  const cv::Mat gland = gland_mask(g, p, s);
  const cv::Mat urethra = urethra_mask(g, gland, s, z_mm);
  cv::Mat amp = background_amplitude(g, o.background_modulation, k);
  paint_gland(amp, gland, p.contrast, g.pixel_mm);
  paint_mask(amp, urethra, kUrethraEcho);
  paint_rectal_wall(amp, g);
  paint_bladder(amp, g, gland, p, z_mm);
  if (k % 4 == 1) paint_calcification(amp, g, s, rng);
  for (const auto& n : p.needles)
    if (z_mm <= n.z_tip_mm) paint_needle(amp, g, n, z_mm);
  amp = amp.mul(g.attenuation);
  const cv::Mat echo = speckle(g, p, rng).mul(amp);
  RenderedFrame out;
  out.frame.image = log_compress(g, echo, p, o.mid);
  out.frame.z_mm = z_mm;
  out.frame.timestamp_s = k * kFramePeriod_s;
  out.prostate = mask_contour(g, gland, z_mm);
  out.urethra = mask_contour(g, urethra, z_mm);
  return out;
}

}  // namespace

bool second_phantom_in_sector(double x_mm, double y_mm, double depth_mm) {
  const double r = std::hypot(x_mm, y_mm);
  const double angle_deg = std::atan2(x_mm, y_mm) * 180.0 / kPi;  // from +y (anterior)
  return r > kSectorInner_mm && r < depth_mm && std::abs(angle_deg) < kSectorHalfAngle_deg;
}

bool SecondPhantomOptions::validate(std::string* error) const {
  std::ostringstream m;
  auto in = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  if (pixel_mm && !in(*pixel_mm, 0.1, 0.5)) m << "SecondPhantomOptions::pixel_mm = " << *pixel_mm << ": must be in 0.1..0.5 mm";
  else if (!in(depth_mm, 30.0, 80.0)) m << "SecondPhantomOptions::depth_mm = " << depth_mm << ": must be in 30..80 mm";
  else if (!(mid > 0.0 && mid <= 2.0)) m << "SecondPhantomOptions::mid = " << mid << ": must be in (0, 2]";
  else if (contrast && !(*contrast > 0.0 && *contrast <= 10.0)) m << "SecondPhantomOptions::contrast = " << *contrast << ": must be in (0, 10]";
  else if (step_mm && !in(*step_mm, 0.5, 10.0)) m << "SecondPhantomOptions::step_mm = " << *step_mm << ": must be in 0.5..10 mm";
  else if (needles && (*needles < 0 || *needles > 40)) m << "SecondPhantomOptions::needles = " << *needles << ": must be in 0..40";
  else if (psf_lateral_mm && !in(*psf_lateral_mm, 0.05, 3.0)) m << "SecondPhantomOptions::psf_lateral_mm = " << *psf_lateral_mm << ": must be in 0.05..3 mm";
  else if (psf_axial_mm && !in(*psf_axial_mm, 0.05, 3.0)) m << "SecondPhantomOptions::psf_axial_mm = " << *psf_axial_mm << ": must be in 0.05..3 mm";
  else if (dynamic_range_dB && !in(*dynamic_range_dB, 10.0, 120.0)) m << "SecondPhantomOptions::dynamic_range_dB = " << *dynamic_range_dB << ": must be in 10..120 dB";
  else if (gain_dB && !in(*gain_dB, -40.0, 40.0)) m << "SecondPhantomOptions::gain_dB = " << *gain_dB << ": must be in -40..40 dB";
  else if (!in(background_modulation, 0.0, 0.9))  // the amplitude 1 +- bgmod stays positive
    m << "SecondPhantomOptions::background_modulation = " << background_modulation << ": must be in 0..0.9";
  else if (!in(attenuation_per_mm, 0.0, 0.1)) m << "SecondPhantomOptions::attenuation_per_mm = " << attenuation_per_mm << ": must be in 0..0.1 per mm";
  const std::string s = m.str();
  if (error) *error = s;
  return s.empty();
}

SecondPhantom simulate_second_phantom(std::uint64_t seed, const SecondPhantomOptions& options) {
  std::string why;
  require(options.validate(&why), why);
  Rng rng(seed);
  SecondPhantom out;
  out.drawn = draw_parameters(rng, options);
  const auto& p = out.drawn;
  const Grid g = make_grid(p.pixel_mm, options);
  // Frames from 1.2 steps before the apex to 1.2 steps beyond the base (numpy.arange's count).
  const double z0 = -p.length_mm / 2.0 - 1.2 * p.step_mm;
  const int frames = static_cast<int>(std::ceil((p.length_mm + 2.4 * p.step_mm + 1e-6) / p.step_mm));
  formats::Structure prostate{"prostate", formats::StructureKind::target, {}};
  formats::Structure urethra{"urethra", formats::StructureKind::organ_at_risk, {}};
  for (int k = 0; k < frames; ++k) {
    Rng frame_rng(frame_seed(seed, k));
    auto f = render_frame(g, p, options, k, z0 + k * p.step_mm, frame_rng);
    out.sweep.frames.push_back(std::move(f.frame));
    if (f.prostate) prostate.slices.push_back(std::move(*f.prostate));
    if (f.urethra) urethra.slices.push_back(std::move(*f.urethra));
  }
  out.truth_structures = {std::move(prostate), std::move(urethra)};
  for (size_t i = 0; i < p.needles.size(); ++i) {
    const auto& n = p.needles[i];
    const double z_out = -p.length_mm;  // well outside the apex: the needle enters from the template
    out.truth_catheters.push_back({static_cast<int>(i) + 1,
                                   {{n.x_mm + n.slope_x * n.z_tip_mm, n.y_mm + n.slope_y * n.z_tip_mm, n.z_tip_mm},
                                    {n.x_mm + n.slope_x * z_out, n.y_mm + n.slope_y * z_out, z_out}}});
  }
  return out;
}

}  // namespace hdr::test
