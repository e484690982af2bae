// bench_plan: the inverse-planning figures of issue 3.
//   bench_plan            40 cc prostate, 18 catheters: dose-rate matrix, optimisation, metrics
//                         and total times, iterations; warm re-optimisation after moving one
//                         needle (median of --repeats runs). Goals: total ≤ 100 ms, warm ≤ 30 ms.
//   bench_plan --sweep    20 phantom seeds spanning 20-70 cc: per-plan metrics, protocol
//                         result and time, then median and worst (in-process; the CLI's wall
//                         time is printed by the plan_sweep test).
// Options: --threads N (dose engine threads, 0 = all), --repeats R; for the sweep, tuning
// experiments: --iterations N (L-BFGS iterations per round), --rounds N (re-weighting rounds),
// --modulation W (DTMR weight), --protocol F (hdr-protocol/1 file), --only i,j (seed indices).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "planner/optimize/planner.hpp"
#include "tools/phantom/phantom_case.hpp"

using namespace hdr;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

void typical(int threads, int repeats) {
  phantom::CaseOptions co;
  co.seed = 40;
  co.volume_cc = 40.0;
  co.catheters = 18;
  const formats::Case c = phantom::make_phantom_case(co);
  optimize::PlannerOptions o;
  o.threads = threads;
  std::vector<double> matrix, opt, solver, grid, total, warm_total, warm_opt, warm_cols, warm_reopt;
  int iters = 0, warm_iters = 0, rounds = 0, warm_rounds = 0;
  size_t points = 0, dwells = 0, eval_points = 0;
  bool met = false, warm_met = false;
  std::string samples;  // dose samples per structure in the final evaluation
  std::string groups;   // optimiser dose points per group
  std::string cold_stop, warm_stop;  // why L-BFGS stopped (last round)
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    optimize::PlanningSession s(c, optimize::builtin_protocol("boost"), o);
    const auto res = s.plan();
    total.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    matrix.push_back(res.report.time_dose_matrix_ms);
    opt.push_back(res.report.time_optimize_ms);
    solver.push_back(res.report.time_solver_ms);
    grid.push_back(res.report.time_dose_grid_ms);
    iters = res.report.iterations;
    rounds = res.report.rounds;
    points = res.report.dose_points;
    dwells = res.report.active_dwells;
    eval_points = res.report.evaluation_points;
    met = res.report.meets_protocol;
    samples.clear();
    for (const auto& se : res.evaluation.structures) samples += se.role + " " + std::to_string(se.sample_count) + ", ";
    groups.clear();
    for (int g = 0; g < optimize::point_group_count; ++g) {
      const auto pg = static_cast<optimize::PointGroup>(g);
      if (const size_t k = s.dose_points().count(pg)) groups += std::string(optimize::to_string(pg)) + " " + std::to_string(k) + ", ";
    }
    // Move needle 7 by 2 mm laterally and re-plan warm.
    auto path = c.catheters.at(6).path_mm;
    for (auto& p : path) p[0] += 2.0;
    const auto t1 = std::chrono::steady_clock::now();
    const auto w = s.move_catheter(c.catheters.at(6).id, path);
    warm_total.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count());
    warm_opt.push_back(w.report.time_optimize_ms);
    warm_cols.push_back(w.report.time_dose_matrix_ms);
    warm_reopt.push_back(w.report.time_dose_matrix_ms + w.report.time_optimize_ms);
    warm_iters = w.report.iterations;
    warm_rounds = w.report.rounds;
    warm_met = w.report.meets_protocol;
    warm_stop = w.report.last_solver.termination;
    cold_stop = res.report.last_solver.termination;
  }
  std::printf("bench_plan: 40 cc prostate, 18 catheters, %s, %zu dose points x %zu active dwells, threads=%d, "
              "median of %d\n",
              c.source.model.c_str(), points, dwells, threads, repeats);
  std::printf("  from scratch : matrix %.1f ms, optimise %.1f ms (%d iterations, %d round(s)), metrics %.1f ms "
              "(%zu dose samples), total %.1f ms  [goal <= 100 ms]  protocol %s\n",
              median(matrix), median(opt), iters, rounds, median(grid), eval_points, median(total), met ? "met" : "NOT met");
  std::printf("  of which L-BFGS %.1f ms; metric samples per structure: %s\n", median(solver), samples.c_str());
  std::printf("  optimiser dose points per group: %s\n", groups.c_str());
  std::printf("  L-BFGS stopped (last round): from scratch: %s; warm: %s\n", cold_stop.c_str(), warm_stop.c_str());
  std::printf("  warm re-plan after moving one needle: columns %.1f ms + optimise %.1f ms (%d iterations, %d round(s)) "
              "= re-optimisation %.1f ms  [goal <= 30 ms]; total incl. fine metrics %.1f ms  protocol %s\n",
              median(warm_cols), median(warm_opt), warm_iters, warm_rounds, median(warm_reopt), median(warm_total),
              warm_met ? "met" : "NOT met");
}

struct SweepArgs {
  int iterations = 0, rounds = 0;
  double modulation = -1, ftol = -1, step_mm = 0;  // step_mm > 0: override the case's dwell step
  std::string protocol_file;   // a tuning experiment's protocol instead of the built-in boost
  std::vector<int> only;       // seed indices 0..19 to run (all when empty)
};

void sweep(int threads, const SweepArgs& a) {
  optimize::PlannerOptions o;
  o.threads = threads;
  if (a.iterations > 0) o.lbfgs.max_iterations = a.iterations;
  if (a.rounds > 0) o.max_rounds = a.rounds;
  if (a.ftol >= 0) o.lbfgs.function_tolerance = a.ftol;
  optimize::Protocol protocol =
      a.protocol_file.empty() ? optimize::builtin_protocol("boost") : optimize::load_protocol_file(a.protocol_file);
  const double modulation = a.modulation;
  if (modulation >= 0) protocol.modulation_weight = modulation;
  std::vector<double> times;
  int met = 0;
  std::printf("%4s %6s %-17s %5s %4s %5s %6s %6s %6s %7s %7s %7s %7s %7s  %s\n", "seed", "cc", "source", "Rx", "ndl", "step",
              "V100", "V150", "V200", "uD10%", "u.1cc%", "rD2cc%", "bD2cc%", "ms", "protocol");
  for (int i = 0; i < 20; ++i) {
    if (!a.only.empty() && std::find(a.only.begin(), a.only.end(), i) == a.only.end()) continue;
    phantom::CaseOptions co;
    co.seed = static_cast<uint64_t>(100 + i);
    co.volume_cc = 20.0 + 50.0 * i / 19.0;
    auto c = phantom::make_phantom_case(co);
    if (a.step_mm > 0) c.dwell_step_mm = a.step_mm;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = optimize::plan_case(c, protocol, o);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    const auto& m = r.plan.metrics;
    const double rx = c.prescription.dose_Gy;
    met += r.report.meets_protocol;
    std::string fails;
    for (const auto& f : r.report.failures) fails += f + "; ";
    std::printf("%4d %6.1f %-17s %5.1f %4zu %5.1f %6.1f %6.1f %6.1f %7.1f %7.1f %7.1f %7.1f %7.0f  %s\n", 100 + i,
                m.at("prostate").at("volume_cc"), c.source.model.c_str(), rx, c.catheters.size(), c.dwell_step_mm,
                m.at("prostate").at("V100_pct"), m.at("prostate").at("V150_pct"), m.at("prostate").at("V200_pct"),
                100 * m.at("urethra").at("D10_Gy") / rx, 100 * m.at("urethra").at("D0.1cc_Gy") / rx,
                100 * m.at("rectum").at("D2cc_Gy") / rx, 100 * m.at("bladder").at("D2cc_Gy") / rx, times.back(),
                r.report.meets_protocol ? "met" : fails.c_str());
  }
  std::vector<double> s = times;
  std::sort(s.begin(), s.end());
  std::printf("plan time (in-process): median %.0f ms, worst %.0f ms; %d/%zu meet the protocol\n", median(times),
              s.back(), met, times.size());
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, repeats = 5;
  SweepArgs sa;
  bool do_sweep = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sweep")) do_sweep = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) sa.iterations = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) sa.rounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--ftol") && i + 1 < argc) sa.ftol = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--step") && i + 1 < argc) sa.step_mm = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--modulation") && i + 1 < argc) sa.modulation = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--protocol") && i + 1 < argc) sa.protocol_file = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      for (char* tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ",")) sa.only.push_back(std::atoi(tok));
    } else {
      std::fprintf(stderr, "usage: bench_plan [--sweep [--only i,j,...] [--protocol F] [--rounds N] [--iterations N] "
                           "[--modulation W]] [--threads N] [--repeats R]\n");
      return 2;
    }
  }
  if (do_sweep) sweep(threads, sa);
  else typical(threads, repeats);
  return 0;
}
