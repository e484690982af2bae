#include "planner/imaging/segment_urethra.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace hdr::imaging::seg {
namespace {
constexpr double kPi = std::numbers::pi;
}  // namespace

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

}  // namespace hdr::imaging::seg
