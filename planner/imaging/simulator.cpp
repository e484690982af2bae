#include "planner/imaging/simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <numbers>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/imaging/cv_convert.hpp"

namespace hdr::imaging {
namespace {

constexpr double kPi = std::numbers::pi;

double uniform(std::mt19937_64& rng, double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(rng);
}

// Background backscatter texture: smooth lobules of periprostatic fat/muscle (factor ~0.6..1.4).
double texture(const TrusAnatomy& a, double x, double y, double z) {
  const auto& p = a.texture_phase;
  return 1.0 + 0.22 * std::sin(0.23 * x + p[0] + 0.8 * std::sin(0.11 * y + p[1])) *
                   std::cos(0.19 * y + p[2] + 0.07 * z) +
         0.15 * std::sin(0.41 * x - 0.33 * y + p[3] + 0.09 * z) + 0.08 * std::cos(0.7 * y + p[4]) * std::sin(0.6 * x + p[5]);
}

struct NeedleAtZ {
  double x, y;
};

// SimulationOptions::NeedleLayout::clinical: template holes (5 mm pitch) whose mid-gland
// position lies >= 2 mm inside the capsule, >= 7 mm from the urethra and >= 3 mm above the
// rectal wall; `count` of them picked one by one, each the farthest from those already picked
// plus a bias towards the periphery (dose to the capsule, not the urethra), as the phantom
// planning cases do (tools/phantom/phantom_case.cpp).
std::vector<std::array<double, 2>> clinical_holes(const TrusAnatomy& a, size_t count) {
  constexpr double kInside_mm = 2.0, kUrethraClearance_mm = 7.0, kRectumClearance_mm = 3.0;
  constexpr double kPeripheryBias_mm = 2.0;  // score = distance to the picked holes (mm) + bias * rho / R
  const double zm = 0.5 * (a.z_apex_mm + a.z_base_mm);
  const double scale = a.prostate_scale(zm).value_or(1.0);
  const double cy = a.prostate_centre_y(zm);
  const auto uc = a.urethra_centre(zm);
  struct Hole {
    double x, y, periphery;
  };
  std::vector<Hole> holes;
  for (int i = -8; i <= 8; ++i)
    for (int j = 0; j <= 14; ++j) {
      const double x = 5.0 * i, y = 5.0 * j;
      const double dx = x - a.cx_mm, dy = y - cy;
      const double rho = std::hypot(dx, dy), r = a.prostate_radius(std::atan2(dy, dx), scale);
      if (r - rho < kInside_mm) continue;
      if (std::hypot(x - uc[0], y - uc[1]) < kUrethraClearance_mm) continue;
      if (y < a.probe_radius_mm + a.rectal_wall_mm + kRectumClearance_mm) continue;
      holes.push_back({x, y, rho / r});
    }
  std::vector<std::array<double, 2>> picked;
  std::vector<bool> used(holes.size(), false);
  while (picked.size() < std::min(count, holes.size())) {
    double best = -1.0;
    size_t best_i = 0;
    for (size_t i = 0; i < holes.size(); ++i) {
      if (used[i]) continue;
      double d_min = 0.0;
      if (!picked.empty()) {
        d_min = 1e9;
        for (const auto& p : picked) d_min = std::min(d_min, std::hypot(holes[i].x - p[0], holes[i].y - p[1]));
      }
      const double score = d_min + kPeripheryBias_mm * holes[i].periphery;
      if (score > best + 1e-9) {
        best = score;
        best_i = i;
      }
    }
    used[best_i] = true;
    picked.push_back({holes[best_i].x, holes[best_i].y});
  }
  return picked;
}

}  // namespace

bool SimulationOptions::validate(std::string* error) const {
  std::ostringstream m;
  if (needle_count < 0 || needle_count > 40) m << "SimulationOptions::needle_count = " << needle_count << ": must be in 0..40";
  else if (frame_spacing_mm && !(*frame_spacing_mm >= 0.5 && *frame_spacing_mm <= 10.0))
    m << "SimulationOptions::frame_spacing_mm = " << *frame_spacing_mm << ": must be in 0.5..10 mm";
  else if (frame_count && (*frame_count < 1 || *frame_count > 400))
    m << "SimulationOptions::frame_count = " << *frame_count << ": must be in 1..400";
  else if (pixel_spacing_mm && !(*pixel_spacing_mm >= 0.1 && *pixel_spacing_mm <= 0.5))
    m << "SimulationOptions::pixel_spacing_mm = " << *pixel_spacing_mm << ": must be in 0.1..0.5 mm";
  const std::string s = m.str();
  if (error) *error = s;
  return s.empty();
}

std::optional<double> TrusAnatomy::prostate_scale(double z_mm) const {
  const double half = 0.5 * (z_base_mm - z_apex_mm);
  const double u = (z_mm - 0.5 * (z_apex_mm + z_base_mm)) / half;
  if (!(u > -1.0 && u < 1.0)) return std::nullopt;
  const double s = std::pow(1.0 - std::pow(std::abs(u), 4.0), 0.35) * (0.9 + 0.1 * u);
  if (s < 0.25) return std::nullopt;  // below this the cross-section is not a contourable gland
  return s;
}

double TrusAnatomy::prostate_centre_y(double z_mm) const {
  const double u = (z_mm - 0.5 * (z_apex_mm + z_base_mm)) / (0.5 * (z_base_mm - z_apex_mm));
  return cy_mm + 0.5 * centre_drift_y_mm * u;
}

double TrusAnatomy::prostate_radius(double phi, double scale) const {
  const double c = std::abs(std::cos(phi)) / half_width_mm;
  const double s = std::abs(std::sin(phi)) / half_height_mm;
  double rho = std::pow(std::pow(c, superellipse_n) + std::pow(s, superellipse_n), -1.0 / superellipse_n);
  double deform = 1.0;
  for (size_t k = 0; k < harmonic_amp.size(); ++k)
    deform += harmonic_amp[k] * std::cos(static_cast<double>(k + 2) * phi + harmonic_phase[k]);
  const double sp = std::sin(phi);
  if (sp < 0.0) deform *= 1.0 - posterior_flattening * std::pow(-sp, 4.0);
  return scale * rho * deform;
}

bool TrusAnatomy::in_prostate(double x, double y, double z) const {
  const auto s = prostate_scale(z);
  if (!s) return false;
  const double dx = x - cx_mm, dy = y - prostate_centre_y(z);
  const double rho = std::hypot(dx, dy);
  return rho < prostate_radius(std::atan2(dy, dx), *s);
}

std::array<double, 2> TrusAnatomy::urethra_centre(double z_mm) const {
  return {cx_mm + urethra_dx_mm, prostate_centre_y(z_mm) + urethra_dy_mm};
}

TrusAnatomy random_anatomy(std::uint64_t seed, const SimulationOptions& options) {
  std::string why;
  require(options.validate(&why), why);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 12345u);
  TrusAnatomy a;
  a.half_width_mm = uniform(rng, 15.0, 26.0);
  a.half_height_mm = std::min(uniform(rng, 11.0, 18.5), 0.95 * a.half_width_mm);
  a.superellipse_n = uniform(rng, 2.0, 3.0);
  for (int k = 0; k < 3; ++k) {
    a.harmonic_amp.push_back(uniform(rng, 0.0, 0.06));
    a.harmonic_phase.push_back(uniform(rng, 0.0, 2.0 * kPi));
  }
  a.posterior_flattening = uniform(rng, 0.0, 0.25);
  const double length = uniform(rng, 28.0, 46.0);
  const double z_mid = uniform(rng, -5.0, 5.0);
  a.z_apex_mm = z_mid - 0.5 * length;
  a.z_base_mm = z_mid + 0.5 * length;
  a.centre_drift_y_mm = uniform(rng, -2.0, 4.0);
  a.cx_mm = uniform(rng, -2.5, 2.5);
  a.probe_radius_mm = 10.0;
  a.rectal_wall_mm = uniform(rng, 2.5, 4.5);
  const double gap = uniform(rng, 0.8, 3.0);
  // Place the gland so its posterior surface sits `gap` above the rectal wall.
  const double r_post = a.prostate_radius(-kPi / 2.0, 1.0);
  a.cy_mm = a.probe_radius_mm + a.rectal_wall_mm + gap + r_post;
  // Contrast: usually hypoechoic to the periprostatic tissue, sometimes hyperechoic (both
  // occur, and the real gel phantom is bright on dark): the segmenter must not assume either.
  const double polarity = uniform(rng, 0.0, 1.0);
  a.echo_prostate = polarity < 0.7 ? uniform(rng, 0.25, 0.5) : uniform(rng, 2.2, 4.0);
  a.echo_central = uniform(rng, 0.7, 1.1);
  a.capsule_echo = uniform(rng, 1.0, 2.0);
  a.urethra_dx_mm = uniform(rng, -1.5, 1.5);
  a.urethra_dy_mm = uniform(rng, -1.0, 0.35 * a.half_height_mm);
  a.urethra_radius_mm = uniform(rng, 2.5, 3.5);
  a.foley = options.foley ? *options.foley : uniform(rng, 0.0, 1.0) < 0.5;
  a.bladder_r[0] = uniform(rng, 22.0, 32.0);
  a.bladder_r[1] = uniform(rng, 14.0, 22.0);
  a.bladder_r[2] = uniform(rng, 14.0, 22.0);
  a.bladder_c[0] = a.cx_mm;
  a.bladder_c[1] = a.cy_mm + 0.5 * a.half_height_mm + uniform(rng, 2.0, 8.0);
  a.bladder_c[2] = a.z_base_mm + a.bladder_r[2] * uniform(rng, 0.55, 0.85);
  for (auto& p : a.texture_phase) p = uniform(rng, 0.0, 2.0 * kPi);
  const int n_calc = static_cast<int>(uniform(rng, 0.0, 4.99));
  for (int k = 0; k < n_calc; ++k) {
    for (int tries = 0; tries < 50; ++tries) {
      const double z = uniform(rng, a.z_apex_mm + 4, a.z_base_mm - 4);
      const double x = a.cx_mm + uniform(rng, -0.7, 0.7) * a.half_width_mm;
      const double y = a.prostate_centre_y(z) + uniform(rng, -0.7, 0.7) * a.half_height_mm;
      if (a.in_prostate(x, y, z)) {
        a.calcifications.push_back({x, y, z, uniform(rng, 0.5, 1.3)});
        break;
      }
    }
  }
  ImageQuality& q = a.quality;
  q.gain_dB = uniform(rng, -5.0, 5.0);
  q.dynamic_range_dB = uniform(rng, 45.0, 62.0);
  q.psf_scale = uniform(rng, 0.8, 1.4);
  q.noise_dB = uniform(rng, -40.0, -25.0);
  q.shadow_transmission = uniform(rng, 0.1, 0.4);
  q.frequency_MHz = uniform(rng, 6.0, 8.0);
  if (options.quality) q = *options.quality;  // after the draws: the rest of the anatomy stays the seed's
  // Needles through template holes (multiples of 5 mm) inside the mid-gland section, away from
  // the urethra and the rectal wall.
  std::vector<std::array<double, 2>> holes;
  const double zm = 0.5 * (a.z_apex_mm + a.z_base_mm);
  const auto uc = a.urethra_centre(zm);
  for (int i = -8; i <= 8; ++i)
    for (int j = 0; j <= 14; ++j) {
      const double x = 5.0 * i, y = 5.0 * j;
      const double dx = x - a.cx_mm, dy = y - a.prostate_centre_y(zm);
      const double rho = std::hypot(dx, dy);
      if (rho > a.prostate_radius(std::atan2(dy, dx), 0.8) - 2.0) continue;
      if (std::hypot(x - uc[0], y - uc[1]) < 6.5) continue;
      if (y < a.probe_radius_mm + a.rectal_wall_mm + 3.0) continue;
      holes.push_back({x, y});
    }
  const bool clinical = options.needle_layout == SimulationOptions::NeedleLayout::clinical;
  if (clinical) holes = clinical_holes(a, static_cast<size_t>(options.needle_count));
  else std::shuffle(holes.begin(), holes.end(), rng);
  const size_t n_needles = std::min(holes.size(), static_cast<size_t>(options.needle_count));
  for (size_t k = 0; k < n_needles; ++k) {
    SimNeedle n;
    n.x_mm = holes[k][0];
    n.y_mm = holes[k][1];
    n.slope_x = uniform(rng, -0.02, 0.02);
    n.slope_y = uniform(rng, -0.02, 0.02);
    n.z_entry_mm = a.z_apex_mm - 25.0;
    // A clinician advances every needle to the base; random needles may stop short of it.
    n.z_tip_mm = a.z_base_mm + (clinical ? uniform(rng, 0.0, 2.0) : uniform(rng, -8.0, 1.0));
    a.needles.push_back(n);
  }
  return a;
}

namespace {

// Cached polar -> Cartesian maps for one geometry.
struct ScanMaps {
  ScanGeometry g;
  int width = 0, height = 0;
  double origin_x = 0, origin_y = 0;
  cv::Mat map_line, map_sample;
};

const ScanMaps& scan_maps(const ScanGeometry& g) {
  thread_local ScanMaps cache;
  if (cache.width > 0 && cache.g.r_min_mm == g.r_min_mm && cache.g.r_max_mm == g.r_max_mm &&
      cache.g.half_angle_deg == g.half_angle_deg && cache.g.lines == g.lines && cache.g.dr_mm == g.dr_mm &&
      cache.g.pixel_mm == g.pixel_mm)
    return cache;
  ScanMaps m;
  m.g = g;
  const double half = g.half_angle_deg * kPi / 180.0;
  const double x_ext = g.r_max_mm * std::sin(half);
  m.origin_x = -x_ext;
  m.origin_y = -(g.r_min_mm + 2.0);
  m.width = static_cast<int>(std::ceil(2.0 * x_ext / g.pixel_mm)) + 1;
  m.height = static_cast<int>(std::ceil((g.r_max_mm - m.origin_y) / g.pixel_mm)) + 1;
  m.map_line.create(m.height, m.width, CV_32F);
  m.map_sample.create(m.height, m.width, CV_32F);
  const double dtheta = 2.0 * half / g.lines;
  for (int j = 0; j < m.height; ++j) {
    float* ml = m.map_line.ptr<float>(j);
    float* ms = m.map_sample.ptr<float>(j);
    const double y = m.origin_y + (m.height - 1 - j) * g.pixel_mm;
    for (int i = 0; i < m.width; ++i) {
      const double x = m.origin_x + i * g.pixel_mm;
      const double r = std::hypot(x, y);
      const double th = std::atan2(x, y);
      if (r < g.r_min_mm || r > g.r_max_mm || std::abs(th) > half) {
        ml[i] = -10.0f;
        ms[i] = -10.0f;
      } else {
        ml[i] = static_cast<float>((th + half) / dtheta - 0.5);
        ms[i] = static_cast<float>((r - g.r_min_mm) / g.dr_mm);
      }
    }
  }
  cache = std::move(m);
  return cache;
}

// Separable Gaussian kernel, normalised to unit energy so speckle power is preserved.
std::vector<float> gaussian_kernel(double sigma) {
  const int half = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
  std::vector<float> k(static_cast<size_t>(2 * half + 1));
  double e = 0.0;
  for (int t = -half; t <= half; ++t) {
    const double v = std::exp(-0.5 * t * t / (sigma * sigma));
    k[static_cast<size_t>(t + half)] = static_cast<float>(v);
    e += v * v;
  }
  const float n = static_cast<float>(1.0 / std::sqrt(e));
  for (auto& v : k) v *= n;
  return k;
}

}  // namespace

Frame render_frame(const TrusAnatomy& a, const ScanGeometry& g, double z, std::uint64_t frame_seed) {
  using cf = std::complex<float>;
  const int L = g.lines;
  const int S = static_cast<int>(std::round((g.r_max_mm - g.r_min_mm) / g.dr_mm)) + 1;
  const double half = g.half_angle_deg * kPi / 180.0;
  const double dtheta = 2.0 * half / L;
  const ImageQuality& q = a.quality;
  std::mt19937_64 rng(frame_seed);
  std::normal_distribution<float> normal(0.0f, 0.70710678f);

  std::vector<NeedleAtZ> needles;
  for (const auto& n : a.needles)
    if (z <= n.z_tip_mm && z >= n.z_entry_mm)
      needles.push_back({n.x_mm + n.slope_x * (z - n.z_entry_mm), n.y_mm + n.slope_y * (z - n.z_entry_mm)});
  std::vector<std::array<double, 3>> calcs;  // x, y, radius in this plane
  for (const auto& c : a.calcifications) {
    const double dz = z - c[2];
    if (std::abs(dz) < c[3]) calcs.push_back({c[0], c[1], std::sqrt(c[3] * c[3] - dz * dz)});
  }
  const auto pscale = a.prostate_scale(z);
  const double pcy = a.prostate_centre_y(z);
  const auto uc = a.urethra_centre(z);
  const bool urethra_here = pscale.has_value();
  const double foley_r = 2.8, foley_wall = 0.5;
  const double needle_r = 0.65;
  const double f = q.frequency_MHz;

  std::vector<cf> field(static_cast<size_t>(L) * static_cast<size_t>(S));
  for (int l = 0; l < L; ++l) {
    const double th = -half + (l + 0.5) * dtheta;
    const double st = std::sin(th), ct = std::cos(th);
    double atten_dB = 0.0;      // extra round-trip loss relative to the TGC's 0.5 dB/cm/MHz
    double transmission = 1.0;  // intensity passing specular reflectors so far
    std::vector<char> needle_hit(needles.size(), 0), calc_hit(calcs.size(), 0);
    bool foley_hit = false;
    std::vector<std::pair<int, float>> tails;  // (sample, amplitude) reverberation echoes
    cf* line = &field[static_cast<size_t>(l) * static_cast<size_t>(S)];
    for (int s = 0; s < S; ++s) {
      const double r = g.r_min_mm + s * g.dr_mm;
      const double x = r * st, y = r * ct;
      double echo = texture(a, x, y, z);
      double alpha = 0.5;  // dB/cm/MHz
      double specular = 0.0;
      const double wall = a.rectal_wall_mm * (1.0 + 0.08 * std::sin(2.0 * th + a.texture_phase[0]));
      if (r < a.probe_radius_mm + wall) {
        const double d = (r - a.probe_radius_mm) / wall;
        echo = d < 0.2 ? 4.0 : (d < 0.6 ? 0.5 : 2.5);  // mucosa interface, muscularis, outer layer
      } else if (pscale && std::hypot(x - a.cx_mm, y - pcy) < a.prostate_radius(std::atan2(y - pcy, x - a.cx_mm), *pscale)) {
        const double rho = std::hypot(x - a.cx_mm, y - pcy);
        const double R = a.prostate_radius(std::atan2(y - pcy, x - a.cx_mm), *pscale);
        echo = a.echo_prostate * (rho < 0.55 * R ? a.echo_central : 1.0) * (0.9 + 0.1 * echo);
        if (R - rho < 0.8) echo *= a.capsule_echo;
        alpha = 0.6;
      } else {
        const double bx = (x - a.bladder_c[0]) / a.bladder_r[0], by = (y - a.bladder_c[1]) / a.bladder_r[1],
                     bz = (z - a.bladder_c[2]) / a.bladder_r[2];
        if (bx * bx + by * by + bz * bz < 1.0) {
          echo = 0.0005;  // urine: anechoic
          alpha = 0.05;  // urine barely attenuates: posterior enhancement behind the bladder
        }
      }
      if (urethra_here) {
        const double du = std::hypot(x - uc[0], y - uc[1]);
        if (a.foley) {
          if (du < foley_r + foley_wall) {
            if (du >= foley_r) {
              if (!foley_hit) specular = 12.0;
              foley_hit = true;
              echo = 6.0;
            } else {
              echo = 0.01;
            }
          }
        } else if (du < a.urethra_radius_mm) {
          echo *= 0.35;
        }
      }
      for (size_t k = 0; k < calcs.size(); ++k) {
        if (std::hypot(x - calcs[k][0], y - calcs[k][1]) < calcs[k][2]) {
          if (!calc_hit[k]) specular = std::max(specular, 25.0);
          calc_hit[k] = 1;
          echo = 20.0;
        } else if (calc_hit[k] == 1) {
          calc_hit[k] = 2;
          transmission *= q.shadow_transmission;
        }
      }
      for (size_t k = 0; k < needles.size(); ++k) {
        if (std::hypot(x - needles[k].x, y - needles[k].y) < needle_r) {
          if (!needle_hit[k]) {
            specular = std::max(specular, 30.0);
            // Reverberation inside the metal needle: echoes every ~1.1 mm, decaying.
            float amp = 30.0f * 0.55f;
            for (int t = 1; t <= 6; ++t) {
              tails.push_back({s + static_cast<int>(std::round(t * 1.1 / g.dr_mm)), amp});
              amp *= 0.6f;
            }
          }
          needle_hit[k] = 1;
          echo = 0.0;
        } else if (needle_hit[k] == 1) {
          needle_hit[k] = 2;
          transmission *= 0.45;
        }
      }
      atten_dB += 2.0 * (alpha - 0.5) * f * g.dr_mm / 10.0;
      const double amp = std::sqrt(std::max(echo, 0.0) * transmission * std::pow(10.0, -atten_dB / 10.0));
      cf v(normal(rng) * static_cast<float>(amp), normal(rng) * static_cast<float>(amp));
      if (specular > 0.0) v += cf(static_cast<float>(specular * std::sqrt(transmission)), 0.0f);
      for (const auto& t : tails)
        if (t.first == s) v += cf(t.second * static_cast<float>(std::sqrt(transmission)), 0.0f);
      line[s] = v;
    }
  }
  // PSF: axial along each line, lateral across lines with a width that grows off focus.
  std::vector<cf> tmp(field.size());
  const auto kax = gaussian_kernel(0.25 * q.psf_scale / g.dr_mm);
  const int hax = static_cast<int>(kax.size() / 2);
  for (int l = 0; l < L; ++l) {
    const cf* in = &field[static_cast<size_t>(l) * static_cast<size_t>(S)];
    cf* out = &tmp[static_cast<size_t>(l) * static_cast<size_t>(S)];
    for (int s = 0; s < S; ++s) {
      cf acc(0.0f, 0.0f);
      for (int t = -hax; t <= hax; ++t) {
        const int u = s + t;
        if (u >= 0 && u < S) acc += in[u] * kax[static_cast<size_t>(t + hax)];
      }
      out[s] = acc;
    }
  }
  std::normal_distribution<float> noise(0.0f, static_cast<float>(std::sqrt(0.5 * std::pow(10.0, q.noise_dB / 10.0))));
  const double ref_dB = 0.57 * q.dynamic_range_dB;  // unit-power tissue shows mid-grey
  cv::Mat polar(S, L, CV_32F);
  for (int s = 0; s < S; ++s) {
    const double r = g.r_min_mm + s * g.dr_mm;
    const double lat_mm = q.psf_scale * (0.45 + 0.02 * std::abs(r - 30.0));
    const auto klat = gaussian_kernel(std::max(0.3, lat_mm / (r * dtheta)));
    const int hl = static_cast<int>(klat.size() / 2);
    float* prow = polar.ptr<float>(s);
    for (int l = 0; l < L; ++l) {
      cf acc(0.0f, 0.0f);
      for (int t = -hl; t <= hl; ++t) {
        const int u = l + t;
        if (u >= 0 && u < L) acc += tmp[static_cast<size_t>(u) * static_cast<size_t>(S) + static_cast<size_t>(s)] * klat[static_cast<size_t>(t + hl)];
      }
      acc += cf(noise(rng), noise(rng));
      const double power = static_cast<double>(std::norm(acc)) + 1e-12;
      const double dB = 10.0 * std::log10(power) + q.gain_dB;
      prow[l] = static_cast<float>(std::clamp(255.0 * (dB - (ref_dB - q.dynamic_range_dB)) / q.dynamic_range_dB, 0.0, 255.0));
    }
  }
  const ScanMaps& maps = scan_maps(g);
  cv::Mat out;
  cv::remap(polar, out, maps.map_line, maps.map_sample, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat out8;
  out.convertTo(out8, CV_8U);
  Frame frame;
  frame.image = to_gray_image(out8, {g.pixel_mm, g.pixel_mm}, {maps.origin_x, maps.origin_y});
  frame.z_mm = z;
  return frame;
}

std::vector<formats::Structure> truth_structures(const TrusAnatomy& a, const std::vector<double>& zs) {
  using formats::Structure;
  Structure prostate{"prostate", formats::StructureKind::target, {}};
  Structure urethra{"urethra", formats::StructureKind::organ_at_risk, {}};
  Structure rectum{"rectum", formats::StructureKind::organ_at_risk, {}};
  Structure bladder{"bladder", formats::StructureKind::organ_at_risk, {}};
  std::vector<double> sorted = zs;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (double z : sorted) {
    if (const auto s = a.prostate_scale(z)) {
      formats::ContourSlice c{z, {}};
      const double cy = a.prostate_centre_y(z);
      for (int k = 0; k < 72; ++k) {
        const double phi = 2.0 * kPi * k / 72.0;
        const double R = a.prostate_radius(phi, *s);
        c.points_mm.push_back({a.cx_mm + R * std::cos(phi), cy + R * std::sin(phi)});
      }
      prostate.slices.push_back(c);
      formats::ContourSlice u{z, {}};
      const auto uc = a.urethra_centre(z);
      const double ur = a.foley ? 3.3 : a.urethra_radius_mm;
      for (int k = 0; k < 24; ++k) {
        const double phi = 2.0 * kPi * k / 24.0;
        u.points_mm.push_back({uc[0] + ur * std::cos(phi), uc[1] + ur * std::sin(phi)});
      }
      urethra.slices.push_back(u);
    }
    formats::ContourSlice rc{z, {}};
    const double rr = a.probe_radius_mm + a.rectal_wall_mm;
    for (int k = 0; k < 36; ++k) {
      const double phi = 2.0 * kPi * k / 36.0;
      rc.points_mm.push_back({rr * std::cos(phi), rr * std::sin(phi)});
    }
    rectum.slices.push_back(rc);
    const double bz = (z - a.bladder_c[2]) / a.bladder_r[2];
    if (bz * bz < 0.95) {
      const double k2 = std::sqrt(1.0 - bz * bz);
      formats::ContourSlice b{z, {}};
      for (int k = 0; k < 48; ++k) {
        const double phi = 2.0 * kPi * k / 48.0;
        b.points_mm.push_back({a.bladder_c[0] + k2 * a.bladder_r[0] * std::cos(phi), a.bladder_c[1] + k2 * a.bladder_r[1] * std::sin(phi)});
      }
      bladder.slices.push_back(b);
    }
  }
  std::vector<Structure> out;
  for (auto* s : {&prostate, &urethra, &rectum, &bladder})
    if (!s->slices.empty()) out.push_back(std::move(*s));
  return out;
}

std::vector<formats::Catheter> truth_catheters(const TrusAnatomy& a) {
  std::vector<formats::Catheter> out;
  int id = 1;
  for (const auto& n : a.needles) {
    const double dz = n.z_tip_mm - n.z_entry_mm;
    out.push_back({id++, {{n.x_mm + n.slope_x * dz, n.y_mm + n.slope_y * dz, n.z_tip_mm}, {n.x_mm, n.y_mm, n.z_entry_mm}}});
  }
  return out;
}

SimulatedSweep simulate_sweep(std::uint64_t seed, const SimulationOptions& options) {
  SimulatedSweep out;
  out.anatomy = random_anatomy(seed, options);
  const TrusAnatomy& a = out.anatomy;
  std::mt19937_64 rng(seed ^ 0xA5A5A5A5ULL);
  const double dz = options.frame_spacing_mm ? *options.frame_spacing_mm : 0.5 * std::round(2.0 * uniform(rng, 2.0, 5.0));
  ScanGeometry g;
  g.pixel_mm = options.pixel_spacing_mm ? *options.pixel_spacing_mm : 0.05 * std::round(20.0 * uniform(rng, 0.2, 0.3));
  const double z0 = a.z_apex_mm - dz * uniform(rng, 0.4, 1.4);
  int n = options.frame_count ? *options.frame_count : static_cast<int>(std::floor((a.z_base_mm + dz * uniform(rng, 0.4, 1.4) - z0) / dz)) + 1;
  std::vector<double> zs;
  for (int k = 0; k < n; ++k) {
    const double z = z0 + k * dz;
    Frame f = render_frame(a, g, z, seed * 1000003ULL + static_cast<std::uint64_t>(k));
    f.timestamp_s = k * 0.5;
    zs.push_back(z);
    out.sweep.frames.push_back(std::move(f));
  }
  out.truth_structures = truth_structures(a, zs);
  out.truth_catheters = truth_catheters(a);
  return out;
}

LiveProbe::LiveProbe(std::uint64_t seed, const SimulationOptions& options, double stepper_speed_mm_s)
    : anatomy_(random_anatomy(seed, options)), speed_mm_s_(stepper_speed_mm_s) {
  require(stepper_speed_mm_s > 0.0 && stepper_speed_mm_s < 100.0, "LiveProbe: stepper speed must be in (0, 100) mm/s");
  worker_ = std::thread([this] { run(); });
}

LiveProbe::~LiveProbe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::optional<Frame> LiveProbe::next_frame() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Frame> f = std::move(latest_);
  latest_.reset();
  return f;
}

void LiveProbe::run() {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const double z_lo = anatomy_.z_apex_mm - 5.0, z_hi = anatomy_.z_base_mm + 5.0;
  const double span = z_hi - z_lo;
  std::uint64_t k = 0;
  const auto period = std::chrono::milliseconds(33);  // ~30 frames per second, like a scanner
  auto next = clock::now();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
    }
    next += period;
    const double t_s = std::chrono::duration<double>(clock::now() - start).count();
    // Triangle wave: the stepper goes apex -> base -> apex.
    const double phase = std::fmod(t_s * speed_mm_s_, 2.0 * span);
    const double z = z_lo + (phase < span ? phase : 2.0 * span - phase);
    Frame f = render_frame(anatomy_, geometry_, z, 0xC0FFEEULL + k++);
    f.timestamp_s = t_s;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      latest_ = std::move(f);
    }
    rendered_.fetch_add(1);
    if (clock::now() > next) next = clock::now();  // rendering slower than 30 fps: don't pile up
  }
}

}  // namespace hdr::imaging
