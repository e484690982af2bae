#pragma once
// Dose-rate matrix and 3D dose grid: the builders the planner uses.
//
// Dose-rate matrix A (points × dwells, column-major, Eigen's default):
//   A(i, j) = dose rate at point i from the source at dwell j, in Gy per second of dwell time
//           = S_K · Ḋ(p_i; dwell j)/S_K [cGy h⁻¹ U⁻¹] / (100 · 3600)
// so that dose_Gy = A · t_s. Each dwell carries its own position and axis direction.
//
// Evaluation: consecutive dwells on one straight catheter with equal steps (a multiple of
// 0.1 mm) form runs (dwell_runs.hpp) evaluated through the run table (run_table.hpp, 8
// dwells per vector step, no gathers); every other dwell, and every (point, dwell) pair within
// 0.5 cm of the source, within 12° of its axis or outside the table, goes through the
// closed-form kernel (kernel.hpp). Both meet the same contract (< 0.1 % against the direct
// formalism for r >= 0.25 cm). Without AVX2+FMA every dwell takes the closed-form path.
// Results are deterministic: the same for any thread count, and a column update equals a
// rebuild bit for bit.
#include <Eigen/Core>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "planner/dose/kernel.hpp"

namespace hdr::dose {

struct DwellGeometry {
  Eigen::Vector3d position_mm;
  Eigen::Vector3d direction;  // unit catheter tangent, tip -> entry (source tip along -direction)
};

// Calculation points in structure-of-arrays form (mm).
struct PointSet {
  std::vector<float> x_mm, y_mm, z_mm;
  size_t size() const { return x_mm.size(); }
  void push_back(double x, double y, double z) {
    x_mm.push_back(static_cast<float>(x));
    y_mm.push_back(static_cast<float>(y));
    z_mm.push_back(static_cast<float>(z));
  }
};

// Column-major storage whose every column starts on a 64-byte boundary: the leading dimension
// is the row count rounded up to 16 floats (the padding rows are never read). The builder then
// writes each column in whole cache lines (16 rows at a time, non-temporal), which is what makes
// a large matrix fast: with Eigen's 16-byte alignment half-written lines piled up in the write
// combining buffers and were flushed as partial writes (20 000 x 300: 21 ms -> 13 ms of CPU).
// view() is the Eigen matrix for arithmetic (A·t, Aᵀ·w).
class DoseRateMatrix {
 public:
  using View = Eigen::Map<Eigen::MatrixXf, Eigen::Aligned64, Eigen::OuterStride<>>;
  using ConstView = Eigen::Map<const Eigen::MatrixXf, Eigen::Aligned64, Eigen::OuterStride<>>;
  static constexpr Eigen::Index kRowAlignment = 16;  // floats per 64-byte line

  DoseRateMatrix() = default;
  DoseRateMatrix(Eigen::Index rows, Eigen::Index cols);  // zero-filled
  // Storage only, every entry to be written before it is read (the builder's 24 MB would
  // otherwise be zeroed first).
  static DoseRateMatrix for_overwrite(Eigen::Index rows, Eigen::Index cols);
  DoseRateMatrix(const DoseRateMatrix& other);
  DoseRateMatrix& operator=(const DoseRateMatrix& other);
  // A moved-from matrix is empty (0 × 0), never a shape without storage.
  DoseRateMatrix(DoseRateMatrix&& other) noexcept { *this = std::move(other); }
  DoseRateMatrix& operator=(DoseRateMatrix&& other) noexcept {
    rows_ = std::exchange(other.rows_, 0);
    cols_ = std::exchange(other.cols_, 0);
    ld_ = std::exchange(other.ld_, 0);
    data_ = std::move(other.data_);
    return *this;
  }

  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  Eigen::Index leading_dimension() const { return ld_; }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  float* col_data(Eigen::Index j) { return data_.get() + j * ld_; }
  float& operator()(Eigen::Index i, Eigen::Index j) { return data_[static_cast<size_t>(j * ld_ + i)]; }
  float operator()(Eigen::Index i, Eigen::Index j) const { return data_[static_cast<size_t>(j * ld_ + i)]; }
  View view() { return View(data_.get(), rows_, cols_, Eigen::OuterStride<>(ld_)); }
  ConstView view() const { return ConstView(data_.get(), rows_, cols_, Eigen::OuterStride<>(ld_)); }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  void allocate(Eigen::Index rows, Eigen::Index cols);
  Eigen::Index rows_ = 0, cols_ = 0, ld_ = 0;
  std::unique_ptr<float[], Free> data_;
};

// Gy s⁻¹ per dwell at strength sk_U. threads: 0 = all hardware threads.
DoseRateMatrix build_dose_rate_matrix(const Tg43Kernel& kernel, const PointSet& points,
                                      std::span<const DwellGeometry> dwells, double sk_U, int threads = 0);

// Recomputes only the given columns (a needle moved): same result as a full rebuild.
void update_dose_rate_columns(const Tg43Kernel& kernel, const PointSet& points, std::span<const DwellGeometry> dwells,
                              std::span<const int> columns, double sk_U, DoseRateMatrix& matrix);

// Regular 3D grid; voxel (i,j,k) centre at origin + (i·dx, j·dy, k·dz); x fastest.
struct GridSpec {
  Eigen::Vector3d origin_mm{0, 0, 0};
  Eigen::Vector3d spacing_mm{1, 1, 1};
  Eigen::Vector3i dims{0, 0, 0};
  size_t voxel_count() const { return static_cast<size_t>(dims.x()) * dims.y() * dims.z(); }
  size_t index(int i, int j, int k) const {
    return (static_cast<size_t>(k) * dims.y() + j) * dims.x() + i;
  }
  Eigen::Vector3d centre_mm(int i, int j, int k) const {
    return origin_mm + Eigen::Vector3d(i * spacing_mm.x(), j * spacing_mm.y(), k * spacing_mm.z());
  }
};

struct DoseGrid {
  GridSpec spec;
  std::vector<float> dose_Gy;  // spec.index(i,j,k)
};

// Dose from dwell times (s) at strength sk_U. Dwells with zero time are skipped.
DoseGrid compute_dose_grid(const Tg43Kernel& kernel, const GridSpec& spec, std::span<const DwellGeometry> dwells,
                           std::span<const double> times_s, double sk_U, int threads = 0);

// Dose at arbitrary points (Gy) from dwell times: the same sum without storing a matrix.
std::vector<float> compute_point_doses(const Tg43Kernel& kernel, const PointSet& points,
                                       std::span<const DwellGeometry> dwells, std::span<const double> times_s,
                                       double sk_U, int threads = 0);

// The direct (non-table) path for independent checks: dose in Gy at one point.
double direct_point_dose_Gy(const SourceModel& source, const Eigen::Vector3d& point_mm,
                            std::span<const DwellGeometry> dwells, std::span<const double> times_s, double sk_U);

}  // namespace hdr::dose
