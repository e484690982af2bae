#include "planner/dose/dose_matrix.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "planner/common/error.hpp"
#include "planner/dose/dwell_runs.hpp"
#include "planner/dose/parallel.hpp"
#include "planner/dose/run_eval.hpp"
#include "planner/dose/tg43.hpp"

namespace hdr::dose {
namespace {

// cGy h⁻¹ U⁻¹ × U -> Gy s⁻¹
double gy_per_s_factor(double sk_U) { return sk_U / (100.0 * 3600.0); }

void check_dwell(const DwellGeometry& d) {
  HDR_ASSERT(d.position_mm.allFinite() && d.direction.allFinite(), "dwell geometry must be finite");
  HDR_ASSERT(std::fabs(d.direction.norm() - 1.0) < 1e-3, "dwell direction must be a unit vector");
}


// How a dwell list is evaluated: runs through their tables (one table per step, shared), the
// rest through the closed-form kernel. Without AVX2+FMA every dwell is a single.
struct EvaluationPlan {
  DwellRuns split;
  std::map<int, std::shared_ptr<const RunTable>> tables;  // by stride (nodes)

  EvaluationPlan(const Tg43Kernel& kernel, std::span<const DwellGeometry> dwells) {
    if (run_path_available()) {
      split = find_dwell_runs(dwells);
    } else {
      for (size_t j = 0; j < dwells.size(); ++j) split.singles.push_back(static_cast<int>(j));
    }
    for (const auto& r : split.runs)
      if (!tables.count(r.stride_nodes)) tables[r.stride_nodes] = run_table_for(kernel, r.stride_nodes);
  }
  const RunTable& table(const DwellRun& r) const { return *tables.at(r.stride_nodes); }
};

// Rows [b, e) of the matrix: every run through the run table, every single dwell through the
// closed form. write_dwell: nullptr = every column, else a flag per dwell.
void fill_rows(const Tg43Kernel& kernel, const EvaluationPlan& plan, std::span<const RunRef> runs, size_t b, size_t e,
               const PointSet& points, std::span<const DwellGeometry> dwells, float scale, DoseRateMatrix& a,
               const uint8_t* write_dwell) {
  if (b >= e) return;
  if (!runs.empty()) {
    ClosedFormQueue queue(kernel, /*accumulate=*/false);
    run_fill_rows(runs, points.x_mm, points.y_mm, points.z_mm, b, e, scale, a.data(), static_cast<size_t>(a.leading_dimension()),
                  write_dwell, queue);
  }
  const std::span<const float> xs(points.x_mm.data() + b, e - b), ys(points.y_mm.data() + b, e - b),
      zs(points.z_mm.data() + b, e - b);
  for (int j : plan.split.singles) {
    if (write_dwell != nullptr && !write_dwell[j]) continue;
    const auto& d = dwells[static_cast<size_t>(j)];
    const float pos[3] = {static_cast<float>(d.position_mm.x()), static_cast<float>(d.position_mm.y()),
                          static_cast<float>(d.position_mm.z())};
    const float dir[3] = {static_cast<float>(d.direction.x()), static_cast<float>(d.direction.y()),
                          static_cast<float>(d.direction.z())};
    kernel.eval_points(xs, ys, zs, pos, dir, scale, a.col_data(j) + b);
  }
}

std::vector<RunRef> run_refs(const EvaluationPlan& plan, const uint8_t* write_dwell) {
  std::vector<RunRef> refs;
  for (const auto& r : plan.split.runs) {
    bool touched = write_dwell == nullptr;
    for (int l = 0; l < r.count && !touched; ++l) touched = write_dwell[r.dwell(l)] != 0;
    if (touched) refs.push_back({&r, &plan.table(r)});
  }
  return refs;
}

}  // namespace

void DoseRateMatrix::Free::operator()(float* p) const { std::free(p); }

void DoseRateMatrix::allocate(Eigen::Index rows, Eigen::Index cols) {
  HDR_ASSERT(rows >= 0 && cols >= 0, "matrix dimensions must be >= 0");
  rows_ = rows;
  cols_ = cols;
  ld_ = (rows + kRowAlignment - 1) / kRowAlignment * kRowAlignment;
  const size_t bytes = std::max<size_t>(64, static_cast<size_t>(ld_ * cols_) * sizeof(float));  // a multiple of 64
  data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
  HDR_ASSERT(data_ != nullptr, "out of memory for the dose-rate matrix");
}

DoseRateMatrix::DoseRateMatrix(Eigen::Index rows, Eigen::Index cols) {
  allocate(rows, cols);
  std::memset(data_.get(), 0, static_cast<size_t>(ld_ * cols_) * sizeof(float));
}

DoseRateMatrix DoseRateMatrix::for_overwrite(Eigen::Index rows, Eigen::Index cols) {
  DoseRateMatrix m;
  m.allocate(rows, cols);
  return m;
}

DoseRateMatrix::DoseRateMatrix(const DoseRateMatrix& other) { *this = other; }

DoseRateMatrix& DoseRateMatrix::operator=(const DoseRateMatrix& other) {
  if (this == &other) return *this;
  allocate(other.rows_, other.cols_);
  if (ld_ * cols_ > 0) std::memcpy(data_.get(), other.data_.get(), static_cast<size_t>(ld_ * cols_) * sizeof(float));
  return *this;
}

DoseRateMatrix build_dose_rate_matrix(const Tg43Kernel& kernel, const PointSet& points,
                                      std::span<const DwellGeometry> dwells, double sk_U, int threads) {
  require(sk_U > 0 && std::isfinite(sk_U), "air-kerma strength must be > 0 U");
  auto a = DoseRateMatrix::for_overwrite(static_cast<Eigen::Index>(points.size()), static_cast<Eigen::Index>(dwells.size()));
  const float scale = static_cast<float>(gy_per_s_factor(sk_U));
  for (const auto& d : dwells) check_dwell(d);
  if (points.size() == 0 || dwells.empty()) return a;
  const EvaluationPlan plan(kernel, dwells);
  const std::vector<RunRef> runs = run_refs(plan, nullptr);
  // Rows are independent: threads take blocks of 16 rows (the run path's unit and one cache
  // line of every column, see DoseRateMatrix). Small jobs stay on one thread.
  const size_t blocks = (points.size() + 15) / 16;
  parallel_for_chunks(blocks, threads, points.size() * dwells.size() < 200000 ? blocks : 64, [&](size_t b, size_t e) {
    fill_rows(kernel, plan, runs, 16 * b, std::min(points.size(), 16 * e), points, dwells, scale, a, nullptr);
  });
  return a;
}

void update_dose_rate_columns(const Tg43Kernel& kernel, const PointSet& points, std::span<const DwellGeometry> dwells,
                              std::span<const int> columns, double sk_U, DoseRateMatrix& matrix) {
  require(sk_U > 0 && std::isfinite(sk_U), "air-kerma strength must be > 0 U");
  HDR_ASSERT(matrix.rows() == static_cast<Eigen::Index>(points.size()) &&
                 matrix.cols() == static_cast<Eigen::Index>(dwells.size()),
             "matrix shape must match points x dwells");
  const float scale = static_cast<float>(gy_per_s_factor(sk_U));
  std::vector<uint8_t> write(dwells.size(), 0);
  for (int j : columns) {
    HDR_ASSERT(j >= 0 && j < matrix.cols(), "column index out of range");
    check_dwell(dwells[static_cast<size_t>(j)]);
    write[static_cast<size_t>(j)] = 1;
  }
  if (points.size() == 0 || columns.empty()) return;
  // The same runs as a full rebuild (found over every dwell), writing only the given columns,
  // so an update is bit-identical to a rebuild.
  const EvaluationPlan plan(kernel, dwells);
  fill_rows(kernel, plan, run_refs(plan, write.data()), 0, points.size(), points, dwells, scale, matrix, write.data());
}

std::vector<float> compute_point_doses(const Tg43Kernel& kernel, const PointSet& points,
                                       std::span<const DwellGeometry> dwells, std::span<const double> times_s,
                                       double sk_U, int threads) {
  require(dwells.size() == times_s.size(), "one dwell time per dwell position is required");
  require(sk_U > 0 && std::isfinite(sk_U), "air-kerma strength must be > 0 U");
  for (size_t j = 0; j < dwells.size(); ++j) {
    require(std::isfinite(times_s[j]) && times_s[j] >= 0, "dwell times must be finite and >= 0 s");
    check_dwell(dwells[j]);
  }
  std::vector<float> dose(points.size(), 0.0f);
  const double k = gy_per_s_factor(sk_U);
  const EvaluationPlan plan(kernel, dwells);
  std::vector<WeightedRun> weighted;
  for (const auto& r : plan.split.runs) {
    WeightedRun w{&r, &plan.table(r), std::vector<float>(static_cast<size_t>((r.count + 7) / 8 * 8), 0.0f)};
    bool any = false;
    for (int l = 0; l < r.count; ++l) {
      w.lane_weight[static_cast<size_t>(l)] = static_cast<float>(k * times_s[static_cast<size_t>(r.dwell(l))]);
      any = any || times_s[static_cast<size_t>(r.dwell(l))] != 0;
    }
    if (any) weighted.push_back(std::move(w));
  }
  parallel_for_chunks(points.size(), threads, 4096, [&](size_t b, size_t e) {
    const std::span<const float> xs(points.x_mm.data() + b, e - b), ys(points.y_mm.data() + b, e - b),
        zs(points.z_mm.data() + b, e - b);
    if (!weighted.empty()) {
      ClosedFormQueue queue(kernel, /*accumulate=*/true);
      run_accumulate_doses(weighted, points.x_mm, points.y_mm, points.z_mm, b, e, dose.data(), queue);
    }
    for (int jj : plan.split.singles) {
      const size_t j = static_cast<size_t>(jj);
      if (times_s[j] == 0) continue;
      const auto& d = dwells[j];
      const float pos[3] = {static_cast<float>(d.position_mm.x()), static_cast<float>(d.position_mm.y()),
                            static_cast<float>(d.position_mm.z())};
      const float dir[3] = {static_cast<float>(d.direction.x()), static_cast<float>(d.direction.y()),
                            static_cast<float>(d.direction.z())};
      kernel.accumulate_points(xs, ys, zs, pos, dir, static_cast<float>(k * times_s[j]), dose.data() + b);
    }
  });
  return dose;
}

DoseGrid compute_dose_grid(const Tg43Kernel& kernel, const GridSpec& spec, std::span<const DwellGeometry> dwells,
                           std::span<const double> times_s, double sk_U, int threads) {
  require(spec.dims.minCoeff() > 0, "dose grid dimensions must be > 0");
  require(spec.spacing_mm.minCoeff() > 0, "dose grid spacing must be > 0 mm");
  PointSet pts;
  const size_t n = spec.voxel_count();
  pts.x_mm.resize(n);
  pts.y_mm.resize(n);
  pts.z_mm.resize(n);
  for (int k = 0; k < spec.dims.z(); ++k)
    for (int j = 0; j < spec.dims.y(); ++j)
      for (int i = 0; i < spec.dims.x(); ++i) {
        const size_t idx = spec.index(i, j, k);
        const Eigen::Vector3d c = spec.centre_mm(i, j, k);
        pts.x_mm[idx] = static_cast<float>(c.x());
        pts.y_mm[idx] = static_cast<float>(c.y());
        pts.z_mm[idx] = static_cast<float>(c.z());
      }
  DoseGrid grid;
  grid.spec = spec;
  grid.dose_Gy = compute_point_doses(kernel, pts, dwells, times_s, sk_U, threads);
  return grid;
}

double direct_point_dose_Gy(const SourceModel& source, const Eigen::Vector3d& point_mm,
                            std::span<const DwellGeometry> dwells, std::span<const double> times_s, double sk_U) {
  require(dwells.size() == times_s.size(), "one dwell time per dwell position is required");
  double dose_cGy = 0;
  for (size_t j = 0; j < dwells.size(); ++j) {
    if (times_s[j] == 0) continue;
    const Eigen::Vector3d d_cm = (point_mm - dwells[j].position_mm) * 0.1;
    const double along = -d_cm.dot(dwells[j].direction);
    const double away = std::sqrt(std::max(d_cm.squaredNorm() - along * along, 0.0));
    dose_cGy += sk_U * dose_rate_per_U(source, along, away) * times_s[j] / 3600.0;
  }
  return dose_cGy / 100.0;
}

}  // namespace hdr::dose
