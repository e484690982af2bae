#include "planner/optimize/evaluation.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <thread>

#include "planner/anatomy/mask.hpp"
#include "planner/common/error.hpp"

namespace hdr::optimize {

void EvaluationOptions::validate() const {
  const std::pair<const char*, double> f[] = {{"target_spacing_mm", target_spacing_mm},
                                              {"urethra_spacing_mm", urethra_spacing_mm},
                                              {"urethra_min_spacing_mm", urethra_min_spacing_mm},
                                              {"organ_spacing_mm", organ_spacing_mm},
                                              {"organ_min_spacing_mm", organ_min_spacing_mm}};
  for (const auto& [name, v] : f)
    require(std::isfinite(v) && v >= 0.05 && v <= 10,
            std::string("EvaluationOptions::") + name + " = " + std::to_string(v) + ": must be in [0.05, 10] mm");
  require(refine_fraction > 0 && refine_fraction <= 1,
          "EvaluationOptions::refine_fraction = " + std::to_string(refine_fraction) + ": must be in (0, 1]");
  require(threads >= 0, "EvaluationOptions::threads = " + std::to_string(threads) + ": must be >= 0");
}

EvaluationOptions EvaluationOptions::coarse(int threads) {
  EvaluationOptions o;
  o.target_spacing_mm = 2.5;
  o.urethra_spacing_mm = 1.25;
  o.urethra_min_spacing_mm = 1.25;
  o.organ_spacing_mm = 4.0;
  o.organ_min_spacing_mm = 1.0;
  o.threads = threads;
  return o;
}

const StructureEvaluation* PlanEvaluation::find(const std::string& role) const {
  for (const auto& s : structures)
    if (s.role == role) return &s;
  return nullptr;
}

namespace {

// A cubic sample cell; `inside` is the share of its volume in the structure: through-plane
// exact (the slabs it spans), in-plane by its centre.
struct Cell {
  float x, y, z, h;
  float inside;
};

float inside_fraction(const anatomy::StructureGeometry& s, float x, float y, float z, float h) {
  return static_cast<float>(s.inside_fraction_z(x, y, static_cast<double>(z) - 0.5 * static_cast<double>(h),
                                                static_cast<double>(z) + 0.5 * static_cast<double>(h)));
}

struct DoseContext {
  const dose::Tg43Kernel* kernel;
  std::vector<dose::DwellGeometry> dwells;  // every dwell (none when no time is > 0)
  std::vector<double> times_s;
  double sk_U;

  // Doses of cells[first..] into out (resized to cells) on the calling thread (evaluate_plan
  // runs structures in parallel); counter += the points computed.
  void doses(const std::vector<Cell>& cells, size_t first, std::vector<float>& out, size_t& counter) const {
    dose::PointSet ps;
    ps.x_mm.reserve(cells.size() - first);
    ps.y_mm.reserve(cells.size() - first);
    ps.z_mm.reserve(cells.size() - first);
    for (size_t i = first; i < cells.size(); ++i) {
      ps.x_mm.push_back(cells[i].x);
      ps.y_mm.push_back(cells[i].y);
      ps.z_mm.push_back(cells[i].z);
    }
    out.resize(cells.size());
    if (ps.size() == 0) return;
    counter += ps.size();
    if (dwells.empty()) {
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), 0.0f);
      return;
    }
    const auto d = dose::compute_point_doses(*kernel, ps, dwells, times_s, sk_U, /*threads=*/1);
    std::copy(d.begin(), d.end(), out.begin() + static_cast<std::ptrdiff_t>(first));
  }
};

// Base cells: every grid cell whose centre is inside and the cells above and below one (which
// may reach into the structure through a slab plane), plus (with_ring) every cell touching one.
std::vector<Cell> base_cells(const anatomy::StructureGeometry& s, double h, bool with_ring) {
  const anatomy::VoxelGrid g = anatomy::grid_covering(s, h, h);
  const auto mask = anatomy::voxel_mask(s, g);
  // Dilation of the mask, separably: along z only (the through-plane neighbours), or along
  // x, y and z (the 26-neighbourhood ring).
  std::vector<uint8_t> near = mask;
  std::vector<uint8_t> tmp(near.size());
  const int step[3] = {1, g.dims[0], g.dims[0] * g.dims[1]};
  for (int a = with_ring ? 0 : 2; a < 3; ++a) {
    tmp = near;
    for (int k = 0; k < g.dims[2]; ++k)
      for (int j = 0; j < g.dims[1]; ++j)
        for (int i = 0; i < g.dims[0]; ++i) {
          const int c[3] = {i, j, k};
          const size_t idx = g.index(i, j, k);
          if (tmp[idx]) continue;
          if ((c[a] > 0 && tmp[idx - static_cast<size_t>(step[a])]) ||
              (c[a] + 1 < g.dims[a] && tmp[idx + static_cast<size_t>(step[a])]))
            near[idx] = 1;
        }
  }
  std::vector<Cell> cells;
  for (int k = 0; k < g.dims[2]; ++k)
    for (int j = 0; j < g.dims[1]; ++j)
      for (int i = 0; i < g.dims[0]; ++i) {
        const size_t idx = g.index(i, j, k);
        if (!near[idx]) continue;
        const auto x = static_cast<float>(g.origin_mm[0] + i * h), y = static_cast<float>(g.origin_mm[1] + j * h),
                   z = static_cast<float>(g.origin_mm[2] + k * h);
        // Within one slab the mask's centre test is the answer (and costs no second polygon
        // test); only cells across a slab plane or the structure's end need their share.
        const double zc = static_cast<double>(z);
        const auto lo = s.slab_at(zc - 0.5 * h), hi = s.slab_at(std::nextafter(zc + 0.5 * h, zc));
        const float inside = lo && lo == hi ? (mask[idx] ? 1.0f : 0.0f) : inside_fraction(s, x, y, z, static_cast<float>(h));
        // Ring cells stay (outside too): a hot one is split and its inside children found.
        if (inside > 0 || with_ring) cells.push_back({x, y, z, static_cast<float>(h), inside});
      }
  return cells;
}

Dvh make_dvh(const std::vector<Cell>& cells, const std::vector<float>& dose) {
  std::vector<DoseSample> s;
  s.reserve(cells.size());
  for (size_t i = 0; i < cells.size(); ++i)
    if (cells[i].inside > 0) s.push_back({dose[i], cells[i].inside * cells[i].h * cells[i].h * cells[i].h});
  return Dvh(std::move(s));
}

enum class Reference { none, d01_cc, d2_cc };

StructureEvaluation evaluate_structure(const anatomy::StructureGeometry& s, const std::string& role,
                                       const std::string& kind, double h0, double h_min, Reference ref,
                                       double refine_fraction, const DoseContext& ctx, size_t& evaluations) {
  StructureEvaluation out;
  out.role = role;
  out.kind = kind;
  out.volume_cc = s.volume_cc();
  // A structure thinner than the base grid starts finer, down to the finest spacing.
  std::vector<Cell> cells = base_cells(s, h0, ref != Reference::none);
  while (ref != Reference::none && h0 > h_min * 1.0001 &&
         std::none_of(cells.begin(), cells.end(), [](const Cell& c) { return c.inside > 0; })) {
    h0 /= 2;
    cells = base_cells(s, h0, true);
  }
  std::vector<float> dose;
  ctx.doses(cells, 0, dose, evaluations);
  double h = h0;
  while (ref != Reference::none && h > h_min * 1.0001) {
    const Dvh dvh = make_dvh(cells, dose);
    if (dvh.empty()) break;
    // The sub-millimetre levels and the last one serve D1cc ... D0.1cc and Dmax: their
    // reference is D1cc, and they split only the hottest cells on the wall.
    const bool last_level = h / 2 <= h_min * 1.0001;
    const bool hot_only = last_level || h / 2 < 0.9999;
    const double ref_Gy = ref == Reference::d01_cc ? dvh.d_cc(0.1) : dvh.d_cc(hot_only ? 1.0 : 2.0);
    // Down to 1 mm everything near the reference dose; below 1 mm only the hottest cells
    // (those that decide D2cc ... D0.1cc and Dmax), which keeps the sample count small.
    const double fraction = hot_only ? std::max(refine_fraction, 0.97) : refine_fraction;
    const float threshold = static_cast<float>(fraction * ref_Gy);
    std::vector<Cell> next, children;
    std::vector<float> next_dose;
    next.reserve(cells.size());
    next_dose.reserve(cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].h > static_cast<float>(h_min) * 1.0001f && dose[i] >= threshold) {
        const float q = cells[i].h / 4, hc = cells[i].h / 2;
        Cell child[8];
        int whole = 0;  // children entirely inside
        for (int c = 0; c < 8; ++c) {
          const float x = cells[i].x + ((c & 1) ? q : -q);
          const float y = cells[i].y + ((c & 2) ? q : -q);
          const float z = cells[i].z + ((c & 4) ? q : -q);
          child[c] = {x, y, z, hc, inside_fraction(s, x, y, z, hc)};
          whole += child[c].inside >= 1.0f;
        }
        // Below 1 mm the split serves only to find the wall: a cell whose eight children all
        // lie inside keeps its own (midpoint) dose for their volume, and on the last level
        // children outside, which no further level splits, need no dose. (Splitting every hot
        // cell put 24-30 000 samples, a fifth of a 40 cc plan's, into the rectum's and bladder's
        // interior; 17 000 into the urethra's at 0.5 mm on the way to 0.25 mm.)
        if (!(hot_only && whole == 8 && cells[i].inside >= 1.0f)) {
          for (const Cell& ch : child)
            if (ch.inside > 0 || !last_level) children.push_back(ch);
          continue;
        }
      }
      next.push_back(cells[i]);
      next_dose.push_back(dose[i]);
    }
    const size_t first_child = next.size();
    next.insert(next.end(), children.begin(), children.end());
    if (next.size() == first_child) break;
    cells.swap(next);
    dose.swap(next_dose);
    ctx.doses(cells, first_child, dose, evaluations);
    h /= 2;
  }
  out.dvh = make_dvh(cells, dose);
  out.sample_count = cells.size();
  require(!out.dvh.empty(), "structure '" + s.name() + "' contains no evaluation voxel (smaller than the grid)");
  return out;
}

}  // namespace

PlanEvaluation evaluate_plan(const Roles& roles, const dose::Tg43Kernel& kernel,
                             std::span<const dose::DwellGeometry> dwells, std::span<const double> times_s, double sk_U,
                             double rx_Gy, const EvaluationOptions& o) {
  o.validate();
  HDR_ASSERT(dwells.size() == times_s.size(), "dwell and time counts differ");
  PlanEvaluation e;
  // Every dwell, zero times included: the dose engine evaluates a catheter's equally spaced
  // dwells as one run through a table per spacing; dropping the unused ones split the runs
  // into many spacings (5, 7.5, 10 ... mm), each a table build (~20-130 ms): 90 % of the
  // planning time in bench_plan (perf), for no dose.
  DoseContext ctx{&kernel, std::vector<dose::DwellGeometry>(dwells.begin(), dwells.end()),
                  std::vector<double>(times_s.begin(), times_s.end()), sk_U};
  bool any_time = false;
  for (double t : times_s) any_time = any_time || t > 0;
  if (!any_time) ctx.dwells.clear(), ctx.times_s.clear();
  (void)rx_Gy;
  // One job per structure, in report order.
  struct Job {
    const anatomy::StructureGeometry* s;
    std::string role, kind;
    double h0, h_min;
    Reference ref;
  };
  std::vector<Job> jobs;
  jobs.push_back({roles.target, "prostate", "target", o.target_spacing_mm, o.target_spacing_mm, Reference::none});
  if (roles.urethra)
    jobs.push_back({roles.urethra, "urethra", "urethra", o.urethra_spacing_mm, o.urethra_min_spacing_mm,
                    Reference::d01_cc});
  const std::pair<const anatomy::StructureGeometry*, const char*> organs[] = {{roles.rectum, "rectum"},
                                                                             {roles.bladder, "bladder"}};
  for (const auto& [s, role] : organs)
    if (s)
      jobs.push_back({s, role, "organ", o.organ_spacing_mm, o.organ_min_spacing_mm, Reference::d2_cc});
  for (const auto* s : roles.other_organs)
    jobs.push_back({s, s->name(), "organ", o.organ_spacing_mm, o.organ_min_spacing_mm, Reference::d2_cc});
  for (const auto* s : roles.boosts)
    jobs.push_back({s, s->name(), "boost", std::min(1.0, o.target_spacing_mm), o.target_spacing_mm, Reference::none});

  // The structures are independent: threads take whole structures (each evaluated on one
  // thread, so the result does not depend on the thread count). The target, the largest job,
  // goes first; the organs' many small refinement levels fill the other threads. (Splitting
  // each structure's points over threads left the small levels, the masks and the DVH sorts
  // on one thread: 60 ms for a 40 cc plan's fine evaluation on two cores.)
  std::vector<StructureEvaluation> results(jobs.size());
  std::vector<size_t> counts(jobs.size(), 0);
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<size_t> next{0};
  const auto worker = [&] {
    for (size_t j; (j = next.fetch_add(1)) < jobs.size();) {
      try {
        results[j] = evaluate_structure(*jobs[j].s, jobs[j].role, jobs[j].kind, jobs[j].h0, jobs[j].h_min, jobs[j].ref,
                                        o.refine_fraction, ctx, counts[j]);
      } catch (...) {
        errors[j] = std::current_exception();
      }
    }
  };
  const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t n_threads = std::min(jobs.size(), o.threads > 0 ? static_cast<size_t>(o.threads) : hw);
  std::vector<std::thread> pool;
  for (size_t k = 1; k < n_threads; ++k) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (errors[j]) std::rethrow_exception(errors[j]);
    e.dose_evaluations += counts[j];
    e.structures.push_back(std::move(results[j]));
  }
  return e;
}

double metric_value(const StructureEvaluation& s, const MetricSpec& m, double rx_Gy, double c) {
  switch (m.kind) {
    case MetricKind::v_pct: return s.dvh.v_pct(m.x / 100.0 * rx_Gy / c);
    case MetricKind::d_pct: return c * s.dvh.d_pct(m.x);
    case MetricKind::d_cc: return c * s.dvh.d_cc(m.x);
    case MetricKind::d_max: return c * s.dvh.d_max_Gy();
    case MetricKind::volume_cc: return s.volume_cc;
  }
  return 0;
}

formats::Metrics plan_metrics(const PlanEvaluation& e, double rx_Gy) {
  formats::Metrics m;
  auto put = [&](const StructureEvaluation& s, std::initializer_list<const char*> names) {
    for (const char* n : names) m[s.role][n] = metric_value(s, *parse_metric_name(n), rx_Gy);
  };
  for (const auto& s : e.structures) {
    if (s.role == "prostate") put(s, {"V100_pct", "V150_pct", "V200_pct", "D90_Gy", "volume_cc"});
    else if (s.role == "urethra") put(s, {"D10_Gy", "D0.1cc_Gy", "Dmax_Gy"});
    else if (s.role == "rectum") put(s, {"D2cc_Gy", "D1cc_Gy", "D0.1cc_Gy"});
    else if (s.role == "bladder") put(s, {"D2cc_Gy", "D1cc_Gy"});
    else if (s.kind == "boost") put(s, {"V100_pct", "V150_pct", "D90_Gy", "volume_cc"});
    else put(s, {"D2cc_Gy", "D0.1cc_Gy"});
  }
  return m;
}

std::vector<ConstraintResult> check_protocol(const Protocol& p, const PlanEvaluation& e, double rx_Gy, double c) {
  std::vector<ConstraintResult> out;
  for (const auto& k : p.constraints) {
    ConstraintResult r;
    r.constraint = k;
    const StructureEvaluation* s = e.find(k.structure);
    r.unit = k.spec.kind == MetricKind::v_pct ? "%" : "Gy";
    r.limit = k.spec.kind == MetricKind::v_pct ? k.limit_pct : k.limit_pct / 100.0 * rx_Gy;
    if (s) {
      r.applicable = true;
      r.value = metric_value(*s, k.spec, rx_Gy, c);
      r.pass = k.is_max ? r.value <= r.limit : r.value >= r.limit;
      r.excess = r.pass ? 0.0 : std::fabs(r.value - r.limit);
    } else {
      r.pass = true;  // nothing to judge: reported as not applicable
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace hdr::optimize
