// Needles across a sweep (needles.hpp, detect_needles): the frames' echoes grouped at the
// template's holes, a straight line fitted to each group, and a needle reported where the line
// is seen on a run of frames from the entry side, or sparsely along a straight line.
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "planner/common/error.hpp"
#include "planner/imaging/needles.hpp"

namespace hdr::imaging {

EchoRefusal tracking_refusal(const Echo& e, const NeedleOptions& o) {
  if (e.width_mm > o.max_width_mm) return EchoRefusal::too_wide;
  if (e.behind_ratio < o.lumen_ratio || e.behind_stronger) return EchoRefusal::lumen_or_tail;
  const int i = static_cast<int>(std::lround(e.x_mm / o.grid_mm)), j = static_cast<int>(std::lround(e.y_mm / o.grid_mm));
  if (std::hypot(e.x_mm - i * o.grid_mm, e.y_mm - j * o.grid_mm) > o.grid_tolerance_mm) return EchoRefusal::off_grid;
  if (std::abs(i * o.grid_mm) > o.template_half_width_mm + 1e-9) return EchoRefusal::outside_template;  // no template hole there
  return EchoRefusal::none;
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
    const auto echoes = find_needle_echoes(sweep.frames[k].image, o);
    if (report) report->echoes_per_frame.push_back(static_cast<int>(echoes.size()));
    const size_t zi = static_cast<size_t>(std::lower_bound(zs.begin(), zs.end(), sweep.frames[k].z_mm - 1e-6) - zs.begin());
    for (const auto& e : echoes) {
      if (tracking_refusal(e, o) != EchoRefusal::none) continue;
      const int i = static_cast<int>(std::lround(e.x_mm / o.grid_mm)), j = static_cast<int>(std::lround(e.y_mm / o.grid_mm));
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
    bool accept = static_cast<int>(best_len) >= std::max(o.min_frames, static_cast<int>(zs.size() / 4)) && best_a <= zs.size() / 3;
    if (!accept) {
      // Or, sparser: first seen in the first third, on at least min_frames + 1 frames and a
      // quarter of the sweep's, on min_sighting_share of the frames from its first sighting to
      // its last, and straight: its sightings within max_sparse_rms_mm of the fitted line. In a
      // bright gland on a bright display a needle shows on about half its frames, with gaps
      // longer than the run above bridges.
      size_t first = zs.size(), last = 0;
      int sightings = 0;
      for (size_t a = 0; a < zs.size(); ++a) {
        if (!seen[a]) continue;
        first = std::min(first, a);
        last = a;
        ++sightings;
      }
      double sum_sq_mm2 = 0;
      for (const auto& p : in) sum_sq_mm2 += std::pow(std::hypot(p.x - (ax + bx * p.z), p.y - (ay + by * p.z)), 2);
      const double rms_mm = in.empty() ? 0.0 : std::sqrt(sum_sq_mm2 / static_cast<double>(in.size()));
      if (sightings >= std::max(o.min_frames + 1, static_cast<int>(zs.size() / 4)) && first <= zs.size() / 3 &&
          sightings >= o.min_sighting_share * static_cast<double>(last - first + 1) && rms_mm <= o.max_sparse_rms_mm) {
        accept = true;
        best_a = first;
        best_b = last;
      }
    }
    if (!accept) continue;
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
