#pragma once
// The planner's fastest path: a table of Q(along, away) = r² · Ḋ/S_K laid out for the dwells
// of one straight catheter ("a run", dwell_runs.hpp).
//
// Why it is fast: the dwells of a run share their axis u and sit at p_k = p_0 + k·s·u, so for a
// point x, away is the same for every k and along_k = along_0 + k·s. With a uniform along
// spacing h that divides s exactly (m = s/h nodes per step), every k has the same along
// fraction and the same away row; only the along node moves, by k·m. Storing node
// ia = q·m + res at [row][res][q] (q fastest) makes the values for k = 0..7 contiguous:
// 4 vector loads, 4 FMAs and one division by r_k² give 8 dose rates, no gathers.
//
// Grid (chosen from measurements against the direct formalism, every source):
//   along: h = 0.01 cm (0.1 mm) from -10 to +10 cm: every dwell step that is a multiple of
//          0.1 mm (0.5, 1, 2, 2.5, 3, 5 mm ...) is a whole number of nodes;
//   away:  "octave" rows, 128 per doubling from 1/16 cm to 10 cm (row spacing 0.4-0.8 % of
//          away): the interpolation error from the kinks of the piecewise-bilinear F(r, θ)
//          scales with (row spacing)/r, so relative spacing keeps it even near and far.
//          row(y) = 128·(e + f) for y/y0 = 2^e·(1+f): the float's own exponent and mantissa.
// Where a table cannot meet the accuracy contract the closed-form kernel (kernel.hpp: exact
// G_L, bilinear T(r, θ) whose grid contains every published node) is used instead, per
// (point, dwell) pair — see needs_closed_form():
//   * r < 0.5 cm (the tip singularity of G_L; VS2000's tip is at r = 0.25 cm);
//   * within 12° of the source axis on either side (F has its steepest kinks there: 1° θ
//     nodes with slope jumps of up to 0.2/degree on the cable side that no Cartesian grid of
//     this size resolves);
//   * outside the table (|along| near or beyond 10 cm, away > 10 cm).
// Measured (tests/dose/test_run_table.cpp, 200 000 points per source, dense near the cones,
// r = 0.5 cm and the far edge): worst |table − direct|/direct 0.049 % (BEBIG; mHDR-v2 0.019 %);
// the contract is < 0.1 % for r ≥ 0.25 cm, tested.
// Memory: 930 rows × 2001 nodes ≈ 8.3 MiB per (source, step) with the res = m copies and the
// padding; built from the closed-form kernel (1.9 M vectorised evaluations) in ~20 ms of CPU
// (bench_dose BM_RunTableBuild), once per process per (source, step): `hdr plan` pays it once.
#include <cstdint>
#include <memory>
#include <vector>

namespace hdr::dose {

class Tg43Kernel;

namespace run_grid {
constexpr float kAlongStep_cm = 0.01f;
constexpr float kAlongNodesPerCm = 100.0f;  // 1/kAlongStep_cm, exact
constexpr int kAlongStepsPerMm = 10;      // 1 mm / kAlongStep_cm
constexpr float kAlongMin_cm = -10.0f;
constexpr int kAlongNodes = 2001;         // along_i = kAlongMin_cm + i·h, up to +10 cm
constexpr float kAwayMin_cm = 0.0625f;    // 2⁻⁴ cm: rows start here (closer is closed form)
constexpr float kAwayMinInv = 16.0f;
constexpr int kRowsPerOctave = 128;
constexpr float kAwayMax_cm = 10.0f;      // row(10 cm) = 928.0
constexpr int kAwayRows = 930;
constexpr float kNearRadius_cm = 0.5f;
constexpr float kAxisConeTan = 0.21255656f;  // tan(12°)
constexpr int kMaxStrideNodes = 400;         // steps up to 40 mm
// along range a lane may have and still use the table (one node of margin at the top).
constexpr float kAlongLow_cm = kAlongMin_cm;
constexpr float kAlongHigh_cm = -kAlongMin_cm - 2 * kAlongStep_cm;

// Fractional row of away y (cm), for y >= kAwayMin_cm; the inverse of away_of_row.
inline float away_row(float y_cm) {
  const float t = (y_cm < kAwayMin_cm ? kAwayMin_cm : y_cm) * kAwayMinInv;  // >= 1
  uint32_t bits;
  __builtin_memcpy(&bits, &t, sizeof bits);
  const int e = static_cast<int>(bits >> 23) - 127;
  const float mant = static_cast<float>(bits & 0x7fffffu) * (1.0f / 8388608.0f);
  return static_cast<float>(kRowsPerOctave) * (static_cast<float>(e) + mant);
}
double away_of_row(int row);

// True where the pair (along, away) in cm must use the closed-form kernel.
inline bool needs_closed_form(float along_cm, float away_cm) {
  const float away2 = away_cm * away_cm, r2 = along_cm * along_cm + away2;
  return r2 < kNearRadius_cm * kNearRadius_cm || away2 < kAxisConeTan * kAxisConeTan * along_cm * along_cm ||
         !(along_cm >= kAlongLow_cm && along_cm <= kAlongHigh_cm) || !(away_cm <= kAwayMax_cm);
}
}  // namespace run_grid

// Q laid out for stride m: value of node (row, ia = q·m + res) at q_[(row·(m+1) + res)·nq + q],
// res in [0, m] (res = m repeats res 0 of q+1, so "the next node along" is always res + 1).
class RunTable {
 public:
  RunTable(const Tg43Kernel& kernel, int stride_nodes);

  int stride_nodes() const { return m_; }
  int q_count() const { return nq_; }
  size_t row_stride() const { return static_cast<size_t>(m_ + 1) * static_cast<size_t>(nq_); }
  const float* data() const { return q_.get(); }
  size_t bytes() const { return size_ * sizeof(float); }
  double build_time_ms() const { return build_ms_; }

  // Ḋ/S_K (cGy h⁻¹ U⁻¹) by table lookup; the caller guarantees !needs_closed_form(along, away).
  float dose_rate_per_U(float along_cm, float away_cm) const;

 private:
  struct Free {
    void operator()(float* p) const;
  };
  int m_, nq_;
  size_t size_ = 0;
  std::unique_ptr<float[], Free> q_;  // 2 MiB aligned, transparent huge pages requested
  double build_ms_ = 0;
};

// The table for (kernel's source data, stride m), built on first use and kept for the process
// (at most a few tables; older ones are dropped once nobody holds them). Thread-safe.
std::shared_ptr<const RunTable> run_table_for(const Tg43Kernel& kernel, int stride_nodes);

}  // namespace hdr::dose
