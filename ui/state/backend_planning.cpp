// Adapter to planner/optimize (+ anatomy, dose): plan a case with the boost protocol,
// re-evaluate hand-edited dwell times, and compute the dose grid the isodose lines come from.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_OPTIMIZE
#include "planner/anatomy/structure.hpp"
#include "planner/dose/dose_matrix.hpp"
#include "planner/dose/kernel.hpp"
#include "planner/dose/source_model.hpp"
#include "planner/optimize/evaluation.hpp"
#include "planner/optimize/planner.hpp"
#include "planner/optimize/protocol.hpp"
#include "planner/optimize/roles.hpp"

namespace hdr::ui::backend {
namespace {
constexpr const char* kProtocol = "boost";   // the planner's default (CLI.md)
constexpr double kGridSpacing_mm = 1.5;      // isodose grid
constexpr double kGridMargin_mm = 15.0;      // around the structures (the 50 % line lies within)
constexpr int kDvhBins = 200;

// Leave one core to the UI thread so a frame is never starved by the planner.
int worker_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1); }

std::vector<dose::DwellGeometry> dwell_geometry(const formats::Plan& p, std::vector<double>& times_s) {
  std::vector<dose::DwellGeometry> g;
  times_s.clear();
  for (const auto& d : p.dwells) {
    g.push_back({Eigen::Vector3d(d.position_mm[0], d.position_mm[1], d.position_mm[2]),
                 Eigen::Vector3d(d.direction[0], d.direction[1], d.direction[2])});
    times_s.push_back(d.time_s);
  }
  return g;
}

std::shared_ptr<const DoseVolume> dose_volume(const formats::Case& c, const formats::Plan& p) {
  double lo[3] = {1e9, 1e9, 1e9}, hi[3] = {-1e9, -1e9, -1e9};
  for (const auto& s : c.structures) {
    if (s.kind != formats::StructureKind::target) continue;
    for (const auto& sl : s.slices) {
      lo[2] = std::min(lo[2], sl.z_mm);
      hi[2] = std::max(hi[2], sl.z_mm);
      for (const auto& pt : sl.points_mm)
        for (int k = 0; k < 2; ++k) {
          lo[k] = std::min(lo[k], pt[static_cast<size_t>(k)]);
          hi[k] = std::max(hi[k], pt[static_cast<size_t>(k)]);
        }
    }
  }
  require(lo[0] <= hi[0], "dose grid: no target contour");
  dose::GridSpec spec;
  for (int k = 0; k < 3; ++k) {
    spec.origin_mm[k] = lo[k] - kGridMargin_mm;
    spec.spacing_mm[k] = kGridSpacing_mm;
    spec.dims[k] = static_cast<int>((hi[k] - lo[k] + 2 * kGridMargin_mm) / kGridSpacing_mm) + 1;
  }
  std::vector<double> times;
  const auto geometry = dwell_geometry(p, times);
  const dose::Tg43Kernel kernel(dose::SourceLibrary::builtin().get(p.source.model));
  const dose::DoseGrid grid =
      dose::compute_dose_grid(kernel, spec, geometry, times, p.source.air_kerma_strength_U, worker_threads());
  auto v = std::make_shared<DoseVolume>();
  for (int k = 0; k < 3; ++k) {
    v->origin_mm[k] = spec.origin_mm[k];
    v->spacing_mm[k] = spec.spacing_mm[k];
    v->dims[k] = spec.dims[k];
  }
  v->dose_Gy = grid.dose_Gy;
  return v;
}

std::vector<DvhCurve> dvh_curves(const optimize::PlanEvaluation& e, double prescription_Gy) {
  std::vector<double> levels;
  for (int i = 0; i <= kDvhBins; ++i) levels.push_back(2.0 * prescription_Gy * i / kDvhBins);
  std::vector<DvhCurve> out;
  for (const auto& s : e.structures) {
    if (s.dvh.empty()) continue;
    out.push_back({s.role, levels, s.dvh.cumulative_pct(levels)});
  }
  return out;
}

std::vector<MetricCheck> checks_of(const std::vector<optimize::ConstraintResult>& results) {
  std::vector<MetricCheck> out;
  for (const auto& r : results) {
    if (!r.applicable) continue;
    char rule[64];
    std::snprintf(rule, sizeof rule, "%s %.2f %s", r.constraint.is_max ? "<=" : ">=", r.limit, r.unit.c_str());
    out.push_back({r.constraint.structure, r.constraint.metric, r.value, rule, r.pass});
  }
  return out;
}
}  // namespace

PlanResult plan_case(const formats::Case& c, std::atomic<float>& progress) {
  const optimize::Protocol protocol = optimize::builtin_protocol(kProtocol);
  optimize::PlannerOptions options;
  options.threads = worker_threads();
  options.evaluation.threads = worker_threads();
  progress.store(0.05F);
  const optimize::PlanResult r = optimize::plan_case(c, protocol, options);
  progress.store(0.8F);
  PlanResult out;
  out.plan = r.plan;
  out.dvh = dvh_curves(r.evaluation, c.prescription.dose_Gy);
  out.checks = checks_of(r.report.constraints);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s; %zu active dwells, %d rounds, %.0f ms", r.report.message.c_str(),
                r.report.active_dwells, r.report.rounds, r.report.time_total_ms);
  out.summary = buf;
  out.dose = dose_volume(c, out.plan);
  progress.store(1.0F);
  return out;
}

PlanResult evaluate_plan(const formats::Case& c, const formats::Plan& plan, std::atomic<float>& progress) {
  const optimize::Protocol protocol = optimize::builtin_protocol(kProtocol);
  const auto structures = anatomy::build_structures(c.structures);
  const optimize::Roles roles = optimize::identify_roles(structures);
  const dose::Tg43Kernel kernel(dose::SourceLibrary::builtin().get(plan.source.model));
  std::vector<double> times;
  const auto geometry = dwell_geometry(plan, times);
  optimize::EvaluationOptions eo;
  eo.threads = worker_threads();
  progress.store(0.1F);
  const auto e = optimize::evaluate_plan(roles, kernel, geometry, times, plan.source.air_kerma_strength_U,
                                         c.prescription.dose_Gy, eo);
  progress.store(0.7F);
  PlanResult out;
  out.plan = plan;
  out.plan.metrics = optimize::plan_metrics(e, c.prescription.dose_Gy);
  // The optimiser's report no longer describes these times: keep only what was re-evaluated.
  out.plan.extra = nlohmann::json::object();
  out.plan.extra["dwell_times_edited"] = true;
  out.dvh = dvh_curves(e, c.prescription.dose_Gy);
  out.checks = checks_of(optimize::check_protocol(protocol, e, c.prescription.dose_Gy));
  // As the planner reports it (hdr-plan/1's "evaluation"): a stored, approved plan carries
  // the constraints it failed when it was signed.
  out.plan.extra["evaluation"] = {
      {"protocol", protocol.name}, {"meets_protocol", out.protocol_pass()}, {"failures", out.protocol_failures()}};
  out.summary = "re-evaluated after a dwell-time edit";
  out.dose = dose_volume(c, out.plan);
  progress.store(1.0F);
  return out;
}

}  // namespace hdr::ui::backend
#else
namespace hdr::ui::backend {
namespace {
[[noreturn]] void missing() { throw Error("planning is not available in this build (hdr_optimize not built)"); }
}  // namespace
PlanResult plan_case(const formats::Case&, std::atomic<float>&) { missing(); }
PlanResult evaluate_plan(const formats::Case&, const formats::Plan&, std::atomic<float>&) { missing(); }
}  // namespace hdr::ui::backend
#endif
