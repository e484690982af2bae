#include "planner/optimize/planner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "planner/common/error.hpp"
#include "planner/dose/kernel.hpp"
#include "planner/dose/source_model.hpp"
#include "planner/optimize/constrained_refinement.hpp"
#include "planner/optimize/objective.hpp"

namespace hdr::optimize {

namespace {

using Clock = std::chrono::steady_clock;

// Adaptive coverage level (run()): re-optimise when the optimiser's V100 needs a scale beyond
// 1 ± coverage_tolerance; move L by at most max_coverage_step per round and keep it within
// [min_coverage_factor, max_coverage_factor] × the protocol's level.
constexpr double coverage_tolerance = 0.03;
constexpr double max_coverage_step = 1.15;
constexpr double min_coverage_factor = 0.85;
constexpr double max_coverage_factor = 1.4;
// Re-weighting when a limit is missed: an organ's weight × conflict_weight_step; a target hot
// rule's exempt fraction less hot_fraction_gain × the miss (pp).
constexpr double conflict_weight_step = 2.0;
constexpr double hot_fraction_gain = 2.0;
// Margins kept even when the planning margins cannot all be met (choose_scale's "hard" bounds):
// the metrics are checked outside against a recomputation agreeing to 2 pp / 2 % at best.
constexpr double hard_volume_margin_pp = 1.0;
constexpr double hard_dose_margin = 0.015;

// The constraints a plan normalised by c misses with their planning margins (volume limits
// 2 pp, V100 the aim less 0.5 pp, dose limits half the protocol's upper-limit margin), each with
// how far: volume metrics in percentage points, dose metrics in % of their limit.
struct Miss {
  ConstraintResult result;
  double shortfall = 0;
};
std::vector<Miss> planning_misses(const Protocol& p, const PlanEvaluation& e, double rx_Gy, double c) {
  std::vector<Miss> out;
  for (const auto& k : check_protocol(p, e, rx_Gy, c)) {
    if (!k.applicable) continue;
    const bool volume = k.constraint.spec.kind == MetricKind::v_pct;
    const double margin = volume ? (k.constraint.is_max ? 2.0 : std::max(0.0, p.v100_aim_pct - 95.0) - 0.5)
                                 : k.limit * p.upper_limit_margin_pct / 100.0 * 0.5;
    const double target = k.constraint.is_max ? k.limit - margin : k.limit + margin;
    const double over = k.constraint.is_max ? k.value - target : target - k.value;
    if (over > 0) out.push_back({k, volume ? over : 100.0 * over / k.limit});
  }
  return out;
}
// Their sum: 0 when the plan keeps every planning margin.
double planning_shortfall(const std::vector<Miss>& misses) {
  double sum = 0;
  for (const auto& m : misses) sum += m.shortfall;
  return sum;
}
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int group_of(const std::string& structure, const Roles& roles) {
  if (structure == "prostate") return static_cast<int>(PointGroup::target_volume);
  if (structure == "urethra") return static_cast<int>(PointGroup::urethra);
  if (structure == "rectum") return static_cast<int>(PointGroup::rectum);
  if (structure == "bladder") return static_cast<int>(PointGroup::bladder);
  for (const auto* b : roles.boosts)
    if (b->name() == structure) return static_cast<int>(PointGroup::boost);
  return static_cast<int>(PointGroup::other_organ);
}

// The scale bounds one constraint puts on the times: a max limit gives c <= bound, a min
// limit c >= bound. `vol_margin_pp` / `dose_margin_rel` tighten the limit (planning margin).
double scale_bound(const ConstraintResult& k, const StructureEvaluation& s, double rx_Gy, double vol_margin_pp,
                   double dose_margin_rel) {
  const Constraint& c = k.constraint;
  if (c.spec.kind == MetricKind::v_pct) {
    const double dose_level = c.spec.x / 100.0 * rx_Gy;
    double vol = c.is_max ? c.limit_pct - vol_margin_pp : c.limit_pct + vol_margin_pp;
    vol = std::clamp(vol, 1e-3, 100.0);
    const double d = s.dvh.d_pct(vol);  // dose level at which V = vol
    return d > 0 ? dose_level / d : 1e300;
  }
  const double value = metric_value(s, c.spec, rx_Gy, 1.0);
  const double limit = c.limit_pct / 100.0 * rx_Gy * (c.is_max ? 1.0 - dose_margin_rel : 1.0 + dose_margin_rel);
  if (!(value > 0)) return 1e300;
  return limit / value;
}

struct ScaleChoice {
  double c = 1;
  double coverage_c = 1;  // the scale that alone brings V100 to the aim
};

// The scales c that keep constraints, lo <= c <= hi (empty when lo > hi).
struct ScaleInterval {
  double lo = 0, hi = 1e300;
  void add(bool is_max, double bound) { is_max ? hi = std::min(hi, bound) : lo = std::max(lo, bound); }
  bool empty() const { return lo > hi; }
  double middle() const { return 0.5 * (lo + hi); }
};

ScaleChoice choose_scale(const Protocol& p, const PlanEvaluation& e, double rx_Gy) {
  const auto ks = check_protocol(p, e, rx_Gy, 1.0);
  const double vmargin = std::max(0.0, p.v100_aim_pct - 95.0);
  // Three tiers: every planning margin; the hard margins (hard_volume_margin_pp,
  // hard_dose_margin), kept so that rounding to 0.1 s and an independent recomputation on
  // another grid cannot tip a plan normalised onto a limit over it; and the limits themselves.
  ScaleInterval planning, hard, exact;
  // Coverage aim of the target.
  const StructureEvaluation* t = e.find("prostate");
  HDR_ASSERT(t != nullptr, "no target evaluation");
  const double d_aim = t->dvh.d_pct(p.v100_aim_pct);
  if (d_aim > 0) planning.lo = rx_Gy / d_aim;
  const double coverage_c = planning.lo > 0 ? planning.lo : 1.0;
  for (const auto& k : ks) {
    if (!k.applicable) continue;
    const StructureEvaluation* s = e.find(k.constraint.structure);
    const bool is_max = k.constraint.is_max;
    const double planning_vol_pp = k.constraint.spec.kind == MetricKind::v_pct ? (is_max ? 2.0 : vmargin) : 0.0;
    planning.add(is_max, scale_bound(k, *s, rx_Gy, planning_vol_pp, p.upper_limit_margin_pct / 100.0));
    hard.add(is_max, scale_bound(k, *s, rx_Gy, hard_volume_margin_pp, hard_dose_margin));
    exact.add(is_max, scale_bound(k, *s, rx_Gy, 0.0, 0.0));
  }
  ScaleChoice ch;
  ch.coverage_c = coverage_c;
  // No scale keeps every planning margin: split the hard interval when there is one, else the
  // limits' own (each side keeps half the slack: a plan that meets every limit by a little
  // beats one sure to miss an upper limit), else keep coverage (the failing upper limit is
  // then reported). 40 fresh phantom seeds: a rectum D0.1cc miss of 0.05 Gy became a plan
  // meeting all (V100 95.45 %, rectum D0.1cc 12.64 of 12.75 Gy).
  if (!planning.empty()) ch.c = planning.lo;
  else if (!hard.empty()) ch.c = hard.middle();
  else if (!exact.empty()) ch.c = exact.middle();
  else ch.c = hard.lo;
  return ch;
}

// The protocol's limits as constraints on the optimiser's points, for the constrained
// refinement (constrained_refinement.hpp):
//  - coverage at the prescription: on the target's volume points all but the aim's cold
//    fraction less refinement_coverage_margin_pp (with 3.5 % exempt the optimised points'
//    V100 came out at 94 % and the scale to the aim pushed V200 over), on its surface points
//    all but surface_cold_fraction (the surface is where cold spots live);
//  - each organ dose limit with the hard margin: D<x>% exempts 0.8 · x % of the organ's points,
//    D<x>cc 0.8 · x cc of its volume, Dmax none (0.8: the points over-represent the wall).
//    Limits on 1 cc or more are left out: the surface points crowd the wall next to the gland,
//    so "all but 2 cc of points ≤ 74 %" is far stricter than D2cc ≤ 75 % (seed 401: rectum
//    D2cc 59 % measured, 11 points still above the level, and the refinement could not meet
//    it together with coverage);
//  - V150 / V200 are the refinement's objective, not constraints.
constexpr double refinement_coverage_margin_pp = 1.5;
constexpr double surface_cold_fraction = 0.15;
std::vector<PointLimit> protocol_point_limits(const Protocol& p, const DosePoints& pts, const Roles& roles, double rx_Gy) {
  auto block = [&](PointGroup g) {
    size_t begin = pts.size(), end = 0;
    for (size_t i = 0; i < pts.size(); ++i)
      if (pts.group[i] == g) begin = std::min(begin, i), end = i + 1;
    for (size_t i = begin; i < end; ++i) HDR_ASSERT(pts.group[i] == g, "dose point groups are contiguous blocks");
    return std::pair<size_t, size_t>{end > 0 ? begin : 0, end};
  };
  std::vector<PointLimit> out;
  const auto [s0, s1] = block(PointGroup::target_surface);
  const auto [v0, v1] = block(PointGroup::target_volume);
  if (s1 > s0) out.push_back({s0, s1, rx_Gy, true, surface_cold_fraction});
  if (v1 > v0)
    out.push_back({v0, v1, rx_Gy, true, std::clamp((100.0 - p.v100_aim_pct - refinement_coverage_margin_pp) / 100.0, 0.0, 0.5)});
  for (const auto& k : p.constraints) {
    if (!k.is_max || !k.spec.is_dose()) continue;
    if (k.spec.kind == MetricKind::d_cc && k.spec.x >= 1.0) continue;
    const int g = group_of(k.structure, roles);
    if (g != static_cast<int>(PointGroup::urethra) && g != static_cast<int>(PointGroup::rectum) &&
        g != static_cast<int>(PointGroup::bladder))
      continue;
    const auto* s = roles.find(k.structure);
    const auto [b0, b1] = block(static_cast<PointGroup>(g));
    if (!s || b1 <= b0) continue;
    double exempt = 0;
    if (k.spec.kind == MetricKind::d_pct) exempt = 0.8 * k.spec.x / 100.0;
    else if (k.spec.kind == MetricKind::d_cc) exempt = 0.8 * std::min(1.0, k.spec.x / s->volume_cc());
    out.push_back({b0, b1, k.limit_pct / 100.0 * rx_Gy * (1.0 - hard_dose_margin), false, std::min(exempt, 0.5)});
  }
  return out;
}

std::string describe_failure(const ConstraintResult& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %s = %.2f %s %s %.2f %s (by %.2f %s)", r.constraint.structure.c_str(),
                r.constraint.metric.c_str(), r.value, r.unit.c_str(), r.constraint.is_max ? ">" : "<", r.limit,
                r.unit.c_str(), r.excess, r.unit.c_str());
  return buf;
}

}  // namespace

void PlannerOptions::validate() const {
  density.validate();
  lbfgs.validate();
  evaluation.validate();
  require(threads >= 0, "PlannerOptions::threads = " + std::to_string(threads) + ": must be >= 0");
  require(max_rounds >= 1 && max_rounds <= 20, "PlannerOptions::max_rounds = " + std::to_string(max_rounds) + ": must be in 1..20");
  require(warm_max_iterations >= 1,
          "PlannerOptions::warm_max_iterations = " + std::to_string(warm_max_iterations) + ": must be >= 1");
  require(time_step_s > 0 && time_step_s <= 1, "PlannerOptions::time_step_s = " + std::to_string(time_step_s) + ": must be in (0, 1]");
}

PlanningSession::~PlanningSession() = default;

PlanningSession::PlanningSession(formats::Case c, Protocol protocol, PlannerOptions options)
    : case_(std::move(c)), protocol_(std::move(protocol)), options_(options) {
  const auto t0 = Clock::now();
  options_.validate();
  protocol_.validate();
  options_.evaluation.threads = options_.threads;
  require(std::isfinite(case_.source.air_kerma_strength_U) && case_.source.air_kerma_strength_U > 0,
          "case '" + case_.id + "': source.air_kerma_strength_U = " + std::to_string(case_.source.air_kerma_strength_U) +
              ": must be > 0");
  require(std::isfinite(case_.prescription.dose_Gy) && case_.prescription.dose_Gy > 0,
          "case '" + case_.id + "': prescription.dose_Gy = " + std::to_string(case_.prescription.dose_Gy) + ": must be > 0");
  require(std::isfinite(case_.dwell_step_mm) && case_.dwell_step_mm > 0,
          "case '" + case_.id + "': dwell_step_mm = " + std::to_string(case_.dwell_step_mm) + ": must be > 0");
  require(!case_.catheters.empty(), "case '" + case_.id + "': no catheters to plan with");
  source_ = &dose::SourceLibrary::builtin().get(case_.source.model);
  structures_ = anatomy::build_structures(case_.structures);
  roles_ = identify_roles(structures_);
  points_ = build_dose_points(roles_, protocol_, case_.prescription.dose_Gy, options_.density, options_.seed, scale_);
  dwells_ = active_dwells(case_.catheters, case_.dwell_step_mm, *roles_.target, protocol_.dwell_activation_margin_mm);
  require(!dwells_.empty(), "case '" + case_.id + "': no catheter has a dwell position inside the target '" +
                                roles_.target->name() + "' (+ " + std::to_string(protocol_.dwell_activation_margin_mm) +
                                " mm margin)");
  kernel_ = std::make_unique<dose::Tg43Kernel>(*source_);
  rebuild_matrix();
  matrix_ms_ = ms_since(t0);
}

void PlanningSession::rebuild_matrix() {
  geometry_ = dwell_geometry(dwells_);
  A_ = dose::build_dose_rate_matrix(*kernel_, points_.points, geometry_, case_.source.air_kerma_strength_U,
                                    options_.threads);
}

PlanResult PlanningSession::plan() {
  const double m = matrix_ms_;
  matrix_ms_ = 0;
  return run(m);
}

PlanResult PlanningSession::move_catheter(int catheter_id, std::vector<formats::Vec3> new_path) {
  const auto t0 = Clock::now();
  auto it = std::find_if(case_.catheters.begin(), case_.catheters.end(), [&](const auto& c) { return c.id == catheter_id; });
  require(it != case_.catheters.end(), "move_catheter: no catheter with id " + std::to_string(catheter_id));
  formats::Catheter moved = *it;
  moved.path_mm = std::move(new_path);
  std::vector<CandidateDwell> fresh;
  for (const auto& d : candidate_dwells(moved, case_.dwell_step_mm))
    if (near_target(*roles_.target, d.position_mm, protocol_.dwell_activation_margin_mm)) fresh.push_back(d);
  it->path_mm = moved.path_mm;
  // Columns of this catheter in the current ordering.
  std::vector<int> cols;
  for (size_t j = 0; j < dwells_.size(); ++j)
    if (dwells_[j].catheter_id == catheter_id) cols.push_back(static_cast<int>(j));
  if (cols.size() == fresh.size() && !cols.empty()) {
    for (size_t k = 0; k < cols.size(); ++k) dwells_[static_cast<size_t>(cols[k])] = fresh[k];
    geometry_ = dwell_geometry(dwells_);
    dose::update_dose_rate_columns(*kernel_, points_.points, geometry_, cols, case_.source.air_kerma_strength_U, A_);
  } else {
    // The needle's number of active positions changed: the dwell list changes shape.
    std::vector<CandidateDwell> all;
    std::vector<double> warm;
    for (const auto& c : case_.catheters) {
      if (c.id == catheter_id) {
        for (const auto& d : fresh) {
          all.push_back(d);
          warm.push_back(time_scale_s_);
        }
        continue;
      }
      for (size_t j = 0; j < dwells_.size(); ++j)
        if (dwells_[j].catheter_id == c.id) {
          all.push_back(dwells_[j]);
          warm.push_back(last_times_ ? (*last_times_)[static_cast<Eigen::Index>(j)] : time_scale_s_);
        }
    }
    require(!all.empty(), "move_catheter: no dwell position left inside the target");
    dwells_ = std::move(all);
    rebuild_matrix();
    last_times_ = Eigen::Map<Eigen::VectorXd>(warm.data(), static_cast<Eigen::Index>(warm.size()));
  }
  return run(ms_since(t0));
}

PlanResult PlanningSession::run(double matrix_ms) {
  const auto t_start = Clock::now();
  const double rx = case_.prescription.dose_Gy;
  const double sk = case_.source.air_kerma_strength_U;
  const Eigen::Index n = static_cast<Eigen::Index>(dwells_.size());
  PlanResult result;
  PlanReport& rep = result.report;
  const auto pairs = catheter_neighbours(dwells_);

  // Start: the last solution (warm) or uniform times giving the prescription at the median
  // target volume point; the uniform time also fixes the modulation term's time scale.
  Eigen::VectorXd t;
  if (time_scale_s_ <= 0) {
    const Eigen::VectorXf d1 = A_.view() * Eigen::VectorXf::Ones(n);
    std::vector<float> v;
    for (size_t i = 0; i < points_.size(); ++i)
      if (points_.group[i] == PointGroup::target_volume || points_.group[i] == PointGroup::target_surface)
        v.push_back(d1[static_cast<Eigen::Index>(i)]);
    HDR_ASSERT(!v.empty(), "no target dose points");
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    const float med = v[v.size() / 2];
    require(med > 0, "the active dwells give no dose to the target");
    time_scale_s_ = rx / static_cast<double>(med);
  }
  const bool warm = last_times_ && last_times_->size() == n;
  if (warm) t = *last_times_;
  else t = Eigen::VectorXd::Constant(n, time_scale_s_);
  LbfgsOptions lbfgs = options_.lbfgs;
  if (warm) lbfgs.max_iterations = std::min(lbfgs.max_iterations, options_.warm_max_iterations);

  double c = 1.0;
  double optimize_ms = 0;
  double best_shortfall = 0;
  Eigen::VectorXd best_t;
  // A candidate's verdict on the coarse evaluation: its scale and the planning margins it
  // misses at that scale (the rounds and the refinement are judged alike).
  struct Verdict {
    ScaleChoice scale;
    std::vector<Miss> misses;
    double shortfall = 0;
  };
  auto judge = [&](const Eigen::VectorXd& times_s) {
    const std::vector<double> tv(times_s.data(), times_s.data() + n);
    const PlanEvaluation ev = evaluate_plan(roles_, *kernel_, geometry_, tv, sk, rx, EvaluationOptions::coarse(options_.threads));
    Verdict v;
    v.scale = choose_scale(protocol_, ev, rx);
    v.misses = planning_misses(protocol_, ev, rx, v.scale.c);
    v.shortfall = planning_shortfall(v.misses);
    return v;
  };
  // One objective for all rounds: it reads points_, which re-weighting replaces in place.
  const auto t_obj = Clock::now();
  const DwellObjective obj(A_, points_, pairs, protocol_.modulation_weight, time_scale_s_);
  optimize_ms += ms_since(t_obj);
  for (int round = 0; round < options_.max_rounds; ++round) {
    const auto t0 = Clock::now();
    rep.last_solver = minimize_nonnegative([&](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return obj.evaluate(x, g); },
                                           t, lbfgs);
    rep.iterations += rep.last_solver.iterations;
    rep.time_solver_ms += ms_since(t0);
    rep.rounds = round + 1;
    const Verdict v = judge(t);
    // Keep the best round: re-weighting moves the plan along its trade-offs and may make it
    // worse; the final plan is the round closest to the protocol (ties: the earlier).
    if (round == 0 || v.shortfall < best_shortfall) {
      best_shortfall = v.shortfall;
      best_t = t;
      c = v.scale.c;
    }
    optimize_ms += ms_since(t0);
    if (best_shortfall <= 0 || round + 1 == options_.max_rounds) break;
    // Re-weight and optimise again from these times (a few rounds; the best is kept):
    //  - coverage: when the optimiser's own V100 misses the aim (c beyond 1 ± tolerance), the
    //    normalisation would grow (or shrink) every hot spot and organ dose the optimiser had
    //    balanced; the coverage level L moves by c instead, so the optimised plan itself
    //    reaches the aim;
    //  - each target hot limit (V150, V200) the normalised plan misses: its dose-volume rule
    //    exempts fewer points, by hot_fraction_gain × the miss (the rule's level stays where the
    //    protocol's limit is; a larger weight did not move a DVH point the rule already held);
    //  - each organ limit missed: its group's weight doubles (twice when two of its limits are).
    if (std::fabs(v.scale.coverage_c - 1.0) > coverage_tolerance)
      for (auto g : {PointGroup::target_surface, PointGroup::target_volume, PointGroup::boost}) {
        double& f = scale_.min_pct_factor[static_cast<int>(g)];
        f = std::clamp(f * std::clamp(v.scale.coverage_c, 1.0 / max_coverage_step, max_coverage_step), min_coverage_factor,
                       max_coverage_factor);
      }
    for (const Miss& m : v.misses) {
      const Constraint& k = m.result.constraint;
      if (!k.is_max) continue;
      const int g = group_of(k.structure, roles_);
      if (g == static_cast<int>(PointGroup::target_volume)) {
        const bool v200 = k.spec.kind == MetricKind::v_pct && k.spec.x >= protocol_.objectives.v200_pct;
        (v200 ? scale_.v200_fraction_shift : scale_.hot_fraction_shift) -= hot_fraction_gain * m.shortfall / 100.0;
      } else {
        scale_.w[g] *= conflict_weight_step;
      }
    }
    const auto t1 = Clock::now();
    DosePoints reweighted = build_dose_points(roles_, protocol_, rx, options_.density, options_.seed, scale_);
    HDR_ASSERT(reweighted.size() == points_.size(), "re-weighting changed the dose points");
    points_ = std::move(reweighted);
    optimize_ms += ms_since(t1);
  }
  // The rounds left the plan outside its planning margins: try the limits as constraints
  // (constrained_refinement.hpp) from the best round, normalised, and keep that plan when it
  // is closer to the protocol. Plans the rounds get right are not touched.
  if (best_shortfall > 0 && options_.constrained_refinement) {
    const auto t0 = Clock::now();
    Eigen::VectorXd tr = best_t * c;
    RefinementOptions ro;
    ro.modulation_weight = protocol_.modulation_weight;
    const RefinementReport rr = refine_with_constraints(A_, points_, rx, protocol_point_limits(protocol_, points_, roles_, rx), pairs,
                                                       time_scale_s_, tr, ro);
    rep.refinement_tried = true;
    rep.refinement_iterations = rr.inner_iterations;
    const Verdict v = judge(tr);
    if (v.shortfall < best_shortfall) {
      best_shortfall = v.shortfall;
      best_t = tr;
      c = v.scale.c;
      rep.refinement_used = true;
    }
    optimize_ms += ms_since(t0);
  }
  t = best_t;
  last_times_ = t;

  // Deliverable times: scaled, rounded to the afterloader's step; metrics recomputed on them
  // on the fine evaluation. The scale was chosen on the coarse evaluation: when the fine one
  // fails a constraint, rescale once by what it asks for and evaluate again.
  const auto tg = Clock::now();
  std::vector<double> final_s(static_cast<size_t>(n));
  auto round_times = [&](double scale) {
    for (Eigen::Index j = 0; j < n; ++j) {
      // steps / (1 / step) rather than steps * step: 73 / 10 is exactly the double nearest
      // 7.3, while 73 * 0.1 is 7.300000000000001 (the file would not round-trip).
      const double steps = std::round(std::max(0.0, scale * t[j]) / options_.time_step_s);
      final_s[static_cast<size_t>(j)] = steps / std::round(1.0 / options_.time_step_s);
    }
  };
  round_times(c);
  result.evaluation = evaluate_plan(roles_, *kernel_, geometry_, final_s, sk, rx, options_.evaluation);
  const ScaleChoice fine = choose_scale(protocol_, result.evaluation, rx);
  // Also when a lower limit (V100) holds by less than its hard margin: the fine evaluation
  // can sit below the coarse one by a few tenths (V100 95.7 % where the coarse said 96.5 %),
  // too close to 95 % for an independent recomputation agreeing to 2 pp.
  bool failing = false;
  for (const auto& k : check_protocol(protocol_, result.evaluation, rx)) {
    if (!k.applicable) continue;
    const bool thin = !k.constraint.is_max && k.constraint.spec.kind == MetricKind::v_pct &&
                      k.value < k.limit + hard_volume_margin_pp;
    failing = failing || !k.pass || thin;
  }
  if (failing) {
    c *= fine.c;
    round_times(c);
    result.evaluation = evaluate_plan(roles_, *kernel_, geometry_, final_s, sk, rx, options_.evaluation);
  }
  rep.dose_scale = c;
  rep.time_dose_grid_ms = ms_since(tg);

  rep.constraints = check_protocol(protocol_, result.evaluation, rx);
  rep.meets_protocol = true;
  for (const auto& k : rep.constraints)
    if (k.applicable && !k.pass) {
      rep.meets_protocol = false;
      rep.failures.push_back(describe_failure(k));
    }

  // Independent check: TRAK and the direct (non-table) path at a few target points away
  // from every dwell.
  double total_s = 0;
  for (double s : final_s) total_s += s;
  rep.trak_cGy_cm2 = sk * total_s / 3600.0;
  {
    // Up to five target points at least 5 mm from every dwell, spread over the point list.
    std::vector<size_t> candidates, picks;
    for (size_t i = 0; i < points_.size(); ++i) {
      if (points_.group[i] != PointGroup::target_volume) continue;
      const Eigen::Vector3d p(points_.points.x_mm[i], points_.points.y_mm[i], points_.points.z_mm[i]);
      bool far = true;
      for (const auto& g : geometry_) far = far && (g.position_mm - p).norm() >= 5.0;
      if (far) candidates.push_back(i);
    }
    for (size_t k = 0; k < 5 && k < candidates.size(); ++k) picks.push_back(candidates[k * candidates.size() / 5]);
    dose::PointSet ps;
    for (size_t i : picks) ps.push_back(points_.points.x_mm[i], points_.points.y_mm[i], points_.points.z_mm[i]);
    const auto kd = dose::compute_point_doses(*kernel_, ps, geometry_, final_s, sk, options_.threads);
    for (size_t k = 0; k < picks.size(); ++k) {
      PlanReport::PointCheck pc;
      pc.position_mm = Eigen::Vector3d(ps.x_mm[k], ps.y_mm[k], ps.z_mm[k]);
      pc.kernel_Gy = static_cast<double>(kd[k]);
      pc.direct_Gy = dose::direct_point_dose_Gy(*source_, pc.position_mm, geometry_, final_s, sk);
      pc.difference_pct = pc.direct_Gy > 0 ? 100.0 * (pc.kernel_Gy - pc.direct_Gy) / pc.direct_Gy : 0.0;
      rep.max_point_difference_pct = std::max(rep.max_point_difference_pct, std::fabs(pc.difference_pct));
      rep.point_checks.push_back(pc);
    }
  }

  rep.dose_points = points_.size();
  rep.active_dwells = dwells_.size();
  rep.evaluation_points = result.evaluation.dose_evaluations;
  rep.time_dose_matrix_ms = matrix_ms;
  rep.time_optimize_ms = optimize_ms;
  rep.time_total_ms = matrix_ms + ms_since(t_start);
  rep.planned = true;
  rep.message = rep.meets_protocol ? "plan meets protocol '" + protocol_.name + "'"
                                   : "plan does not meet protocol '" + protocol_.name + "': " + rep.failures.front();

  formats::Plan& plan = result.plan;
  plan.case_id = case_.id;
  plan.source = case_.source;
  plan.prescription = case_.prescription;
  for (size_t j = 0; j < dwells_.size(); ++j) {
    const auto& d = dwells_[j];
    plan.dwells.push_back({d.catheter_id,
                           {d.position_mm.x(), d.position_mm.y(), d.position_mm.z()},
                           {d.direction.x(), d.direction.y(), d.direction.z()},
                           final_s[j]});
  }
  plan.metrics = plan_metrics(result.evaluation, rx);
  plan.timing_ms = {{"dose_matrix", rep.time_dose_matrix_ms},
                    {"optimize", rep.time_optimize_ms},
                    {"dose_grid", rep.time_dose_grid_ms},
                    {"total", rep.time_total_ms}};
  plan.extra = report_to_json(rep, protocol_);
  return result;
}

PlanResult plan_case(const formats::Case& c, const Protocol& protocol, const PlannerOptions& options) {
  // The session's set-up (geometry, dose points, kernel, matrix) is reported as dose_matrix.
  PlanningSession session(c, protocol, options);
  return session.plan();
}

nlohmann::json report_to_json(const PlanReport& r, const Protocol& protocol) {
  using nlohmann::json;
  json cons = json::array();
  for (const auto& k : r.constraints) {
    json j = {{"structure", k.constraint.structure},
              {"metric", k.constraint.metric},
              {"limit", k.limit},
              {"unit", k.unit},
              {"type", k.constraint.is_max ? "max" : "min"},
              {"applicable", k.applicable}};
    if (k.applicable) {
      j["value"] = k.value;
      j["pass"] = k.pass;
      j["excess"] = k.excess;
    }
    cons.push_back(j);
  }
  json checks = json::array();
  for (const auto& p : r.point_checks)
    checks.push_back({{"position_mm", {p.position_mm.x(), p.position_mm.y(), p.position_mm.z()}},
                      {"kernel_Gy", p.kernel_Gy},
                      {"direct_Gy", p.direct_Gy},
                      {"difference_pct", p.difference_pct}});
  return {{"evaluation",
           {{"protocol", protocol.name},
            {"meets_protocol", r.meets_protocol},
            {"failures", r.failures},
            {"constraints", cons}}},
          {"independent_check",
           {{"trak_cGy_cm2", r.trak_cGy_cm2}, {"points", checks}, {"max_abs_difference_pct", r.max_point_difference_pct}}},
          {"optimizer",
           {{"method", "projected L-BFGS on dose-volume penalties with dwell-time modulation restriction"},
            {"rounds", r.rounds},
            {"iterations", r.iterations},
            {"constrained_refinement", r.refinement_tried ? (r.refinement_used ? "used" : "tried, not better") : "not needed"},
            {"refinement_iterations", r.refinement_iterations},
            {"termination", r.last_solver.termination},
            {"final_objective", r.last_solver.final_objective},
            {"dose_scale", r.dose_scale},
            {"dose_points", r.dose_points},
            {"active_dwells", r.active_dwells},
            {"evaluation_points", r.evaluation_points}}}};
}

}  // namespace hdr::optimize
