#include "planner/optimize/dose_points.hpp"

#include <algorithm>
#include <cmath>

#include "planner/anatomy/random.hpp"
#include "planner/anatomy/sampling.hpp"
#include "planner/common/error.hpp"

namespace hdr::optimize {

const char* to_string(PointGroup g) {
  switch (g) {
    case PointGroup::target_surface: return "target_surface";
    case PointGroup::target_volume: return "target_volume";
    case PointGroup::boost: return "boost";
    case PointGroup::urethra: return "urethra";
    case PointGroup::rectum: return "rectum";
    case PointGroup::bladder: return "bladder";
    case PointGroup::other_organ: return "other_organ";
    case PointGroup::normal_tissue: return "normal_tissue";
  }
  return "?";
}

void PointDensity::validate() const {
  const std::pair<const char*, double> fields[] = {
      {"target_surface_mm", target_surface_mm}, {"target_volume_mm", target_volume_mm}, {"boost_mm", boost_mm},
      {"urethra_mm", urethra_mm}, {"organ_surface_mm", organ_surface_mm}, {"organ_volume_mm", organ_volume_mm},
      {"normal_tissue_mm", normal_tissue_mm}};
  for (const auto& [f, v] : fields)
    require(std::isfinite(v) && v > 0.2, std::string("PointDensity::") + f + " = " + std::to_string(v) + ": must be > 0.2 mm");
  require(std::isfinite(organ_region_mm) && organ_region_mm >= 0,
          "PointDensity::organ_region_mm = " + std::to_string(organ_region_mm) + ": must be >= 0");
}

size_t DosePoints::count(PointGroup g) const { return static_cast<size_t>(std::count(group.begin(), group.end(), g)); }

namespace {

struct Builder {
  DosePoints out;
  double rx2;
  void add(const std::vector<anatomy::Point3>& pts, PointGroup g, double min_Gy, double w_min, double max_Gy,
           double w_max, const anatomy::Box3* region = nullptr) {
    std::vector<anatomy::Point3> kept;
    for (const auto& p : pts) {
      if (region && (p[0] < region->min_mm[0] || p[0] > region->max_mm[0] || p[1] < region->min_mm[1] ||
                     p[1] > region->max_mm[1] || p[2] < region->min_mm[2] || p[2] > region->max_mm[2]))
        continue;
      kept.push_back(p);
    }
    if (kept.empty()) return;
    const double n = static_cast<double>(kept.size());
    for (const auto& p : kept) {
      out.points.push_back(p[0], p[1], p[2]);
      out.min_Gy.push_back(static_cast<float>(min_Gy));
      out.max_Gy.push_back(static_cast<float>(max_Gy));
      out.w_min.push_back(static_cast<float>(w_min / n / rx2));
      out.w_max.push_back(static_cast<float>(w_max / n / rx2));
      out.group.push_back(g);
    }
  }
};

// Distance from p to the target's solid (0 inside), as in dwell activation.
double distance_to_target_mm(const anatomy::StructureGeometry& t, double x, double y, double z) {
  if (t.contains(x, y, z)) return 0.0;
  double best = 1e300;
  for (const auto& slab : t.slabs()) {
    const double dz = z < slab.z_lo_mm ? slab.z_lo_mm - z : (z > slab.z_hi_mm ? z - slab.z_hi_mm : 0.0);
    if (dz >= best) continue;
    const double dxy = slab.polygon.contains(x, y) ? 0.0 : slab.polygon.distance_to_boundary_mm(x, y);
    best = std::min(best, std::hypot(dz, dxy));
  }
  return best;
}

}  // namespace

DosePoints build_dose_points(const Roles& roles, const Protocol& protocol, double rx_Gy, const PointDensity& d,
                             uint64_t seed, const GroupScale& sc) {
  d.validate();
  require(std::isfinite(rx_Gy) && rx_Gy > 0, "prescription dose_Gy = " + std::to_string(rx_Gy) + ": must be > 0");
  const Objectives& o = protocol.objectives;
  Builder b{DosePoints{}, rx_Gy * rx_Gy};
  auto gi = [](PointGroup g) { return static_cast<int>(g); };
  auto Gy = [&](double pct, PointGroup g) { return rx_Gy * pct / 100.0 * sc.max_pct_factor[gi(g)]; };
  const auto& T = *roles.target;
  using G = PointGroup;
  // Target: surface points carry the coverage (cold spots live at the surface) and a tighter
  // hot limit; volume points carry coverage and the V150 hot limit. The adaptive loop scales
  // the hot side's weights (sc.w) and the coverage level (sc.min_pct_factor), never the
  // coverage weight: raising both at once only squeezed the plan between them.
  auto min_Gy = [&](double pct, PointGroup g) { return rx_Gy * pct / 100.0 * sc.min_pct_factor[gi(g)]; };
  b.add(anatomy::sample_surface_points(T, d.target_surface_mm, seed + 1), G::target_surface, min_Gy(o.target_min_pct, G::target_surface),
        o.target_weight_min, Gy(o.target_surface_max_pct, G::target_surface),
        o.target_weight_max * sc.w[gi(G::target_surface)]);
  b.add(anatomy::sample_volume_points(T, d.target_volume_mm, seed + 2), G::target_volume, min_Gy(o.target_min_pct, G::target_volume),
        o.target_weight_min, Gy(o.target_max_pct, G::target_volume),
        o.target_weight_max * sc.w[gi(G::target_volume)]);
  // The target's coverage and hot limits as dose-volume rules: the per-point hinges of the
  // blocks just added move into rules with their exemptions.
  {
    const size_t surf_end = b.out.count(G::target_surface);
    const size_t vol_end = b.out.size();
    auto as_rule = [&](size_t begin, size_t end, bool is_min, double exempt) {
      const size_t i = begin;
      DvRule r;
      r.begin = begin, r.end = end, r.is_min = is_min, r.exempt_fraction = exempt;
      r.level_Gy = is_min ? b.out.min_Gy[i] : b.out.max_Gy[i];
      r.weight = is_min ? b.out.w_min[i] : b.out.w_max[i];
      for (size_t k = begin; k < end; ++k) (is_min ? b.out.w_min[k] : b.out.w_max[k]) = 0;
      b.out.dv_rules.push_back(r);
    };
    HDR_ASSERT(surf_end > 0 && vol_end > surf_end, "target surface and volume points are contiguous blocks");
    as_rule(0, surf_end, true, o.target_cold_fraction_surface);
    as_rule(surf_end, vol_end, true, o.target_cold_fraction_volume);
    // Hot fractions from the protocol's own V150 / V200 limits on the target when it has them
    // (monotherapy: 35 %, 11 %), so the rules sit under the limits the plan is judged by.
    double hot_fraction = o.target_hot_fraction, v200_fraction = o.v200_hot_fraction;
    for (const auto& k : protocol.constraints) {
      if (k.structure != "prostate" || !k.is_max || k.spec.kind != MetricKind::v_pct) continue;
      if (k.spec.x == o.target_max_pct) hot_fraction = std::clamp((k.limit_pct - o.hot_margin_pp) / 100.0, 0.0, 0.9);
      if (k.spec.x == o.v200_pct) v200_fraction = std::clamp((k.limit_pct - o.v200_margin_pp) / 100.0, 0.0, 0.9);
    }
    hot_fraction = std::clamp(hot_fraction + sc.hot_fraction_shift, 0.0, 0.9);
    v200_fraction = std::clamp(v200_fraction + sc.v200_fraction_shift, 0.0, 0.9);
    as_rule(surf_end, vol_end, false, hot_fraction);
    DvRule v200;
    v200.begin = surf_end, v200.end = vol_end, v200.is_min = false, v200.exempt_fraction = v200_fraction;
    v200.level_Gy = static_cast<float>(Gy(o.v200_pct, G::target_volume));
    v200.weight = static_cast<float>(o.v200_weight_factor * o.target_weight_max * sc.w[gi(G::target_volume)] /
                                     static_cast<double>(vol_end - surf_end) / (rx_Gy * rx_Gy));
    b.out.dv_rules.push_back(v200);
  }
  for (size_t k = 0; k < roles.boosts.size(); ++k)
    b.add(anatomy::sample_volume_points(*roles.boosts[k], d.boost_mm, seed + 10 + k), G::boost,
          min_Gy(o.boost_min_pct, G::boost), o.boost_weight_min * sc.w[gi(G::boost)], 0, 0);
  anatomy::Box3 region = T.bounds();
  for (int a = 0; a < 3; ++a) {
    region.min_mm[a] -= d.organ_region_mm;
    region.max_mm[a] += d.organ_region_mm;
  }
  // Organs: a hinge at the objective's level on every point (surface and volume, near the
  // target), and the protocol's own limits on that organ (matched by role name) as dose-volume
  // rules planned upper_limit_margin_pct under, with organ_limit_weight × the organ's weight:
  // a limit on the hottest x % or x cc exempts that many of the hottest points (a point stands
  // for h³ of the organ, h its volume sampling), Dmax exempts none. The flat hinge alone left
  // the few hottest points, which decide D0.1cc and D10, no stronger pull than any other
  // (20 phantom seeds: rectum D0.1cc and urethra D10 missed by 0.2-0.7 Gy).
  auto organ = [&](const anatomy::StructureGeometry* s, const std::string& role, G g, double max_pct, double w,
                   double vol_mm, double surf_mm, uint64_t sd) {
    if (!s) return;
    const double w_g = w * sc.w[gi(g)];
    std::vector<anatomy::Point3> pts = anatomy::sample_surface_points(*s, surf_mm, sd);
    const auto vol = anatomy::sample_volume_points(*s, vol_mm, sd + 1);
    pts.insert(pts.end(), vol.begin(), vol.end());
    const size_t first = b.out.size();
    b.add(pts, g, 0, 0, Gy(max_pct, g), w_g, &region);
    const size_t end = b.out.size();
    if (end == first) return;
    const double n = static_cast<double>(end - first);
    const double point_mm3 = vol_mm * vol_mm * vol_mm;
    for (const auto& k : protocol.constraints) {
      if (k.structure != role || !k.is_max) continue;
      double exempt_mm3 = 0;
      if (k.spec.kind == MetricKind::d_pct) exempt_mm3 = k.spec.x / 100.0 * s->volume_cc() * 1000.0;
      else if (k.spec.kind == MetricKind::d_cc) exempt_mm3 = k.spec.x * 1000.0;
      else if (k.spec.kind != MetricKind::d_max) continue;
      DvRule r;
      r.begin = first, r.end = end, r.is_min = false;
      r.exempt_fraction = std::clamp(exempt_mm3 / point_mm3 / n, 0.0, 0.9);
      r.level_Gy = static_cast<float>(Gy(k.limit_pct * (1.0 - protocol.upper_limit_margin_pct / 100.0), g));
      r.weight = static_cast<float>(o.organ_limit_weight * w_g / n / (rx_Gy * rx_Gy));
      b.out.dv_rules.push_back(r);
    }
  };
  organ(roles.urethra, "urethra", G::urethra, o.urethra_max_pct, o.urethra_weight_max, d.urethra_mm, d.urethra_mm, seed + 20);
  organ(roles.rectum, "rectum", G::rectum, o.rectum_max_pct, o.rectum_weight_max, d.organ_volume_mm, d.organ_surface_mm, seed + 30);
  organ(roles.bladder, "bladder", G::bladder, o.bladder_max_pct, o.bladder_weight_max, d.organ_volume_mm, d.organ_surface_mm,
        seed + 40);
  for (size_t k = 0; k < roles.other_organs.size(); ++k)
    organ(roles.other_organs[k], roles.other_organs[k]->name(), G::other_organ, o.other_organ_max_pct,
          o.other_organ_weight_max, d.organ_volume_mm, d.organ_surface_mm, seed + 50 + k);

  // Normal tissue: a shell around the target outside every organ, with a maximum dose that
  // falls off with distance (conformity, HIPO's "normal tissue" objective).
  {
    anatomy::SplitMix64 rng(seed + 99);
    const anatomy::Box3 tb = T.bounds();
    const double h = d.normal_tissue_mm, shell = o.normal_shell_mm;
    int n[3];
    for (int a = 0; a < 3; ++a) n[a] = static_cast<int>(std::ceil((tb.max_mm[a] - tb.min_mm[a] + 2 * shell) / h));
    std::vector<anatomy::Point3> pts;
    std::vector<double> limit;
    for (int k = 0; k < n[2]; ++k)
      for (int j = 0; j < n[1]; ++j)
        for (int i = 0; i < n[0]; ++i) {
          const double x = tb.min_mm[0] - shell + (i + rng.uniform()) * h;
          const double y = tb.min_mm[1] - shell + (j + rng.uniform()) * h;
          const double z = tb.min_mm[2] - shell + (k + rng.uniform()) * h;
          const double dist = distance_to_target_mm(T, x, y, z);
          if (dist < 1.0 || dist > shell) continue;
          bool in_organ = false;
          for (const auto* s : {roles.urethra, roles.rectum, roles.bladder})
            if (s && s->contains(x, y, z)) in_organ = true;
          if (in_organ) continue;
          pts.push_back({x, y, z});
          limit.push_back(std::max(o.normal_floor_pct, o.normal_max_pct_at_surface - o.normal_falloff_pct_per_mm * dist));
        }
    const size_t first = b.out.size();
    b.add(pts, G::normal_tissue, 0, 0, rx_Gy, o.normal_weight_max * sc.w[gi(G::normal_tissue)]);
    for (size_t i = 0; i < pts.size(); ++i)
      b.out.max_Gy[first + i] = static_cast<float>(Gy(limit[i], G::normal_tissue));
  }
  return std::move(b.out);
}

}  // namespace hdr::optimize
