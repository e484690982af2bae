// The case -> plan pipeline on phantom cases: plan contract (dwells on catheters, directions,
// 0.1 s times, copied members, every metric), metric honesty against a brute-force uniform
// fine-grid recomputation, warm start after a needle moves, failure reporting, refusals.
#include <doctest/doctest.h>

#include <cmath>

#include "planner/anatomy/mask.hpp"
#include "planner/common/error.hpp"
#include "planner/dose/kernel.hpp"
#include "planner/dose/source_model.hpp"
#include "planner/formats/case_io.hpp"
#include "planner/formats/plan_io.hpp"
#include "planner/optimize/planner.hpp"
#include "tools/phantom/phantom_case.hpp"

using namespace hdr;
using namespace hdr::optimize;

namespace {

formats::Case make_case(uint64_t seed, double volume_cc, int catheters) {
  phantom::CaseOptions o;
  o.seed = seed;
  o.volume_cc = volume_cc;
  o.catheters = catheters;
  return phantom::make_phantom_case(o);
}

// The i-th case of a 40-seed phantom sweep over 20-70 cc (its needle count drawn by the seed),
// as the planner's fresh-seed sweeps generate them.
formats::Case sweep_case(uint64_t seed, int i) {
  phantom::CaseOptions o;
  o.seed = seed;
  o.volume_cc = 20.0 + 50.0 * i / 39.0;
  return phantom::make_phantom_case(o);
}

// Distance from p to the catheter polyline and whether its projection lies on the path.
double distance_to_path(const formats::Catheter& c, const Eigen::Vector3d& p, Eigen::Vector3d* tangent) {
  double best = 1e300;
  for (size_t k = 0; k + 1 < c.path_mm.size(); ++k) {
    const Eigen::Vector3d a(c.path_mm[k][0], c.path_mm[k][1], c.path_mm[k][2]);
    const Eigen::Vector3d b(c.path_mm[k + 1][0], c.path_mm[k + 1][1], c.path_mm[k + 1][2]);
    const double t = std::clamp((p - a).dot(b - a) / (b - a).squaredNorm(), 0.0, 1.0);
    const double d = (a + t * (b - a) - p).norm();
    if (d < best) {
      best = d;
      *tangent = (b - a).normalized();
    }
  }
  return best;
}

// Brute force: every structure on a uniform grid of side h (voxel centres inside), dose from
// the plan's dwells at each centre.
Dvh brute_force_dvh(const anatomy::StructureGeometry& s, const formats::Plan& plan, const dose::Tg43Kernel& k,
                    double h) {
  const auto centres = anatomy::inside_voxel_centres(s, anatomy::grid_covering(s, h, h));
  dose::PointSet ps;
  for (const auto& c : centres) ps.push_back(c[0], c[1], c[2]);
  std::vector<dose::DwellGeometry> g;
  std::vector<double> t;
  for (const auto& d : plan.dwells) {
    g.push_back({Eigen::Vector3d(d.position_mm[0], d.position_mm[1], d.position_mm[2]),
                 Eigen::Vector3d(d.direction[0], d.direction[1], d.direction[2])});
    t.push_back(d.time_s);
  }
  const auto dose_Gy = dose::compute_point_doses(k, ps, g, t, plan.source.air_kerma_strength_U);
  std::vector<DoseSample> samples;
  for (float d : dose_Gy) samples.push_back({d, static_cast<float>(h * h * h)});
  return Dvh(std::move(samples));
}

}  // namespace

TEST_CASE("a phantom plan honours the hdr-plan/1 contract and the default protocol") {
  const formats::Case c = make_case(11, 40.0, 18);
  const PlanResult r = plan_case(c, builtin_protocol("boost"));
  const formats::Plan& p = r.plan;
  INFO(r.report.message);
  CHECK(r.report.meets_protocol);
  CHECK(p.case_id == c.id);
  CHECK(p.source.model == c.source.model);
  CHECK(p.source.air_kerma_strength_U == c.source.air_kerma_strength_U);
  CHECK(p.prescription.dose_Gy == c.prescription.dose_Gy);
  REQUIRE(!p.dwells.empty());
  double total_s = 0;
  for (const auto& d : p.dwells) {
    CHECK(d.time_s >= 0);
    CHECK(std::fabs(d.time_s * 10 - std::round(d.time_s * 10)) < 1e-9);
    total_s += d.time_s;
    const formats::Catheter* cat = nullptr;
    for (const auto& k : c.catheters)
      if (k.id == d.catheter) cat = &k;
    REQUIRE(cat != nullptr);
    Eigen::Vector3d tangent = Eigen::Vector3d::Zero();
    const Eigen::Vector3d pos(d.position_mm[0], d.position_mm[1], d.position_mm[2]);
    CHECK(distance_to_path(*cat, pos, &tangent) < 0.5);
    // Never beyond the tip: the projection on the first segment is at or after the tip.
    const Eigen::Vector3d tip(cat->path_mm[0][0], cat->path_mm[0][1], cat->path_mm[0][2]);
    const Eigen::Vector3d next(cat->path_mm[1][0], cat->path_mm[1][1], cat->path_mm[1][2]);
    CHECK((pos - tip).dot(next - tip) >= -1e-9);
    const Eigen::Vector3d dir(d.direction[0], d.direction[1], d.direction[2]);
    CHECK(std::acos(std::clamp(dir.dot(tangent), -1.0, 1.0)) * 180 / M_PI < 2.0);
  }
  CHECK(total_s > 0);
  for (const auto& [s, names] : std::map<std::string, std::vector<std::string>>{
           {"prostate", {"V100_pct", "V150_pct", "V200_pct", "D90_Gy", "volume_cc"}},
           {"urethra", {"D10_Gy", "D0.1cc_Gy", "Dmax_Gy"}},
           {"rectum", {"D2cc_Gy", "D1cc_Gy", "D0.1cc_Gy"}},
           {"bladder", {"D2cc_Gy", "D1cc_Gy"}}})
    for (const auto& n : names) {
      const bool present = p.metrics.count(s) == 1 && p.metrics.at(s).count(n) == 1;
      CHECK_MESSAGE(present, s << "." << n);
    }
  CHECK(p.metrics.at("prostate").at("volume_cc") == doctest::Approx(40.0).epsilon(1e-6));
  // Independent check members.
  CHECK(p.extra.at("independent_check").at("trak_cGy_cm2").get<double>() ==
        doctest::Approx(c.source.air_kerma_strength_U * total_s / 3600.0));
  CHECK(p.extra.at("independent_check").at("points").size() >= 3);
  CHECK(r.report.max_point_difference_pct < 1.0);
  CHECK(p.extra.at("evaluation").at("meets_protocol").get<bool>());
  for (const char* t : {"dose_matrix", "optimize", "dose_grid", "total"}) CHECK(p.timing_ms.count(t) == 1);
  // Round trip through the file format.
  const formats::Plan back = formats::plan_from_json(formats::plan_to_json(p), "plan.json");
  // (The reader re-normalises directions, which may move their last bit: compare by value.)
  REQUIRE(back.dwells.size() == p.dwells.size());
  for (size_t i = 0; i < p.dwells.size(); ++i) {
    CHECK(back.dwells[i].time_s == p.dwells[i].time_s);
    CHECK(back.dwells[i].catheter == p.dwells[i].catheter);
    for (int a = 0; a < 3; ++a) {
      CHECK(back.dwells[i].position_mm[a] == p.dwells[i].position_mm[a]);
      CHECK(std::fabs(back.dwells[i].direction[a] - p.dwells[i].direction[a]) < 1e-12);
    }
  }
  CHECK(back.metrics == p.metrics);
  CHECK(back.extra == p.extra);
}

namespace {

// The plan's metrics against a brute-force uniform recomputation (0.25 mm urethra, 0.5 mm
// elsewhere), within half the outside check's bounds (2 pp / 2 % of Rx / 3 % for D0.1cc;
// Dmax its 3 %).
void check_metrics_agree_with_brute_force(const formats::Case& c, const PlanResult& r) {
  const auto& m = r.plan.metrics;
  const double rx = c.prescription.dose_Gy;
  const dose::Tg43Kernel k(dose::SourceLibrary::builtin().get(c.source.model));
  const auto structures = anatomy::build_structures(c.structures);
  const auto roles = identify_roles(structures);
  const Dvh prostate = brute_force_dvh(*roles.target, r.plan, k, 0.5);
  CHECK(std::fabs(m.at("prostate").at("V100_pct") - prostate.v_pct(rx)) < 1.0);
  CHECK(std::fabs(m.at("prostate").at("V150_pct") - prostate.v_pct(1.5 * rx)) < 1.0);
  CHECK(std::fabs(m.at("prostate").at("V200_pct") - prostate.v_pct(2.0 * rx)) < 1.0);
  CHECK(std::fabs(m.at("prostate").at("D90_Gy") - prostate.d_pct(90)) < 0.01 * rx);
  const Dvh urethra = brute_force_dvh(*roles.urethra, r.plan, k, 0.25);
  CHECK(std::fabs(m.at("urethra").at("D10_Gy") - urethra.d_pct(10)) < 0.01 * rx);
  CHECK(std::fabs(m.at("urethra").at("D0.1cc_Gy") - urethra.d_cc(0.1)) < 0.015 * rx);
  CHECK(std::fabs(m.at("urethra").at("Dmax_Gy") - urethra.d_max_Gy()) < 0.03 * rx);
  const Dvh rectum = brute_force_dvh(*roles.rectum, r.plan, k, 0.5);
  CHECK(std::fabs(m.at("rectum").at("D2cc_Gy") - rectum.d_cc(2)) < 0.01 * rx);
  CHECK(std::fabs(m.at("rectum").at("D1cc_Gy") - rectum.d_cc(1)) < 0.01 * rx);
  CHECK(std::fabs(m.at("rectum").at("D0.1cc_Gy") - rectum.d_cc(0.1)) < 0.015 * rx);
  const Dvh bladder = brute_force_dvh(*roles.bladder, r.plan, k, 0.5);
  CHECK(std::fabs(m.at("bladder").at("D2cc_Gy") - bladder.d_cc(2)) < 0.01 * rx);
  CHECK(std::fabs(m.at("bladder").at("D1cc_Gy") - bladder.d_cc(1)) < 0.01 * rx);
}

}  // namespace

TEST_CASE("reported metrics agree with a brute-force uniform 0.25-0.5 mm recomputation") {
  const formats::Case c = make_case(5, 30.0, 16);
  check_metrics_agree_with_brute_force(c, plan_case(c, builtin_protocol("boost")));
}

TEST_CASE("a moved needle: column update equals a rebuild, and the warm re-plan is cheaper") {
  const formats::Case c = make_case(21, 40.0, 18);
  PlanningSession session(c, builtin_protocol("boost"));
  const PlanResult first = session.plan();
  // Move catheter 5 by 1.5 mm laterally (same number of active positions expected).
  auto path = c.catheters.at(4).path_mm;
  for (auto& p : path) p[0] += 1.5;
  const PlanResult warm = session.move_catheter(c.catheters.at(4).id, path);
  formats::Case moved = c;
  moved.catheters.at(4).path_mm = path;
  PlanningSession fresh(moved, builtin_protocol("boost"));
  REQUIRE(fresh.matrix().rows() == session.matrix().rows());
  REQUIRE(fresh.matrix().cols() == session.matrix().cols());
  CHECK((fresh.matrix().view() - session.matrix().view()).cwiseAbs().maxCoeff() <= 1e-6f * session.matrix().view().cwiseAbs().maxCoeff());
  const PlanResult cold = fresh.plan();
  INFO("cold " << cold.report.iterations << " iterations, warm " << warm.report.iterations << ": " << warm.report.message);
  CHECK(warm.report.iterations < cold.report.iterations);
  CHECK(warm.report.iterations <= PlannerOptions{}.warm_max_iterations * warm.report.rounds);
  // The warm plan keeps coverage (constraint satisfaction is the planner's quality, measured
  // by the plan_sweep acceptance test, not by this warm-start test).
  CHECK(warm.plan.metrics.at("prostate").at("V100_pct") >= 95.0);
  CHECK(first.plan.metrics.at("prostate").at("V100_pct") >= 95.0);
}

TEST_CASE("a plan that cannot meet the protocol says which constraint fails and by how much") {
  const formats::Case c = make_case(2, 35.0, 14);
  Protocol p = builtin_protocol("boost");
  for (auto& k : p.constraints)
    if (k.structure == "urethra" && k.metric == "D10_Gy") k.limit_pct = 60.0;  // impossible inside the gland
  PlannerOptions o;
  o.max_rounds = 2;
  const PlanResult r = plan_case(c, p, o);
  CHECK_FALSE(r.report.meets_protocol);
  REQUIRE(!r.report.failures.empty());
  bool named = false;
  for (const auto& f : r.report.failures) named = named || (f.find("urethra D10_Gy") != std::string::npos && f.find("by") != std::string::npos);
  CHECK(named);
  CHECK_FALSE(r.plan.extra.at("evaluation").at("meets_protocol").get<bool>());
}

TEST_CASE("when no scale keeps the hard margins, the plan meets every limit by a little instead of missing one") {
  // Phantom seed 312 (36 cc, 17 needles, two of them 4.6 mm above the rectum): coverage with
  // its 1 pp hard margin (V100 >= 96 %) puts the rectum's D0.1cc 0.05 Gy over its limit, and a
  // rectum D0.1cc 1.5 % under it takes V100 under 96 %; between the limits themselves there
  // is room. Before the third tier this plan kept V100 96 % and failed the rectum.
  const formats::Case c = sweep_case(312, 12);
  PlannerOptions po;
  po.constrained_refinement = false;  // the scale's tiers alone (with it, V100 96.1 % and all met)
  const PlanResult r = plan_case(c, builtin_protocol("boost"), po);
  INFO(r.report.message);
  CHECK(r.report.meets_protocol);
  double v100 = 0;
  for (const auto& k : r.report.constraints)
    if (k.constraint.structure == "prostate" && k.constraint.metric == "V100_pct") v100 = k.value;
  CHECK(v100 >= 95.0);
  CHECK(v100 < 96.0);  // the hard margin's coverage was given up for the rectum
}

TEST_CASE("the constrained refinement rescues a plan the penalty rounds leave outside the protocol") {
  // Phantom seed 402 (22.6 cc, 14 needles, 19 Gy): after the rounds, the plan normalised to the
  // coverage aim misses V200, urethra D10 and rectum D0.1cc; with the limits as constraints it
  // meets them all. Plans the rounds get right never reach the refinement.
  const formats::Case c = sweep_case(402, 2);
  PlannerOptions without;
  without.constrained_refinement = false;
  const PlanResult r0 = plan_case(c, builtin_protocol("boost"), without);
  CHECK_FALSE(r0.report.meets_protocol);
  CHECK_FALSE(r0.report.refinement_tried);
  const PlanResult r = plan_case(c, builtin_protocol("boost"));
  INFO(r.report.message);
  CHECK(r.report.refinement_used);
  CHECK(r.report.meets_protocol);
  CHECK(r.plan.extra.at("optimizer").at("constrained_refinement").get<std::string>() == "used");
  // Its metrics agree with a brute-force recomputation as any plan's do. (Its bladder's hot
  // face lies on a slab plane where 0.5 mm cells were centred: counted whole, they read
  // D2cc / D1cc 1.4 / 1.6 % of Rx high before cells took their through-plane share.)
  check_metrics_agree_with_brute_force(c, r);
  // A plan the rounds meet: no refinement.
  const PlanResult easy = plan_case(make_case(11, 40.0, 18), builtin_protocol("boost"));
  CHECK(easy.report.meets_protocol);
  CHECK_FALSE(easy.report.refinement_tried);
}

TEST_CASE("bad cases are refused with a clear message") {
  formats::Case c = make_case(3, 30.0, 12);
  formats::Case bad = c;
  bad.source.model = "Cs-137-tube";
  CHECK_THROWS_WITH_AS(plan_case(bad, builtin_protocol("boost")), doctest::Contains("Cs-137-tube"), Error);
  bad = c;
  bad.structures.at(0).slices.resize(1);
  CHECK_THROWS_WITH_AS(plan_case(bad, builtin_protocol("boost")), doctest::Contains("single slice"), Error);
  // A single-slice organ is refused too: planned without it, its limits would silently vanish.
  for (const char* organ : {"urethra", "rectum", "bladder"}) {
    bad = c;
    for (auto& s : bad.structures)
      if (s.name == organ) s.slices.resize(1);
    CHECK_THROWS_WITH_AS(plan_case(bad, builtin_protocol("boost")),
                         doctest::Contains(("structure '" + std::string(organ) + "' has a single slice").c_str()), Error);
  }
  bad = c;
  for (auto& k : bad.catheters)
    for (auto& p : k.path_mm) p[0] += 200.0;
  CHECK_THROWS_WITH_AS(plan_case(bad, builtin_protocol("boost")), doctest::Contains("no catheter has a dwell position"), Error);
  bad = c;
  bad.prescription.dose_Gy = 0;
  CHECK_THROWS_WITH_AS(plan_case(bad, builtin_protocol("boost")), doctest::Contains("prescription.dose_Gy"), Error);
}

TEST_CASE("phantom cases are reproducible and span the requested range") {
  const auto a = make_case(9, 55.0, 20), b = make_case(9, 55.0, 20);
  CHECK(formats::case_to_json(a).dump() == formats::case_to_json(b).dump());
  CHECK(a.catheters.size() == 20);
  const auto s = anatomy::build_structures(a.structures);
  CHECK(identify_roles(s).target->volume_cc() == doctest::Approx(55.0).epsilon(1e-9));
  // Needles avoid the urethra: at mid-gland no catheter is within 5 mm of the urethra axis.
  const auto& ur = *identify_roles(s).urethra;
  for (const auto& k : a.catheters) {
    const double z = 0.5 * (s[0].bounds().min_mm[2] + s[0].bounds().max_mm[2]);
    const auto d = ur.signed_inplane_distance_mm(k.path_mm[0][0], k.path_mm[0][1], z);
    REQUIRE(d.has_value());
    CHECK(*d > 0.0);
  }
}

TEST_CASE("the protocol's organ limits become dose-volume rules on the organ's points") {
  const formats::Case c = make_case(11, 40.0, 16);
  const auto structures = anatomy::build_structures(c.structures);
  const Roles roles = identify_roles(structures);
  const Protocol p = builtin_protocol("boost");
  const double rx = c.prescription.dose_Gy;
  const PointDensity d;
  const DosePoints pts = build_dose_points(roles, p, rx, d, 7);
  // The rectum block: contiguous points of group rectum.
  size_t first = pts.size(), end = 0;
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts.group[i] == PointGroup::rectum) first = std::min(first, i), end = std::max(end, i + 1);
  REQUIRE(end > first);
  const double n = static_cast<double>(end - first);
  const double h3 = d.organ_volume_mm * d.organ_volume_mm * d.organ_volume_mm;
  // D2cc <= 75 % and D0.1cc <= 85 %, each planned 4 % under: rules exempting 2 cc and 0.1 cc
  // worth of points (one point per h³).
  struct Expect {
    double level_pct, exempt_mm3;
  };
  for (const Expect e : {Expect{75.0, 2000.0}, Expect{85.0, 100.0}}) {
    const float level = static_cast<float>(rx * e.level_pct / 100.0 * 0.96);
    bool found = false;
    for (const DvRule& r : pts.dv_rules) {
      if (r.begin != first || r.end != end || r.is_min || std::fabs(r.level_Gy - level) > 1e-4f) continue;
      found = true;
      CHECK(r.exempt_fraction == doctest::Approx(e.exempt_mm3 / h3 / n));
      CHECK(r.weight > 0);
    }
    CHECK_MESSAGE(found, "no rule at " << e.level_pct << " % x 0.96 on the rectum points");
  }
  // The urethra's D10 limit: the hottest 10 % of its whole volume, a fraction of its points.
  bool urethra_d10 = false;
  for (const DvRule& r : pts.dv_rules)
    if (std::fabs(r.level_Gy - static_cast<float>(rx * 1.15 * 0.96)) < 1e-4f) urethra_d10 = r.exempt_fraction > 0;
  CHECK(urethra_d10);
}

TEST_CASE("plan evaluation is the same on any number of threads") {
  const formats::Case c = make_case(9, 35.0, 16);
  const PlanResult r = plan_case(c, builtin_protocol("boost"));
  const auto structures = anatomy::build_structures(c.structures);
  const auto roles = identify_roles(structures);
  const dose::Tg43Kernel k(dose::SourceLibrary::builtin().get(c.source.model));
  std::vector<dose::DwellGeometry> g;
  std::vector<double> t;
  for (const auto& d : r.plan.dwells) {
    g.push_back({Eigen::Vector3d(d.position_mm[0], d.position_mm[1], d.position_mm[2]),
                 Eigen::Vector3d(d.direction[0], d.direction[1], d.direction[2])});
    t.push_back(d.time_s);
  }
  const double sk = c.source.air_kerma_strength_U, rx = c.prescription.dose_Gy;
  EvaluationOptions one;
  one.threads = 1;
  const PlanEvaluation e1 = evaluate_plan(roles, k, g, t, sk, rx, one);
  for (int threads : {2, 3, 8}) {
    EvaluationOptions o;
    o.threads = threads;
    const PlanEvaluation e = evaluate_plan(roles, k, g, t, sk, rx, o);
    INFO(threads << " threads");
    REQUIRE(e.structures.size() == e1.structures.size());
    CHECK(e.dose_evaluations == e1.dose_evaluations);
    for (size_t i = 0; i < e.structures.size(); ++i) {
      CHECK(e.structures[i].role == e1.structures[i].role);
      CHECK(e.structures[i].sample_count == e1.structures[i].sample_count);
      CHECK(e.structures[i].dvh.d_max_Gy() == e1.structures[i].dvh.d_max_Gy());
      CHECK(e.structures[i].dvh.d_pct(90) == e1.structures[i].dvh.d_pct(90));
      CHECK(e.structures[i].dvh.d_cc(0.1) == e1.structures[i].dvh.d_cc(0.1));
    }
    CHECK(plan_metrics(e, rx) == plan_metrics(e1, rx));
  }
  // The plan's own metrics come from the same evaluation.
  CHECK(plan_metrics(e1, rx) == r.plan.metrics);
}

TEST_CASE("planner options are validated by field") {
  PlannerOptions o;
  o.warm_max_iterations = 0;
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("warm_max_iterations = 0"), hdr::Error);
}
