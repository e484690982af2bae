// Dose-engine benchmark: kernel evaluations per second per core (fast table path and direct
// formalism), a 20 000-point x 300-dwell dose-rate matrix, and a 1 mm dose grid over a 60 mm
// cube from 300 dwells. Goals (issue 2): >= 500 M evals/s/core fast path; matrix <= 10 ms;
// grid <= 75 ms on the 2-core machine.
#include <benchmark/benchmark.h>

#include <random>

#include "planner/dose/dose_matrix.hpp"
#include "planner/dose/tg43.hpp"

namespace {
using namespace hdr::dose;

const SourceModel& src() { return SourceLibrary::builtin().get("mHDR-v2"); }
const Tg43Kernel& kern() {
  static const Tg43Kernel k(src());
  return k;
}

PointSet random_points(size_t n, double half_mm, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-half_mm, half_mm);
  PointSet p;
  for (size_t i = 0; i < n; ++i) p.push_back(u(rng), u(rng), u(rng));
  return p;
}

std::vector<DwellGeometry> implant_dwells(size_t n) {
  // 300 dwells: 20 needles on a 5 mm template, 15 positions 2.5-5 mm apart along z.
  std::vector<DwellGeometry> d;
  for (size_t k = 0; k < n; ++k) {
    const double x = -20.0 + 10.0 * static_cast<double>(k / 15 % 5);
    const double y = -10.0 + 10.0 * static_cast<double>(k / 75);
    const double z = -20.0 + 3.0 * static_cast<double>(k % 15);
    d.push_back({Eigen::Vector3d(x, y, z), Eigen::Vector3d(0, 0, -1)});
  }
  return d;
}

void BM_KernelFastPath(benchmark::State& state) {
  const PointSet p = random_points(20000, 30, 1);
  std::vector<float> out(p.size());
  const float pos[3] = {1, 2, 3}, dir[3] = {0, 0, 1};
  for (auto _ : state) {
    kern().eval_points(p.x_mm, p.y_mm, p.z_mm, pos, dir, 1.0f, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["evals_per_s_per_core"] =
      benchmark::Counter(static_cast<double>(state.iterations() * p.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KernelFastPath);

void BM_KernelDirectPath(benchmark::State& state) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0.1, 5.0);
  std::vector<double> z(4096), y(4096);
  for (size_t i = 0; i < z.size(); ++i) {
    z[i] = u(rng) - 2.5;
    y[i] = u(rng);
  }
  double acc = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < z.size(); ++i) acc += dose_rate_per_U(src(), z[i], y[i]);
    benchmark::DoNotOptimize(acc);
  }
  state.counters["evals_per_s_per_core"] =
      benchmark::Counter(static_cast<double>(state.iterations() * z.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KernelDirectPath);

void BM_DoseRateMatrix_20000x300(benchmark::State& state) {
  const PointSet p = random_points(20000, 30, 3);
  const auto d = implant_dwells(300);
  for (auto _ : state) {
    auto a = build_dose_rate_matrix(kern(), p, d, 40700.0, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(a.data());
  }
}
BENCHMARK(BM_DoseRateMatrix_20000x300)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DoseGrid_60mm_1mm_300dwells(benchmark::State& state) {
  GridSpec g;
  g.origin_mm = Eigen::Vector3d(-30, -30, -30);
  g.spacing_mm = Eigen::Vector3d(1, 1, 1);
  g.dims = Eigen::Vector3i(61, 61, 61);
  const auto d = implant_dwells(300);
  std::vector<double> t(d.size(), 5.0);
  for (auto _ : state) {
    auto grid = compute_dose_grid(kern(), g, d, t, 40700.0, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(grid.dose_Gy.data());
  }
}
BENCHMARK(BM_DoseGrid_60mm_1mm_300dwells)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
