#include "planner/imaging/segment_contour.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hdr::imaging::seg {

namespace {

constexpr double kPi = std::numbers::pi;

// Catheters are implanted in the gland: a contour passing inside a needle echo pays this much
// per ray (about a strong edge's worth, so that a needle row cannot pose as the boundary).
constexpr double kNeedleInsideCost = 2.0;
// A frame's contour stays within these shares of its prior's radius, ray by ray.
constexpr double kMinShareOfPrior = 0.35, kMaxShareOfPrior = 1.8;
// Along a ray, this much fluid is the bladder or a cyst, not speckle (kFluidRun_mm), unless it
// starts near the centre and closes within kFluidPocket_mm (a small cyst, the urethra's lumen).
constexpr double kFluidRun_mm = 5.0, kFluidPocket_mm = 10.0;

}  // namespace

std::vector<double> needle_floor(const Prepared& p, size_t k, double cx, double cy, int N, double margin_mm,
                                 const std::vector<double>* held_by) {
  std::vector<double> f(static_cast<size_t>(N), 0.0);
  for (const auto& e : p.needles[k]) {
    const double dx = e[0] - cx, dy = e[1] - cy, rho = std::hypot(dx, dy);
    if (rho < 1.0) continue;
    const double phi = std::atan2(dy, dx), half = std::atan2(1.0, rho);
    if (held_by && rho > (*held_by)[static_cast<size_t>(std::lround(phi / (2 * kPi) * N + N)) % static_cast<size_t>(N)]) continue;
    for (int t = 0; t < N; ++t) {
      const double th = 2 * kPi * t / N;
      if (std::abs(std::remainder(th - phi, 2 * kPi)) <= half + kPi / N) f[static_cast<size_t>(t)] = std::max(f[static_cast<size_t>(t)], rho + margin_mm);
    }
  }
  return f;
}

std::vector<double> raise_floor_to_disc(std::vector<double> floor, double cx, double cy, const std::array<double, 2>& centre, double radius_mm) {
  const int N = static_cast<int>(floor.size());
  const double dx = centre[0] - cx, dy = centre[1] - cy, d2 = dx * dx + dy * dy;
  for (int t = 0; t < N; ++t) {
    const double th = 2 * kPi * t / N, along = dx * std::cos(th) + dy * std::sin(th);
    const double disc = radius_mm * radius_mm - (d2 - along * along);  // |(cx, cy) + s u - centre| = R
    if (disc < 0) continue;
    const double exit = along + std::sqrt(disc);
    if (exit > 0) floor[static_cast<size_t>(t)] = std::max(floor[static_cast<size_t>(t)], exit);
  }
  return floor;
}

// Closed contour by dynamic programming over polar rays about (cx, cy). Returns radii.
std::vector<double> polar_dp(const Prepared& p, size_t fi, double cx, double cy, const std::vector<double>& prior,
                             double prior_weight, double r_lo, double r_hi, int sign, double rectum_r,
                             double fluid_below, const std::vector<double>* cap, const std::vector<double>* floor) {
  const WorkingGrid& g = p.grids[fi];
  const int N = static_cast<int>(prior.size());
  const double dr = 0.5, delta = 1.5;
  const int M = std::max(2, static_cast<int>((r_hi - r_lo) / dr) + 1);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> cost(static_cast<size_t>(N) * static_cast<size_t>(M));
  for (int k = 0; k < N; ++k) {
    const double th = 2 * kPi * k / N, ux = std::cos(th), uy = std::sin(th);
    // Anechoic fluid (the bladder at the base, a cyst) is never inside the gland: along the ray,
    // the contour stops where the first 5 mm run of fluid begins. A run that begins inside the
    // smallest radius the prior allows and closes within kFluidPocket_mm is a pocket inside the
    // gland (a cyst, a dark urethral lumen), not the bladder: it is passed over. Otherwise it
    // would leave the ray no admissible radius, which collapses the whole frame to r_lo (every
    // closed contour infinitely costly), and the caller reads that as "no gland here": right
    // with the bladder about the centre, wrong for a pocket.
    const double rp0 = prior[static_cast<size_t>(k)], r_min = kMinShareOfPrior * rp0;
    double fluid_cap = std::numeric_limits<double>::infinity();
    if (std::isfinite(fluid_below)) {
      int run = 0;
      double run_start = 0;
      for (int j = 0; j < M; ++j) {
        const double r = r_lo + j * dr, x = cx + r * ux, y = cy + r * uy;
        if (!g.inside(x, y)) break;
        if (!is_fluid(p, fi, x, y, static_cast<double>(g.sample(x, y)), fluid_below)) {
          run = 0;
          continue;
        }
        if (run++ == 0) run_start = r;
        const double length = run * dr;
        if (length >= kFluidRun_mm && (run_start >= r_min || length >= kFluidPocket_mm)) {
          fluid_cap = std::max(r_lo + dr, run_start);
          break;
        }
      }
      if (!std::isfinite(fluid_cap) && run * dr >= kFluidRun_mm) fluid_cap = std::max(r_lo + dr, run_start);  // the image ends in it
    }
    for (int j = 0; j < M; ++j) {
      const double r = r_lo + j * dr;
      double c;
      // The gland lies outside the rectal wall (and inside the image).
      if (!g.inside(cx + r * ux, cy + r * uy) || r < r_min || r > kMaxShareOfPrior * rp0 + 2.0 || (cap && r > (*cap)[static_cast<size_t>(k)]) || r > fluid_cap || std::hypot(cx + r * ux, cy + r * uy) < rectum_r) c = inf;
      else if (!in_mask(g, p.mask, cx + (r + delta) * ux, cy + (r + delta) * uy) || !in_mask(g, p.mask, cx + (r - delta) * ux, cy + (r - delta) * uy))
        c = 0.3;  // no evidence outside the imaged region
      else {
        const double gout = static_cast<double>(g.sample(cx + (r + delta) * ux, cy + (r + delta) * uy));
        const double gin = static_cast<double>(g.sample(cx + (r - delta) * ux, cy + (r - delta) * uy));
        c = std::clamp(-sign * (gout - gin) / p.scale, -3.0, 3.0);
        // Anechoic fluid (bladder, cysts) far darker than the gland's interior is never gland:
        // a boundary just outside gland-like tissue is an edge whatever the polarity, and a
        // contour whose inside band is fluid is wrong.
        if (is_fluid(p, fi, cx + (r - delta) * ux, cy + (r - delta) * uy, gin, fluid_below)) c += 6.0;
        else if (is_fluid(p, fi, cx + (r + delta) * ux, cy + (r + delta) * uy, gout, fluid_below)) c = -std::min(std::abs(gout - gin) / p.scale, 3.0);
      }
      if (floor && r < (*floor)[static_cast<size_t>(k)]) c += kNeedleInsideCost;
      const double dev = (r - rp0) / (0.3 * rp0);
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
double boundary_contrast(const Prepared& p, size_t k_frame, double cx, double cy, const std::vector<double>& r, int sign,
                         double fluid_below, bool tissue_only) {
  const WorkingGrid& g = p.grids[k_frame];
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
    const bool fluid_outside = is_fluid(p, k_frame, cx + (R + 2.0) * ux, cy + (R + 2.0) * uy, out / 3.0, fluid_below);
    if (tissue_only && fluid_outside) continue;
    sum += fluid_outside ? std::abs(out - in) / 3.0 : sign * (out - in) / 3.0;  // fluid outside: an edge either way
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

}  // namespace hdr::imaging::seg
