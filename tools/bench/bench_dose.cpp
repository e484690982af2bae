// Dose-engine benchmark. Goals (issue 2), on the 2-core machine: >= 500 M kernel evaluations
// per second per core on the fast path; a 20 000-point x 300-dwell dose-rate matrix <= 10 ms;
// a 1 mm dose grid over a 60 mm cube from 300 dwells <= 75 ms.
//
// evals_per_s_per_core counts (point, dwell) pairs per second of the process's CPU time (all
// threads), so it is per core also for the 2-thread runs; cpu_ms_per_iter is that CPU time.
// On a shared machine the wall times (Time) stretch with the load: report `uptime` with them.
// The fast path as the planner uses it is the run table (run_table.hpp) inside the matrix and
// grid builders (BM_RunTable_OneNeedle: one 15-dwell run; the matrix and grid: 20 runs); the
// closed-form kernel (kernel.hpp, BM_ClosedForm_SingleDwell) serves single dwells and the
// pairs near a source or its axis; BM_DirectPath is the reference formalism (tg43.hpp).
// Points: the planner samples structures one point per cell in cell order
// (anatomy/sampling.hpp), so the main matrix benchmark uses jittered grid points in that
// order; "RandomOrder" shuffles them (no memory locality: the worst case for the table).
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <random>

#include "planner/dose/dose_matrix.hpp"
#include "planner/dose/run_table.hpp"
#include "planner/dose/tg43.hpp"

namespace {
using namespace hdr::dose;

const SourceModel& src() { return SourceLibrary::builtin().get("mHDR-v2"); }
const Tg43Kernel& kern() {
  static const Tg43Kernel k(src());
  return k;
}

// ~n points, one per cubic cell of a 60 mm cube, jittered in the cell, in cell order.
PointSet cell_points(size_t n, double half_mm, unsigned seed, bool shuffle) {
  std::mt19937 rng(seed);
  const int cells = static_cast<int>(std::ceil(std::cbrt(static_cast<double>(n))));
  const double side = 2 * half_mm / cells;
  std::uniform_real_distribution<double> u(0, side);
  std::vector<std::array<double, 3>> pts;
  for (int k = 0; k < cells; ++k)
    for (int j = 0; j < cells; ++j)
      for (int i = 0; i < cells && pts.size() < n; ++i)
        pts.push_back({-half_mm + i * side + u(rng), -half_mm + j * side + u(rng), -half_mm + k * side + u(rng)});
  if (shuffle) std::shuffle(pts.begin(), pts.end(), rng);
  PointSet p;
  for (const auto& q : pts) p.push_back(q[0], q[1], q[2]);
  return p;
}

std::vector<DwellGeometry> implant_dwells(size_t n) {
  // 300 dwells: 20 needles on a 10 mm grid, 15 positions 3 mm apart along z.
  std::vector<DwellGeometry> d;
  for (size_t k = 0; k < n; ++k) {
    const double x = -20.0 + 10.0 * static_cast<double>(k / 15 % 5);
    const double y = -10.0 + 10.0 * static_cast<double>(k / 75);
    const double z = -20.0 + 3.0 * static_cast<double>(k % 15);
    d.push_back({Eigen::Vector3d(x, y, z), Eigen::Vector3d(0, 0, -1)});
  }
  return d;
}

// CPU time of the whole process (every thread), in seconds.
double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs the timed loop and reports (point, dwell) pairs per second of CPU time summed over all
// threads: the per-core rate, comparable between the 1- and 2-thread runs.
template <typename Body>
void run_counting(benchmark::State& state, double pairs_per_iteration, Body&& body) {
  const double cpu0 = process_cpu_s();
  for (auto _ : state) body();
  const double cpu_s = process_cpu_s() - cpu0;
  state.counters["evals_per_s_per_core"] = static_cast<double>(state.iterations()) * pairs_per_iteration / cpu_s;
  state.counters["cpu_ms_per_iter"] = 1e3 * cpu_s / static_cast<double>(state.iterations());
}

// The closed-form kernel, one dwell at a time (what single dwells and near pairs use).
void BM_ClosedForm_SingleDwell(benchmark::State& state) {
  const PointSet p = cell_points(20000, 30, 1, false);
  std::vector<float> out(p.size());
  const float pos[3] = {1, 2, 3}, dir[3] = {0, 0, 1};
  run_counting(state, static_cast<double>(p.size()), [&] {
    kern().eval_points(p.x_mm, p.y_mm, p.z_mm, pos, dir, 1.0f, out.data());
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_ClosedForm_SingleDwell);

// The run table for one 15-dwell needle (15 matrix columns), single thread, into a matrix
// allocated once (the kernel's rate without the allocation of a new matrix).
void BM_RunTable_OneNeedle(benchmark::State& state) {
  const PointSet p = cell_points(20000, 30, 1, false);
  const auto d = implant_dwells(15);
  auto a = build_dose_rate_matrix(kern(), p, d, 40700.0, 1);
  std::vector<int> columns(d.size());
  for (size_t j = 0; j < d.size(); ++j) columns[j] = static_cast<int>(j);
  run_counting(state, static_cast<double>(p.size() * d.size()), [&] {
    update_dose_rate_columns(kern(), p, d, columns, 40700.0, a);
    benchmark::DoNotOptimize(a.data());
  });
}
BENCHMARK(BM_RunTable_OneNeedle)->Unit(benchmark::kMicrosecond);

void BM_DirectPath(benchmark::State& state) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0.1, 5.0);
  std::vector<double> z(4096), y(4096);
  for (size_t i = 0; i < z.size(); ++i) {
    z[i] = u(rng) - 2.5;
    y[i] = u(rng);
  }
  double acc = 0;
  run_counting(state, static_cast<double>(z.size()), [&] {
    for (size_t i = 0; i < z.size(); ++i) acc += dose_rate_per_U(src(), z[i], y[i]);
    benchmark::DoNotOptimize(acc);
  });
}
BENCHMARK(BM_DirectPath);

void matrix_bench(benchmark::State& state, bool shuffle) {
  const PointSet p = cell_points(20000, 30, 3, shuffle);
  const auto d = implant_dwells(300);
  run_counting(state, static_cast<double>(p.size() * d.size()), [&] {
    auto a = build_dose_rate_matrix(kern(), p, d, 40700.0, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(a.data());
  });
}
void BM_DoseRateMatrix_20000x300(benchmark::State& state) { matrix_bench(state, false); }
void BM_DoseRateMatrix_20000x300_RandomOrder(benchmark::State& state) { matrix_bench(state, true); }
BENCHMARK(BM_DoseRateMatrix_20000x300)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DoseRateMatrix_20000x300_RandomOrder)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DoseGrid_60mm_1mm_300dwells(benchmark::State& state) {
  GridSpec g;
  g.origin_mm = Eigen::Vector3d(-30, -30, -30);
  g.spacing_mm = Eigen::Vector3d(1, 1, 1);
  g.dims = Eigen::Vector3i(61, 61, 61);
  const auto d = implant_dwells(300);
  std::vector<double> t(d.size(), 5.0);
  run_counting(state, static_cast<double>(g.voxel_count() * d.size()), [&] {
    auto grid = compute_dose_grid(kern(), g, d, t, 40700.0, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(grid.dose_Gy.data());
  });
}
BENCHMARK(BM_DoseGrid_60mm_1mm_300dwells)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Building one run table (once per source and step per process; part of `hdr plan`'s budget).
void BM_RunTableBuild(benchmark::State& state) {
  for (auto _ : state) {
    RunTable t(kern(), 25);
    benchmark::DoNotOptimize(t.data());
  }
}
BENCHMARK(BM_RunTableBuild)->Unit(benchmark::kMillisecond);

}  // namespace



BENCHMARK_MAIN();
